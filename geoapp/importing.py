"""Bringing corrected layers back from GIS staff (no Flask here).

:func:`prepare_import` reads any GDAL-readable file (GeoPackage, Shapefile — UTF-8 or GBK .dbf,
from its .cpg or ``encoding`` —, GeoJSON, KML, a zip of these), reprojects it to WGS84 (from its
own CRS or ``src_crs``, which may be ``gcj02`` / ``bd09``), validates it against the layer's
definition with the loader the catalog uses, checks the whole catalog with it in place, and says
what would change. :func:`apply_import` then writes the layer atomically, keeping the previous
version in ``data/geojson/history/``. Nothing under the data directory is written on any error.

Examples
--------
>>> result = prepare_import(Path("roads.shp"), "ring_roads", Path("data"), Path("layers"),
...                         src_crs="EPSG:4549")  # doctest: +SKIP
>>> result.diff.added, result.problems  # doctest: +SKIP
(['road-new'], [])
>>> apply_import(result)  # doctest: +SKIP
PosixPath('data/geojson/history/ring_roads.20240501T080000Z.geojson')
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoapp.catalog import JOIN_COLUMNS, validate
from geoapp.coords import parse_crs, to_crs, to_metric, transform_geometry
from geoapp.export import SHAPEFILE_NAMES
from geoapp.layers import LayerDef, load_layer_defs
from geoapp.loading import read_layer
from geoapp.problems import DataError, Problem

#: Decimal places of degrees kept in layer files (about 1 cm), as the bundled files have.
DECIMALS = 7
#: Columns GDAL's KML driver adds that are not ours.
KML_COLUMNS = (
    "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
    "visibility", "drawOrder", "icon", "snippet",
)  # fmt: skip
#: Columns exports add that layer files never hold (the CSV's WKT text, GeoPackage fid).
EXPORT_ONLY = ("WKT", "fid")
READABLE = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".gml", ".fgb", ".csv")
_CPG_ALIASES = {"936": "GBK", "cp936": "GBK", "gb2312": "GBK", "65001": "UTF-8", "utf8": "UTF-8"}


class ImportFailed(Exception):
    """The file cannot be brought in; the message names the file and says what to do."""


@dataclass
class FeatureChange:
    """What changed in one feature: its geometry and/or some fields (old, new)."""

    id: str
    geometry: bool
    fields: dict[str, tuple[Any, Any]]


@dataclass
class LayerDiff:
    """Added, removed and changed features (by id) between the layer file and the import."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[FeatureChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        """True when the import changes nothing."""
        return not (self.added or self.removed or self.changed)


@dataclass
class ImportResult:
    """A prepared import: the candidate layer text, its problems, the diff and notes."""

    layer: str
    source: Path
    target: Path
    data_dir: Path
    layers_dir: Path
    text: str | None
    problems: list[Problem]
    diff: LayerDiff | None
    notes: list[str]

    @property
    def ok(self) -> bool:
        """True when the import can be applied."""
        return self.text is not None and not self.problems


# --------------------------------------------------------------------------- reading


def _shapefile_encoding(shp: Path, encoding: str | None) -> str | None:
    """The .dbf encoding: --encoding, else the .cpg, else the LDID byte (GDAL), else UTF-8 if valid."""
    if encoding:
        return encoding
    cpg = _sidecar(shp, ".cpg")
    if cpg is not None:
        name = cpg.read_text("ascii", errors="replace").strip()
        return _CPG_ALIASES.get(name.lower(), name) or None
    dbf = _sidecar(shp, ".dbf")
    if dbf is None:
        raise ImportFailed(
            f"{shp.name}: no .dbf file next to it (a shapefile needs .shp, .shx, .dbf)"
        )
    data = dbf.read_bytes()
    if len(data) > 29 and data[29]:
        return None  # the .dbf names its code page; GDAL reads it
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{dbf.name}: text is not UTF-8 and there is no .cpg saying its encoding; say "
            "--encoding GBK (Chinese shapefiles from Windows are usually GBK) or add a .cpg"
        ) from None
    return "UTF-8"


def _sidecar(path: Path, ext: str) -> Path | None:
    """The file next to ``path`` with extension ``ext`` (any case), or None."""
    for candidate in path.parent.glob(f"{glob.escape(path.stem)}.*"):
        if candidate.suffix.lower() == ext:
            return candidate
    return None


def _choose_layer(path: Path, layer: LayerDef) -> str | None:
    """The layer of a multi-layer file to read: the one named like ours, or the only spatial one."""
    found = [(str(n), g) for n, g in pyogrio.list_layers(path)]
    spatial = [n for n, g in found if g is not None]
    names = {
        layer.id,
        layer.title_for("zh"),
        layer.title_for("en"),
        f"{layer.title_for('zh')} {layer.title_for('en')}",
    }
    for n in spatial:
        if n in names:
            return n
    if len(spatial) == 1:
        return spatial[0]
    raise ImportFailed(
        f"{path.name} holds several layers ({', '.join(spatial)}); none is '{layer.id}'"
    )


def _read_one(path: Path, layer: LayerDef, src_crs: str | None, encoding: str | None, notes):
    """Read one file into a GeoDataFrame (still in its own CRS)."""
    kwargs: dict[str, Any] = {}
    if path.suffix.lower() == ".shp":
        if src_crs is None and _sidecar(path, ".prj") is None:
            raise ImportFailed(
                f"{path.name} has no .prj file, so its CRS is unknown; say --src-crs "
                "(e.g. EPSG:4549 for CGCS2000 Gauss-Kruger 120E, EPSG:4326, or gcj02)"
            )
        enc = _shapefile_encoding(path, encoding)
        if enc:
            kwargs["encoding"] = enc
            notes.append(f"{path.name}: text read as {enc}")
    elif encoding:
        kwargs["encoding"] = encoding
    try:
        kwargs["layer"] = _choose_layer(path, layer)
        return pyogrio.read_dataframe(path, **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ImportFailed(f"{path.name}: cannot be read: {exc}") from None


def _sources(path: Path, tmp: Path, layer: LayerDef) -> list[Path]:
    """The data files to read: the file itself, or from a zip the ones for this layer."""
    if not path.exists():
        raise ImportFailed(f"{path}: file not found")
    if path.suffix.lower() != ".zip":
        return [path]
    try:
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp)
    except zipfile.BadZipFile:
        raise ImportFailed(f"{path.name}: not a valid zip file") from None
    files = [p for p in sorted(tmp.rglob("*")) if p.suffix.lower() in READABLE]
    mine = [p for p in files if p.stem == layer.id or p.stem.startswith(f"{layer.id}_")]
    files = mine or files  # one shapefile per geometry type: zones_polygon.shp + zones_line.shp
    if len(files) != 1 and not all(p.suffix.lower() == ".shp" for p in files):
        names = ", ".join(p.name for p in files) or "nothing readable"
        raise ImportFailed(f"{path.name}: expected one data file for '{layer.id}', found {names}")
    return files


def read_source(
    path: Path, layer: LayerDef, src_crs: str | None = None, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The file's features in WGS84 with our field names, and notes on what was done."""
    notes: list[str] = []
    src = _parse_src_crs(src_crs)
    with tempfile.TemporaryDirectory() as tmp:
        frames = [
            _read_one(p, layer, src, encoding, notes)
            for p in _sources(Path(path), Path(tmp), layer)
        ]
    frames = [_to_wgs84(f, src, Path(path).name, notes) for f in frames]
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    return _normalise(gdf, layer, notes), list(dict.fromkeys(notes))


