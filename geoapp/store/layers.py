"""Replacing a layer's features in the store (a GIS import): one transaction, validated inside it,
with each replaced feature's previous version kept and every feature's version stamp moved on.

Examples
--------
>>> replace_layer(store, "parks", text, "gis-li", Path("layers"))  # doctest: +SKIP
{'added': [], 'removed': [], 'changed': ['park-a'], 'unchanged': 3}
"""

from __future__ import annotations

import json
from pathlib import Path

from geoapp.store import files as sf
from geoapp.store.core import Store, now
from geoapp.store.errors import Invalid
from geoapp.store.snapshot import catalog_of


def feature_versions(store: Store, layer: str) -> dict[str, dict]:
    """feature id → its version stamp (``version``, ``updated_at``, ``updated_by``)."""
    rows = store.backend.read(
        "SELECT fid, version, updated_at, updated_by FROM features WHERE layer = ?", (layer,)
    )
    return {r[0]: {"version": r[1], "updated_at": r[2], "updated_by": r[3]} for r in rows}


def _validate_inside(store: Store, layers_dir: Path) -> None:
    """Load the store as it stands in this thread's transaction; DataError rolls it back."""
    catalog_of(store, layers_dir)


def replace_layer(store: Store, layer: str, text: str, user: str, layers_dir: Path,
                  address: str = "") -> dict:  # fmt: skip
    """Make the layer's features those of the GeoJSON ``text``; what was added/removed/changed.

    Raises ``Invalid`` for text that is not a FeatureCollection and ``DataError`` (with every
    problem) if the catalog would not validate; either way nothing changes.
    """
    parts = sf.split_geojson(text)
    if parts.opaque:
        raise Invalid({"file": "not a GeoJSON FeatureCollection"})
    stamp = now()
    with store.write(data=True) as tx:
        old = {r[0]: (r[1], r[2]) for r in tx.query(
            "SELECT fid, doc, version FROM features WHERE layer = ?", (layer,))}  # fmt: skip
        rows, diff = [], {"added": [], "removed": [], "changed": [], "unchanged": 0}
        for i, (item, feature) in enumerate(zip(parts.items, parts.decoded, strict=True)):
            fid = str((feature.get("properties") or {}).get("id") or f"#{i + 1}")
            doc, version = old.get(fid, (None, 0))
            if doc is None:
                diff["added"].append(fid)
            elif json.loads(doc) == feature:
                diff["unchanged"] += 1
                rows.append((layer, i, fid, doc, sf.geometry_text(feature), version, None))
                continue
            else:
                diff["changed"].append(fid)
            geometry = sf.geometry_text(feature)
            rows.append((layer, i, fid, item, geometry, version + 1, (stamp, user)))
        diff["removed"] = sorted(set(old) - {r[2] for r in rows})
        for fid in diff["removed"] + diff["changed"]:
            tx.execute(
                "INSERT INTO feature_versions (layer, fid, version, doc, replaced_at, replaced_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (layer, fid, old[fid][1], old[fid][0], stamp, user),
            )
        _write_rows(tx, layer, rows)
        tx.execute("DELETE FROM files WHERE name = ?", (f"geojson/{layer}.geojson",))
        store._put_file(tx, f"geojson/{layer}.geojson", parts)
        store.backend.index_geometry(tx, layer)
        _validate_inside(store, Path(layers_dir))
        store.audit(tx, user, "import.applied", layer, None, diff, address)
    return diff


def _write_rows(tx, layer: str, rows: list[tuple]) -> None:
    """Put the layer's rows back, keeping an unchanged feature's stamp."""
    kept = {r[0]: (r[1], r[2]) for r in tx.query(
        "SELECT fid, updated_at, updated_by FROM features WHERE layer = ?", (layer,))}  # fmt: skip
    tx.execute("DELETE FROM features WHERE layer = ?", (layer,))
    out = []
    for layer_id, position, fid, doc, geometry, version, changed in rows:
        at, by = changed if changed else kept.get(fid, (now(), "import"))
        out.append((layer_id, position, fid, doc, geometry, version, at, by))
    tx.many(
        "INSERT INTO features (layer, position, fid, doc, geometry, version, updated_at, "
        "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        out,
    )


def import_into_store(data_dir: Path, layers_dir: Path, layer: str, text: str, user: str) -> dict:
    """Apply an import to the store the configuration names for ``data_dir`` (see replace_layer)."""
    from geoapp.config import load_config
    from geoapp.store.core import open_store

    store = open_store(load_config(overrides={"DATA_DIR": str(data_dir)}))
    try:
        return replace_layer(store, layer, text, user, layers_dir)
    finally:
        store.close()
