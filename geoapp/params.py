"""Request parameters, parsed one way for every door (API, OGC, pages, embed, pictures, exports).

Every parser takes the raw text of one parameter and its name, and returns a value or raises
:class:`~geoapp.errors.BadParameter` naming the parameter; the same bad value gets the same
message wherever it was sent. No Flask here: the web layer passes ``request.args`` values in and
maps the error to a 400 in one place.

Integers and numbers are ASCII only: ``²`` or ``①`` (which ``str.isdigit`` accepts and ``int``
refuses) are a clean 400.

>>> parse_bbox("120.0,28.8,120.1,28.9")
(120.0, 28.8, 120.1, 28.9)
>>> parse_integer("²", "maxwidth", 1)
Traceback (most recent call last):
...
geoapp.errors.BadParameter: maxwidth must be an integer, not '²'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from geoapp.errors import BadParameter
from geoapp.status import STATUS, status_by_label

#: The whole WGS84 range, (min lon, min lat, max lon, max lat).
WORLD = (-180.0, -90.0, 180.0, 90.0)
#: The languages of every page and document; the default comes from ``DEFAULT_LANG``.
LANGS = ("zh", "en")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_TRUE = ("1", "true", "yes", "on", "")
_FALSE = ("0", "false", "no", "off")


def shown(raw: object) -> str:
    """The raw value for an error message, cut short."""
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def choices(values: Sequence[str], most: int = 20) -> str:
    """The allowed values for an error message, comma-separated (a long list is cut short).

    >>> choices(["a", "b"]), choices([str(i) for i in range(20)], 3)
    ('a, b', '0, 1, 2, … (20 in all)')
    """
    if len(values) <= most:
        return ", ".join(values)
    return ", ".join(values[:most]) + f", … ({len(values)} in all)"


def required(raw: str | None, param: str) -> str:
    """The raw text, or a BadParameter naming the missing parameter."""
    if raw is None or raw == "":
        raise BadParameter(f"missing required parameter '{param}'", param)
    return raw


def _bounds_text(minimum: float | None, maximum: float | None) -> str:
    """'between a and b', 'at least a' or 'at most b'."""
    if minimum is not None and maximum is not None:
        return f"between {minimum:g} and {maximum:g}"
    return f"at least {minimum:g}" if minimum is not None else f"at most {maximum:g}"


def check_bounds(value: float, param: str, minimum: float | None, maximum: float | None) -> None:
    """A BadParameter if ``value`` lies outside [minimum, maximum] (either may be None)."""
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadParameter(f"{param} must be {_bounds_text(minimum, maximum)}", param)


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
        raise BadParameter(f"{param} must be a finite number, not {shown(raw)}", param)
    if exclusive_minimum is not None and value <= exclusive_minimum:
        raise BadParameter(f"{param} must be greater than {exclusive_minimum:g}", param)
    check_bounds(value, param, minimum, maximum)
    return value


def parse_integer(raw: str, param: str, minimum: int, maximum: int | None = None) -> int:
    """A decimal integer (ASCII digits only) within the bounds.

    >>> parse_integer(" 20 ", "limit", 1, 100)
    20
    """
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        raise BadParameter(f"{param} must be an integer, not {shown(raw)}", param)
    value = int(text)
    check_bounds(value, param, minimum, maximum)
    return value


def parse_optional_integer(
    raw: str | None, param: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    """:func:`parse_integer`, or ``default`` when the parameter is absent."""
    return default if raw is None else parse_integer(raw, param, minimum, maximum)


def parse_limit_offset(
    limit: str | None, offset: str | None, default_limit: int, max_limit: int
) -> tuple[int, int]:
    """The one paging policy: ``limit`` 1..max_limit (more is a 400), ``offset`` >= 0.

    >>> parse_limit_offset(None, "5", 100, 10000)
    (100, 5)
    """
    return (
        parse_optional_integer(limit, "limit", default_limit, 1, max_limit),
        parse_optional_integer(offset, "offset", 0, 0),
    )


def parse_bbox(
    raw: str, param: str = "bbox", extent: Sequence[float] | None = WORLD
) -> tuple[float, float, float, float]:
    """``minx,miny,maxx,maxy`` (or six numbers, the heights dropped); min may equal max.

    ``extent`` bounds the values (WGS84 lon/lat by default; None for another CRS's units).

    >>> parse_bbox("120,28.8,0,120.1,28.9,100")
    (120.0, 28.8, 120.1, 28.9)
    """
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise BadParameter(
            f"{param} must be four numbers: minlon,minlat,maxlon,maxlat (or six, with heights)",
            param,
        )
    ranges = [(extent[0], extent[2]), (extent[1], extent[3])] if extent else [(None, None)] * 2
    if len(parts) == 6:
        parts = parts[0:2] + parts[3:5]
    values = [parse_number(p, param, lo, hi) for p, (lo, hi) in zip(parts, ranges * 2, strict=True)]
    if values[0] > values[2] or values[1] > values[3]:
        raise BadParameter(f"{param} is inverted: min must not exceed max", param)
    return values[0], values[1], values[2], values[3]


def parse_list(
    raw: str, param: str, allowed: Iterable[str] | None = None, what: str | None = None
) -> list[str]:
    """A comma-separated list (duplicates dropped); every item must be in ``allowed`` if given.

    >>> parse_list("parks,parks,zones", "layer", ["parks", "zones"])
    ['parks', 'zones']
    """
    items = list(dict.fromkeys(p.strip() for p in raw.split(",")))
    if not items or "" in items:
        raise BadParameter(f"{param} must be a comma-separated list of values", param)
    if allowed is not None:
        known = list(allowed)
        unknown = [i for i in items if i not in known]
        if unknown:
            raise BadParameter(
                f"unknown {what or param} {shown(unknown[0])}; expected one of: {choices(known)}",
                param,
            )
    return items


def parse_status(raw: str, param: str = "status") -> list[str]:
    """Status codes of the one vocabulary (or their zh/en labels), comma-separated → codes.

    >>> parse_status("planned,在建")
    ['planned', 'under_construction']
    """
    codes = []
    for item in parse_list(raw, param):
        try:
            codes.append(status_by_label(item).code)
        except KeyError:
            raise BadParameter(
                f"unknown {param} {shown(item)}; expected one of: {', '.join(STATUS)}", param
            ) from None
    return list(dict.fromkeys(codes))


def parse_choice(raw: str | None, param: str, choices: Sequence[str], default: str) -> str:
    """One of ``choices`` (``default`` when absent or blank).

    >>> parse_choice(None, "lang", LANGS, "en")
    'en'
    """
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    if value not in choices:
        raise BadParameter(f"{param} must be one of: {', '.join(choices)}", param)
    return value


def parse_lang(raw: str | None, default: str = "zh") -> str:
    """The language of a page or document: zh or en, ``default`` (``DEFAULT_LANG``) if absent."""
    return parse_choice(raw, "lang", LANGS, default)


def parse_bool(raw: str | None, param: str, default: bool, *, ogc: bool = False) -> bool:
    """true/false (also 1/0, yes/no, on/off; a bare ``?name`` is true).

    ``ogc=True``: only ``true`` / ``false`` (any case), the boolean of OGC API query parameters
    (``skipGeometry``) as their OpenAPI documents declare it.

    >>> parse_bool("1", "static", False), parse_bool("TRUE", "skipGeometry", False, ogc=True)
    (True, True)
    """
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in (_TRUE[1:2] if ogc else _TRUE):
        return True
    if value in (_FALSE[1:2] if ogc else _FALSE):
        return False
    raise BadParameter(f"{param} must be true or false, not {shown(raw)}", param)