def _parse_src_crs(src_crs: str | None) -> str | None:
    if src_crs is None:
        return None
    try:
        return parse_crs(src_crs)
    except ValueError as exc:
        raise ImportFailed(f"--src-crs: {exc}") from None


def _own_crs(gdf: gpd.GeoDataFrame) -> str | None:
    """The file's CRS as 'AUTH:CODE' (None if it has none; its name if it has no code)."""
    if gdf.crs is None:
        return None
    try:
        return parse_crs(gdf.crs)
    except ValueError:
        return gdf.crs.to_wkt()


def _to_wgs84(
    gdf: gpd.GeoDataFrame, src: str | None, name: str, notes: list[str]
) -> gpd.GeoDataFrame:
    """Reproject to WGS84 from ``src`` (if given, it wins) or the file's own CRS."""
    own = _own_crs(gdf)
    if src is None and own is None:
        raise ImportFailed(f"{name} has no CRS; say --src-crs (e.g. EPSG:4549, EPSG:4326 or gcj02)")
    says_wgs84 = name.lower().endswith((".geojson", ".json", ".kml", ".kmz"))  # always WGS84
    if src is not None and own is not None and own != src and not says_wgs84:
        notes.append(f"{name} says its CRS is {own}; read as {src}, as --src-crs says")
    source = src or own
    if source in ("EPSG:4326", "OGC:CRS84"):
        return gdf.set_crs("EPSG:4326", allow_override=True)
    notes.append(
        f"{name}: reprojected from {source if src or ':' in source else 'its own CRS'} to WGS84"
    )
    if src is None and ":" not in source:  # a CRS without an authority code: let PROJ do it
        return gdf.to_crs("EPSG:4326")
    return to_crs(gdf, source, "EPSG:4326").set_crs("EPSG:4326", allow_override=True)


