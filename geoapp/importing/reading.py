"""Reading a GIS file for import: any GDAL format or a zip of them, within limits, into WGS84.

Every failure is an :class:`ImportFailed` naming the file (and the feature when there is one)
and what to do: too big (checked before extraction), unreadable, text in another encoding, a
ring that does not close, coordinates in the wrong place for a reason we can name.

Examples
--------
>>> gdf, notes, versions = read_source(Path("parks.shp.zip"), layer)  # doctest: +SKIP
"""

from __future__ import annotations

import glob
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geoapp.coords import parse_crs, to_crs, transform_geometry
from geoapp.importing.encoding import check_declared, cpg_encoding
from geoapp.importing.fields import normalise
from geoapp.importing.limits import ImportFailed, ImportLimits, Progress
from geoapp.importing.sanity import check_raw_coordinates
from geoapp.layers import LayerDef
from geoapp.versions import FileVersions

READABLE = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".gml", ".fgb", ".csv")
#: Files a zip may hold beside the data files (shapefile parts, styles, our README).
SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qml", ".sld", ".csvt", ".txt", ".md")
_READ_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError)


def _sidecar(path: Path, ext: str) -> Path | None:
    """The file next to ``path`` with extension ``ext`` (any case), or None."""
    for candidate in path.parent.glob(f"{glob.escape(path.stem)}.*"):
        if candidate.suffix.lower() == ext:
            return candidate
    return None


def _shapefile_encoding(shp: Path, encoding: str | None) -> str | None:
    """The .dbf encoding: --encoding, else the .cpg, else the LDID byte (GDAL), else UTF-8 if valid."""
    dbf = _sidecar(shp, ".dbf")
    if dbf is None:
        raise ImportFailed(
            f"{shp.name}: no .dbf file next to it (a shapefile needs .shp, .shx, .dbf)"
        )
    if encoding:
        check_declared(dbf, encoding, "--encoding")
        return encoding
    cpg = _sidecar(shp, ".cpg")
    if cpg is not None and (enc := cpg_encoding(cpg)):
        check_declared(dbf, enc, f"{cpg.name}")
        return enc
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


def _choose_layers(path: Path, layer: LayerDef) -> list[str]:
    """The layers of a multi-layer file to read: the one named like ours (with its tables per
    geometry family, e.g. zones + zones_line), or the only spatial one."""
    found = [(str(n), g) for n, g in pyogrio.list_layers(path)]
    spatial = [n for n, g in found if g is not None]
    names = {
        layer.id,
        layer.title_for("zh"),
        layer.title_for("en"),
        f"{layer.title_for('zh')} {layer.title_for('en')}",
    }
    mine = [n for n in spatial if n in names]
    if mine:
        parts = [f"{layer.id}_{f}" for f in ("point", "line", "polygon")]
        return mine[:1] + [n for n in spatial if n in parts]
    if len(spatial) == 1:
        return spatial
    raise ImportFailed(
        f"{path.name} holds several layers ({', '.join(spatial) or 'none with geometry'}); "
        f"none is '{layer.id}': name the layer '{layer.id}' or send it alone"
    )


def _broken_geometries(path: Path, kwargs: dict[str, Any]) -> list[str]:
    """Ids (or #row) of the features whose geometry GEOS cannot build (an unclosed ring…)."""
    meta, _, wkb, fields = pyogrio.raw.read(path, **kwargs)
    names = list(meta["fields"])
    ids = fields[names.index("id")] if "id" in names else [None] * len(wkb)
    built = shapely.from_wkb(wkb, on_invalid="ignore")
    return [
        f"'{fid}'" if isinstance(fid, str) and fid else f"#{i + 1}"
        for i, (fid, raw, geom) in enumerate(zip(ids, wkb, built, strict=True))
        if raw is not None and geom is None
    ]


def _read_one(path: Path, layer: LayerDef, opts: dict[str, Any], limits: ImportLimits, notes):
    """Read one file into a GeoDataFrame (still in its own CRS)."""
    kwargs: dict[str, Any] = {}
    if path.suffix.lower() == ".shp":
        if opts["src_crs"] is None and _sidecar(path, ".prj") is None:
            raise ImportFailed(
                f"{path.name} has no .prj file, so its CRS is unknown; say --src-crs "
                "(e.g. EPSG:4549 for CGCS2000 Gauss-Kruger 120E, EPSG:4326, or gcj02)"
            )
        enc = _shapefile_encoding(path, opts["encoding"])
        if enc:
            kwargs["encoding"] = enc
            notes.append(f"{path.name}: text read as {enc}")
    elif opts["encoding"]:
        kwargs["encoding"] = opts["encoding"]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        gdf = _read_frame(path, layer, kwargs, limits)
    notes += [f"{path.name}: GDAL says: {w.message}" for w in said if _gdal_warning(w)]
    return gdf


