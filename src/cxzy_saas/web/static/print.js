// The print views' button (no inline script: the site's CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-print]");
  if (button) button.addEventListener("click", () => window.print());
  const back = document.querySelector("[data-back]");
  if (back) back.addEventListener("click", () => history.back());
});
