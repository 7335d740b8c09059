/* On the host page (the article): size every 永康规划一张图 iframe to its content.
 * <script src="…/static/js/embed-resize.js" async></script> once, after the iframes. */
(function () {
  "use strict";
  var origin = new URL(document.currentScript ? document.currentScript.src : window.location.href).origin;
  window.addEventListener("message", function (ev) {
    if (ev.origin !== origin || !ev.data || ev.data.geoapp !== "resize") return;
    var frames = document.querySelectorAll("iframe[data-geoapp-embed]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === ev.source) {
        var h = Math.max(200, Math.min(2000, Number(ev.data.height) || 0));
        frames[i].style.height = h + "px";
      }
    }
  });
})();
