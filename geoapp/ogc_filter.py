"""OGC API – Features Part 3 and friends on a collection: ``filter`` (CQL2 text and JSON),
``sortby``, ``properties``, ``skipGeometry`` and ``datetime`` on the status date (no Flask here).

CQL2 is parsed by pygeofilter (the parser pygeoapi uses) and evaluated on the layer's
GeoDataFrame with pygeofilter's geopandas backend; only the collection's queryables may be
named, and spatial predicates compare with the feature geometry in WGS84 (``filter-crs`` CRS84).

Examples
--------
>>> parse_sortby("-status_date,name", ["name", "status_date"])
(('status_date', True), ('name', False))
>>> parse_datetime("2023-01-01/..")
(datetime.date(2023, 1, 1), None)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.errors import BadParameter
from geoapp.params import parse_bool

#: The conformance classes this module implements (Part 3 filtering, CQL2).
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
]
FILTER_LANGS = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ].*)?$")


# --------------------------------------------------------------------------- filter


def parse_filter(text: str, lang: str | None) -> Any:
    """The CQL2 ``filter`` (text, or JSON with ``filter-lang=cql2-json``) as a pygeofilter AST."""
    from pygeofilter.parsers.cql2_json import parse as parse_json
    from pygeofilter.parsers.cql2_text import parse as parse_text

    lang = lang or "cql2-text"
    if lang not in FILTER_LANGS:
        raise BadParameter(
            f"filter-lang {lang!r} is not offered: use cql2-text or cql2-json", "filter-lang"
        )
    try:
        if lang == "cql2-json":
            return parse_json(json.loads(text))
        return parse_text(text)
    except Exception as exc:  # noqa: BLE001 — lark/pygeofilter raise many types on bad input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadParameter(f"filter is not valid {lang}: {first[:200]}", "filter") from None


def attributes(node: Any) -> set[str]:
    """Every property name a filter AST refers to."""
    from pygeofilter import ast

    found: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, ast.Attribute):
            found.add(n.name)
        elif isinstance(n, ast.Node):
            for child in n.get_sub_nodes():
                walk(child)
        elif isinstance(n, list | tuple):
            for child in n:
                walk(child)

    walk(node)
    return found


def filter_mask(frame: gpd.GeoDataFrame, node: Any, queryables: Sequence[str]) -> np.ndarray:
    """Which rows of ``frame`` (WGS84, with its properties) the filter AST keeps."""
    from pygeofilter.backends.geopandas.evaluate import to_filter

    unknown = sorted(attributes(node) - set(queryables) - {GEOMETRY})
    if unknown:
        raise BadParameter(
            f"filter names {', '.join(unknown)}: not a queryable (see the collection's "
            f"/queryables: {', '.join(queryables)}, {GEOMETRY})",
            "filter",
        )
    try:
        mapping = {
            **{n: n for n in queryables if n in frame.columns},
            GEOMETRY: frame.geometry.name,
        }
        with np.errstate(all="ignore"):  # a filter with absurd coordinates matches nothing
            mask = to_filter(frame, node, mapping, {"bbox": _bbox})
    except Exception as exc:  # noqa: BLE001 — e.g. comparing text with a number
        raise BadParameter(f"filter cannot be evaluated: {exc}", "filter") from None
    if isinstance(mask, bool | np.bool_):
        return np.full(len(frame), bool(mask))
    return np.asarray(pd.Series(mask).fillna(False), dtype=bool)


def _bbox(*bounds: float) -> shapely.Geometry:
    """CQL2 text's BBOX(minx, miny, maxx, maxy) as a polygon (2-D; a 6-number box drops z)."""
    if len(bounds) == 6:
        bounds = (bounds[0], bounds[1], bounds[3], bounds[4])
    if len(bounds) != 4:
        raise BadParameter("BBOX takes 4 numbers: minx, miny, maxx, maxy", "filter")
    return shapely.box(*bounds)


# --------------------------------------------------------------------------- sortby, properties


def parse_sortby(text: str, sortables: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``sortby=-status_date,name`` → ((name, descending), …); 400 for a name not sortable."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in sortables:
            raise BadParameter(
                f"sortby: {name!r} is not sortable; use one of {', '.join(sortables)}", "sortby"
            )
        out.append((name, desc))
    if not out:
        raise BadParameter("sortby is empty: name a property, e.g. sortby=-status_date", "sortby")
    return tuple(out)


def sort_rows(rows: list[int], values: list[dict[str, Any]], keys: Iterable[tuple[str, bool]]):
    """Rows ordered by the keys (stable; missing values last whatever the direction)."""
    ordered = list(rows)
    for name, desc in reversed(list(keys)):
        present = [r for r in ordered if values[r].get(name) is not None]
        missing = [r for r in ordered if values[r].get(name) is None]
        present.sort(key=lambda r, n=name: _sort_key(values[r][n]), reverse=desc)
        ordered = present + missing
    return ordered


def _sort_key(value: Any) -> tuple:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def parse_properties(text: str, names: Sequence[str]) -> tuple[str, ...]:
    """``properties=name,status`` → the names (400 for one the collection does not have)."""
    chosen = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in chosen if p not in names]
    if unknown:
        raise BadParameter(
            f"properties: {', '.join(unknown)} not in this collection; choose from "
            f"{', '.join(names)}",
            "properties",
        )
    return chosen


