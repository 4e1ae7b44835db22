// The 大屏 refreshes itself: every data-refresh seconds it fetches the figures (screen.json)
// and writes them into the elements already on the screen, so nothing blinks or reloads.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-source");
  var every = Math.max(5, parseInt(body.getAttribute("data-refresh"), 10) || 60) * 1000;
  var note = document.getElementById("refresh-note");
  var lacks = note.getAttribute("data-lacks");
  var components = JSON.parse(note.getAttribute("data-components"));

  function pick(data, path) {
    return path.split(".").reduce(function (v, k) { return v === null || v === undefined ? v : v[k]; }, data);
  }

  function setText(el, text) {
    if (el.textContent !== text) { el.textContent = text; }
  }

  function ends(list, rows) {
    var items = rows.map(function (r) {
      var li = document.createElement("li");
      [["b", String(r.rank)], ["span", r.name, "n"], ["span", r.composite.toFixed(2), "v"]]
        .forEach(function (part) {
          var el = document.createElement(part[0]);
          el.textContent = part[1];
          if (part[2]) { el.className = part[2]; }
          li.appendChild(el);
        });
      if (r.missing && r.missing.length) {
        var em = document.createElement("em");
        em.textContent = lacks + r.missing.map(function (m) { return components[m] || m; }).join("、");
        li.appendChild(em);
      }
      return li;
    });
    replaceIfChanged(list, items);
  }

  function progressRows(list, rows) {
    replaceIfChanged(list, rows.slice(0, 12).map(function (p) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.className = "n"; name.textContent = p.name;
      var bar = document.createElement("progress"); bar.max = p.due || 1; bar.value = p.assessed;
      var v = document.createElement("span"); v.className = "v"; v.textContent = p.assessed + "/" + p.due;
      li.appendChild(name); li.appendChild(bar); li.appendChild(v);
      return li;
    }));
  }

  function replaceIfChanged(list, items) {
    var html = items.map(function (li) { return li.outerHTML; }).join("");
    if (list.innerHTML === html) { return; }
    list.replaceChildren.apply(list, items);
  }

  function apply(data) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-field]"), function (el) {
      var field = el.getAttribute("data-field");
      if (field === "updated") { return; }
      var v = pick(data, field);
      setText(el, v === null || v === undefined ? "—" : String(v) + (el.getAttribute("data-unit") || ""));
    });
    ends(document.getElementById("top-list"), data.top);
    ends(document.getElementById("bottom-list"), data.bottom);
    document.getElementById("bottom-none").hidden = data.key.ranked >= 10;
    progressRows(document.getElementById("progress-list"), data.progress.branches);
    var all = document.getElementById("progress-all");
    all.max = data.progress.due || 1; all.value = data.progress.assessed;
    var turnout = document.getElementById("turnout");
    turnout.max = data.ballots.issued || 1; turnout.value = data.ballots.cast;
    var now = new Date();
    setText(note, note.getAttribute("data-updated") + " " + now.toLocaleTimeString("zh-CN", { hour12: false }));
    body.setAttribute("data-updated", String(now.getTime()));
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* the next tick tries again; the figures shown stay */ })
      .then(function () { window.setTimeout(refresh, every); });
  }

  window.cxzyScreen = { refresh: function () { return fetch(source, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(apply); } };
  window.setTimeout(refresh, every);
}());
