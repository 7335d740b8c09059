"""The ``geoapp`` command: validate, serve, export, import (and the store's, in cli_store).

Errors name the file and the feature and exit non-zero; there is never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoapp.config import load_config


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    cfg = load_config(getattr(args, "config", None))
    data = Path(args.data or cfg["DATA_DIR"])
    layers = Path(args.layers or cfg["LAYERS_DIR"])
    return data, layers


def print_problems(problems) -> None:
    """Print every problem on stderr, one line each, naming file and feature."""
    for p in problems:
        print(f"error: {p}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate the data; print every problem, or a table of layers, counts and statuses."""
    from geoapp.catalog import validate
    from geoapp.status import STATUS

    data, layers = _paths(args)
    catalog, problems = validate(data, layers)
    if problems:
        print_problems(problems)
        print(f"{len(problems)} problem(s) in {data}", file=sys.stderr)
        return 1
    codes = list(STATUS)
    header = ["layer", "features"] + [STATUS[c].zh for c in codes] + ["unplaced"]
    rows = []
    projects = catalog.registry.projects
    for lid, gdf in catalog.layers.items():
        mine = projects[projects["layer"] == lid]
        counts = [int((mine["status"] == c).sum()) for c in codes]
        unplaced = int((mine["feature_ids"] == "").sum())
        rows.append([lid, len(gdf)] + counts + [unplaced])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))
    print(f"ok: {sum(len(g) for g in catalog.layers.values())} features, "
          f"{len(projects)} projects, data version {catalog.version}")  # fmt: skip
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the map with waitress; a data problem stops start-up with the problem list."""
    from geoapp.problems import DataError
    from geoapp.web.server import serve

    overrides = {}
    if args.data:
        overrides["DATA_DIR"] = args.data
    if args.layers:
        overrides["LAYERS_DIR"] = args.layers
    if args.basemap:
        overrides["BASEMAP"] = args.basemap
    config = load_config(args.config, overrides=overrides)
    try:
        serve(config, args.host, args.port, args.workers, args.threads)
    except DataError as exc:
        print_problems(exc.problems)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="geoapp", description="永康规划一张图 / Yongkang planning map"
    )
    parser.add_argument("--config", help="a TOML config file (also GEOAPP_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="validate layers and registry; exit 1 on any error")
    v.add_argument("--data", help="data directory (default: the bundled data)")
    v.add_argument("--layers", help="layer definitions directory (default: the bundled layers/)")
    v.set_defaults(func=cmd_validate)
    s = sub.add_parser(
        "serve",
        help="serve the map (waitress: reads whole requests, so slow clients hold no thread)",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port (default 8000; 0 picks a free one and prints it)",
    )
    s.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    s.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    s.add_argument("--data", help="data directory (default: the bundled data)")
    s.add_argument("--layers", help="layer definitions directory")
    s.add_argument("--basemap", help="osm (default), none, tianditu, amap or custom")
    s.set_defaults(func=cmd_serve)
    _add_export_import(sub)
    _add_layer_commands(sub)
    from geoapp.cli_store import add_commands

    add_commands(sub)
    return parser


def _store_catalog(data: Path, layers: Path):
    """The catalog as the store holds it (each feature's version with it), or None after
    printing the problems (data that does not validate, a store that cannot be opened)."""
    from geoapp.importing import ImportFailed
    from geoapp.importing.engine import data_store
    from geoapp.problems import DataError
    from geoapp.store import StoreError, load_from_store

    try:
        with data_store(data, layers) as store:
            return load_from_store(store, layers)
    except DataError as exc:
        print_problems(exc.problems)
    except (ImportFailed, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return None


def cmd_export(args: argparse.Namespace) -> int:
    """Write a layer (or all) as gpkg, shp, geojson, kml, csv, qgz or qgis in a CRS."""
    from geoapp.errors import GeoappError
    from geoapp.export import download_name, export

    catalog = _store_catalog(*_paths(args))
    if catalog is None:
        return 1
    try:
        out = Path(args.output or download_name(args.layer, args.format, args.crs))
        export(catalog, args.layer, args.format, args.crs, out)
    except (GeoappError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def _add_export_import(sub) -> None:
    """The export and import sub-commands."""
    from geoapp.export import EXPORTERS

    e = sub.add_parser("export", help="write a layer or all layers for GIS software")
    e.add_argument("layer", help="a layer id, or 'all'")
    e.add_argument("--format", "-f", default="gpkg", choices=list(EXPORTERS), help="default gpkg")
    e.add_argument("--crs", default="EPSG:4326", help="EPSG:4326 (default), EPSG:4490, EPSG:4549")
    e.add_argument("-o", "--output", help="output file (default: a name like parks_4549.gpkg)")
    e.add_argument("--data", help="data directory (default: the bundled data)")
    e.add_argument("--layers", help="layer definitions directory")
    e.set_defaults(func=cmd_export)
    from geoapp.importing.command import add_parser

    add_parser(sub)


def cmd_layer_add(args: argparse.Namespace) -> int:
    """Propose a layer from a GIS file, validate it with the catalog, and write it."""
    from geoapp.importing import ImportLimits
    from geoapp.layer_admin import LayerAdminError, add_layer, propose_layer

    data, layers = _paths(args)
    limits = ImportLimits.from_config(load_config(getattr(args, "config", None)))
    titles = {"zh": args.title_zh, "en": args.title_en}
    try:
        plan = propose_layer(
            Path(args.file), args.id, titles, data, layers, src_crs=args.src_crs,
            encoding=args.encoding, accuracy=args.accuracy,
            location_confidence=args.location_confidence, geometry_source=args.source,
            limits=limits,
        )  # fmt: skip
        for note in plan.notes:
            print(f"note: {note}")
        print(f"proposed layers/{args.id}.toml ({len(plan.features)} features):")
        print(plan.definition)
        if args.dry_run:
            print("dry run: nothing written")
            return 0
        toml, geojson = add_layer(plan, data, layers)
    except (LayerAdminError, OSError) as exc:
        print_problems(getattr(locals().get("plan"), "problems", []))
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {toml} and {geojson}; the catalog validates")
    return 0


def cmd_layer_remove(args: argparse.Namespace) -> int:
    """Remove a layer, keeping its files in history/."""
    from geoapp.layer_admin import LayerAdminError, remove_layer

    data, layers = _paths(args)
    try:
        moved = remove_layer(args.id, data, layers)
    except (LayerAdminError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"removed layer '{args.id}'; kept as " + ", ".join(str(p) for p in moved))
    return 0


def _add_layer_commands(sub) -> None:
    """``geoapp layer add`` and ``geoapp layer remove``."""
    layer = sub.add_parser("layer", help="add a layer from a GIS file, or remove one")
    cmds = layer.add_subparsers(dest="layer_command", required=True)
    a = cmds.add_parser("add", help="propose a definition from the file, validate, write")
    a.add_argument("file", help="GeoPackage, Shapefile (.shp or .zip), GeoJSON, KML, ...")
    a.add_argument("--id", required=True, help="the new layer's id (a-z, 0-9, '-', '_')")
    a.add_argument("--title-zh", required=True, help="the layer's title in Chinese")
    a.add_argument("--title-en", required=True, help="the layer's title in English")
    a.add_argument("--src-crs", help="the file's CRS if it has none: EPSG:nnnn, gcj02, bd09")
    a.add_argument("--encoding", help="text encoding of a shapefile without .cpg, e.g. GBK")
    a.add_argument("--accuracy", default="schematic", help="surveyed, approximate or schematic")
    a.add_argument("--location-confidence", default="medium", help="high, medium, low, unknown")
    a.add_argument("--source", help="where the geometry comes from (default: the file name)")
    a.add_argument("--dry-run", action="store_true", help="show the proposal, write nothing")
    r = cmds.add_parser("remove", help="remove a layer (its files are kept in history/)")
    r.add_argument("id", help="the layer id")
    for p in (a, r):
        p.add_argument("--data", help="data directory (default: the bundled data)")
        p.add_argument("--layers", help="layer definitions directory")
    a.set_defaults(func=cmd_layer_add)
    r.set_defaults(func=cmd_layer_remove)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
