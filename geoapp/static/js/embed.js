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
  if (window.ResizeObserver) new ResizeObserver(post).observe(document.body);
})();