def _normalise(gdf: gpd.GeoDataFrame, layer: LayerDef, notes: list[str]) -> gpd.GeoDataFrame:
    """Our field names (long names for shapefile ones, KML's Name), 2-D, rounded, no registry columns."""
    known = {f.name for f in layer.all_fields}
    short = {v: k for k, v in SHAPEFILE_NAMES.items() if k in known or k in JOIN_COLUMNS}
    rename = {c: short[c] for c in gdf.columns if c in short and c not in known}
    for c in gdf.columns:  # names GIS software cut to the 10 characters a .dbf allows
        full = [k for k in known if len(c) == 10 and k.startswith(c) and k != c]
        if c not in known and c not in rename and len(full) == 1:
            rename[c] = full[0]
            notes.append(f"field '{c}' read as '{full[0]}'")
    if "Name" in gdf.columns and "name" not in gdf.columns:
        rename["Name"] = "name"
    gdf = gdf.rename(columns=rename)
    drop = [
        c
        for c in gdf.columns
        if c in JOIN_COLUMNS or c in EXPORT_ONLY or (c in KML_COLUMNS and c not in known)
    ]
    registry = [c for c in drop if c in JOIN_COLUMNS]
    if registry:
        notes.append(
            f"ignored registry columns ({', '.join(registry)}): status is edited in the registry"
        )
    gdf = gdf.drop(columns=drop)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if shapely.has_z(geoms).any():
        notes.append("heights (Z) dropped: layers are 2-D")
        geoms = shapely.force_2d(geoms)
    geoms = shapely.transform(geoms, lambda c: np.round(c, DECIMALS))
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))
    for col in gdf.columns:
        if col != "geometry":
            values = [_value(v, layer.field(col)) for v in gdf[col]]
            gdf[col] = pd.Series(values, index=gdf.index, dtype=object)
    return gdf


def _value(value: Any, f) -> Any:
    """A plain Python value, missing as None, numbers as text where the field is text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if (
        f is not None
        and f.type == "str"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return str(int(value)) if float(value).is_integer() else str(value)
    if f is not None and f.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------- layer files


def layer_text(gdf: gpd.GeoDataFrame, layer: LayerDef) -> str:
    """The layer file: RFC 7946 GeoJSON as the bundled files are written (indent 1, ids on top)."""
    order = [f.name for f in layer.all_fields]
    order = order[:3] + order[6:] + order[3:6]  # id, name, name_en, own fields, accuracy…
    extra = [c for c in gdf.columns if c not in order and c != "geometry"]
    features = []
    for props, geom in zip(
        gdf.drop(columns="geometry").to_dict("records"), gdf.geometry, strict=True
    ):
        clean = {k: props[k] for k in order + extra if k in props and not _missing(props[k])}
        features.append({
            "type": "Feature", "id": clean.get("id"), "properties": clean,
            "geometry": None if geom is None else shapely.geometry.mapping(geom),
        })  # fmt: skip
    fc = {"type": "FeatureCollection", "features": features}
    return json.dumps(fc, ensure_ascii=False, indent=1, default=_json_default) + "\n"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _city_outline(defs: dict[str, LayerDef], data_dir: Path, layer: LayerDef):
    """The city outline the loader checks features against (None when importing it)."""
    outline = next((d for d in defs.values() if d.city_outline), None)
    if outline is None or outline.id == layer.id:
        return None
    gdf, problems = read_layer(data_dir / "geojson" / f"{outline.id}.geojson", outline)
    return None if gdf is None or problems or gdf.empty else shapely.union_all(gdf.geometry.values)


def _check(text: str, layer: LayerDef, city, source: Path, tmp: Path):
    """Validate the candidate layer file with the catalog's loader; problems name the source."""
    candidate = tmp / f"{layer.id}.geojson"
    candidate.write_text(text, "utf-8")
    gdf, problems = read_layer(candidate, layer, city)
    return gdf, [Problem(source.name, p.feature, p.message) for p in problems]


