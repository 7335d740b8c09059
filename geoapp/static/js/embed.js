/* Inside an embedded map: tell the host page our height (embed-resize.js listens). */
(function () {
  "use strict";
  function post() {
    if (window.parent === window) return;
    var h = Math.ceil(document.documentElement.scrollHeight);
    window.parent.postMessage({ geoapp: "resize", height: h, href: window.location.href }, "*");
  }
  window.addEventListener("load", post);
  window.addEventListener("resize", post);
  document.addEventListener("DOMContentLoaded", function () {
    // the folium map is a global L.Map: keep its small polygons visible (minsize.js)
    if (window.GeoappMinSize) {
      for (var k in window) {
        if (/^map_/.test(k) && window[k] instanceof L.Map) window.GeoappMinSize(window[k]);
      }
    }
    if (window.ResizeObserver) new ResizeObserver(post).observe(document.body);
  });
})();
