"""``geoapp import``: check a GIS file against a layer, show the diff, and with --apply write it.

Problems, conflicts and warnings are printed one a line naming the file and the feature; the
exit code is 1 on any problem or unforced conflict, and nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geoapp.config import load_config


def add_parser(sub) -> None:
    """The ``import`` sub-command."""
    i = sub.add_parser("import", help="check a GIS file against a layer; --apply writes it")
    i.add_argument("file", help="GeoPackage, Shapefile (.shp or .zip), GeoJSON, KML, ...")
    i.add_argument("--layer", required=True, help="the layer the file replaces")
    i.add_argument(
        "--src-crs", help="the file's CRS if it has none or it is wrong: EPSG:nnnn, gcj02, bd09"
    )
    i.add_argument(
        "--feature-crs",
        action="append",
        default=[],
        metavar="ID=CRS",
        help="one feature traced on a web map, e.g. park-a=gcj02 (repeat for more)",
    )
    i.add_argument("--encoding", help="text encoding of a shapefile without .cpg, e.g. GBK")
    i.add_argument("--apply", action="store_true", help="write the layer (default: dry run)")
    i.add_argument(
        "--force", action="store_true", help="overwrite changes made after the file's export"
    )
    i.add_argument("--by", help="who makes the change (default: the login name)")
    i.add_argument("--data", help="data directory (default: the bundled data)")
    i.add_argument("--layers", help="layer definitions directory")
    i.set_defaults(func=cmd_import)


def _feature_crs(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        fid, sep, crs = pair.partition("=")
        if not (sep and fid and crs):
            raise ValueError(f"--feature-crs {pair!r}: expected ID=CRS, e.g. park-a=gcj02")
        out[fid.strip()] = crs.strip()
    return out


def _progress(start: float):
    def say(text: str) -> None:
        print(f"[{time.monotonic() - start:5.1f} s] {text}", file=sys.stderr, flush=True)

    return say


def cmd_import(args: argparse.Namespace) -> int:
    """Check a GIS file against a layer, show what would change, and with --apply write it."""
    from geoapp.importing import (
        ImportFailed,
        ImportLimits,
        ImportOptions,
        apply_import,
        prepare_import,
    )

    cfg = load_config(getattr(args, "config", None))
    data = Path(args.data or cfg["DATA_DIR"])
    layers = Path(args.layers or cfg["LAYERS_DIR"])
    try:
        opts = ImportOptions(
            args.src_crs, args.encoding, _feature_crs(args.feature_crs),
            ImportLimits.from_config(cfg), _progress(time.monotonic()),
        )  # fmt: skip
        result = prepare_import(Path(args.file), args.layer, data, layers, options=opts)
    except (ImportFailed, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _report(result)
    if result.problems:
        print(f"{len(result.problems)} problem(s): nothing written", file=sys.stderr)
        return 1
    if result.conflicts and not args.force:
        print(f"{len(result.conflicts)} conflict(s): nothing written (--force overwrites them)",
              file=sys.stderr)  # fmt: skip
        return 1
    if not args.apply:
        print(f"dry run: nothing written; add --apply to write {result.target}")
        return 0
    try:
        history = apply_import(result, by=args.by, force=args.force)
    except (ImportFailed, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kept = f" (previous version kept as {history})" if history else ""
    print(f"wrote {result.target}{kept}; the catalog validates")
    return 0


def _report(result) -> None:
    """Notes, the diff, warnings, conflicts and problems, one a line."""
    for note in result.notes:
        print(f"note: {note}")
    print_diff(result.diff)
    for warning in result.warnings:
        print(f"warning: {result.source.name}: {warning}")
    for conflict in result.conflicts:
        print(f"conflict: {result.source.name}: {conflict}", file=sys.stderr)
    for p in result.problems:
        print(f"error: {p}", file=sys.stderr)


def print_diff(diff) -> None:
    """Added / removed / changed features, by id; per change metres moved and fields."""
    if diff is None:
        return
    print(f"added ({len(diff.added)}): {', '.join(diff.added) or '-'}")
    print(f"removed ({len(diff.removed)}): {', '.join(diff.removed) or '-'}")
    print(f"changed ({len(diff.changed)}):" + ("" if diff.changed else " -"))
    for c in diff.changed:
        print(f"  {c.id}: {c.describe()}")
    print(f"unchanged: {diff.unchanged}")
