/* Keep small polygons visible: a 城中村 block is a few pixels wide at city zoom. Any polygon
 * drawn smaller than MIN px gets a stroke wide enough to see and to tap; zooming in restores it. */
(function () {
  "use strict";
  var MIN = 10;

  function polygons(map) {
    var out = [];
    map.eachLayer(function (l) {
      if (l instanceof L.Polygon && l.feature && l.getBounds) out.push(l);
    });
    return out;
  }

  function apply(map) {
    polygons(map).forEach(function (l) {
      if (l._gpWeight === undefined) l._gpWeight = l.options.weight;
      var b = l.getBounds();
      var a = map.latLngToLayerPoint(b.getNorthWest()), c = map.latLngToLayerPoint(b.getSouthEast());
      var size = Math.max(Math.abs(c.x - a.x), Math.abs(c.y - a.y));
      var weight = size < MIN ? MIN - size + l._gpWeight : l._gpWeight;
      if (weight !== l.options.weight) l.setStyle({ weight: weight });
    });
  }

  window.GeoappMinSize = function (map) {
    map.on("zoomend moveend resize layeradd", function () { apply(map); });
    apply(map);
  };
})();
