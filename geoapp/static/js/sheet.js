/* 永康规划一张图 — popups that fit a phone: on a narrow screen a popup opens as a bottom sheet
 * over the map's lower part (full width, scrollable, a labelled close button) instead of a
 * 360 px bubble (which stays open, hidden, until the sheet closes); tooltips close when a popup
 * opens, so none sticks after a tap. */
(function () {
  "use strict";
  var NARROW = 600;

  function sheetFor(map) {
    if (map._gpSheet) return map._gpSheet;
    var T = window.GeoappText || { close: "关闭" };
    var sheet = L.DomUtil.create("section", "gp-sheet", map.getContainer());
    sheet.setAttribute("role", "dialog");
    sheet.setAttribute("aria-label", T.details || "详情");
    sheet.hidden = true;
    var close = L.DomUtil.create("button", "gp-sheet-close", sheet);
    close.type = "button";
    close.textContent = "×";
    close.title = T.close;
    close.setAttribute("aria-label", T.close);
    var body = L.DomUtil.create("div", "gp-sheet-body", sheet);
    L.DomEvent.disableClickPropagation(sheet);
    L.DomEvent.disableScrollPropagation(sheet);
    L.DomEvent.on(close, "click", function () { map.closePopup(); hide(map); });
    map._gpSheet = { el: sheet, body: body, close: close };
    return map._gpSheet;
  }

  // a sheet needs no panning: the map stays where the reader tapped
  var adjustPan = L.Popup.prototype._adjustPan;
  L.Popup.prototype._adjustPan = function () {
    if (this._map && this._map.getContainer().clientWidth < NARROW) return;
    return adjustPan.apply(this, arguments);
  };

  L.Map.addInitHook(function () {
    var map = this;
    map.on("popupopen", function (e) {
      map.eachLayer(function (l) { if (l.closeTooltip) l.closeTooltip(); });
      var narrow = map.getContainer().clientWidth < NARROW;
      L.DomUtil[narrow ? "addClass" : "removeClass"](map.getContainer(), "gp-sheet-mode");
      if (!narrow) return;
      var s = sheetFor(map);
      s.body.textContent = "";
      // the popup's content is our own server-escaped HTML (maps.popup_html); move it, don't re-parse
      // it. The (hidden) popup stays open while the sheet shows it: closing one closes the other.
      var content = e.popup._contentNode;
      while (content && content.firstChild) s.body.appendChild(content.firstChild);
      s.popup = e.popup;
      s.el.hidden = false;
      map.getContainer().setAttribute("data-sheet", "open");
      s.close.focus({ preventScroll: true });
    });
    map.on("popupclose", function (e) {
      var s = map._gpSheet;
      if (s && s.popup === e.popup) hide(map);
    });
  });

  function hide(map) {
    var s = map._gpSheet;
    s.el.hidden = true;
    s.popup = null;
    map.getContainer().removeAttribute("data-sheet");
  }
  window.GeoappSheetHide = hide;
})();
