"""OGC API – Features Part 4 bodies: a GeoJSON feature in, a checked layer feature out (no Flask).

A body is read as a GeoJSON Feature in the ``Content-Crs`` (default CRS84; the collection's
CRSs in their authority axis order, as Part 2 serves them), its coordinates named if they are
wrong in a way we recognise (swapped axes, metres in degrees, …), reprojected to WGS84 and
checked with the loader's rules exactly as an import is: the collection's geometry types, a
valid closed geometry inside the city, known fields with the right types and values, an ASCII
id, and — for a moved shape — the GCJ-02 / BD-09 offset of a shape traced on a Chinese web map.
Properties the server derives (the registry's status columns and the layer ``version``) are
read-only: sent back unchanged by a client such as QGIS, they are ignored.

Examples
--------
>>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}})
{'a': 1, 'b': {'d': 3}}
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

import orjson
import shapely
import shapely.geometry

from geoapp.catalog import JOIN_COLUMNS, Catalog
from geoapp.coords import axis_order_is_latlon, transform_geometry
from geoapp.errors import BadParameter
from geoapp.importing.sanity import diagnose, offset_problems
from geoapp.layers import LayerDef
from geoapp.loading import CityOutline, read_layer
from geoapp.store.core import Store
from geoapp.store.features import Edit, write_feature
from geoapp.versions import AS_OF_FIELD, VERSION_FIELD

#: properties the server derives: ignored in a body (QGIS sends back everything it read)
READ_ONLY = frozenset(JOIN_COLUMNS) | {VERSION_FIELD, AS_OF_FIELD}
_CITY = "geoapp.ogc_write.city"
#: how messages name a created feature that brought no id (the one it would get never existed)
NEW = "the new feature"
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
_FIELD = re.compile(r"field '([^']+)'")


def parse_body(data: bytes) -> dict[str, Any]:
    """The request body as a JSON object; 400 otherwise."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadParameter(f"the body is not JSON: {exc}", "body") from None
    if not isinstance(body, dict):
        raise BadParameter("the body must be a JSON object (a GeoJSON Feature)", "body")
    return body


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge member by member, ``null`` removes a member."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def new_id(layer: LayerDef, taken: set[str]) -> str:
    """A fresh ASCII id for a created feature that brought none (``parks-3f9a1c2e``)."""
    while True:
        fid = f"{layer.id.replace('_', '-')}-{secrets.token_hex(4)}"
        if fid not in taken:
            return fid


def _feature_id(body: dict[str, Any], props: dict[str, Any], fid: str | None) -> str | None:
    """The id the body gives (``properties.id`` or the Feature's ``id``); 400 if it names
    another feature than the path does."""
    given = props.get("id", body.get("id"))
    if given is not None and not isinstance(given, str):
        given = str(given)
    if fid is not None and given not in (None, fid):
        raise BadParameter(
            f"feature '{fid}': the body's id '{given}' differs from the path's; ids cannot be "
            "changed (delete the feature and create it again)", "id",
        )  # fmt: skip
    return fid or given


def _check_rings(raw: dict[str, Any], who: str) -> None:
    """400 for a polygon ring that is not closed (shapely would close it silently)."""
    kind, coords = raw.get("type"), raw.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for p, polygon in enumerate(polygons):
        for r, ring in enumerate(polygon):
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                where = (
                    f"polygon {p + 1}, ring {r + 1}" if kind == "MultiPolygon" else f"ring {r + 1}"
                )
                raise BadParameter(
                    f"{who}: {where} is not closed (its last position must repeat the "
                    "first, with at least 4 positions)", "geometry",
                )  # fmt: skip


def _geometry(body: dict[str, Any], who: str, crs: str) -> shapely.Geometry | None:
    """The body's geometry in WGS84 lon/lat; 400 naming the feature if unreadable or misplaced."""
    raw = body.get("geometry")
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or raw.get("type") not in GEOMETRY_TYPES
        or "coordinates" not in raw
    ):
        raise BadParameter(
            f"{who}: geometry must be a GeoJSON geometry: an object with 'type' (one "
            f"of {', '.join(GEOMETRY_TYPES)}) and 'coordinates'", "geometry",
        )  # fmt: skip
    try:
        geom = shapely.force_2d(shapely.geometry.shape(raw))
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.GEOSException) as exc:  # fmt: skip
        raise BadParameter(f"{who}: geometry is not GeoJSON: {exc}", "geometry") from None
    if geom.is_empty:
        return geom
    _check_rings(raw, who)
    if axis_order_is_latlon(crs):
        geom = shapely.transform(geom, lambda c: c[:, ::-1])
    x, y = shapely.get_coordinates(geom)[0]
    why = diagnose(float(x), float(y), "EPSG:4326" if crs == "OGC:CRS84" else crs)
    if why:
        raise BadParameter(
            f"{who}: {why.split('; say')[0]} (coordinates read in {crs}: send them in "
            "the CRS the Content-Crs header names, in its axis order)", "geometry",
        )  # fmt: skip
    return geom if crs == "OGC:CRS84" else transform_geometry(geom, crs, "EPSG:4326")


