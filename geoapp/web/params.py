"""Request parameters: parse and check query-string values and bodies, raising :class:`APIError`.

Every parser takes the raw text (``None`` when the parameter is absent) and names the parameter
in its error, so a client learns which one was wrong. Other blueprints (OGC API, exports) reuse
:func:`parse_bbox`, :func:`parse_lonlat` and :func:`parse_limit_offset`.

:class:`Param` pairs a parser with the parameter's OpenAPI schema: the API parses requests with
the same objects its OpenAPI document is generated from, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geoapp.status import STATUS
from geoapp.web.errors import APIError

#: The whole WGS84 range, (min lon, min lat, max lon, max lat).
WORLD = (-180.0, -90.0, 180.0, 90.0)
#: The largest geometry a request body may carry, in vertices.
MAX_GEOMETRY_VERTICES = 10_000
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)


def _shown(raw: str) -> str:
    """The raw value for an error message, cut short."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def required(raw: str | None, param: str) -> str:
    """The raw text, or a 400 naming the missing parameter."""
    if raw is None or raw == "":
        raise APIError(400, f"missing required parameter '{param}'", param)
    return raw


def _bounds_text(minimum: float | None, maximum: float | None) -> str:
    """'between a and b', 'at least a' or 'at most b'."""
    if minimum is not None and maximum is not None:
        return f"between {minimum:g} and {maximum:g}"
    return f"at least {minimum:g}" if minimum is not None else f"at most {maximum:g}"


def _check_bounds(value: float, param: str, minimum: float | None, maximum: float | None) -> None:
    """A 400 if ``value`` lies outside [minimum, maximum] (either may be None)."""
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise APIError(400, f"{param} must be {_bounds_text(minimum, maximum)}", param)


def parse_number(
    raw: str,
    param: str,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
) -> float:
    """A finite decimal number within the bounds (no NaN, no infinity, no hex).

    >>> parse_number("1e3", "radius", exclusive_minimum=0, maximum=50000)
    1000.0
    """
    text = raw.strip()
    value = float(text) if _NUMBER.fullmatch(text) else math.nan
    if not math.isfinite(value):
        raise APIError(400, f"{param} must be a finite number, not {_shown(raw)}", param)
    if exclusive_minimum is not None and value <= exclusive_minimum:
        raise APIError(400, f"{param} must be greater than {exclusive_minimum:g}", param)
    _check_bounds(value, param, minimum, maximum)
    return value


def parse_integer(raw: str, param: str, minimum: int, maximum: int | None = None) -> int:
    """A decimal integer within the bounds."""
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        raise APIError(400, f"{param} must be an integer, not {_shown(raw)}", param)
    value = int(text)
    _check_bounds(value, param, minimum, maximum)
    return value


def parse_lonlat(
    args: Mapping[str, str], extent: tuple[float, float, float, float] = WORLD
) -> tuple[float, float]:
    """Required ``lon`` and ``lat`` (WGS84 degrees) inside ``extent``.

    >>> parse_lonlat({"lon": "120.05", "lat": "28.9"})
    (120.05, 28.9)
    """
    minx, miny, maxx, maxy = extent
    lon = parse_number(required(args.get("lon"), "lon"), "lon", minx, maxx)
    lat = parse_number(required(args.get("lat"), "lat"), "lat", miny, maxy)
    return lon, lat


