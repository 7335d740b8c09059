"""How an interactive map gets its layers: by URL, never inline.

A map page carries, per layer, a small spec (:func:`layer_spec`): its symbol, whether it is
interactive, the features to keep (an embed's or a project's selection) and where its data is.
A small layer's data is the display GeoJSON the app serves at
``{root}/map/layers/{id}.geojson`` (escaped popups, tooltips, names and the status keys the
palette and the "as of" control read, :func:`geoapp.query.display.display_layer`); a big layer
(over :data:`TILE_THRESHOLD` features, or ``load = "tiles"`` in its ``[style]``) is drawn from the
OGC vector tiles ``{root}/ogc/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}``
(Leaflet.VectorGrid, vendored). ``static/js/layers.js`` builds the Leaflet layers from the specs,
so a page's weight does not grow with its layers' feature counts.

Examples
--------
>>> layer_source(catalog, "urban_villages")  # doctest: +SKIP
'geojson'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup, escape

from geoapp.status import STATUSES
from geoapp.texts import t

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog
    from geoapp.maps import MapOptions

#: Over this many features a layer is drawn from vector tiles rather than fetched whole.
TILE_THRESHOLD = 2000
#: Style keys the browser needs to draw a layer's features (see ``maps._style_function``).
STYLE_KEYS = ("kind", "weight", "context_weight", "opacity", "dash", "fill_opacity", "radius")
#: The vendored plugin a page with a tiled layer loads.
VECTORGRID = ("leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js")


#: A tiled layer of more features than this is drawn from :data:`DETAIL_ZOOM` on (unless its
#: ``[style]`` sets ``min_zoom``): a city view of 100k parcels is noise, and its tiles (up to
#: 180 KB each) made the first draw four times slower than the whole bundled map.
DETAIL_FEATURES = 20_000
DETAIL_ZOOM = 14


def min_zoom(catalog: Catalog, layer_id: str) -> int:
    """The zoom from which the layer is drawn (0: always), as QGIS's scale-dependent visibility."""
    asked = catalog.defs[layer_id].style.get("min_zoom")
    if isinstance(asked, int) and not isinstance(asked, bool):
        return max(0, min(asked, 20))
    big = layer_source(catalog, layer_id) == "tiles"
    return DETAIL_ZOOM if big and len(catalog.layers[layer_id]) > DETAIL_FEATURES else 0


def layer_title(catalog: Catalog, layer_id: str, lang: str) -> str:
    """The layer's name in the layer control: its title, and from which zoom it is drawn."""
    title = catalog.defs[layer_id].title_for(lang)
    zoom = min_zoom(catalog, layer_id)
    return title + t("from_zoom", lang).format(zoom=zoom) if zoom else title


def layer_source(catalog: Catalog, layer_id: str) -> str:
    """``"tiles"`` for a big layer (or one whose style asks for tiles), else ``"geojson"``."""
    asked = catalog.defs[layer_id].style.get("load")
    if asked in ("tiles", "geojson"):
        return asked
    return "tiles" if len(catalog.layers[layer_id]) > TILE_THRESHOLD else "geojson"


def data_url(layer_id: str, opts: MapOptions) -> str:
    """Where the page fetches a small layer's display GeoJSON (language, basemap, record link)."""
    query = {"lang": opts.lang, "basemap": opts.basemap.name}
    if opts.record_link:
        query["record"] = "1"
    return f"{opts.root}/map/layers/{layer_id}.geojson?{urlencode(query)}"


def tiles_url(layer_id: str, opts: MapOptions) -> str:
    """The URL template of a layer's OGC vector tiles (z/y/x, the OGC order)."""
    return f"{opts.root}/ogc/collections/{layer_id}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"


def layer_spec(
    catalog: Catalog, layer_id: str, opts: MapOptions, interactive: bool = True
) -> dict[str, Any]:
    """What the browser needs to draw one layer: symbol, data URL, selection, interactivity."""
    layer = catalog.defs[layer_id]
    source = layer_source(catalog, layer_id)
    spec: dict[str, Any] = {
        "id": layer_id,
        "title": layer.title_for(opts.lang),
        "source": source,
        "url": tiles_url(layer_id, opts) if source == "tiles" else data_url(layer_id, opts),
        "style": {k: layer.style[k] for k in STYLE_KEYS if k in layer.style},
        "interactive": bool(interactive and layer.style.get("interactive", True)),
        # a tiled layer keeps every feature the tiles hold (a big selection would weigh the page)
        "features": sorted(opts.features)
        if opts.features is not None and source == "geojson"
        else None,
        "status": list(opts.status) if opts.status else None,
        "lang": opts.lang,
        "project": layer.has_status,
        "min_zoom": min_zoom(catalog, layer_id),
    }
    if source == "tiles":
        spec["api"] = f"{opts.api_url}/layers/{layer_id}"
        spec["text"] = {
            "status": t("status", opts.lang),
            "target": t("target", opts.lang),
            "overdue": t("overdue", opts.lang),
            "statuses": {s.code: s.label(opts.lang) for s in STATUSES},
        }
        spec["labels"] = not layer.city_outline  # names from the tiles' features (labels.js)
    return spec


def uses_tiles(specs: Iterable[dict[str, Any]]) -> bool:
    """True when any layer is drawn from vector tiles (the page must load VectorGrid)."""
    return any(s["source"] == "tiles" for s in specs)


def preload_links(specs: Iterable[dict[str, Any]]) -> str:
    """``<link rel="preload">`` of every GeoJSON layer: fetched while the page's scripts load.

    ``as="fetch"`` with ``crossorigin`` is what a same-origin ``fetch()`` reuses.
    """
    return "".join(
        f'<link rel="preload" href="{escape(s["url"])}" as="fetch" crossorigin="anonymous">'
        for s in specs
        if s["source"] == "geojson"
    )


def _script_json(value: Any) -> Markup:
    """JSON safe inside ``<script>`` (``<`` and ``>`` escaped)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


class RemoteLayer(MacroElement):
    """A layer whose features come by URL: GeoJSON fetched whole, or vector tiles."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.GeoappLayers.create(
            {{ this._parent._parent.get_name() }}, {{ this.spec_json }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any]):
        super().__init__()
        self._name = "RemoteLayer"
        self.spec = spec
        self.spec_json = _script_json(spec)
