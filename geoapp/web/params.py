"""Request bodies and declared parameters of the JSON API; the parsers are :mod:`geoapp.params`.

:class:`Param` pairs a parser with the parameter's OpenAPI schema: the API parses requests with
the same objects its OpenAPI document is generated from, so the two cannot drift apart.
:func:`parse_geometry` checks a GeoJSON geometry body. Errors are
:class:`~geoapp.errors.BadParameter` (a 400 in the one error shape).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geoapp.errors import BadParameter
from geoapp.params import required

#: The largest geometry a request body may carry, in vertices.
MAX_GEOMETRY_VERTICES = 10_000
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


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
        raise BadParameter("the request body must be JSON (a GeoJSON geometry)", param) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
        raise BadParameter(
            f"the body must be a GeoJSON geometry of type {', '.join(GEOMETRY_TYPES)}", param
        )
    try:
        coordinates = _coordinates(data["type"], data.get("coordinates"))
    except ValueError as exc:
        raise BadParameter(f"invalid {data['type']}: {exc}", param) from None
    geometry = shape({"type": data["type"], "coordinates": coordinates})
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        raise BadParameter(f"invalid {data['type']}: {reason}", param)
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