# --------------------------------------------------------------------------- diff


def _same(a: Any, b: Any) -> bool:
    empty = (None, "")
    if a in empty or b in empty:
        return a in empty and b in empty
    return a == b or str(a) == str(b)


def diff_layers(old: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame, layer: LayerDef) -> LayerDiff:
    """Features added, removed and changed (geometry, fields) between two versions of a layer."""
    out = LayerDiff()
    old_rows = {} if old is None else {r["id"]: r for r in _records(old)}
    new_rows = {r["id"]: r for r in _records(new)}
    out.added = [i for i in new_rows if i not in old_rows]
    out.removed = [i for i in old_rows if i not in new_rows]
    names = [f.name for f in layer.all_fields]
    for fid, row in new_rows.items():
        if fid not in old_rows:
            continue
        before = old_rows[fid]
        geom = not _same_geometry(before["geometry"], row["geometry"])
        fields = {
            n: (before.get(n), row.get(n)) for n in names if not _same(before.get(n), row.get(n))
        }
        if geom or fields:
            out.changed.append(FeatureChange(fid, geom, fields))
        else:
            out.unchanged += 1
    return out


def _records(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    rows = gdf.drop(columns="geometry").to_dict("records")
    for row, geom in zip(rows, gdf.geometry, strict=True):
        row["geometry"] = geom
        for k, v in row.items():
            if k != "geometry" and not isinstance(v, str) and v is not None and pd.isna(v):
                row[k] = None
    return rows


def _same_geometry(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return _same_shape(a, b, 1e-9)


def _same_shape(a, b, tolerance: float) -> bool:
    """Same vertices within ``tolerance`` degrees, whatever the ring orientation, and a
    one-part multi-geometry equal to its part (shapefiles do not tell them apart)."""
    pa = shapely.get_parts(shapely.normalize(a))
    pb = shapely.get_parts(shapely.normalize(b))
    return len(pa) == len(pb) and bool(shapely.equals_exact(pa, pb, tolerance=tolerance).all())


def _web_map_offsets(old, new, diff: LayerDiff, name: str) -> list[Problem]:
    """Moved features that GCJ-02 / BD-09 → WGS84 would put back: the file is in that datum."""
    if old is None:
        return []
    before = dict(zip(old["id"], old.geometry, strict=True))
    after = dict(zip(new["id"], new.geometry, strict=True))
    problems = []
    for change in (c for c in diff.changed if c.geometry):
        a, b = before[change.id], after[change.id]
        if a is None or b is None:
            continue
        for pseudo, label in (("gcj02", "GCJ-02"), ("bd09", "BD-09")):
            back = transform_geometry(b, pseudo, "EPSG:4326")
            if to_metric(back).hausdorff_distance(to_metric(a)) < 1.0:
                moved = to_metric(b).hausdorff_distance(to_metric(a))
                problems.append(Problem(name, change.id, f"moved {moved:.0f} m, exactly the "
                    f"{label} offset: the file looks like {label}; say --src-crs {pseudo}"))  # fmt: skip
                break
    return problems


# --------------------------------------------------------------------------- the whole catalog


def _staged_problems(data_dir: Path, layers_dir: Path, layer_id: str, text: str) -> list[Problem]:
    """Validate the whole catalog with the new layer in place, in a staging copy of links."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "data"
        staged.mkdir()
        for entry in data_dir.iterdir():
            if entry.name != "geojson":
                (staged / entry.name).symlink_to(entry.resolve())
        (staged / "geojson").mkdir()
        for entry in (data_dir / "geojson").iterdir():
            if entry.name != f"{layer_id}.geojson":
                (staged / "geojson" / entry.name).symlink_to(entry.resolve())
        (staged / "geojson" / f"{layer_id}.geojson").write_text(text, "utf-8")
        _, problems = validate(staged, layers_dir)
    return problems


def prepare_import(
    path: Path,
    layer_id: str,
    data_dir: Path,
    layers_dir: Path,
    src_crs: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Read, reproject, validate and diff an import; raises :class:`ImportFailed` if unreadable."""
    path, data_dir, layers_dir = Path(path), Path(data_dir), Path(layers_dir)
    defs = _layer_defs(layers_dir, layer_id)
    layer = defs[layer_id]
    target = data_dir / "geojson" / f"{layer_id}.geojson"
    gdf, notes = read_source(path, layer, src_crs, encoding)
    old, _ = read_layer(target, layer) if target.exists() else (None, [])
    gdf = _keep_current(gdf, old, notes)
    result = ImportResult(layer_id, path, target, data_dir, layers_dir, None, [], None, notes)
    try:
        text = layer_text(gdf, layer)
    except (TypeError, ValueError) as exc:
        raise ImportFailed(f"{path.name}: {exc}") from None
    with tempfile.TemporaryDirectory() as tmp:
        city = _city_outline(defs, data_dir, layer)
        checked, result.problems = _check(text, layer, city, path, Path(tmp))
    if checked is not None and "id" in checked.columns:
        result.diff = diff_layers(old, checked, layer)
        if src_crs is None or _parse_src_crs(src_crs) in ("EPSG:4326", "OGC:CRS84"):
            result.problems += _web_map_offsets(old, checked, result.diff, path.name)
    if not result.problems:
        staged = _staged_problems(data_dir, layers_dir, layer_id, text)
        result.problems = [p for p in staged if p.file != target.name] + [
            Problem(path.name, p.feature, p.message) for p in staged if p.file == target.name
        ]
    result.text = text
    return result


def _layer_defs(layers_dir: Path, layer_id: str) -> dict[str, LayerDef]:
    """The layer definitions; ImportFailed if unreadable or the layer is unknown."""
    try:
        defs = load_layer_defs(layers_dir)
    except DataError as exc:
        raise ImportFailed(str(exc)) from None
    if layer_id not in defs:
        raise ImportFailed(f"unknown layer '{layer_id}': expected one of {', '.join(defs)}")
    return defs


def _keep_current(gdf: gpd.GeoDataFrame, old, notes: list[str]) -> gpd.GeoDataFrame:
    """Keep current shapes the import matches within ~1 cm, and texts a shapefile cut ('…')."""
    if old is None or "id" not in gdf.columns:
        return gdf
    current = {r["id"]: r for r in _records(old)}
    geoms, restored = list(gdf.geometry), 0
    for i, fid in enumerate(gdf["id"]):
        before = current.get(fid)
        if before is None:
            continue
        a, b = before["geometry"], geoms[i]
        if a is not None and b is not None and _same_shape(a, b, 1e-7):
            geoms[i] = a
        for col in gdf.columns:
            value, was = gdf.at[gdf.index[i], col], before.get(col)
            if isinstance(value, str) and value.endswith("…") and isinstance(was, str):
                if len(was.encode()) > 254 and was.startswith(value[:-1]) and was != value:
                    gdf.at[gdf.index[i], col] = was
                    restored += 1
    if restored:
        notes.append(f"{restored} text value(s) a shapefile had cut to 254 bytes kept in full")
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))