# --------------------------------------------------------------------------- datetime


def _period(text: str, end: bool) -> dt.date | None:
    """The first (or last) day a date of year, month or day precision stands for."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    year, month, day = int(m[1]), m[2], m[3]
    if day:
        return dt.date(year, int(month), int(day))
    if month:
        first = dt.date(year, int(month), 1)
        if not end:
            return first
        return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)


def parse_datetime(text: str) -> tuple[dt.date | None, dt.date | None]:
    """``datetime``: an instant or ``start/end`` (either may be ``..``) → (first day, last day)."""
    parts = text.split("/")
    if len(parts) > 2 or not text.strip():
        raise BadParameter(
            f"datetime {text!r}: expected a date or an interval like 2023-01-01/2024-06-30",
            "datetime",
        )
    bounds = []
    for i, part in enumerate(parts):
        if part in ("..", "") and len(parts) == 2:
            bounds.append(None)
            continue
        day = _period(part, end=len(parts) == 2 and i == 1)
        if day is None:
            raise BadParameter(f"datetime: {part!r} is not an RFC 3339 date", "datetime")
        bounds.append(day)
    if len(parts) == 1:
        return bounds[0], _period(parts[0], end=True)
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise BadParameter("datetime: the interval ends before it starts", "datetime")
    return bounds[0], bounds[1]


def in_period(value: Any, start: dt.date | None, end: dt.date | None) -> bool:
    """True when a status date (year, month or day precision) overlaps [start, end]."""
    if value is None or str(value) == "":
        return False
    first, last = _period(str(value), False), _period(str(value), True)
    if first is None or last is None:
        return False
    return (start is None or last >= start) and (end is None or first <= end)


# --------------------------------------------------------------------------- the whole refinement


@dataclass(frozen=True)
class Refinement:
    """The Part 3 (and friends) parameters of one items request, parsed."""

    filter: str | None = None
    filter_lang: str = "cql2-text"
    sortby: tuple[tuple[str, bool], ...] = ()
    properties: tuple[str, ...] | None = None
    skip_geometry: bool = False
    datetime: tuple[dt.date | None, dt.date | None] | None = None
    datetime_text: str | None = None

    def args(self) -> dict[str, str]:
        """The refinement as URL parameters (for self/next/prev links)."""
        out: dict[str, str] = {}
        if self.filter is not None:
            out["filter"] = self.filter
            if self.filter_lang != "cql2-text":
                out["filter-lang"] = self.filter_lang
        if self.sortby:
            out["sortby"] = ",".join(("-" if d else "") + n for n, d in self.sortby)
        if self.properties is not None:
            out["properties"] = ",".join(self.properties)
        if self.skip_geometry:
            out["skipGeometry"] = "true"
        if self.datetime_text:
            out["datetime"] = self.datetime_text
        return out

    @property
    def reshapes(self) -> bool:
        """True when features are written with fewer properties or no geometry."""
        return self.properties is not None or self.skip_geometry


#: The query parameters a Refinement reads.
PARAMS = (
    "filter", "filter-lang", "filter-crs", "sortby", "properties", "skipGeometry", "datetime",
)  # fmt: skip


def parse_refinement(args: Mapping[str, str], names: Sequence[str]) -> Refinement:
    """Parse the Part 3 parameters of an items request (``names``: the queryables)."""
    crs = args.get("filter-crs")
    if crs is not None and crs not in (CRS84_URI, "OGC:CRS84"):
        raise BadParameter(f"filter-crs: only {CRS84_URI} is offered", "filter-crs")
    text, lang = args.get("filter"), args.get("filter-lang", "cql2-text")
    if lang not in FILTER_LANGS:  # a 400 even without a filter (or empty): the document lists two
        raise BadParameter(
            f"filter-lang {lang!r} is not offered: use cql2-text or cql2-json", "filter-lang"
        )
    if text is not None:
        parse_filter(text, lang)  # 400 now, before any page is built
    when = args.get("datetime")
    return Refinement(
        filter=text,
        filter_lang=lang,
        sortby=parse_sortby(args["sortby"], names) if "sortby" in args else (),
        properties=parse_properties(args["properties"], names) if "properties" in args else None,
        skip_geometry=parse_bool(args.get("skipGeometry"), "skipGeometry", False, ogc=True),
        datetime=parse_datetime(when) if when is not None else None,
        datetime_text=when,
    )


CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def refine_rows(
    rows: list[int],
    frame: gpd.GeoDataFrame,
    values: list[dict[str, Any]],
    refinement: Refinement,
    queryables: Sequence[str],
) -> list[int]:
    """Rows kept by the filter and the datetime, in sortby order."""
    if refinement.filter is not None:
        mask = filter_mask(frame, parse_filter(refinement.filter, refinement.filter_lang),
                           queryables)  # fmt: skip
        rows = [r for r in rows if mask[r]]
    if refinement.datetime is not None:
        start, end = refinement.datetime
        rows = [r for r in rows if in_period(values[r].get("status_date"), start, end)]
    if refinement.sortby:
        rows = sort_rows(rows, values, refinement.sortby)
    return rows
