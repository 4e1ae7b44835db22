/* The rating page: counts the grades chosen as the rater goes ("已选 3/21").
   Written for old in-app browsers (WeChat's among them): ES5, no modules, no classList.
   The page works without it: the server counts too, and checks before the confirmation. */
(function () {
  var form = document.querySelector("form.rating-form");
  if (!form) { return; }
  var shown = form.querySelector(".progress .done");
  var rows = form.querySelectorAll("tr.subject");

  function mark(row, chosen) {
    var name = row.className.replace(/\s*\b(chosen|invalid)\b/g, "");
    row.className = chosen ? name + " chosen" : name;
  }

  function count() {
    var done = 0;
    for (var i = 0; i < rows.length; i++) {
      var chosen = rows[i].querySelector("input:checked") !== null;
      if (chosen) { done += 1; }
      mark(rows[i], chosen);
    }
    if (shown) { shown.textContent = String(done); }
  }

  form.addEventListener("change", count, false);
  count();
})();
