"""Writing one feature (OGC API – Features Part 4): create, replace, update or delete.

Each write is one transaction (:meth:`geoapp.store.core.Store.write`): the feature's current row
is read inside it and checked against the version the writer saw (a stale one is a
``PreconditionFailed``, nothing written); the previous version goes to ``feature_versions``; the
feature's version moves on, stamped with who and when; the whole catalog is loaded from the
transaction's state with the loader's checks (``DataError`` rolls everything back); and the
audit entry says who changed what, before → after. The loaded catalog is returned so the web
layer can serve it at once.

Examples
--------
>>> edit = Edit("parks", "park-x", doc, "feature.created")  # doctest: +SKIP
>>> version, catalog = write_feature(store, edit, "gis-li", Path("layers"))  # doctest: +SKIP
>>> version  # doctest: +SKIP
1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoapp.catalog import Catalog
from geoapp.errors import Conflict, NotFound, PreconditionFailed
from geoapp.store import layer_cache
from geoapp.store.backends import Tx
from geoapp.store.core import Store, now
from geoapp.store.snapshot import OneFeature, catalog_of, kept

#: the audit actions of the four writes
ACTIONS = ("feature.created", "feature.replaced", "feature.updated", "feature.deleted")


@dataclass(frozen=True)
class FeatureRow:
    """A feature as the store keeps it: its GeoJSON text, version and place in the layer."""

    fid: str
    doc: str
    version: int
    position: int
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class Edit:
    """One write: the feature's new GeoJSON (None to delete it), the audit action, and the
    version the writer based it on (None: no check, a create or an unconditional write)."""

    layer: str
    fid: str
    doc: dict[str, Any] | None
    action: str
    expect: int | None = None


def feature_row(store: Store, layer: str, fid: str) -> FeatureRow | None:
    """The feature's row (inside this thread's transaction if there is one), or None."""
    rows = store.backend.read(
        "SELECT fid, doc, version, position, updated_at, updated_by FROM features "
        "WHERE layer = ? AND fid = ?",
        (layer, fid),
    )
    return FeatureRow(*rows[0]) if rows else None


def _check_state(edit: Edit, row: FeatureRow | None) -> None:
    """Conflict for a create of an existing id, NotFound for a write to a missing one,
    PreconditionFailed when the feature changed since the version the writer saw."""
    where = f"feature '{edit.fid}' in collection '{edit.layer}'"
    if edit.action == "feature.created":
        if row is not None:
            raise Conflict(f"{where} exists already: replace it (PUT) or choose another id", "id")
        return
    if row is None:
        raise NotFound(f"no {where}", "featureId")
    if edit.expect is not None and row.version != edit.expect:
        raise PreconditionFailed(
            f"{where} changed since version {edit.expect} (now version {row.version}, "
            f"{row.updated_at} by {row.updated_by}): fetch it again and redo the edit",
            "If-Match",
        )


def _next_version(tx: Tx, edit: Edit, row: FeatureRow | None) -> int:
    """One more than any version the feature ever had (a re-created id never reuses one)."""
    if row is not None:
        return row.version + 1
    old = tx.query(
        "SELECT MAX(version) FROM feature_versions WHERE layer = ? AND fid = ?",
        (edit.layer, edit.fid),
    )
    return int(old[0][0] or 0) + 1


def _put(
    tx: Tx, edit: Edit, row: FeatureRow | None, version: int, user: str, stamp: str
) -> str | None:
    """Insert, update or delete the feature's row; the text written (None: deleted)."""
    if edit.doc is None:
        tx.execute("DELETE FROM features WHERE layer = ? AND fid = ?", (edit.layer, edit.fid))
        return None
    text = json.dumps(edit.doc, ensure_ascii=False)
    geometry = json.dumps(edit.doc["geometry"]) if edit.doc.get("geometry") else None
    if row is None:
        last = tx.query("SELECT MAX(position) FROM features WHERE layer = ?", (edit.layer,))
        tx.execute(
            "INSERT INTO features (layer, position, fid, doc, geometry, version, updated_at, "
            "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (edit.layer, int(last[0][0] if last[0][0] is not None else -1) + 1, edit.fid, text,
             geometry, version, stamp, user),
        )  # fmt: skip
    else:
        tx.execute(
            "UPDATE features SET doc = ?, geometry = ?, version = ?, updated_at = ?, "
            "updated_by = ? WHERE layer = ? AND fid = ?",
            (text, geometry, version, stamp, user, edit.layer, edit.fid),
        )
    return text


def write_feature(store: Store, edit: Edit, user: str, layers_dir: Path,
                  address: str = "") -> tuple[int, Catalog]:  # fmt: skip
    """Apply one write in one transaction; the feature's new version and the new catalog.

    Raises Conflict / NotFound / PreconditionFailed (see :func:`_check_state`) and DataError
    when the catalog would not load with the change; nothing changes then.
    """
    if edit.action not in ACTIONS:
        raise ValueError(f"unknown feature action {edit.action!r}")
    with store.write(data=True) as tx:
        if not tx.query("SELECT 1 FROM files WHERE name = ?", (f"geojson/{edit.layer}.geojson",)):
            raise NotFound(f"the store holds no layer '{edit.layer}'", "collectionId")
        row = feature_row(store, edit.layer, edit.fid)
        _check_state(edit, row)
        before = layer_cache.layer_keys(store, layers_dir).get(edit.layer, "")
        stamp = now()
        version = _next_version(tx, edit, row)
        if row is not None:
            tx.execute(
                "INSERT INTO feature_versions (layer, fid, version, doc, replaced_at, "
                "replaced_by) VALUES (?, ?, ?, ?, ?, ?)",
                (edit.layer, edit.fid, row.version, row.doc, stamp, user),
            )
        text = _put(tx, edit, row, version, user, stamp)
        if edit.doc is not None:
            store.backend.index_geometry(tx, edit.layer, edit.fid)
        catalog = catalog_of(store, layers_dir, OneFeature(edit.layer, before, edit.fid, text))
        before = None if row is None else {"version": row.version, "feature": json.loads(row.doc)}
        after = None if edit.doc is None else {"version": version, "feature": edit.doc}
        store.audit(tx, user, edit.action, f"{edit.layer}/{edit.fid}", before, after, address)
    return version, kept(store, layers_dir, catalog)


def previous_versions(store: Store, layer: str, fid: str) -> list[dict[str, Any]]:
    """The feature's replaced versions, oldest first (version, GeoJSON, when, by whom)."""
    rows = store.backend.read(
        "SELECT version, doc, replaced_at, replaced_by FROM feature_versions "
        "WHERE layer = ? AND fid = ? ORDER BY version",
        (layer, fid),
    )
    return [
        {"version": v, "feature": json.loads(d), "replaced_at": at, "replaced_by": by}
        for v, d, at, by in rows
    ]
