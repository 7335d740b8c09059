/* 永康规划一张图 — layers by URL (geoapp/map_layers.py writes one spec per layer).
 *
 * A small layer is an L.GeoJSON filled from the app's display GeoJSON (escaped popups, tooltips
 * and names come from the server and are given to Leaflet as HTML; nothing else is); a big layer
 * is an L.VectorGrid of the OGC vector tiles, coloured from the tiles' status and colour
 * attributes, with popups built here from those attributes with textContent only. A tile
 * feature linked to a project carries what the map's controls read (tile_attributes.py):
 * project_id, target_status, target_year, overdue, steps ("date status;…" where the status
 * changes) and zones ("id;id"); tileProps() turns them into a small layer's display keys, and
 * tileFeatures() gives labels.js the named features of the loaded tiles.
 * GeoappLayers.ready(map, fn) runs fn once every layer of the map has its data; the map's
 * container then carries data-geoapp-loaded="1". */
(function () {
  "use strict";

  var HIGHLIGHT = { weight: 7, fillOpacity: 0.6 };

  /* A tile feature a filter leaves out: nothing drawn, nothing to click, no name. */
  function hidden() {
    return { stroke: false, fill: false, weight: 0, opacity: 0, fillOpacity: 0, interactive: false };
  }

  function baseStyle(spec, p) {
    var s = spec.style, poly = s.kind === "polygon";
    var out = {
      color: p._color,
      weight: p._river && s.context_weight !== undefined ? s.context_weight : (s.weight !== undefined ? s.weight : 3),
      opacity: s.opacity !== undefined ? s.opacity : 0.9,
      dashArray: s.dash || (p._unknown ? "6 5" : null)
    };
    if (s.kind === "point" || poly) out.fillColor = p._color;
    if (s.kind === "point") out.fillOpacity = 0.9;
    if (poly) out.fillOpacity = (s.fill_opacity !== undefined ? s.fill_opacity : 0.3) * (p._unknown ? 0.5 : 1);
    return out;
  }

  function keep(spec, feature) {
    return !spec.features || spec.features.indexOf(feature.properties.id) >= 0;
  }

  function geojson(spec) {
    var layer = L.geoJson(null, {
      interactive: spec.interactive,
      smoothFactor: 0.5,
      filter: function (f) { return keep(spec, f); },
      style: function (f) { return baseStyle(spec, f.properties); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: spec.style.radius || 5, fill: true, fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        if (!spec.interactive) return;
        l.bindTooltip(f.properties._tip, { sticky: true, className: "foliumtooltip" }); // server-escaped
        l.bindPopup(f.properties._popup, { maxWidth: 360 }); // server-escaped (display.popup_html)
        l.on("mouseover", function () {
          if (l.isPopupOpen() || l._gpHover) return;
          l._gpHover = { weight: l.options.weight, fillOpacity: l.options.fillOpacity };
          l.setStyle(HIGHLIGHT);
        });
        // the hover highlight ends when the pointer leaves or the feature's popup opens
        var unhover = function () { if (l._gpHover) { l.setStyle(l._gpHover); l._gpHover = null; } };
        l.on("mouseout popupopen", unhover);
      }
    });
    layer._gpSpec = spec;
    return layer;
  }

  function line(box, cls, text) {
    var d = document.createElement("div");
    d.className = cls;
    d.textContent = text;
    box.appendChild(d);
  }

  /* A big layer's feature popup: name, status, target, overdue, id (the tile's attributes). */
  function tilePopup(spec, p) {
    var T = spec.text || {}, box = document.createElement("div"), h = document.createElement("h3");
    var labels = T.statuses || {};
    box.className = "gp-popup";
    h.textContent = (spec.lang === "en" && p.name_en) ? p.name_en : (p.name || p.id);
    box.appendChild(h);
    if (p.status) line(box, "gp-status", (T.status || "状态") + "：" + (labels[p.status] || p.status));
    if (p.target_status) {
      line(box, "", (T.target || "目标") + "：" + (p.target_year ? p.target_year + " " : "") +
        (labels[p.target_status] || p.target_status));
    }
    if (p.overdue) line(box, "gp-overdue", T.overdue || "");
    var id = document.createElement("div");
    id.className = "gp-muted gp-small";
    id.textContent = p.id;
    box.appendChild(id);
    return box;
  }

  /* The steps at every source date ("as of" options), from the dates where the status changes:
   * the status of the last change on or before the date, null before the first (once per text). */
  var expanded = {};
  function expandSteps(steps, dates) {
    var key = steps + "|" + dates.join(",");
    if (expanded[key]) return expanded[key];
    var changes = steps ? steps.split(";").map(function (c) { return c.split(" "); }) : [];
    var out = dates.map(function (d) {
      var status = null;
      changes.forEach(function (c) { if (c[0] <= d) status = c[1]; });
      return [d, status];
    });
    expanded[key] = out;
    return out;
  }

  /* A tile feature's attributes as the display keys a small layer's feature has (the controls
   * read these: planmap.js effectiveStatus, matches, styleFor). */
  function tileProps(p, dates) {
    return {
      id: p.id,
      _status: p.status || "",
      _target: p.target_status || "",
      _overdue: !!p.overdue,
      _project: p.project_id || "",
      _steps: p.project_id ? expandSteps(p.steps || "", dates || []) : [],
      _zones: p.zones ? p.zones.split(";") : []
    };
  }

  /* The named features drawn in a tiled layer's loaded tiles at the map's zoom whose middle is in
   * view (at most `max`, largest first), merged across tiles, in layer pixels: what labels.js
   * places. */
  function tileFeatures(layer, map, max) {
    var spec = layer._gpSpec, boxes = {}, origin = map.getPixelOrigin(), size = layer.getTileSize();
    if (!spec || spec.labels === false || !layer._vectorTiles || !layer._map) return [];
    var add = function (b, c, k, pt) {
      var x = (c.x * size.x + pt.x) * k - origin.x, y = (c.y * size.y + pt.y) * k - origin.y;
      b.x0 = Math.min(b.x0, x); b.y0 = Math.min(b.y0, y); b.x1 = Math.max(b.x1, x); b.y1 = Math.max(b.y1, y);
    };
    for (var key in layer._vectorTiles) {
      var r = layer._vectorTiles[key], c = r._tileCoord, feats = r._features || {};
      if (!c || c.z !== layer._tileZoom) continue;
      var k = map.getZoomScale(map.getZoom(), c.z);
      for (var id in feats) {
        var f = feats[id].feature, o = f.options || {}, p = f.properties || {};
        if (!p.name || (o.stroke === false && o.fill === false)) continue; // filtered out
        var b = boxes[id] || (boxes[id] = { p: p, kind: f._point ? "point" : (o.fill ? "area" : "line"),
                                            x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity });
        (f._point ? [[f._point]] : f._parts || []).forEach(function (part) {
          part.forEach(function (pt) { add(b, c, k, pt); });
        });
      }
    }
    var out = [], view = map.getPixelBounds(), shift = map.getPixelOrigin();
    for (var fid in boxes) {
      var x = boxes[fid];
      // only features whose middle is in view (the tiles reach beyond it)
      var mx = (x.x0 + x.x1) / 2 + shift.x, my = (x.y0 + x.y1) / 2 + shift.y;
      if (x.x0 > x.x1 || mx < view.min.x || mx > view.max.x || my < view.min.y || my > view.max.y) continue;
      out.push({ id: fid, text: (spec.lang === "en" && x.p.name_en) ? x.p.name_en : x.p.name,
                 kind: x.kind, project: !!x.p.project_id, radius: spec.style.radius || 5,
                 at: L.point((x.x0 + x.x1) / 2, (x.y0 + x.y1) / 2),
                 size: Math.max(x.x1 - x.x0, x.y1 - x.y0) });
    }
    out.sort(function (a, b) { return b.size - a.size; });
    return out.slice(0, max);
  }

  /* The pieces of one feature in a tiled layer's loaded tiles at the map's zoom. */
  function tilePieces(layer, id) {
    var out = [];
    for (var key in layer._vectorTiles || {}) {
      var r = layer._vectorTiles[key], f = r._features && r._features[id];
      if (f && r._tileCoord && r._tileCoord.z === layer._tileZoom) out.push(f.feature);
    }
    return out;
  }

  /* True when the loaded tiles hold the feature and a filter hides it in all of them (identify
   * leaves it out, as it leaves out a small layer's filtered features). */
  function tileHidden(layer, id) {
    var pieces = tilePieces(layer, id);
    return pieces.length > 0 && pieces.every(function (f) { return f.options.stroke === false; });
  }

  /* A feature's tile attributes when a loaded tile holds it (else null). */
  function tileProperties(layer, id) {
    var pieces = tilePieces(layer, id);
    return pieces.length ? pieces[0].properties : null;
  }

  function tiles(spec) {
    var styles = {};
    styles[spec.id] = function (p) {
      // a status layer's feature with no project is context (drawn with context_weight), as in display.py
      var style = baseStyle(spec, { _color: p.color, _unknown: p.location_confidence === "unknown",
                                    _river: !!spec.project && !p.project_id });
      if (spec.status && p.status && spec.status.indexOf(p.status) < 0) return hidden();
      if (spec.restyle) style = spec.restyle(p, style) || style;
      if (style.stroke === false) return style; // filtered out: not drawn, not clickable
      style.fill = spec.style.kind !== "line";
      style.radius = spec.style.radius || 5;
      return style;
    };
    var layer = L.vectorGrid.protobuf(spec.url, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: spec.interactive,
      maxNativeZoom: 20,
      minZoom: spec.min_zoom || 0, // below it no tile is asked for (a city view of 100k parcels)
      getFeatureId: function (f) { return f.properties.id; }
    });
    if (spec.interactive) {
      layer.on("click", function (e) {
        L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent(tilePopup(spec, e.layer.properties)).openOn(layer._map);
      });
    }
    // the names of the tiles' features are placed again once the visible tiles are drawn
    layer.on("load", function () { if (layer._map && layer._map._gpLabels) layer._map._gpLabels.schedule(); });
    layer._gpSpec = spec;
    layer._gpTiles = true;
    return layer;
  }

  function pending(map) {
    if (!map._gpPending) map._gpPending = [];
    return map._gpPending;
  }

  window.GeoappLayers = {
    create: function (map, spec) {
      if (spec.source === "tiles") {
        // Leaflet takes the highest minZoom of its tile layers as the map's own unless the map
        // sets one: a big layer drawn from zoom 14 must not stop the map zooming out
        if (spec.min_zoom && map.options.minZoom === undefined) map.options.minZoom = 0;
        return tiles(spec);
      }
      var layer = geojson(spec);
      pending(map).push(
        fetch(spec.url) // as the page's <link rel="preload"> asked for it: the same request
          .then(function (r) {
            if (!r.ok) throw new Error(spec.url + ": HTTP " + r.status);
            return r.json();
          })
          .then(function (data) { layer.addData(data); })
          .catch(function (err) {
            // the other layers and the controls still come; the failure is said, not swallowed
            map.getContainer().setAttribute("data-geoapp-error", spec.id);
            console.error("geoapp: layer " + spec.id + " not loaded: " + err.message);
          })
      );
      return layer;
    },
    tilePopup: tilePopup,
    tileProps: tileProps,
    hidden: hidden,
    tileFeatures: tileFeatures,
    tileHidden: tileHidden,
    tileProperties: tileProperties,
    /* fn(map) once every GeoJSON layer of the map has its features (at once if they have). */
    ready: function (map, fn) {
      if (!map._gpReady) {
        map._gpReady = Promise.all(pending(map)).then(function () {
          map.getContainer().setAttribute("data-geoapp-loaded", "1");
          map.fire("gp:loaded");
        });
      }
      return map._gpReady.then(function () { return fn(map); });
    }
  };

  // every folium map on the page: mark it loaded once its layers have their data
  document.addEventListener("DOMContentLoaded", function () {
    for (var k in window) {
      if (/^map_/.test(k) && window[k] instanceof L.Map) window.GeoappLayers.ready(window[k], function () {});
    }
  });
})();
