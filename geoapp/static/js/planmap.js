/* 永康规划一张图 — map controls: legend, search, status/zone filters, "as of", home, language.
 * Every string shown comes pre-escaped from the server (properties _tip/_popup/_search) or is
 * set with textContent; nothing user-supplied is put into innerHTML here. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function decode(html) {
    var t = document.createElement("textarea");
    t.innerHTML = html; // _search is server-escaped text; decoding it yields plain text only
    return t.value;
  }

  function collapsible(box, head, startCollapsed) {
    var btn = el("button", "gp-toggle", startCollapsed ? "▸" : "▾");
    btn.type = "button";
    btn.setAttribute("aria-expanded", String(!startCollapsed));
    if (startCollapsed) box.classList.add("gp-collapsed");
    btn.addEventListener("click", function () {
      var collapsed = box.classList.toggle("gp-collapsed");
      btn.textContent = collapsed ? "▸" : "▾";
      btn.setAttribute("aria-expanded", String(!collapsed));
    });
    head.insertBefore(btn, head.firstChild);
  }

  function narrow() { return window.innerWidth < 600; }

  var Plan = {
    state: { statuses: null, zone: "", asof: "", query: "", visible: 0, mode: "status" },
    entries: [],
    colors: {},

    /* The layers come by URL (layers.js): the controls start once every layer has its data. */
    init: function (map, cfg) {
      var self = this;
      this.map = map;
      this.restoring = true; // the address bar is read before anything writes it
      this.cfg = cfg;
      window.GeoappLayers.ready(map, function () { self.start(); });
    },

    start: function () {
      var self = this, map = this.map, cfg = this.cfg;
      cfg.legend.statuses.forEach(function (s) { self.colors[s.code] = s.color; });
      this.state.statuses = new Set(cfg.legend.statuses.map(function (s) { return s.code; }));
      cfg.layers.forEach(function (l) {
        var items = [], tiles = !!l.geojson._gpTiles;
        if (tiles) l.geojson._gpSpec.restyle = function (p, style) { return self.tileStyle(p, style); };
        else l.geojson.eachLayer(function (f) {
          var o = f.options;
          f._gpBase = { dashArray: o.dashArray || null, fillOpacity: o.fillOpacity, opacity: o.opacity };
          items.push(f);
        });
        self.entries.push({ id: l.id, group: l.group, geojson: l.geojson, items: items, tiles: tiles });
      });
      if (map.attributionControl) {
        map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
        (cfg.attribution || []).forEach(function (a) { map.attributionControl.addAttribution(a); }); // server-escaped
      }
      if (cfg.controls.legend) this.addLegend();
      if (cfg.controls.filters || cfg.controls.search) this.addPanel();
      if (cfg.controls.home) this.addHome();
      this.apply();
      if (window.GeoappMinSize) window.GeoappMinSize(map);
      if (cfg.identify && window.GeoappIdentify) window.GeoappIdentify(this, cfg.identify);
      // keyboard: the layer control and the search panel (top right) come before the zoom buttons
      var corners = map._controlCorners;
      if (corners && corners.topright) corners.topright.parentNode.insertBefore(corners.topright, corners.topleft);
      var hash = /#bbox=([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)/.exec(window.location.hash);
      this.restoring = false;
      if (hash) map.fitBounds([[+hash[2], +hash[1]], [+hash[4], +hash[3]]]);  // from an embed's link
      else this.restore();
      map.on("moveend", function () { self.writeHash(); });
      map.on("overlayadd overlayremove", function () { self.apply(); });  // the count follows the layers
      map.getContainer().setAttribute("data-geoapp-ready", "1");
    },

    effectiveStatus: function (p) {
      if (!p._steps || !p._steps.length) return p._status || null;
      if (!this.state.asof) return p._status;
      for (var i = 0; i < p._steps.length; i++) {
        if (p._steps[i][0] === this.state.asof) return p._steps[i][1];
      }
      return p._status;
    },

    matches: function (p, status) {
      var isProject = !!(p._steps && p._steps.length);
      if (!isProject) return true;          // context features are never filtered out
      if (!this.filtered(p, status)) return false;
      if (this.state.query && decode(p._search).toLowerCase().indexOf(this.state.query) < 0) return false;
      return true;
    },

    /* A project's feature passes the status and zone filters (status: as of the chosen date). */
    filtered: function (p, status) {
      if (status === null) return false;    // not yet named in any plan at this date
      if (!this.state.statuses.has(status)) return false;
      if (this.state.zone && (p._zones || []).indexOf(this.state.zone) < 0) return false;
      return true;
    },

    apply: function () {
      var self = this, visible = new Set();
      this.entries.forEach(function (e) {
        e.items.forEach(function (f) {
          var p = f.feature.properties;
          var status = self.effectiveStatus(p);
          var show = self.matches(p, status);
          if (show && p._project && f.setStyle) f.setStyle(self.styleFor(f._gpBase, p, status));
          if (show && !e.geojson.hasLayer(f)) e.geojson.addLayer(f);
          if (!show && e.geojson.hasLayer(f)) e.geojson.removeLayer(f);
          if (show && p._project && self.map.hasLayer(e.group)) visible.add(p._project);
        });
      });
      this.redrawTiles();
      this.state.visible = visible.size;
      this.map.getContainer().setAttribute("data-visible-projects", String(visible.size));
      if (this.countEl) this.countEl.textContent = String(visible.size);
      this.writeHash();
    },

    /* A big layer (vector tiles): its features carry their project's target, overdue flag,
     * steps and zones (layers.js tileProps turns them into the display keys), so the filters,
     * the "as of" date and the colour modes apply to them as to a small layer's features. The
     * search filters the page's features only: a big layer is searched through the API. */
    tileStyle: function (p, style) {
      var q = window.GeoappLayers.tileProps(p, this.cfg.dates || []), out = {};
      if (!q._project) return style;        // context: never filtered, its own colour
      var status = this.effectiveStatus(q);
      if (!this.filtered(q, status)) return window.GeoappLayers.hidden();
      for (var k in style) out[k] = style[k];
      var look = this.styleFor({ dashArray: style.dashArray || null, fillOpacity: style.fillOpacity, opacity: style.opacity }, q, status);
      for (var j in look) out[j] = look[j];
      return out;
    },

    redrawTiles: function () {
      var s = this.state, key = [Array.from(s.statuses).sort().join(","), s.mode, s.asof, s.zone].join("|");
      if (key === this.tileKey) return;
      var first = this.tileKey === undefined;
      this.tileKey = key;
      if (first) return; // the tiles are drawn with this state already
      this.entries.forEach(function (e) { if (e.tiles && e.geojson._map) e.geojson.redraw(); });
    },

    /* The address bar follows the view, the layers shown and the filters (#map=z/lat/lng&…), so
     * a planner can share exactly what they see; opening that address restores it. */
    writeHash: function () {
      if (this.restoring || !this.map._loaded) return;
      var s = this.state, c = this.map.getCenter(), q = new URLSearchParams(), self = this;
      q.set("map", this.map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5));
      if (s.statuses.size !== this.cfg.legend.statuses.length) q.set("status", Array.from(s.statuses).join(","));
      if (s.zone) q.set("zone", s.zone);
      if (s.asof) q.set("asof", s.asof);
      if (s.mode !== "status") q.set("mode", s.mode);
      if (s.query) q.set("q", s.query);
      var off = this.entries.filter(function (e) { return !self.map.hasLayer(e.group); }).map(function (e) { return e.id; });
      if (off.length) q.set("off", off.join(","));
      window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + q.toString());
    },

    restore: function () {
      var q = new URLSearchParams(window.location.hash.slice(1)), s = this.state, ui = this.ui || {}, self = this;
      if (!window.location.hash) return;
      this.restoring = true;
      if (q.has("status")) {
        s.statuses = new Set(q.get("status").split(",").filter(function (c) { return c in self.colors; }));
        (ui.statuses || []).forEach(function (cb) { cb.checked = s.statuses.has(cb.value); });
      }
      if (q.has("zone") && ui.zone) { ui.zone.value = q.get("zone"); s.zone = ui.zone.value; }
      if (q.has("asof") && ui.asof) { ui.asof.value = q.get("asof"); s.asof = ui.asof.value; }
      if (q.has("mode") && ui.mode) { ui.mode.value = q.get("mode"); s.mode = ui.mode.value || "status"; }
      if (q.has("q") && ui.search) { ui.search.value = q.get("q"); s.query = q.get("q").toLowerCase(); }
      var off = (q.get("off") || "").split(",");
      this.entries.forEach(function (e) { if (off.indexOf(e.id) >= 0) self.map.removeLayer(e.group); });
      this.setMode(s.mode);
      var m = /^(\d+)\/([-\d.]+)\/([-\d.]+)$/.exec(q.get("map") || "");
      if (m) this.map.setView([+m[2], +m[3]], +m[1], { animate: false });
      this.restoring = false;
      this.apply();
    },

    /* A project's look in the current colour mode: a reported status is solid; a plan's target
     * is a dashed outline with no fill (a target is not a completion); overdue is one colour. */
    styleFor: function (base, p, status) {
      var mode = this.state.mode, color, dash = base.dashArray;
      var fill = base.fillOpacity, opacity = base.opacity;
      if (mode === "target") {
        color = this.colors[p._target] || this.colors[status];
        dash = "6 4"; fill = 0;
      } else if (mode === "overdue") {
        color = p._overdue ? this.cfg.legend.overdue.color : this.cfg.legend.overdue.other;
        if (!p._overdue) opacity = 0.55;
      } else {
        color = this.colors[status];
      }
      return { color: color, fillColor: color, dashArray: dash, fillOpacity: fill, opacity: opacity };
    },

    /* Show the chosen zone: zoom to it and outline it until another is chosen. */
    showZone: function (id) {
      var self = this;
      this.entries.forEach(function (e) {
        e.items.forEach(function (f) {
          var p = f.feature.properties;
          if (e.id !== "zones" || !f.setStyle) return;
          if (!f._gpZoneBase) f._gpZoneBase = { weight: f.options.weight, dashArray: f.options.dashArray, opacity: f.options.opacity };
          if (p.id === id) {
            if (!self.map.hasLayer(e.group)) self.map.addLayer(e.group);
            f.setStyle({ weight: 4, dashArray: null, opacity: 1 });
            self.map.fitBounds(f.getBounds(), { animate: false });
          } else if (f._gpZoneBase) {
            f.setStyle(f._gpZoneBase);
          }
        });
      });
    },

    setMode: function (mode) {
      this.state.mode = mode;
      this.map.getContainer().setAttribute("data-color-mode", mode);
      if (this.legendBox) this.legendBox.setAttribute("data-mode", mode);
      this.apply();
    },

    addLegend: function () {
      var self = this, cfg = this.cfg, T = cfg.text;
      var Legend = L.Control.extend({
        options: { position: "bottomright" },
        onAdd: function () {
          var box = el("div", "gp-legend gp-box");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", T.legend);
          var lhead = el("div", "gp-box-head");
          lhead.appendChild(el("b", "", T.legend));
          collapsible(box, lhead, narrow());
          box.appendChild(lhead);
          box.appendChild(el("div", "gp-legend-title", T.statuses));
          cfg.legend.statuses.forEach(function (s) {
            var row = el("div", "gp-legend-row gp-legend-status");
            var sw = el("span", "gp-swatch"); sw.style.background = s.color; sw.style.borderColor = s.color;
            row.appendChild(sw); row.appendChild(el("span", "", s.label));
            box.appendChild(row);
          });
          [["gp-legend-overdue", cfg.legend.overdue.color, T.overdue_short],
           ["gp-legend-overdue", cfg.legend.overdue.other, T.not_overdue]].forEach(function (r) {
            var row = el("div", "gp-legend-row " + r[0]);
            var sw = el("span", "gp-swatch"); sw.style.background = r[1];
            row.appendChild(sw); row.appendChild(el("span", "", r[2]));
            box.appendChild(row);
          });
          var solid = el("div", "gp-legend-row gp-legend-kind");
          solid.appendChild(el("span", "gp-swatch gp-swatch-solid")); solid.appendChild(el("span", "", T.solid_report));
          var outline = el("div", "gp-legend-row gp-legend-kind");
          outline.appendChild(el("span", "gp-swatch gp-swatch-target")); outline.appendChild(el("span", "", T.outline_target));
          box.appendChild(solid); box.appendChild(outline);
          self.legendBox = box; box.setAttribute("data-mode", self.state.mode);
          if (cfg.legend.layers.length) box.appendChild(el("div", "gp-legend-title", T.context));
          cfg.legend.layers.forEach(function (l) {
            var row = el("div", "gp-legend-row");
            var sw = el("span", "gp-swatch gp-swatch-" + l.kind); sw.style.borderColor = l.color;
            if (l.kind !== "line") sw.style.background = l.kind === "point" ? l.color : "transparent";
            row.appendChild(sw); row.appendChild(el("span", "", l.label));
            box.appendChild(row);
          });
          box.appendChild(el("div", "gp-legend-note", "⚠ " + T.schematic_banner));
          L.DomEvent.disableClickPropagation(box);
          return box;
        }
      });
      new Legend().addTo(this.map);
    },

    addPanel: function () {
      var self = this, cfg = this.cfg, T = cfg.text;
      var Panel = L.Control.extend({
        options: { position: "topright" },
        onAdd: function () {
          var box = el("div", "gp-panel gp-box");
          var head = el("div", "gp-panel-head");
          var title = el("b", "", T.title);
          var lang = el("a", "gp-lang", T.lang_switch);
          var url = new URL(window.location.href);
          url.searchParams.set("lang", cfg.lang === "en" ? "zh" : "en");
          lang.href = url.pathname + url.search;
          lang.setAttribute("target", "_top");
          head.appendChild(title); head.appendChild(lang);
          collapsible(box, head, narrow());
          box.appendChild(head);
          // search
          self.ui = self.ui || { statuses: [] };
          var search = el("input", "gp-search");
          self.ui.search = search;
          search.type = "search"; search.placeholder = T.search;
          search.setAttribute("aria-label", T.search);
          var results = el("ul", "gp-results");
          search.addEventListener("input", function () {
            self.state.query = search.value.trim().toLowerCase();
            self.apply();
            self.showResults(results);
          });
          box.appendChild(search); box.appendChild(results);
          if (cfg.unplaced && cfg.unplaced.length) box.appendChild(self.unplacedList());
          // status filter
          var fs = el("fieldset", "gp-statuses");
          fs.appendChild(el("legend", "", T.filter_status));
          var grid = el("div", "gp-grid"); fs.appendChild(grid);
          cfg.legend.statuses.forEach(function (s) {
            var lab = el("label", "gp-check");
            var cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.value = s.code;
            self.ui.statuses.push(cb);
            cb.addEventListener("change", function () {
              if (cb.checked) self.state.statuses.add(s.code); else self.state.statuses.delete(s.code);
              self.apply();
            });
            var sw = el("span", "gp-swatch"); sw.style.background = s.color;
            lab.appendChild(cb); lab.appendChild(sw); lab.appendChild(el("span", "", s.label));
            grid.appendChild(lab);
          });
          box.appendChild(fs);
          // zone filter
          var zl = el("label", "gp-row", T.filter_zone + " ");
          var zone = el("select", "gp-zone");
          self.ui.zone = zone;
          var opt = el("option", "", T.all_zones); opt.value = ""; zone.appendChild(opt);
          cfg.zones.forEach(function (z) { var o = el("option", "", z.label); o.value = z.id; zone.appendChild(o); });
          zone.addEventListener("change", function () {
            self.state.zone = zone.value;
            self.apply();
            self.showZone(zone.value);
          });
          zl.appendChild(zone); box.appendChild(zl);
          // as of
          var al = el("label", "gp-row", T.as_of + " ");
          var asof = el("select", "gp-asof");
          self.ui.asof = asof;
          var o0 = el("option", "", T.latest); o0.value = ""; asof.appendChild(o0);
          cfg.dates.forEach(function (d) { var o = el("option", "", d); o.value = d; asof.appendChild(o); });
          asof.addEventListener("change", function () { self.state.asof = asof.value; self.apply(); });
          al.appendChild(asof); box.appendChild(al);
          // colour by: current status, plan target, overdue
          var ml = el("label", "gp-row", T.color_by + " ");
          var mode = el("select", "gp-mode");
          self.ui.mode = mode;
          ["status", "target", "overdue"].forEach(function (m) {
            var o = el("option", "", T["mode_" + m]); o.value = m; mode.appendChild(o);
          });
          mode.addEventListener("change", function () { self.setMode(mode.value); });
          ml.appendChild(mode); box.appendChild(ml);
          // name labels, switchable per layer
          var lf = el("fieldset", "gp-labels-switch");
          lf.appendChild(el("legend", "", T.labels));
          var lgrid = el("div", "gp-grid"); lf.appendChild(lgrid);
          (cfg.labels || []).forEach(function (l) {
            var entry = self.entries.filter(function (e) { return e.id === l.id; })[0];
            if (!entry) return;
            var lab = el("label", "gp-check");
            var cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.value = l.id;
            cb.addEventListener("change", function () {
              window.GeoappLabels.setEnabled(self.map, entry.geojson, cb.checked);
            });
            lab.appendChild(cb); lab.appendChild(el("span", "", l.title));
            lgrid.appendChild(lab);
          });
          box.appendChild(lf);
          var count = el("div", "gp-count");
          self.countEl = el("span", "", "0");
          count.appendChild(self.countEl);
          count.appendChild(el("span", "", " " + T.projects_shown));
          box.appendChild(count);
          var prog = el("a", "gp-progress-link", T.progress + " →");
          prog.href = cfg.root + "/progress?lang=" + cfg.lang; prog.setAttribute("target", "_top");
          box.appendChild(prog);
          var build = el("a", "gp-progress-link", T.builder + " →");
          build.href = cfg.root + "/embed/builder?lang=" + cfg.lang; build.setAttribute("target", "_top");
          box.appendChild(build);
          L.DomEvent.disableClickPropagation(box);
          L.DomEvent.disableScrollPropagation(box);
          return box;
        }
      });
      var panel = new Panel().addTo(this.map);
      // the panel scrolls rather than run under the legend (both sit on the right)
      var fit = function () {
        var box = panel.getContainer(), legend = self.map.getContainer().querySelector(".gp-legend");
        if (!legend) return;
        var room = legend.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
        box.style.maxHeight = room > 120 ? room + "px" : "";
        box.style.overflowY = room > 120 ? "auto" : "";
      };
      fit();
      this.map.on("resize", fit);
    },

    showResults: function (ul) {
      var self = this;
      ul.textContent = "";
      if (!this.state.query) return;
      var n = 0;
      this.entries.forEach(function (e) {
        e.items.forEach(function (f) {
          var p = f.feature.properties;
          if (n >= 8 || !e.geojson.hasLayer(f)) return;
          if (decode(p._search).toLowerCase().indexOf(self.state.query) < 0) return;
          var li = el("li", "", decode(p._tip));
          li.tabIndex = 0;
          var go = function () {
            var at = f.getBounds ? f.getBounds().getCenter() : f.getLatLng();
            if (f.getBounds) self.map.fitBounds(f.getBounds(), { maxZoom: 15, animate: false });
            else self.map.setView(at, 14, { animate: false });
            // folium binds the popup on the GeoJSON group: a propagated click opens this feature's
            f.fire("click", { latlng: at }, true);
          };
          li.addEventListener("click", go);
          li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
          ul.appendChild(li); n++;
        });
      });
      (this.cfg.unplaced || []).forEach(function (p) {
        if (n >= 12 || p.search.toLowerCase().indexOf(self.state.query) < 0) return;
        var li = el("li", "gp-unplaced"), a = self.projectLink(p);
        li.appendChild(a); li.appendChild(el("span", "gp-muted", " — " + p.reason));
        ul.appendChild(li); n++;
      });
      var tiled = this.entries.filter(function (e) { return e.tiles && self.map.hasLayer(e.group); });
      if (!n && !tiled.length) ul.appendChild(el("li", "gp-muted", this.cfg.text.no_match));
      if (tiled.length) this.searchApi(ul, tiled, n);
    },

    /* Big layers are searched through the API (their features are not in the page). */
    searchApi: function (ul, entries, shown) {
      var self = this, query = this.state.query, token = this.searchToken = (this.searchToken || 0) + 1;
      Promise.all(entries.map(function (e) {
        var spec = e.geojson._gpSpec;
        var url = spec.api + "?q=" + encodeURIComponent(query) + "&limit=8";
        return fetch(url, { headers: { Accept: "application/geo+json" } })
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .then(function (d) { return d.features.map(function (f) { return { f: f, spec: spec }; }); });
      })).then(function (lists) {
        if (token !== self.searchToken) return; // the reader typed on
        var n = shown;
        [].concat.apply([], lists).forEach(function (x) {
          if (n >= 12) return;
          var p = x.f.properties, name = (self.cfg.lang === "en" && p.name_en) ? p.name_en : p.name;
          var li = el("li", "gp-tiled", name || p.id);
          li.tabIndex = 0;
          var go = function () {
            var b = L.geoJSON(x.f).getBounds();
            self.map.fitBounds(b, { maxZoom: 16, animate: false });
            L.popup({ maxWidth: 360 }).setLatLng(b.getCenter()).setContent(window.GeoappLayers.tilePopup(x.spec, p)).openOn(self.map);
          };
          li.addEventListener("click", go);
          li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
          ul.appendChild(li); n++;
        });
        if (!n) ul.appendChild(el("li", "gp-muted", self.cfg.text.no_match));
      }).catch(function () { /* API down: the page's own results stay */ });
    },

    // projects the plans name that are not on the map: a link to their page, and why
    projectLink: function (p) {
      var a = el("a", "", p.name);
      a.href = this.cfg.root + "/projects/" + encodeURIComponent(p.project_id) + "?lang=" + this.cfg.lang;
      a.setAttribute("target", "_top");
      return a;
    },

    unplacedList: function () {
      var self = this, list = this.cfg.unplaced;
      var d = el("details", "gp-unplaced-list");
      d.appendChild(el("summary", "", this.cfg.text.unplaced + " (" + list.length + ")"));
      var ul = el("ul", "gp-small");
      list.forEach(function (p) {
        var li = el("li");
        li.appendChild(self.projectLink(p));
        li.appendChild(el("span", "gp-muted", " — " + p.reason));
        ul.appendChild(li);
      });
      d.appendChild(ul);
      return d;
    },

    addHome: function () {
      var self = this, T = this.cfg.text;
      var Home = L.Control.extend({
        options: { position: "topleft" },
        onAdd: function () {
          var bar = el("div", "leaflet-bar");
          var a = el("a", "gp-home", "⌂");
          a.href = "#"; a.title = T.home; a.setAttribute("role", "button"); a.setAttribute("aria-label", T.home);
          L.DomEvent.on(a, "click", function (ev) {
            L.DomEvent.preventDefault(ev);
            if (self.cfg.home) self.map.fitBounds(self.cfg.home);
          });
          bar.appendChild(a);
          return bar;
        }
      });
      new Home().addTo(this.map);
    }
  };

  window.GeoappPlanMap = Plan;
})();