def _read_frame(path: Path, layer: LayerDef, kwargs: dict[str, Any], limits: ImportLimits):
    """pyogrio.read_dataframe, every failure an ImportFailed naming the file (and feature)."""
    try:
        frames = []
        for table in _choose_layers(path, layer):
            kwargs["layer"] = table
            limits.check_features(path.name, int(pyogrio.read_info(path, **kwargs)["features"]))
            frames.append(pyogrio.read_dataframe(path, **kwargs))
        if len(frames) == 1:
            return frames[0]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    except ImportFailed:
        raise
    except _READ_ERRORS as exc:
        raise ImportFailed(f"{path.name}: cannot be read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{path.name}: text is not {exc.encoding}; say --encoding (e.g. GBK or UTF-8)"
        ) from None
    except shapely.errors.GEOSException as exc:
        bad = ", ".join(_broken_geometries(path, kwargs)) or "some feature"
        raise ImportFailed(
            f"{path.name}: feature {bad}: broken geometry ({exc}); a polygon ring must end "
            "where it starts: repair it in QGIS (Vector → Geometry Tools → Fix Geometries)"
        ) from None


def _gdal_warning(w: warnings.WarningMessage) -> bool:
    """A warning GDAL gave while reading (worth a note), not a library deprecation."""
    return issubclass(w.category, RuntimeWarning | UserWarning)


def _sources(path: Path, tmp: Path, layer: LayerDef, limits: ImportLimits) -> list[Path]:
    """The data files to read: the file itself, or from a zip the ones for this layer."""
    if not path.exists():
        raise ImportFailed(f"{path}: file not found")
    if path.suffix.lower() != ".zip":
        limits.check_bytes(path.name, path.stat().st_size)
        return [path]
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            limits.check_bytes(path.name, sum(i.file_size for i in members))
            wanted = [i for i in members if Path(i.filename).suffix.lower() in READABLE + SIDECARS]
            for info in wanted:
                zf.extract(info, tmp)
    except (zipfile.BadZipFile, NotImplementedError, EOFError):
        raise ImportFailed(f"{path.name}: not a valid zip file") from None
    files = [p for p in sorted(tmp.rglob("*")) if p.suffix.lower() in READABLE]
    mine = [p for p in files if p.stem == layer.id or p.stem.startswith(f"{layer.id}_")]
    files = mine or files  # one shapefile per geometry type: zones_polygon.shp + zones_line.shp
    if len(files) != 1 and not (files and all(p.suffix.lower() == ".shp" for p in files)):
        names = ", ".join(p.name for p in files) or "nothing readable"
        raise ImportFailed(f"{path.name}: expected one data file for '{layer.id}', found {names}")
    return files


def read_source(
    path: Path,
    layer: LayerDef,
    src_crs: str | None = None,
    encoding: str | None = None,
    *,
    limits: ImportLimits | None = None,
    feature_crs: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[gpd.GeoDataFrame, list[str], FileVersions]:
    """The file's features in WGS84 with our field names, notes on what was done, and the
    versions it was exported from (each feature's, and the layer's ``as_of``)."""
    notes: list[str] = []
    limits = limits or ImportLimits()
    opts = {"src_crs": _parse_src_crs(src_crs), "encoding": encoding}
    say = progress or (lambda _text: None)
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        sources = _sources(path, Path(tmp), layer, limits)
        say(f"reading {path.name}…")
        frames = [_read_one(p, layer, opts, limits, notes) for p in sources]
    limits.check_features(path.name, sum(len(f) for f in frames))
    vertices = sum(int(shapely.get_num_coordinates(f.geometry.values).sum()) for f in frames)
    limits.check_vertices(path.name, vertices)
    say(f"reprojecting {sum(len(f) for f in frames)} features ({vertices} vertices)…")
    frames = [_to_wgs84(f, opts["src_crs"], path.name, notes) for f in frames]
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    gdf = _per_feature_crs(gdf, feature_crs or {}, path.name, notes)
    gdf, versions = normalise(gdf, layer, notes)
    return gdf, list(dict.fromkeys(notes)), versions


def _parse_src_crs(src_crs: str | None) -> str | None:
    if src_crs is None:
        return None
    try:
        return parse_crs(src_crs)
    except ValueError as exc:
        raise ImportFailed(f"--src-crs: {exc}") from None


def _own_crs(gdf: gpd.GeoDataFrame) -> str | None:
    """The file's CRS as 'AUTH:CODE' (None if it has none; its WKT if it has no code)."""
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
    check_raw_coordinates(gdf, source, name)
    if source in ("EPSG:4326", "OGC:CRS84"):
        return gdf.set_crs("EPSG:4326", allow_override=True)
    notes.append(
        f"{name}: reprojected from {source if src or ':' in source else 'its own CRS'} to WGS84"
    )
    try:
        if src is None and ":" not in source:  # a CRS without an authority code: let PROJ do it
            return gdf.to_crs("EPSG:4326")
        return to_crs(gdf, source, "EPSG:4326").set_crs("EPSG:4326", allow_override=True)
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise ImportFailed(f"{name}: cannot reproject from {source} to WGS84: {exc}") from None


def _per_feature_crs(gdf, feature_crs: dict[str, str], name: str, notes: list[str]):
    """Convert the features ``--feature-crs ID=gcj02`` names (traced on a web map) to WGS84."""
    if not feature_crs:
        return gdf
    ids = list(gdf["id"]) if "id" in gdf.columns else []
    geoms = list(gdf.geometry)
    for fid, crs in feature_crs.items():
        if fid not in ids:
            raise ImportFailed(f"--feature-crs: {name} has no feature '{fid}'")
        i = ids.index(fid)
        geoms[i] = transform_geometry(geoms[i], _parse_src_crs(crs), "EPSG:4326")
        notes.append(f"feature '{fid}' converted from {crs} to WGS84")
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))
