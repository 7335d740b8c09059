/* The embed builder: form → query string → live preview, iframe code, link. */
(function () {
  "use strict";
  var form = document.getElementById("gp-builder");
  var preview = document.getElementById("gp-preview");
  var code = document.getElementById("gp-code");
  var link = document.getElementById("gp-link");
  var base = window.location.origin;
  var defaults = Array.prototype.map.call(form.querySelectorAll("input[name=layers]:checked"), function (i) { return i.value; }).join(",");

  function query() {
    var q = new URLSearchParams();
    var layers = Array.prototype.map.call(form.querySelectorAll("input[name=layers]:checked"), function (i) { return i.value; }).join(",");
    if (layers !== defaults) q.set("layers", layers);
    var projects = Array.prototype.map.call(form.querySelector("select[name=projects]").selectedOptions, function (o) { return o.value; }).join(",");
    if (projects) q.set("projects", projects);
    var status = Array.prototype.map.call(form.querySelectorAll("input[name=status]:checked"), function (i) { return i.value; }).join(",");
    if (status) q.set("status", status);
    ["zone", "title", "basemap", "bbox"].forEach(function (n) { var v = form.elements[n].value.trim(); if (v) q.set(n, v); });
    if (form.elements.lang.value !== "zh") q.set("lang", form.elements.lang.value);
    if (form.elements.dark.value !== "auto") q.set("dark", form.elements.dark.value);
    if (form.elements.static.checked) q.set("static", "true");
    if (!form.elements.legend.checked) q.set("legend", "false");
    return q.toString();
  }

  function escapeAttr(s) { return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }

  function update() {
    var q = query();
    var url = base + "/embed" + (q ? "?" + q : "");
    preview.src = url;
    link.value = url;
    code.value = '<iframe src="' + escapeAttr(url) + '" data-geoapp-embed title="' +
      escapeAttr(form.elements.title.value || "永康规划一张图") + '" loading="lazy" ' +
      'style="width:100%;height:420px;border:0" allowfullscreen></iframe>\n' +
      '<script src="' + escapeAttr(form.dataset.resizeScript) + '" async></' + 'script>';
    document.getElementById("gp-png").href = base + "/embed.png" + (q ? "?" + q : "");
    document.getElementById("gp-svg").href = base + "/embed.svg" + (q ? "?" + q : "");
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  document.getElementById("gp-copy").addEventListener("click", function () {
    code.select();
    if (navigator.clipboard) navigator.clipboard.writeText(code.value); else document.execCommand("copy");
  });
  update();
})();
