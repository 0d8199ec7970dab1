// Attendance page: "Mark everyone not yet marked as completed" sets every person whose choice is
// still "Not marked" to the button's value. Nothing is saved until the trainer saves the form.
for (const button of document.querySelectorAll("[data-rcrp-mark-all]")) {
  button.addEventListener("click", () => {
    const form = button.closest("form");
    const value = button.dataset.rcrpMarkAll;
    let changed = 0;
    for (const unmarked of form.querySelectorAll('input[type="radio"][value="booked"]:checked')) {
      const target = form.querySelector(`input[type="radio"][name="${unmarked.name}"][value="${value}"]`);
      if (target) {
        target.checked = true;
        changed += 1;
      }
    }
    button.textContent = changed ? `${changed} marked as completed: check, then save` : "Everyone is already marked";
  });
}
