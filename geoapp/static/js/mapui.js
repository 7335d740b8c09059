/* 永康规划一张图 — every interactive map: control titles in the page language, a labelled map
 * region, pinch zoom left to the browser. Loaded right after leaflet.js, before any map is built. */
(function () {
  "use strict";
  var en = (document.documentElement.lang || "zh").slice(0, 2) === "en";
  var T = en
    ? { zoomIn: "Zoom in", zoomOut: "Zoom out", layers: "Layers", map: "Map", close: "Close", details: "Details",
        touch: "Use two fingers to move the map", scroll: "Use ctrl + scroll to zoom the map",
        scrollMac: "Use \u2318 + scroll to zoom the map" }
    : { zoomIn: "放大", zoomOut: "缩小", layers: "图层", map: "地图", close: "关闭", details: "详情",
        touch: "使用双指移动地图", scroll: "按住 Ctrl 并滚动鼠标滚轮缩放地图",
        scrollMac: "按住 \u2318 并滚动鼠标滚轮缩放地图" };
  window.GeoappText = T;

  L.Control.Zoom.prototype.options.zoomInTitle = T.zoomIn;
  L.Control.Zoom.prototype.options.zoomOutTitle = T.zoomOut;
  L.Map.mergeOptions({ gestureHandlingOptions: { text: { touch: T.touch, scroll: T.scroll, scrollMac: T.scrollMac }, duration: 1000 } });

  // Leaflet and the grouped layer control write "Layers" into their toggle: use the page language
  document.addEventListener("DOMContentLoaded", function () {
    var links = document.querySelectorAll(".leaflet-control-layers-toggle");
    for (var i = 0; i < links.length; i++) {
      links[i].title = T.layers;
      links[i].setAttribute("aria-label", T.layers);
      links[i].setAttribute("role", "button");
    }
  });

  L.Map.addInitHook(function () {
    var c = this.getContainer();
    c.setAttribute("role", "region");
    if (!c.getAttribute("aria-label")) {
      c.setAttribute("aria-label", document.title ? T.map + (en ? ": " : "：") + document.title : T.map);
    }
  });
})();
