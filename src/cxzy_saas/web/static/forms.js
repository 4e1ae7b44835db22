// A form's subject list follows its level: only the chosen level's subjects are offered, and
// one of them is selected (the server renders all of them, the chosen level's selected). A list
// marked data-keep-blank (a record's criterion) falls back to its blank choice instead: 党员第3条
// is not 党支部第3条, so a criterion of another level is never kept nor guessed.
document.addEventListener("DOMContentLoaded", () => {
  for (const subject of document.querySelectorAll("select[data-follows]")) {
    const level = subject.form && subject.form.elements[subject.dataset.follows];
    if (!level) continue;
    const follow = () => {
      let first = null;
      for (const group of subject.querySelectorAll("optgroup[data-level]")) {
        const shown = group.dataset.level === level.value;
        group.hidden = !shown;
        for (const option of group.querySelectorAll("option")) {
          option.disabled = !shown;
          if (shown && !first) first = option;
        }
      }
      const current = subject.selectedOptions[0];
      const blank = "keepBlank" in subject.dataset && subject.querySelector(":scope > option[value='']");
      if ((!current || current.disabled) && (blank || first)) (blank || first).selected = true;
    };
    level.addEventListener("change", follow);
    follow();
  }
});
