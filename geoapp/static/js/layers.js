/* 永康规划一张图 — layers by URL (geoapp/map_layers.py writes one spec per layer).
 *
 * A small layer is an L.GeoJSON filled from the app's display GeoJSON (escaped popups, tooltips
 * and names come from the server and are given to Leaflet as HTML; nothing else is); a big layer
 * is an L.VectorGrid of the OGC vector tiles, coloured from the tiles' status and colour
 * attributes, with popups built here from those attributes with textContent only.
 * GeoappLayers.ready(map, fn) runs fn once every layer of the map has its data; the map's
 * container then carries data-geoapp-loaded="1". */
(function () {
  "use strict";

  var HIGHLIGHT = { weight: 7, fillOpacity: 0.6 };

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

  /* A big layer's feature popup: name, status, id (from the tile's attributes). */
  function tilePopup(spec, p) {
    var T = spec.text || {}, box = document.createElement("div"), h = document.createElement("h3");
    box.className = "gp-popup";
    h.textContent = (spec.lang === "en" && p.name_en) ? p.name_en : (p.name || p.id);
    box.appendChild(h);
    if (p.status) {
      var st = document.createElement("div"), labels = T.statuses || {};
      st.className = "gp-status";
      st.textContent = (T.status || "状态") + "：" + (labels[p.status] || p.status);
      box.appendChild(st);
    }
    var id = document.createElement("div");
    id.className = "gp-muted gp-small";
    id.textContent = p.id;
    box.appendChild(id);
    return box;
  }

  function tiles(spec) {
    var styles = {};
    styles[spec.id] = function (p) {
      var style = baseStyle(spec, { _color: p.color, _unknown: p.location_confidence === "unknown" });
      if (spec.status && p.status && spec.status.indexOf(p.status) < 0) return { stroke: false, fill: false, weight: 0, opacity: 0, fillOpacity: 0 };
      if (spec.restyle) style = spec.restyle(p, style) || style;
      style.fill = spec.style.kind !== "line";
      style.radius = spec.style.radius || 5;
      return style;
    };
    var layer = L.vectorGrid.protobuf(spec.url, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: spec.interactive,
      maxNativeZoom: 20,
      getFeatureId: function (f) { return f.properties.id; }
    });
    if (spec.interactive) {
      layer.on("click", function (e) {
        L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent(tilePopup(spec, e.layer.properties)).openOn(layer._map);
      });
    }
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
      if (spec.source === "tiles") return tiles(spec);
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
