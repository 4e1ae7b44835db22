/* The rating page: counts the grades chosen as the rater goes ("已选 3/21").
   Written for old in-app browsers (WeChat's among them): ES5, no modules, no classList.
   The page works without it: the server counts too, and checks before the confirmation. */
(function () {
  var form = document.querySelector("form.rating-form");
  if (!form) { return; }
  var shown = form.querySelector(".progress .done");
  var rows = form.querySelectorAll("tr.subject");

  // A chosen row loses the server's "invalid" mark; an unchosen one keeps it.
  function mark(row, chosen) {
    if (chosen) {
      row.className = row.className.replace(/\s*\b(chosen|invalid)\b/g, "") + " chosen";
    }
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
