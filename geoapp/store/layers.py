"""Replacing a layer's features in the store (a GIS import): one transaction, validated inside it,
with each replaced feature's previous version kept and every changed feature's version stamp
moved on; and the stamps an import checks its conflicts against.

Examples
--------
>>> replace_layer(store, "parks", text, "gis-li", Path("layers"))  # doctest: +SKIP
{'added': [], 'removed': [], 'changed': ['park-a'], 'unchanged': 3}
>>> layer_stamps(store, "parks").current["park-a"]  # doctest: +SKIP
Stamp(version=2, updated_at='2024-05-01T08:00:00Z', updated_by='gis-li')
"""

from __future__ import annotations

import json
from pathlib import Path

from geoapp.store import files as sf
from geoapp.store.core import Store, now
from geoapp.store.errors import Conflict, Invalid
from geoapp.store.snapshot import catalog_of, kept
from geoapp.versions import LayerStamps, Stamp


def feature_versions(store: Store, layer: str) -> dict[str, dict]:
    """feature id → its version stamp (``version``, ``updated_at``, ``updated_by``)."""
    rows = store.backend.read(
        "SELECT fid, version, updated_at, updated_by FROM features WHERE layer = ?", (layer,)
    )
    return {r[0]: {"version": r[1], "updated_at": r[2], "updated_by": r[3]} for r in rows}


def layer_stamps(store: Store, layer: str) -> LayerStamps:
    """The layer's current stamps, and for each removed feature the stamp of its removal."""
    current = {fid: Stamp(**v) for fid, v in feature_versions(store, layer).items()}
    removed: dict[str, Stamp] = {}
    rows = store.backend.read(
        "SELECT fid, version, replaced_at, replaced_by FROM feature_versions WHERE layer = ? "
        "ORDER BY replaced_at, version",
        (layer,),
    )
    for fid, version, at, by in rows:
        if fid not in current:
            removed[fid] = Stamp(int(version), at, by)
    return LayerStamps(current, removed)


def _validate_inside(store: Store, layers_dir: Path):
    """Load the store as it stands in this thread's transaction; DataError rolls it back."""
    return catalog_of(store, layers_dir)


def replace_layer(store: Store, layer: str, text: str, user: str, layers_dir: Path,
                  address: str = "", *, expect: dict[str, int] | None = None,
                  at: str | None = None, about: dict | None = None) -> dict:  # fmt: skip
    """Make the layer's features those of the GeoJSON ``text``; what was added/removed/changed.

    ``expect`` (feature id → version, as the import was prepared against) makes it a
    ``Conflict`` if the layer changed since; ``at`` is the change's time (default now);
    ``about`` goes into the audit entry with the diff. Raises ``Invalid`` for text that is not a
    FeatureCollection and ``DataError`` (with every problem) if the catalog would not validate;
    in every case nothing changes.
    """
    parts = sf.split_geojson(text)
    if parts.opaque:
        raise Invalid({"file": "not a GeoJSON FeatureCollection"})
    stamp = at or now()
    with store.write(data=True) as tx:
        old = {r[0]: (r[1], r[2]) for r in tx.query(
            "SELECT fid, doc, version FROM features WHERE layer = ?", (layer,))}  # fmt: skip
        if expect is not None and {fid: int(v[1]) for fid, v in old.items()} != expect:
            raise Conflict(f"layer '{layer}' changed while the import was prepared; "
                           "prepare it again")  # fmt: skip
        rows, diff = _new_rows(tx, layer, parts, old, (stamp, user))
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
        catalog = _validate_inside(store, Path(layers_dir))
        store.audit(tx, user, "import.applied", layer, None, {**diff, **(about or {})}, address)
    kept(store, Path(layers_dir), catalog)
    return diff


