// The nomination form: as choices change, mark which chosen rows depart from the ranking
// (ranked below the number chosen at their level, vetoed, or unrated: 未参评 has no rank) and
// make their reason required.
// The server applies the same rule; this only shows it before submitting.
(function () {
  "use strict";
  var form = document.getElementById("shortlist");
  if (!form) { return; }
  function update() {
    form.querySelectorAll("section[data-level]").forEach(function (section) {
      var rows = Array.prototype.slice.call(section.querySelectorAll("tbody tr[data-rank]"));
      var chosen = rows.filter(function (row) {
        var box = row.querySelector("input[name=pick]");
        return box && box.checked;
      }).length;
      rows.forEach(function (row) {
        var box = row.querySelector("input[name=pick]");
        var departs = !!(box && box.checked) &&
          (row.dataset.status === "unrated" || Number(row.dataset.rank) > chosen ||
           row.dataset.veto === "1");
        row.classList.toggle("departs", departs);
        var note = row.querySelector(".departure");
        var reason = row.querySelector("textarea");
        if (note) { note.hidden = !departs; }
        if (reason) { reason.required = departs; }
      });
    });
  }
  form.addEventListener("change", update);
  update();
}());
