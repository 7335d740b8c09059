"""The catalog: every layer read, validated and joined to the project registry, held once.

Build it with :func:`load_catalog` (raises :class:`DataError` listing every problem) or
:func:`validate` (returns the problems). The spatial index is built from it once per load.

Examples
--------
>>> cat = load_catalog(Path("data"), Path("layers"))  # doctest: +SKIP
>>> cat.layers["urban_villages"].loc[0, ["id", "status", "target_status"]].tolist()  # doctest: +SKIP
['uv-xishantou', 'planned', 'accepted']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import Point

from geoapp.coords import METRIC_CRS, transform_geometry
from geoapp.layers import LayerDef, load_layer_defs
from geoapp.loading import CityOutline, read_layer
from geoapp.problems import DataError, Problem
from geoapp.registry import (
    Registry,
    check_history,
    check_indicators,
    check_projects,
    check_sources,
    read_registry,
)

#: Columns the registry join adds to every layer.
JOIN_COLUMNS = [
    "project_id", "project_name", "project_name_en", "status", "status_date",
    "target_status", "target_year", "source", "source_date", "quote",
]  # fmt: skip


@dataclass
class Catalog:
    """Loaded layers (joined to status), the registry and a data version."""

    defs: dict[str, LayerDef]
    layers: dict[str, gpd.GeoDataFrame]
    registry: Registry
    version: str
    data_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def history_by_project(self) -> dict[str, list[dict[str, str]]]:
        """project id → its history entries, oldest first."""
        hist = self.registry.history.sort_values("date", kind="stable")
        return {pid: g.to_dict("records") for pid, g in hist.groupby("project_id", sort=False)}

    @cached_property
    def projects(self) -> dict[str, dict[str, Any]]:
        """project id → the project row, with ``feature_ids`` as a list and its history."""
        out = {}
        for row in self.registry.projects.to_dict("records"):
            row = dict(row)
            row["feature_ids"] = [f for f in row["feature_ids"].split(";") if f]
            row["history"] = self.history_by_project.get(row["project_id"], [])
            out[row["project_id"]] = row
        return out

    @cached_property
    def sources_by_file(self) -> dict[str, dict[str, str]]:
        """source file name → its row in sources.csv (title, publication, date, …)."""
        return self.registry.sources.set_index("file").to_dict("index")

    @cached_property
    def source_dates(self) -> list[str]:
        """The distinct dates of all history entries, oldest first (for the 'as of' view)."""
        return sorted(set(self.registry.history["date"]))

    @cached_property
    def index(self):
        """The R-tree over every feature of every layer (built on first use, once per load)."""
        from geoapp.spatial import SpatialIndex

        return SpatialIndex.from_catalog(self)

    def unplaced_projects(self) -> list[dict[str, Any]]:
        """Projects the plans name that have no feature on the map."""
        return [p for p in self.projects.values() if not p["feature_ids"]]


def _latest_entry(entries: list[dict[str, str]]) -> dict[str, str]:
    return max(entries, key=lambda r: r["date"]) if entries else {}


def latest_entries(registry: Registry) -> dict[str, dict[str, str]]:
    """project id → its latest history entry."""
    hist = registry.history.sort_values("date", kind="stable")
    return {pid: _latest_entry(g.to_dict("records")) for pid, g in hist.groupby("project_id")}


def join_status(
    gdf: gpd.GeoDataFrame,
    registry: Registry,
    layer_id: str,
    latest: dict[str, dict[str, str]] | None = None,
) -> gpd.GeoDataFrame:
    """Join a layer to the registry with a geopandas merge on feature id."""
    projects = registry.projects[registry.projects["layer"] == layer_id].copy()
    projects["id"] = projects["feature_ids"].str.split(";")
    links = projects.explode("id")
    links = links[links["id"].astype(bool)]
    latest = latest_entries(registry) if latest is None else latest
    links = links.assign(
        source=[latest.get(p, {}).get("source", "") for p in links["project_id"]],
        source_date=[latest.get(p, {}).get("date", "") for p in links["project_id"]],
        quote=[latest.get(p, {}).get("quote", "") for p in links["project_id"]],
    ).rename(columns={"name": "project_name", "name_en": "project_name_en"})
    merged = gdf.merge(links[["id"] + JOIN_COLUMNS], on="id", how="left")
    merged[JOIN_COLUMNS] = (
        merged[JOIN_COLUMNS].astype(object).where(merged[JOIN_COLUMNS].notna(), None)
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")


def _reference_problems(gdf: gpd.GeoDataFrame, layer: LayerDef, name: str) -> list[Problem]:
    """Check a layer's centroid against its independent reference point."""
    ref = layer.reference
    if not ref or gdf.empty:
        return []
    shape = shapely.union_all(gdf.geometry.values)
    point = transform_geometry(Point(ref["lon"], ref["lat"]), "EPSG:4326", METRIC_CRS)

    def distance(geom) -> float:
        return transform_geometry(geom, "EPSG:4326", METRIC_CRS).centroid.distance(point)

    d = distance(shape)
    if d <= ref["max_distance_m"]:
        return []
    hint = ""
    if distance(transform_geometry(shape, "gcj02", "EPSG:4326")) <= ref["max_distance_m"]:
        hint = "; after a GCJ-02 → WGS84 conversion it would be close: the file looks like GCJ-02"
    return [
        Problem(name, None, f"centroid lies {d:.0f} m from the {ref['what']} "
                f"(at most {ref['max_distance_m']} m){hint}")
    ]  # fmt: skip


