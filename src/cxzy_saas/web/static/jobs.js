// Polls a job's status and updates its progress bar; the page's <meta refresh> is the
// fallback without scripts, so it is removed once polling works.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.done === "true") return;
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) refresh.remove();
  function show(job) {
    document.getElementById("job-bar").value = job.percent;
    document.getElementById("job-percent").textContent = job.percent + "%";
    var message = document.getElementById("job-message");
    message.textContent = job.message;
    message.className = job.done && !job.ok ? "error" : "";
    if (job.done) {
      document.getElementById("job-running").hidden = true;
      if (job.link) {
        var link = document.getElementById("job-link");
        link.querySelector("a").href = job.link;
        link.hidden = false;
      }
    }
    return job.done;
  }
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (job) { if (!show(job)) setTimeout(poll, 700); })
      .catch(function () { setTimeout(function () { location.reload(); }, 3000); });
  }
  poll();
})();
