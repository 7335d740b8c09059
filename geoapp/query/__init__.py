"""Which features, and how they are written: one query, one serialiser per output, one style rule.

- :mod:`~geoapp.query.features`: :class:`FeatureQuery` → rows, through the R-tree;
- :mod:`~geoapp.query.zones`: what a zone is;
- :mod:`~geoapp.query.clean`: missing values;
"""

from __future__ import annotations

from geoapp.query.features import FeatureQuery, select
from geoapp.query.zones import parse_zone, zone_ids, zone_layer, zone_shape

__all__ = ["FeatureQuery", "parse_zone", "select", "zone_ids", "zone_layer", "zone_shape"]
