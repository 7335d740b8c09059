"""Mapbox Vector Tile encoding on whole arrays: one layer's features, already in tile units.

The geometry commands of every feature are built with numpy from shapely's ragged arrays
(``shapely.to_ragged_array``) and written as varints in one pass; only the per-feature framing
and the attribute table are Python. The output follows ``mapbox-vector-tile``'s encoder exactly
(the same commands, repeated points skipped, a ring or line with nothing left dropped, a polygon
whose exterior is dropped dropped with its holes, the same key/value tables), about fifty times
faster: it was the cost of a cold tile (130 µs a feature).

Examples
--------
>>> import shapely
>>> data = encode_layer("parks", [shapely.box(0, 0, 10, 10)], [{"id": "a"}])
>>> import mapbox_vector_tile
>>> mapbox_vector_tile.decode(data)["parks"]["features"][0]["properties"]
{'id': 'a'}
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import shapely

EXTENT = 4096
MOVE_TO, LINE_TO, CLOSE = 1, 2, 7
#: geometry family → the MVT GeomType
_FAMILY = {0: 1, 4: 1, 1: 2, 5: 2, 3: 3, 6: 3}


def varints(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Unsigned varints of every value (< 2³⁵), and each one's byte length.

    >>> varints(np.array([1, 300]))[0]
    b'\\x01\\xac\\x02'
    """
    v = np.asarray(values, dtype=np.uint64)
    size = np.ones(len(v), np.int64)
    for k in range(1, 5):
        size += v >= np.uint64(1 << (7 * k))
    end = np.cumsum(size)
    out = np.zeros(int(end[-1]) if len(end) else 0, np.uint8)
    start = end - size
    for k in range(5):
        has = size > k
        byte = (v[has] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (size[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[start[has] + k] = (byte | more).astype(np.uint8)
    return out.tobytes(), size


def _starts(a: np.ndarray) -> np.ndarray:
    """Where a new value begins in ``a`` (the first element included)."""
    out = np.ones(len(a), bool)
    out[1:] = a[1:] != a[:-1]
    return out


def _zigzag(n: np.ndarray) -> np.ndarray:
    n = n.astype(np.int64)
    return ((n << 1) ^ (n >> 63)).astype(np.uint64)


def _kept_runs(coords: np.ndarray, run: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Which vertices are written: the first of each run, then each that moves the cursor."""
    same = np.zeros(len(coords), bool)
    same[1:] = (coords[1:] == coords[:-1]).all(axis=1) & (run[1:] == run[:-1])
    return first | ~same


def _runs(coords: np.ndarray, offsets: np.ndarray, closed: bool):
    """Per vertex: its run (ring or line); a ring's closing vertex dropped."""
    counts = np.diff(offsets)
    run = np.repeat(np.arange(len(counts)), counts)
    keep = np.ones(len(run), bool)
    if closed:
        keep[offsets[1:][counts > 0] - 1] = False
    return coords[keep], run[keep]


def _alive(coords, run, n_runs: int, exterior):
    """The vertices written and the runs that stay (a hole only with its exterior)."""
    kept = _kept_runs(coords, run, _starts(run))
    k = np.bincount(run[kept], minlength=n_runs)
    alive = k >= 2  # a MoveTo and at least one LineTo
    if exterior is not None:
        alive &= alive[exterior]
    return kept & alive[run], k


def _stream(coords, run, feature_of_run, n_features, closed: bool, exterior=None):
    """The command integers of every feature, and how many each feature has."""
    take, k = _alive(coords, run, len(feature_of_run), exterior)
    coords, run = coords[take], run[take]
    runs = np.unique(run)
    k, feat = k[runs], feature_of_run[runs]
    per_run = 2 * k + (3 if closed else 2)
    run_start = (np.cumsum(per_run) - per_run).astype(np.int64)
    out = np.zeros(int(per_run.sum()), np.uint64)
    j = np.arange(len(run)) - np.repeat(np.cumsum(k) - k, k)
    base = np.repeat(run_start, k) + 1 + 2 * j + (j >= 1)
    delta = np.diff(coords, axis=0, prepend=np.zeros((1, 2)))
    feat_v = np.repeat(feat, k)
    new_feat = _starts(feat_v)
    delta[new_feat] = coords[new_feat]  # each feature starts from (0, 0)
    out[base], out[base + 1] = _zigzag(delta[:, 0]), _zigzag(delta[:, 1])
    out[run_start] = (1 << 3) | MOVE_TO
    out[run_start + 3] = ((k - 1).astype(np.uint64) << np.uint64(3)) | np.uint64(LINE_TO)
    if closed:
        out[run_start + per_run - 1] = (1 << 3) | CLOSE
    length = np.bincount(feat, weights=per_run, minlength=n_features).astype(np.int64)
    return out, length


def _points(coords: np.ndarray, offsets: np.ndarray):
    """MoveTo(n) and the points of every (multi)point feature, deltas within the feature."""
    n = np.diff(offsets)
    length = np.where(n > 0, 1 + 2 * n, 0)
    out = np.zeros(int(length.sum()), np.uint64)
    start = np.cumsum(length) - length
    feat = np.repeat(np.arange(len(n)), n)
    j = np.arange(len(feat)) - np.repeat(offsets[:-1], n)
    delta = np.diff(coords, axis=0, prepend=np.zeros((1, 2)))
    delta[j == 0] = coords[j == 0]
    base = np.repeat(start, n) + 1 + 2 * j
    out[base], out[base + 1] = _zigzag(delta[:, 0]), _zigzag(delta[:, 1])
    out[start[n > 0]] = (n[n > 0].astype(np.uint64) << np.uint64(3)) | np.uint64(MOVE_TO)
    return out, length


def _family_stream(geoms: np.ndarray, family: int):
    """(ints, ints per feature) for geometries of one family (0 point, 1 line, 3 polygon)."""
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    n = len(geoms)
    if family == 0:
        offs = offsets[0] if offsets else np.arange(n + 1)
        return _points(coords, offs)
    closed = family == 3
    parts = offsets[1] if closed else np.arange(len(offsets[0]))  # rings of each polygon
    if closed:
        multi = offsets[2] if len(offsets) > 2 else np.arange(n + 1)
        poly_of_ring = np.repeat(np.arange(len(parts) - 1), np.diff(parts))
        feature_of_run = np.repeat(np.arange(n), np.diff(multi))[poly_of_ring]
        exterior = parts[:-1][poly_of_ring]
    else:
        multi = offsets[1] if len(offsets) > 1 else np.arange(n + 1)
        feature_of_run = np.repeat(np.arange(n), np.diff(multi))
        exterior = None
    coords, run = _runs(coords, offsets[0], closed)
    return _stream(coords, run, feature_of_run, n, closed, exterior)


_SMALL = [bytes((n,)) for n in range(128)]


def _varint(n: int) -> bytes:
    if n < 128:
        return _SMALL[n]
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _SMALL[number << 3 | 2] + _varint(len(payload)) + payload


def _value(v: Any) -> bytes:
    """A Value message, as mapbox-vector-tile writes it."""
    if isinstance(v, bool):
        return b"\x38" + (b"\x01" if v else b"\x00")
    if isinstance(v, str):
        return _field(1, v.encode("utf-8"))
    if isinstance(v, int):
        return b"\x20" + _varint(v & 0xFFFFFFFFFFFFFFFF)
    return b"\x19" + struct.pack("<d", v)


_PLAIN = {str: False, int: False, float: False, bool: True}  # type → goes to the bool table


class _Tables:
    """The layer's keys and values, numbered in order of first use (booleans apart from 1/0)."""

    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.values: dict[Any, int] = {}
        self.bools: dict[bool, int] = {}
        self.encoded: list[bytes] = []

    def tags(self, props: dict[str, Any]) -> list[int]:
        """The feature's tags (key index, value index, …), adding to the tables."""
        out, keys, encoded = [], self.keys, self.encoded
        for k, v in props.items():
            is_bool = _PLAIN.get(type(v))
            if is_bool is None:  # a subclass (numpy scalars) or a type MVT cannot hold
                if not isinstance(v, str | bool | int | float):
                    continue
                is_bool = isinstance(v, bool)
            if type(k) is not str and not isinstance(k, str):
                continue
            ki = keys.get(k)
            if ki is None:
                ki = keys[k] = len(keys)
            table = self.bools if is_bool else self.values
            vi = table.get(v)
            if vi is None:
                vi = table[v] = len(encoded)
                encoded.append(_value(v))
            out += (ki, vi)
        return out


def _geometry_ints(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every feature's command integers (one stream), each one's count and its MVT type."""
    types = np.array([_FAMILY.get(t, 0) for t in shapely.get_type_id(geoms)], np.int64)
    counts = np.zeros(len(geoms), np.int64)
    streams = {}
    for mvt_type, family in ((1, 0), (2, 1), (3, 3)):
        rows = np.flatnonzero(types == mvt_type)
        if len(rows):
            streams[mvt_type] = (rows, *_family_stream(geoms[rows], family))
            counts[rows] = streams[mvt_type][2]
    start = np.cumsum(counts) - counts
    ints = np.zeros(int(counts.sum()), np.uint64)
    for rows, stream, length in streams.values():
        where = np.repeat(start[rows], length) + (
            np.arange(len(stream)) - np.repeat(np.cumsum(length) - length, length)
        )
        ints[where] = stream
    return ints, counts, types


def _packed_tags(tables: _Tables, props: list[dict[str, Any]]) -> list[bytes]:
    """Each feature's tags as packed varints (all written in one pass)."""
    tag_ints = [tables.tags(p) for p in props]
    data, sizes = varints(np.fromiter((t for f in tag_ints for t in f), np.uint64))
    byte_at = np.r_[0, np.cumsum(sizes)][np.cumsum([0] + [len(f) for f in tag_ints])].tolist()
    return [data[a:b] for a, b in zip(byte_at[:-1], byte_at[1:], strict=True)]


def encode_layer(name: str, geoms, props: list[dict[str, Any]], extent: int = EXTENT) -> bytes:
    """One tile holding one layer: ``geoms`` in tile units (y down, oriented), ``props`` each."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return b""
    ints, counts, types = _geometry_ints(geoms)
    data, sizes = varints(ints)
    ends = np.cumsum(sizes)
    int_end = np.cumsum(counts)
    byte_end = np.where(int_end > 0, ends[np.maximum(int_end - 1, 0)] if len(ends) else 0, 0)
    byte_start = np.r_[0, byte_end[:-1]]
    tables, drawn = _Tables(), np.flatnonzero(counts > 0).tolist()
    packed = _packed_tags(tables, [props[i] for i in drawn])
    kinds = [_SMALL[t] for t in types.tolist()]
    starts, ends_, features = byte_start.tolist(), byte_end.tolist(), []
    for tags, i in zip(packed, drawn, strict=True):
        body = (_field(2, tags) if tags else b"") + b"\x18" + kinds[i]
        features.append(_field(2, body + _field(4, data[starts[i] : ends_[i]])))
    if not features:
        return b""
    layer = b"".join([
        _field(1, name.encode("utf-8")), *features,
        *(_field(3, k.encode("utf-8")) for k in tables.keys),
        *(_field(4, v) for v in tables.encoded),
        b"\x28" + _varint(extent), b"\x78\x02",
    ])  # fmt: skip
    return _field(3, layer)
