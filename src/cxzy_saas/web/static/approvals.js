// The approvals queue: "全选" ticks every measure or report offered for the bulk acknowledgement.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.querySelector("[data-select-all]");
  if (!all) return;
  all.addEventListener("click", () => {
    document.querySelectorAll("input[name=pick][form=bulk]").forEach((box) => {
      box.checked = true;
    });
  });
});