def _new_rows(tx, layer: str, parts: sf.FileParts, old: dict, changed: tuple) -> tuple[list, dict]:
    """The layer's new rows and the diff; a changed or added feature gets the next version
    (after its removed versions, for one brought back) and the change's stamp."""
    gone = {r[0]: int(r[1]) for r in tx.query(
        "SELECT fid, MAX(version) FROM feature_versions WHERE layer = ? GROUP BY fid", (layer,))}  # fmt: skip
    rows, diff = [], {"added": [], "removed": [], "changed": [], "unchanged": 0}
    for i, (item, feature) in enumerate(zip(parts.items, parts.decoded, strict=True)):
        fid = str((feature.get("properties") or {}).get("id") or f"#{i + 1}")
        doc, version = old.get(fid, (None, gone.get(fid, 0)))
        geometry = sf.geometry_text(feature)
        if doc is not None and json.loads(doc) == feature:
            diff["unchanged"] += 1
            rows.append((layer, i, fid, doc, geometry, version, None))
            continue
        diff["added" if doc is None else "changed"].append(fid)
        rows.append((layer, i, fid, item, geometry, version + 1, changed))
    diff["removed"] = sorted(set(old) - {r[2] for r in rows})
    return rows, diff


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


#: how a layer added through the store is written out (compact features, one per line)
ADDED_FILE = sf.FileParts('{"type": "FeatureCollection", "features": [\n', ",\n", "\n]}\n")


def add_layer(store: Store, layer: str, docs: list[tuple[str, str, str | None]], user: str,
              staged_layers: Path, address: str = "", about: dict | None = None):  # fmt: skip
    """Put a new layer's features — ``(id, feature text, geometry text)`` each — into the store
    in one transaction, validated there with the definitions in ``staged_layers`` (which hold
    the new one); the catalog it validated (keep it with ``snapshot.kept`` after writing the
    definition). ``Conflict`` if the store holds the layer already; ``DataError`` (with every
    problem) if the catalog would not validate: then nothing changes.
    """
    stamp, name = now(), f"geojson/{layer}.geojson"
    with store.write(data=True) as tx:
        held = tx.query("SELECT COUNT(*) FROM features WHERE layer = ?", (layer,))[0][0]
        if held or tx.query("SELECT 1 FROM files WHERE name = ?", (name,)):
            raise Conflict(f"the store holds a layer '{layer}' already ({held} features): "
                           f"remove it first (geoapp layer remove {layer})")  # fmt: skip
        gone = {r[0]: int(r[1]) for r in tx.query(
            "SELECT fid, MAX(version) FROM feature_versions WHERE layer = ? GROUP BY fid",
            (layer,))}  # fmt: skip
        store._put_file(tx, name, ADDED_FILE)
        tx.many(
            "INSERT INTO features (layer, position, fid, doc, geometry, version, updated_at, "
            "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(layer, i, fid, doc, geometry, gone.get(fid, 0) + 1, stamp, user)
             for i, (fid, doc, geometry) in enumerate(docs)],
        )  # fmt: skip
        store.backend.index_geometry(tx, layer)
        catalog = catalog_of(store, staged_layers)
        store.audit(tx, user, "layer.added", layer, None,
                    {"features": len(docs), **(about or {})}, address)  # fmt: skip
    return catalog


def registry_links(store: Store, layer: str) -> list[str]:
    """Rows of the registry that point at the layer (``projects.csv: row 'uv-a'``, …)."""
    out = []
    for table, key in (("projects", "project_id"), ("indicators", "indicator_id")):
        out += [f"{table}.csv: row '{r[key]}'" for r in store.table(table) if r["layer"] == layer]
    return out


def remove_layer(store: Store, layer: str, user: str, staged_layers: Path, address: str = "",
                 about: dict | None = None):  # fmt: skip
    """Take a layer's features out of the store in one transaction, each kept as a replaced
    version (its history), validated with the definitions in ``staged_layers`` (without it);
    (features removed, the catalog). ``Conflict`` while the registry points at the layer."""
    stamp = now()
    with store.write(data=True) as tx:
        links = registry_links(store, layer)
        if links:
            raise Conflict(f"the registry still points at layer '{layer}' "
                           f"({'; '.join(links[:5])}): move or remove those rows first; "
                           "nothing was removed")  # fmt: skip
        tx.execute(
            "INSERT INTO feature_versions (layer, fid, version, doc, replaced_at, replaced_by) "
            "SELECT layer, fid, version, doc, ?, ? FROM features WHERE layer = ?",
            (stamp, user, layer),
        )
        count = tx.execute("DELETE FROM features WHERE layer = ?", (layer,))
        tx.execute("DELETE FROM files WHERE name = ?", (f"geojson/{layer}.geojson",))
        catalog = catalog_of(store, staged_layers)
        store.audit(tx, user, "layer.removed", layer, {"features": count, **(about or {})},
                    None, address)  # fmt: skip
    return count, catalog