def parse_bbox(
    raw: str, param: str = "bbox", extent: tuple[float, float, float, float] = WORLD
) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` in WGS84 degrees; 400 if malformed, out of range or inverted.

    >>> parse_bbox("120.0,28.8,120.1,28.9")
    (120.0, 28.8, 120.1, 28.9)
    """
    parts = raw.split(",")
    if len(parts) != 4:
        raise APIError(400, f"{param} must be four numbers: minlon,minlat,maxlon,maxlat", param)
    minx, miny, maxx, maxy = extent
    ranges = [(minx, maxx), (miny, maxy)] * 2
    values = [parse_number(p, param, lo, hi) for p, (lo, hi) in zip(parts, ranges, strict=True)]
    if values[0] > values[2] or values[1] > values[3]:
        raise APIError(400, f"{param} is inverted: min must not exceed max", param)
    return values[0], values[1], values[2], values[3]


def parse_limit_offset(
    args: Mapping[str, str], default_limit: int, max_limit: int
) -> tuple[int, int]:
    """``limit`` (1..max_limit, default ``default_limit``) and ``offset`` (>= 0, default 0)."""
    limit = args.get("limit")
    offset = args.get("offset")
    return (
        default_limit if limit is None else parse_integer(limit, "limit", 1, max_limit),
        0 if offset is None else parse_integer(offset, "offset", 0),
    )


def parse_list(raw: str, param: str, allowed: Iterable[str] | None = None) -> list[str]:
    """A comma-separated list (duplicates dropped); every item must be in ``allowed`` if given."""
    items = list(dict.fromkeys(p.strip() for p in raw.split(",")))
    if not items or "" in items:
        raise APIError(400, f"{param} must be a comma-separated list of values", param)
    if allowed is not None:
        known = list(allowed)
        unknown = [i for i in items if i not in known]
        if unknown:
            raise APIError(
                400,
                f"unknown {param} {_shown(unknown[0])}; expected one of: {', '.join(known)}",
                param,
            )
    return items


def parse_status(raw: str, param: str = "status") -> list[str]:
    """Status codes of the one vocabulary, comma-separated."""
    return parse_list(raw, param, STATUS)


# ------------------------------------------------------------------------------ geometry bodies


def _position(value: Any, count: list[int]) -> tuple[float, float]:
    """Check one GeoJSON position (lon, lat[, z]), counting vertices; (lon, lat) (z dropped)."""
    if not isinstance(value, list) or not 2 <= len(value) <= 3:
        raise ValueError("a position must be [lon, lat] or [lon, lat, z]")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
        raise ValueError("coordinates must be numbers")
    if not all(math.isfinite(v) for v in value):
        raise ValueError("coordinates must be finite")
    if not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
        raise ValueError("coordinates must be WGS84 lon/lat in degrees")
    count[0] += 1
    if count[0] > MAX_GEOMETRY_VERTICES:
        raise ValueError(f"geometry has more than {MAX_GEOMETRY_VERTICES} vertices")
    return float(value[0]), float(value[1])


def _positions(
    value: Any, count: list[int], minimum: int, ring: bool = False
) -> list[tuple[float, float]]:
    """Check a list of positions (a line, or a closed ring when ``ring``)."""
    if not isinstance(value, list) or len(value) < minimum:
        raise ValueError(f"a {'ring' if ring else 'line'} needs at least {minimum} positions")
    out = [_position(p, count) for p in value]
    if ring and out[0] != out[-1]:
        raise ValueError("a polygon ring must be closed (first position = last)")
    return out


def _nested(value: Any) -> list[Any]:
    """A non-empty list at one nesting level of a GeoJSON ``coordinates`` member."""
    if not isinstance(value, list) or not value:
        raise ValueError("coordinates must be a non-empty array")
    return value


def _coordinates(kind: str, coords: Any) -> Any:
    """Checked 2-d ``coordinates`` of a GeoJSON geometry of type ``kind`` (RFC 7946 §3.1)."""
    count = [0]
    if kind == "Point":
        return _position(coords, count)
    if kind == "MultiPoint":
        return [_position(p, count) for p in _nested(coords)]
    if kind == "LineString":
        return _positions(coords, count, 2)
    if kind == "MultiLineString":
        return [_positions(line, count, 2) for line in _nested(coords)]
    if kind == "Polygon":
        return [_positions(ring, count, 4, ring=True) for ring in _nested(coords)]
    return [
        [_positions(ring, count, 4, ring=True) for ring in _nested(polygon)]
        for polygon in _nested(coords)
    ]


def parse_geometry(body: bytes, param: str = "body") -> BaseGeometry:
    """A GeoJSON geometry (or a Feature carrying one) from a request body, valid and not too big.

    >>> parse_geometry(b'{"type": "Point", "coordinates": [120.05, 28.9]}').wkt
    'POINT (120.05 28.9)'
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise APIError(400, "the request body must be JSON (a GeoJSON geometry)", param) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
        raise APIError(
            400, f"the body must be a GeoJSON geometry of type {', '.join(GEOMETRY_TYPES)}", param
        )
    try:
        coordinates = _coordinates(data["type"], data.get("coordinates"))
    except ValueError as exc:
        raise APIError(400, f"invalid {data['type']}: {exc}", param) from None
    geometry = shape({"type": data["type"], "coordinates": coordinates})
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        raise APIError(400, f"invalid {data['type']}: {reason}", param)
    return geometry


# ------------------------------------------------------------------------------ declared params


@dataclass(frozen=True)
class Param:
    """A query or path parameter: its OpenAPI description and its parser, in one place.

    ``context`` is a mapping the blueprint builds per request (the app ``config``, and whatever
    else the schema or the parser needs, e.g. the catalog for the names of layers and zones).
    ``parse(raw, context)`` gets ``None`` for an absent parameter and returns its default.
    """

    name: str
    description: str
    schema: Callable[[Mapping[str, Any]], dict[str, Any]]
    parse: Callable[[str | None, Mapping[str, Any]], Any] = field(default=lambda raw, ctx: raw)
    required: bool = False
    location: str = "query"

    def openapi(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The OpenAPI 3.1 Parameter Object."""
        schema = self.schema(context)
        out = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "description": self.description,
            "schema": schema,
        }
        if schema.get("type") == "array":
            out.update(style="form", explode=False)
        return out


def parse_params(
    params: Iterable[Param], args: Mapping[str, str], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Parse every declared query parameter: name → value (undeclared ones are ignored)."""
    values = {}
    for p in params:
        if p.location == "query":
            raw = args.get(p.name)
            values[p.name] = p.parse(required(raw, p.name) if p.required else raw, context)
    return values