def data_files(data_dir: Path, layers_dir: Path) -> list[Path]:
    """Every file the catalog reads: layers, registry tables and layer definitions."""
    files = sorted((data_dir / "geojson").glob("*.geojson")) + sorted(data_dir.glob("*.csv"))
    return files + sorted(layers_dir.glob("*.toml"))


def data_version(paths: list[Path]) -> str:
    """A short hash of every data file's bytes: changes whenever the data does."""
    h = hashlib.sha256()
    for p in sorted(paths):
        if p.exists():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _read_layers(
    defs: dict[str, LayerDef],
    data_dir: Path,
    preloaded: dict[str, gpd.GeoDataFrame],
    fresh: dict[str, gpd.GeoDataFrame] | None,
) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """Every layer read and checked (a preloaded frame passed its checks when it was read);
    the frames read without a problem go into ``fresh``."""
    problems: list[Problem] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    city = None
    # the city outline first: the other layers are checked against it
    for layer in sorted(defs.values(), key=lambda d: not d.city_outline):
        gdf, found = preloaded.get(layer.id), []
        if gdf is None:
            path = data_dir / "geojson" / f"{layer.id}.geojson"
            gdf, found = read_layer(path, layer, city)
            if gdf is None:
                problems += found
                continue
            found += _reference_problems(gdf, layer, path.name)
            problems += found
            if fresh is not None and not found:
                fresh[layer.id] = gdf
        if layer.city_outline and not found and not gdf.empty:
            city = CityOutline(shapely.union_all(gdf.geometry.values))
        layers[layer.id] = gdf
    return layers, problems


def validate(
    data_dir: Path,
    layers_dir: Path,
    preloaded: dict[str, gpd.GeoDataFrame] | None = None,
    fresh: dict[str, gpd.GeoDataFrame] | None = None,
) -> tuple[Catalog | None, list[Problem]]:
    """Read everything and return the catalog (None if anything is wrong) and every problem.

    ``preloaded``: layer frames already read and checked (not read again); ``fresh`` receives
    the layers this call read without a problem (for the store's layer cache).
    """
    data_dir, layers_dir = Path(data_dir), Path(layers_dir)
    try:
        defs = load_layer_defs(layers_dir)
    except DataError as exc:
        return None, exc.problems
    layers, problems = _read_layers(defs, data_dir, preloaded or {}, fresh)
    problems += _cross_layer_duplicates(layers)
    registry, found = read_registry(data_dir)
    problems += found
    if registry is not None:
        texts, found = check_sources(registry.sources, data_dir / "seeds")
        problems += found
        ids = {lid: set(g["id"]) for lid, g in layers.items()}
        ids.update({lid: set() for lid in defs if lid not in ids})
        problems += check_projects(registry.projects, registry.history, ids)
        problems += check_history(
            registry.history, set(registry.projects["project_id"]), texts, registry.sources
        )
        fields = {lid: {f.name for f in d.all_fields} for lid, d in defs.items()}
        problems += check_indicators(
            registry.indicators, fields, texts, set(registry.projects["project_id"])
        )
    if problems or registry is None:
        return None, problems
    latest = latest_entries(registry)
    joined = {lid: join_status(layers[lid], registry, lid, latest) for lid in defs}
    return Catalog(
        defs, joined, registry, data_version(data_files(data_dir, layers_dir)), data_dir
    ), []


def _cross_layer_duplicates(layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for lid, gdf in layers.items():
        for fid in gdf["id"]:
            if isinstance(fid, str) and fid in seen and seen[fid] != lid:
                problems.append(
                    Problem(f"{lid}.geojson", fid, f"duplicate id: also in {seen[fid]}.geojson")
                )
            seen.setdefault(fid, lid)
    return problems


def load_catalog(data_dir: Path, layers_dir: Path, preloaded=None, fresh=None) -> Catalog:
    """The catalog, or :class:`DataError` with every problem (arguments: :func:`validate`)."""
    catalog, problems = validate(data_dir, layers_dir, preloaded, fresh)
    if catalog is None:
        raise DataError(problems)
    return catalog