def feature_input(body: dict[str, Any], layer: LayerDef, crs: str, fid: str | None = None,
                  taken: set[str] = frozenset()) -> dict[str, Any]:  # fmt: skip
    """The feature a body describes, as the store keeps it (WGS84, ``id`` in its properties).

    ``fid`` is the path's id (replace/update); a create takes the body's id or a new one.
    """
    if body.get("type") != "Feature":
        raise BadParameter('the body must be a GeoJSON Feature ("type": "Feature")', "type")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise BadParameter("properties must be a JSON object", "properties")
    fid = _feature_id(body, props, fid)
    who = f"feature '{fid}'" if fid else NEW
    fid = fid or new_id(layer, taken)
    for name, value in props.items():
        if isinstance(value, dict | list):
            raise BadParameter(
                f"{who}: field '{name}' must be a string, number or boolean, not "
                f"{'an object' if isinstance(value, dict) else 'a list'}", name,
            )  # fmt: skip
    geom = _geometry(body, who, crs)
    # null is "not set" (as layer files write it: a missing value is left out)
    kept = {k: v for k, v in props.items() if k not in READ_ONLY | {"id"} and v is not None}
    order = [f.name for f in layer.all_fields]
    ordered = (
        {"id": fid}
        | {k: kept[k] for k in order if k in kept}
        | {k: v for k, v in kept.items() if k not in order}
    )
    return {
        "type": "Feature",
        "id": fid,
        "properties": ordered,
        "geometry": None if geom is None else shapely.geometry.mapping(geom),
    }


def patched(current: dict[str, Any], patch: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The body a merge patch makes of the current feature, and whether it brings a geometry
    (then in the request's Content-Crs; otherwise the current one, in WGS84)."""
    for key in patch:
        if key not in ("type", "id", "properties", "geometry", "bbox"):
            raise BadParameter(f"a patch may change properties and geometry, not '{key}'", key)
    if "properties" in patch and not isinstance(patch["properties"], dict | None):
        raise BadParameter("properties must be a JSON object", "properties")
    props = merge_patch(current.get("properties") or {}, patch.get("properties") or {})
    has_geometry = "geometry" in patch
    body = {"type": "Feature", "id": current.get("id"), "properties": props,
            "geometry": patch["geometry"] if has_geometry else current.get("geometry")}  # fmt: skip
    return body, has_geometry


def city_outline(catalog: Catalog, layer: LayerDef) -> CityOutline | None:
    """The prepared city outline features must lie in (None when editing the outline itself)."""
    outline = next((d for d in catalog.defs.values() if d.city_outline), None)
    if outline is None or outline.id == layer.id:
        return None
    if _CITY not in catalog.extra:
        gdf = catalog.layers[outline.id]
        city = shapely.union_all(gdf.geometry.values) if len(gdf) else None
        catalog.extra[_CITY] = None if city is None else CityOutline(city)
    return catalog.extra[_CITY]


def check_feature(feature: dict[str, Any], layer: LayerDef, catalog: Catalog,
                  before: dict[str, Any] | None = None, named: bool = True) -> None:  # fmt: skip
    """400 naming the feature (``named=False``: a created one without an id of its own) and the
    field for everything the loader (and an import) refuses."""
    fid = feature["id"]
    with tempfile.TemporaryDirectory(prefix="geoapp-ogc-") as tmp:
        path = Path(tmp) / f"{layer.id}.geojson"
        fc = {"type": "FeatureCollection", "features": [feature]}
        path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
        _, problems = read_layer(path, layer, city_outline(catalog, layer))
    messages = [(p.feature or fid, p.message) for p in problems]
    if before is not None and before.get("geometry") and feature.get("geometry"):
        old = shapely.geometry.shape(before["geometry"])
        new = shapely.geometry.shape(feature["geometry"])
        found = offset_problems([(fid, old, new, None)], path.name)
        messages += [(fid, p.message.split("; say")[0] + "; convert it to WGS84 and send it "
                      "again") for p in found]  # fmt: skip
    if messages:
        text = "; ".join(f"{_who(f, fid, named)}: {m}" for f, m in messages[:5])
        raise BadParameter(text, _param_of(messages[0][1]))


def apply_edit(store: Store, edit: Edit, user: str, data_dir: Path, layers_dir: Path,
               address: str = "") -> tuple[int, Catalog]:  # fmt: skip
    """Write one feature the way an import writes a layer, so neither can undo the other.

    Under the import's lock on the data directory: the store transaction
    (:func:`geoapp.store.features.write_feature`: version check, previous version kept, catalog
    checked, audit; the feature's new version and stamp are what an import prepared before the
    edit, or a file exported before it, conflicts with), then the layer file rewritten from the
    store. The new version and the catalog built in the transaction.
    """
    from geoapp.importing.engine import _import_lock  # one writer of a layer at a time

    data_dir = Path(data_dir)
    with _import_lock(data_dir):
        version, catalog = write_feature(store, edit, user, layers_dir, address)
        name = f"geojson/{edit.layer}.geojson"
        store.write_file(name, data_dir / name)
    return version, catalog


def _who(feature: str, fid: str, named: bool) -> str:
    return NEW if feature == fid and not named else f"feature '{feature}'"


def named(body: dict[str, Any]) -> bool:
    """Whether a create's body gives its feature an id (else the server makes one up)."""
    props = body.get("properties")
    return (isinstance(props, dict) and props.get("id") is not None) or body.get("id") is not None


def _param_of(message: str) -> str:
    """The field a loader message is about ('id', a field's name, else 'geometry')."""
    field = _FIELD.search(message)
    if field:
        return field.group(1)
    return "id" if message.startswith(("id ", "duplicate id", "has no 'id'")) else "geometry"
