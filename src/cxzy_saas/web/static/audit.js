// The audit pages: a form with data-busy shows its "working" note and is not sent twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const busy = form.dataset && form.dataset.busy && document.getElementById(form.dataset.busy);
  if (!busy) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  busy.hidden = false;
  form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
});
