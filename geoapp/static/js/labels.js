/* 永康规划一张图 — name labels on every interactive map, placed without overlap.
 *
 * Each feature whose properties carry `_label` (server-escaped name in the page language) gets a
 * label: points to the right of the marker, lines along the line (rotated to the segment under
 * the label's middle), areas at their centre. A greedy pass keeps a label only if its box
 * overlaps no label already placed; projects before context, and within each points, lines,
 * small areas, then big ones (each layer names one feature before any names a second), so
 * zooming in shows more names. A tiled layer's names come from its loaded tiles' features
 * (GeoappLayers.tileFeatures: the drawn ones, the largest first, a bounded number). Labels follow their layer (a hidden layer has none) and
 * can be switched off per layer: GeoappLabels.setEnabled(map, geojsonLayer, false). */
(function () {
  "use strict";

  function decode(html) {
    var t = document.createElement("textarea");
    t.innerHTML = html; // server-escaped text; decoding yields plain text, set with textContent
    return t.value;
  }

  function intersects(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  /* Where a line's label goes: the point half-way along it (in pixels) and its angle there. */
  function alongLine(map, latlngs) {
    var pts = latlngs.map(function (ll) { return map.latLngToLayerPoint(ll); });
    var total = 0, i;
    for (i = 1; i < pts.length; i++) total += pts[i].distanceTo(pts[i - 1]);
    var half = total / 2, run = 0;
    for (i = 1; i < pts.length; i++) {
      var seg = pts[i].distanceTo(pts[i - 1]);
      if (run + seg >= half && seg > 0) {
        var t = (half - run) / seg, a = pts[i - 1], b = pts[i];
        var angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
        if (angle > 90) angle -= 180;
        if (angle < -90) angle += 180;
        return { at: L.point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t), angle: angle, length: total };
      }
      run += seg;
    }
    return { at: pts[0], angle: 0, length: total };
  }

  function flatLatLngs(layer) {
    var ll = layer.getLatLngs();
    while (ll.length && Array.isArray(ll[0])) {
      // a MultiLineString: label its longest part
      ll = ll.reduce(function (best, part) { return part.length > best.length ? part : best; }, []);
    }
    return ll;
  }

  function Labels(map) {
    this.map = map;
    this.disabled = {};
    this.items = [];
    map.createPane("gp-labels");
    this.pane = map.getPane("gp-labels");
    this.pane.setAttribute("aria-hidden", "true"); // names are in the project list and popups
    var self = this, pending = null;
    this.schedule = function () {
      if (pending) return;
      pending = window.requestAnimationFrame(function () { pending = null; self.layout(); });
    };
    map.on("zoomend moveend viewreset resize layeradd layerremove overlayadd overlayremove", this.schedule);
    map._gpLabels = this;
  }

  Labels.prototype.features = function () {
    var out = [], self = this;
    this.map.eachLayer(function (g) {
      if (!(g instanceof L.GeoJSON) || self.disabled[L.stamp(g)]) return;
      g.eachLayer(function (f) {
        var p = f.feature && f.feature.properties;
        if (p && p._label && self.map.hasLayer(f)) { f._gpGroup = L.stamp(g); out.push(f); }
      });
    });
    return out;
  };

  Labels.prototype.candidate = function (f) {
    var map = this.map;
    if (f instanceof L.CircleMarker || f instanceof L.Marker) {
      var r = f.getRadius ? f.getRadius() : 6;
      return { at: map.latLngToLayerPoint(f.getLatLng()), angle: 0, kind: "point", dx: r + 3, rank: 0 };
    }
    if (f instanceof L.Polygon) {
      var b = f.getBounds();
      var nw = map.latLngToLayerPoint(b.getNorthWest()), se = map.latLngToLayerPoint(b.getSouthEast());
      var size = Math.max(se.x - nw.x, se.y - nw.y);
      return { at: map.latLngToLayerPoint(b.getCenter()), angle: 0, kind: "area", dx: 0, rank: 2 + size / 1e4, size: size };
    }
    if (f instanceof L.Polyline) {
      var line = alongLine(map, flatLatLngs(f));
      return { at: line.at, angle: line.angle, kind: "line", dx: 0, rank: 1, length: line.length };
    }
    return null;
  };

  /* A tiled layer's names: the largest drawn features in view of its loaded tiles (TILE_LABELS a
   * layer, so a view of thousands of parcels stays quick), each at the middle of its box. */
  var TILE_LABELS = 200;
  Labels.prototype.tileCandidates = function () {
    var out = [], self = this, map = this.map;
    map.eachLayer(function (g) {
      if (!g._gpTiles || self.disabled[L.stamp(g)] || !window.GeoappLayers) return;
      window.GeoappLayers.tileFeatures(g, map, TILE_LABELS).forEach(function (f) {
        var point = f.kind === "point";
        out.push({ at: f.at, angle: 0, kind: point ? "point" : "area", dx: point ? f.radius + 3 : 0,
                   rank: (point ? 0 : 2 + f.size / 1e4) + (f.project ? 0 : 10), size: f.size,
                   text: f.text, id: f.id, group: L.stamp(g) });
      });
    });
    return out;
  };

  Labels.prototype.layout = function () {
    var map = this.map, pane = this.pane, view = map.getContainer().getBoundingClientRect();
    pane.textContent = "";
    var placed = [], shown = 0;
    // the controls (panel, legend, zoom, scale) are obstacles: no name is hidden under them
    Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
      var r = c.getBoundingClientRect();
      if (r.width && r.height) placed.push({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
    });
    var cands = this.features().map(function (f) {
      var c = this.candidate(f);
      if (!c) return null;
      var p = f.feature.properties;
      c.text = decode(p._label);
      c.id = p.id;
      c.group = f._gpGroup;
      if (!p._project) c.rank += 10; // projects are named first, context (towns, zones) after
      return c;
    }, this).filter(Boolean).concat(this.tileCandidates()).sort(function (a, b) { return a.rank - b.rank; });

    function place(c) {
      var el = document.createElement("div");
      el.className = "gp-label gp-label-" + c.kind;
      el.textContent = c.text;
      el.setAttribute("data-feature", c.id);
      pane.appendChild(el);
      L.DomUtil.setPosition(el, c.at);
      var w = el.offsetWidth, h = el.offsetHeight;
      if (c.kind === "line" && c.length < w * 1.1) { pane.removeChild(el); return false; } // too short
      // an area smaller than its name is named beside it, like a point, so the name hides nothing
      if (c.kind === "area" && c.size < w + 8) { c.kind = "point"; c.dx = c.size / 2 + 4; el.className = "gp-label gp-label-point"; }
      var shift = c.kind === "point" ? "translate(" + c.dx + "px," + (-h / 2) + "px)" : "translate(-50%,-50%)";
      el.style.transform += " " + shift + (c.angle ? " rotate(" + c.angle.toFixed(1) + "deg)" : "");
      var box = el.getBoundingClientRect();
      var inside = box.left >= view.left && box.right <= view.right && box.top >= view.top && box.bottom <= view.bottom;
      var clash = placed.some(function (p) { return intersects(p, box); });
      if (!inside || clash) {
        pane.removeChild(el);
        // an area whose middle is taken is named beside it instead, once
        if (c.kind === "area" && !c.beside) { c.beside = true; c.kind = "point"; c.dx = c.size / 2 + 4; return place(c); }
        return false;
      }
      placed.push({ left: box.left - 2, right: box.right + 2, top: box.top - 1, bottom: box.bottom + 1 });
      shown++;
      return true;
    }

    // first every layer names one feature (its best candidate that fits), then the rest follow
    // (layers with few features go first: they have the fewest places to put a name)
    var named = {}, tried = [], many = {};
    cands.forEach(function (c) { many[c.group] = (many[c.group] || 0) + 1; });
    var order = cands.map(function (c, i) { return i; });
    order.sort(function (a, b) { return many[cands[a].group] - many[cands[b].group] || a - b; });
    order.forEach(function (i) {
      var c = cands[i];
      if (named[c.group]) return;
      tried[i] = true;
      if (place(c)) named[c.group] = true;
    });
    cands.forEach(function (c, i) { if (!tried[i]) place(c); });
    map.getContainer().setAttribute("data-labels", String(shown));
  };

  window.GeoappLabels = {
    attach: function (map) { return map._gpLabels || new Labels(map); },
    setEnabled: function (map, geojson, on) {
      var l = this.attach(map);
      if (on) delete l.disabled[L.stamp(geojson)]; else l.disabled[L.stamp(geojson)] = true;
      l.layout();
    },
    refresh: function (map) { if (map._gpLabels) map._gpLabels.layout(); }
  };

  // every folium map on the page gets labels once its layers are added (folium adds them inline)
  document.addEventListener("DOMContentLoaded", function () {
    for (var k in window) {
      if (/^map_/.test(k) && window[k] instanceof L.Map) {
        var l = window.GeoappLabels.attach(window[k]);
        l.layout();
      }
    }
  });
})();
