"""Missing values, cleaned one way: NaN, NA, NaT and None all become None; numpy scalars unwrap.

>>> import numpy as np
>>> [plain(v) for v in (np.int64(3), float("nan"), None, "a")]
[3, None, None, 'a']
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas' NA and NaT."""
    if value is None:
        return True
    if isinstance(value, str | bool | int | list | dict):
        return False
    if isinstance(value, float):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars unwrapped, missing values (and infinities) as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if is_missing(value):
        return None
    if not isinstance(value, str | int | float | bool | list | dict):
        return str(value)
    return value


def plain_list(values: Iterable[Any]) -> list[Any]:
    """:func:`plain` of every value."""
    return [plain(v) for v in values]


def nullable(values: Iterable[Any]) -> list[Any]:
    """The values as they are, but every missing one as None (for writers that keep types)."""
    return [None if is_missing(v) else v for v in values]