def apply_import(result: ImportResult, now: dt.datetime | None = None) -> Path | None:
    """Write the layer atomically (keeping the old file in history/); then re-validate the catalog.

    Returns the history copy (None when the layer is new). Refuses a result with problems.
    """
    if not result.ok:
        raise ImportFailed(f"{result.source.name}: not applied: {len(result.problems)} problem(s)")
    geojson = result.target.parent
    history = None
    if result.target.exists():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        (geojson / "history").mkdir(exist_ok=True)
        history = geojson / "history" / f"{result.layer}.{stamp}.geojson"
        n = 1
        while history.exists():
            n += 1
            history = geojson / "history" / f"{result.layer}.{stamp}-{n}.geojson"
        shutil.copy2(result.target, history)
    _write_atomic(result.target, result.text or "")
    _, problems = validate(result.data_dir, result.layers_dir)
    if problems:  # should not happen (the staged check passed): put the old file back
        if history is not None:
            _write_atomic(result.target, history.read_text("utf-8"))
        raise ImportFailed("the catalog did not validate after writing; the old layer is back: "
                           + "; ".join(str(p) for p in problems[:5]))  # fmt: skip
    return history


def _write_atomic(target: Path, text: str) -> None:
    """Write via a temporary file in the same directory, fsync, then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
