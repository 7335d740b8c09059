/* 永康规划一张图 — the project table under a map: sort by any column (header buttons, announced
 * with aria-sort), filter by typed text, count what is shown. Works on any table.gp-sortable. */
(function () {
  "use strict";

  function text(row, i) { return row.cells[i].textContent.trim(); }

  function setup(section) {
    var table = section.querySelector("table.gp-sortable");
    if (!table) return;
    var body = table.tBodies[0], heads = table.tHead.rows[0].cells;
    var filter = section.querySelector(".gp-table-filter"), count = section.querySelector(".gp-table-count");
    var en = (document.documentElement.lang || "zh").slice(0, 2) === "en";

    function recount() {
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (r) { if (!r.hidden) shown++; });
      if (count) count.textContent = en ? shown + " of " + body.rows.length + " shown" : "显示 " + shown + " / " + body.rows.length;
      section.setAttribute("data-shown", String(shown));
    }

    Array.prototype.forEach.call(heads, function (th, i) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = text(a, i), y = text(b, i);
          var c = x.localeCompare(y, en ? "en" : "zh-CN", { numeric: true });
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });

    if (filter) {
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        Array.prototype.forEach.call(body.rows, function (r) {
          r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
        });
        recount();
      });
    }
    recount();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".gp-table-section"), setup);
  });
})();
