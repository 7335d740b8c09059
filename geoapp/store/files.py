"""Seed files ⇄ store rows: read ``data/`` into rows that keep their text, and write them back.

A GeoJSON layer becomes one row per feature holding the feature's text as written, plus the text
around the features (``files``); a CSV becomes one row per record with its values and its line.
Writing back uses a row's own text while its values still match it, so a round trip of the
bundled data is byte-for-byte equal; a changed or new row is formatted the standard way.

Examples
--------
>>> parts = split_geojson('{"type": "FeatureCollection", "features": [{"a": 1}, {"b": 2}]}')
>>> parts.prefix, parts.separator, parts.items, parts.suffix
('{"type": "FeatureCollection", "features": [', ', ', ['{"a": 1}', '{"b": 2}'], ']}')
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

FEATURES_START = re.compile(r'"features"\s*:\s*\[\s*')
SEPARATOR = re.compile(r"\s*,\s*")
CLOSE = re.compile(r"\s*\]")


@dataclass
class FileParts:
    """A file cut into the text before, between and after its items."""

    prefix: str
    separator: str
    suffix: str
    items: list[str] = field(default_factory=list)
    opaque: bool = False
    #: the items parsed (GeoJSON features), when the split parsed them anyway
    decoded: list = field(default_factory=list, compare=False, repr=False)


def opaque(text: str) -> FileParts:
    """A file the store keeps as it is (unreadable, or not in the expected shape)."""
    return FileParts(text, "", "", [], True)


def split_geojson(text: str) -> FileParts:
    """Cut a FeatureCollection into its features' texts; ``opaque`` if it cannot be.

    One pass of the decoder over the features (each one's text and value); the document around
    them is then parsed with an empty features array, which must be the top-level one.
    """
    match = FEATURES_START.search(text)
    if match is None:
        return opaque(text)
    decoder, pos, items, seps, decoded = json.JSONDecoder(), match.end(), [], [], []
    while not CLOSE.match(text, pos):
        try:
            item, end = decoder.raw_decode(text, pos)
        except ValueError:
            return opaque(text)
        items.append(text[pos:end])
        decoded.append(item)
        sep = SEPARATOR.match(text, end)  # matched in place: slicing the rest is quadratic
        if sep is None:
            pos = end
            break
        seps.append(sep.group())
        pos = sep.end()
    if not _skeleton_ok(text[: match.end()] + text[pos:]) or len(set(seps)) > 1:
        return opaque(text)
    if (items and len(seps) >= len(items)) or not all(isinstance(f, dict) for f in decoded):
        return opaque(text)  # a trailing comma, or items that are not features
    sep = seps[0] if seps else ",\n  "
    return FileParts(text[: match.end()], sep, text[pos:], items, decoded=decoded)


def _skeleton_ok(skeleton: str) -> bool:
    """The document with its features cut out: an object whose ``features`` is now empty."""
    try:
        doc = json.loads(skeleton)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("features") == []


def geometry_text(feature: dict) -> str | None:
    """A feature's geometry as compact GeoJSON (the store's ``geometry`` column), None if none."""
    geometry = feature.get("geometry")
    return orjson.dumps(geometry).decode() if geometry else None


def feature_text(feature: dict) -> str:
    """A new feature's text, indented to sit in a bundled layer file."""
    return json.dumps(feature, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def join(parts: FileParts) -> str:
    """The file text back from its parts."""
    if parts.opaque:
        return parts.prefix
    return parts.prefix + parts.separator.join(parts.items) + parts.suffix


def _records(text: str) -> Iterator[tuple[list[str], str]]:
    """(values, the record's own text without its line end) for every CSV record."""
    lines = text.splitlines(keepends=True)
    taken: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    for values in csv.reader(feed()):
        raw = "".join(taken)
        taken.clear()
        yield values, raw.rstrip("\r\n")


def split_csv(
    text: str, columns: list[str], optional: list[str] = ()
) -> tuple[FileParts, list[dict[str, str]]]:
    """Cut a CSV with every one of ``columns`` (any order, plus any of ``optional``) into header,
    records and line ends.

    Opaque (kept as it is, for the loader to report) when its columns differ or it is unreadable.
    """
    try:
        records = list(_records(text))
    except csv.Error:
        return opaque(text), []
    header = records[0][0] if records else []
    if (
        not records
        or len(set(header)) != len(header)
        or not (set(columns) <= set(header) <= set(columns) | set(optional))
    ):
        return opaque(text), []
    if any(len(values) != len(header) for values, _ in records[1:]):
        return opaque(text), []
    end = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    suffix = end if text.endswith(("\n", "\r")) else ""
    parts = FileParts(records[0][1] + end, end, suffix, [raw for _, raw in records[1:]])
    return parts, [dict(zip(header, values, strict=True)) for values, _ in records[1:]]


def csv_header(parts: FileParts) -> list[str]:
    """The column names in a CSV's header (its prefix)."""
    return next(csv.reader([parts.prefix.rstrip("\r\n")]))


def csv_line(values: list[str]) -> str:
    """One record in the standard CSV form (minimal quoting), without its line end."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def record_text(values: list[str], raw: str | None) -> str:
    """The row's own text while it still reads as ``values``; the standard form otherwise."""
    if raw is not None:
        try:
            if next(csv.reader([raw])) == values:
                return raw
        except (csv.Error, StopIteration):
            pass
    return csv_line(values)
