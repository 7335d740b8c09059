/* The embed builder: form → query string → live preview, iframe code, link, print picture.
 * The address bar follows the form (#query), so an editor can share or bookmark a map in the
 * making; a bad bbox is flagged and nothing can be copied until it is fixed. */
(function () {
  "use strict";
  var form = document.getElementById("gp-builder");
  var preview = document.getElementById("gp-preview");
  var code = document.getElementById("gp-code");
  var link = document.getElementById("gp-link");
  var copy = document.getElementById("gp-copy");
  var copied = document.getElementById("gp-copied");
  var bboxError = document.getElementById("gp-bbox-error");
  var base = window.location.origin;
  var PICTURE = ["width", "height", "dpi"];
  var TEXT = ["zone", "title", "basemap", "bbox"];

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (i) { return i.value; });
  }
  var defaults = checked("layers").join(",");

  function bboxValid(v) {
    if (!v) return true;
    var n = v.split(",").map(Number);
    return n.length === 4 && n.every(isFinite) && n[0] < n[2] && n[1] < n[3] &&
      n[0] >= -180 && n[2] <= 180 && n[1] >= -90 && n[3] <= 90;
  }

  function query() {
    var q = new URLSearchParams();
    var layers = checked("layers").join(",");
    if (layers !== defaults) q.set("layers", layers);
    var projects = Array.prototype.map.call(form.elements.projects.selectedOptions, function (o) { return o.value; }).join(",");
    if (projects) q.set("projects", projects);
    var status = checked("status").join(",");
    if (status) q.set("status", status);
    TEXT.forEach(function (n) { var v = form.elements[n].value.trim(); if (v) q.set(n, v); });
    if (form.elements.lang.value !== "zh") q.set("lang", form.elements.lang.value);
    if (form.elements.dark.value !== "auto") q.set("dark", form.elements.dark.value);
    if (form.elements.static.checked) q.set("static", "true");
    if (!form.elements.legend.checked) q.set("legend", "false");
    return q;
  }

  function picture(q) {
    var p = new URLSearchParams(q);
    PICTURE.forEach(function (n) { var v = form.elements[n].value.trim(); if (v) p.set(n, v); });
    return p.toString();
  }

  function escapeAttr(s) { return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }

  function update() {
    var ok = bboxValid(form.elements.bbox.value.trim());
    form.elements.bbox.setAttribute("aria-invalid", String(!ok));
    bboxError.hidden = ok;
    copy.disabled = !ok;
    copied.textContent = "";
    if (!ok) { code.value = ""; link.value = ""; return; }
    var q = query(), s = q.toString();
    var url = base + "/embed" + (s ? "?" + s : "");
    if (preview.getAttribute("src") !== url) preview.src = url;
    link.value = url;
    var fallback = form.elements.lang.value === "en" ? "Yongkang Planning Map" : "永康规划一张图";
    code.value = '<iframe src="' + escapeAttr(url) + '" data-geoapp-embed title="' +
      escapeAttr(form.elements.title.value.trim() || fallback) + '" loading="lazy" ' +
      'style="width:100%;height:420px;border:0" allowfullscreen></iframe>\n' +
      '<script src="' + escapeAttr(form.dataset.resizeScript) + '" async></' + 'script>';
    document.getElementById("gp-png").href = base + "/embed.png?" + picture(q);
    document.getElementById("gp-svg").href = base + "/embed.svg?" + picture(q);
    var state = picture(q);
    window.history.replaceState(null, "", window.location.pathname + window.location.search + (state ? "#" + state : ""));
  }

  /* Open the builder as it was shared: every field from the address bar's #query. */
  function restore() {
    var q = new URLSearchParams(window.location.hash.slice(1));
    if (!window.location.hash) return;
    if (q.has("layers")) {
      var on = q.get("layers").split(",");
      form.querySelectorAll("input[name=layers]").forEach(function (i) { i.checked = on.indexOf(i.value) >= 0; });
    }
    var projects = (q.get("projects") || "").split(",");
    Array.prototype.forEach.call(form.elements.projects.options, function (o) { o.selected = projects.indexOf(o.value) >= 0; });
    var status = (q.get("status") || "").split(",");
    form.querySelectorAll("input[name=status]").forEach(function (i) { i.checked = status.indexOf(i.value) >= 0; });
    TEXT.concat(PICTURE).forEach(function (n) { if (q.has(n)) form.elements[n].value = q.get(n); });
    if (q.has("lang")) form.elements.lang.value = q.get("lang");
    if (q.has("dark")) form.elements.dark.value = q.get("dark");
    form.elements.static.checked = q.get("static") === "true";
    form.elements.legend.checked = q.get("legend") !== "false";
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  copy.addEventListener("click", function () {
    if (copy.disabled) return;
    code.select();
    var done = function () { copied.textContent = copied.dataset.done; };
    var failed = function () { copied.textContent = copied.dataset.failed; };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(code.value).then(done, failed);
    else { try { if (document.execCommand("copy")) done(); else failed(); } catch (e) { failed(); } }
  });
  /* Set the view by panning the preview: its current bounds become the bbox. */
  document.getElementById("gp-use-view").addEventListener("click", function () {
    var w = preview.contentWindow, map = null;
    for (var k in w) { if (/^map_/.test(k) && w.L && w[k] instanceof w.L.Map) map = w[k]; }
    if (!map) return;
    var b = map.getBounds();
    form.elements.bbox.value = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    update();
  });
  restore();
  update();
})();
