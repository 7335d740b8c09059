/* 永康规划一张图 — identify: a click or tap lists every feature under it when more than one is
 * there (what /api/query/point finds there and what is drawn within a fingertip of the tap,
 * kept to what is on the map), so a 城中村 block under a town dot is reachable at city zoom. Choosing an entry opens
 * that feature's popup. Small areas are drawn above big ones. */
(function () {
  "use strict";
  function decode(html) {
    var t = document.createElement("textarea");
    t.innerHTML = html; // server-escaped text -> plain text, shown with textContent only
    return t.value;
  }

  function pixelArea(map, f) {
    var b = f.getBounds(), a = map.project(b.getNorthWest(), 18), c = map.project(b.getSouthEast(), 18);
    return Math.abs((c.x - a.x) * (c.y - a.y));
  }

  /* How far beyond a drawn shape a tap still counts, in screen pixels: none at city zoom (a
   * fingertip there covers a district: only what is drawn under the tap's point is listed),
   * growing by 2 px a zoom level to a fingertip's 10 px. A shape is hit where it is drawn: inside
   * an area, on a line's or outline's stroke (its half-width counts, so a small block drawn wide
   * by minsize.js is hit wherever it shows), within a dot's radius. */
  function tolerance(map) {
    return Math.max(0, Math.min(10, 2 * (map.getZoom() - 11)));
  }

  function ringDistance(map, ring, tap) {
    var best = Infinity;
    for (var i = 0; i < ring.length; i++) {
      var p = map.latLngToContainerPoint(ring[i]), q = map.latLngToContainerPoint(ring[(i + 1) % ring.length]);
      best = Math.min(best, L.LineUtil.pointToSegmentDistance(tap, p, q));
    }
    return best;
  }

  function insideRing(map, ring, tap) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = map.latLngToContainerPoint(ring[i]), b = map.latLngToContainerPoint(ring[j]);
      if ((a.y > tap.y) !== (b.y > tap.y) && tap.x < (b.x - a.x) * (tap.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
    }
    return inside;
  }

  // the rings of a Leaflet polygon: [ring] | [[outer, hole…]] | [[[outer, hole…]], …]
  function polygonsOf(f) {
    var ll = f.getLatLngs();
    if (!Array.isArray(ll[0])) return [[ll]];
    if (!Array.isArray(ll[0][0])) return [ll];
    return ll;
  }

  /* How far the tap is from a feature's geometry (px; 0 inside an area) and how far its drawing
   * reaches beyond that geometry (a stroke's half-width, a dot's radius). */
  function reach(map, f, tap) {
    var half = (f.options.weight || 0) / 2;
    if (f.getLatLng) {
      return { d: map.latLngToContainerPoint(f.getLatLng()).distanceTo(tap), drawn: f.getRadius ? f.getRadius() : 6 };
    }
    if (f instanceof L.Polygon) {
      var d = Infinity;
      polygonsOf(f).forEach(function (rings) {
        var inHole = rings.slice(1).some(function (h) { return insideRing(map, h, tap); });
        if (insideRing(map, rings[0], tap) && !inHole) d = 0;
        rings.forEach(function (ring) { d = Math.min(d, ringDistance(map, ring, tap)); });
      });
      return { d: d, drawn: half, area: true };
    }
    var parts = f.getLatLngs(), best = Infinity;
    if (!Array.isArray(parts[0])) parts = [parts];
    parts.forEach(function (line) {
      for (var i = 1; i < line.length; i++) {
        var p = map.latLngToContainerPoint(line[i - 1]), q = map.latLngToContainerPoint(line[i]);
        best = Math.min(best, L.LineUtil.pointToSegmentDistance(tap, p, q));
      }
    });
    return { d: best, drawn: half };
  }

  /* What is under the finger: every shape drawn at the tap (plus the zoom's tolerance). When the
   * tap falls inside a project's own area, lines and dots that merely cross it at city zoom are
   * left out unless their line or centre runs right under the tap (1 px + tolerance): the reader
   * tapped the block, not the road beside its middle. */
  function underFinger(map, cands, tap) {
    var tol = tolerance(map);
    cands.forEach(function (x) { x.r = reach(map, x.f, tap); });
    var hits = cands.filter(function (x) { return x.r.d <= x.r.drawn + tol; });
    var inBlock = hits.some(function (x) {
      return x.r.area && x.r.d === 0 && x.f.feature.properties._project && x.e.id !== "zones";
    });
    return inBlock ? hits.filter(function (x) { return x.r.area || x.r.d <= 1 + tol; }) : hits;
  }

  function smallOnTop(plan) {
    var polys = [];
    plan.entries.forEach(function (e) {
      e.items.forEach(function (f) { if (f instanceof L.Polygon && f._path) polys.push(f); });
    });
    polys.sort(function (a, b) { return pixelArea(plan.map, b) - pixelArea(plan.map, a); });
    polys.forEach(function (f) { f.bringToFront(); });
    plan.entries.forEach(function (e) {
      e.items.forEach(function (f) { if (!(f instanceof L.Polygon) && f._path && f.bringToFront) f.bringToFront(); });
    });
  }

  window.GeoappIdentify = function (plan, apiUrl) {
    var map = plan.map, T = plan.cfg.text, byId = {};
    plan.entries.forEach(function (e) {
      e.items.forEach(function (f) { byId[f.feature.properties.id] = { f: f, e: e }; });
    });
    smallOnTop(plan);
    map.on("layeradd", function () { if (!plan._ordering) { plan._ordering = true; window.requestAnimationFrame(function () { smallOnTop(plan); plan._ordering = false; }); } });

    var opening = false;
    function open(f, latlng) {
      // folium binds the popup on the GeoJSON group: a propagated click opens this feature's
      opening = true;
      try { f.fire("click", { latlng: latlng }, true); } finally { opening = false; }
    }

    function idOf(x) { return x.ref ? x.ref.id : x.f.feature.properties.id; }
    function refName(ref) { return (plan.cfg.lang === "en" && ref.name_en) ? ref.name_en : (ref.name || ref.id); }
    function choose(x, latlng) {
      if (!x.ref) return open(x.f, latlng);
      // the tile's attributes (target, overdue) when a loaded tile holds it, else the API's
      var props = window.GeoappLayers.tileProperties(x.e.geojson, x.ref.id) || x.ref;
      var content = window.GeoappLayers.tilePopup(x.e.geojson._gpSpec, props);
      L.popup({ maxWidth: 360 }).setLatLng(latlng).setContent(content).openOn(map);
    }

    // a feature's own popup stops the click reaching the map (Leaflet), so listen on both
    map.on("click", function (ev) { identify(ev, false); });
    plan.entries.forEach(function (e) { e.geojson.on("click", function (ev) { identify(ev, true); }); });

    function identify(ev, onFeature) {
      if (opening || !ev.originalEvent) return; // our own click that opens a chosen feature
      // where the finger was (Leaflet gives a small marker's own position as the click's point)
      var tap = ev.originalEvent && ev.originalEvent.clientX !== undefined
        ? map.mouseEventToContainerPoint(ev.originalEvent) : ev.containerPoint;
      var at = map.containerPointToLatLng(tap);
      var url = apiUrl + "?lon=" + at.lng.toFixed(6) + "&lat=" + at.lat.toFixed(6);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          var seen = {}, hits = [];
          // the feature clicked is under the tap even when the API finds it farther (a town dot)
          var clicked = onFeature && (ev.propagatedFrom || ev.layer);
          if (clicked && clicked.feature && byId[clicked.feature.properties.id] && clicked.feature.properties._label) {
            seen[clicked.feature.properties.id] = true;
            hits.push(byId[clicked.feature.properties.id]);
          }
          // what the API finds at the point, and whatever is drawn within a fingertip of it
          var ids = data.containing.concat(data.nearby).map(function (h) { return h.id; });
          Object.keys(byId).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
          var cands = [];
          ids.forEach(function (id) {
            var x = byId[id];
            if (!x || seen[id] || !x.f.feature.properties._label) return; // not the city outline
            if (map.hasLayer(x.f)) cands.push(x);
          });
          underFinger(map, cands, tap).forEach(function (x) {
            seen[x.f.feature.properties.id] = true;
            hits.push(x);
          });
          // big layers (vector tiles) are not in the page: what the API finds containing the tap
          var tiled = {};
          plan.entries.forEach(function (e) {
            // a big layer not drawn at this zoom (below its min_zoom) is not answered either
            var from = (e.geojson && e.geojson._gpSpec && e.geojson._gpSpec.min_zoom) || 0;
            if (e.tiles && map.hasLayer(e.group) && map.getZoom() >= from) tiled[e.id] = e;
          });
          data.containing.forEach(function (h) {
            var e = tiled[h.layer];
            if (!e || seen[h.id] || window.GeoappLayers.tileHidden(e.geojson, h.id)) return; // filtered out
            seen[h.id] = true;
            hits.push({ ref: h, e: e });
          });
          // projects first; within them small areas, then points, then lines; zones last
          function rank(x) {
            if (x.ref) return 3e12;
            var f = x.f, p = f.feature.properties._project ? 0 : 2e12;
            if (x.e.id === "zones") return 4e12;
            return p + (f instanceof L.Polygon ? pixelArea(map, f) : f.getLatLng ? 1e11 : 1e12);
          }
          hits.sort(function (a, b) { return rank(a) - rank(b); });
          var small = hits.filter(function (x) { return !(x.e.id === "zones"); });
          map.getContainer().setAttribute("data-identified", hits.map(idOf).join(" "));
          if (small.length < 2) {
            // a click beside a small feature opens it; a click on it has opened it already; a big
            // layer's feature opens too (its tiles lie under the GeoJSON layers: a zone took the click)
            if (small.length === 1 && (!onFeature || small[0].ref)) choose(small[0], at);
            return;
          }
          var box = document.createElement("div");
          box.className = "gp-identify";
          var h = document.createElement("h3");
          h.textContent = T.here.replace("{n}", String(hits.length));
          box.appendChild(h);
          var ul = document.createElement("ul");
          hits.forEach(function (x) {
            var li = document.createElement("li"), b = document.createElement("button");
            b.type = "button";
            b.textContent = x.ref ? refName(x.ref) : decode(x.f.feature.properties._tip);
            var sw = document.createElement("span");
            sw.className = "gp-swatch";
            sw.style.background = x.ref ? plan.colors[x.ref.status] || "" : x.f.options.color;
            b.insertBefore(sw, b.firstChild);
            b.addEventListener("click", function (e) {
              L.DomEvent.stop(e); // the list is replaced by the popup: the click must end here
              choose(x, at);
            });
            li.appendChild(b);
            ul.appendChild(li);
          });
          box.appendChild(ul);
          L.popup({ maxWidth: 320, className: "gp-identify-popup" }).setLatLng(at).setContent(box).openOn(map);
        })
        .catch(function () { /* offline or API down: the feature's own popup still opens */ });
    }
  };
})();
