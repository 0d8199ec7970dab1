// Policies pages: the flowchart (start in view, "fit to width" toggle) and the print button.
// No inline handlers: the Content-Security-Policy forbids them.
const chart = document.getElementById("flowchart");
const fit = document.querySelector("[data-rcrp-fit-chart]");

function showStart() {
  const start = chart.querySelector(".rcrp-fc__node--start rect");
  if (start) {
    const middle = start.x.baseVal.value + start.width.baseVal.value / 2;
    chart.scrollLeft = Math.max(0, middle - chart.clientWidth / 2);
  }
}

if (chart) {
  showStart();
  if (fit) {
    fit.hidden = false;
    fit.addEventListener("click", () => {
      const fitted = chart.classList.toggle("rcrp-fc-scroll--fit");
      fit.setAttribute("aria-pressed", String(fitted));
      fit.textContent = fitted ? "Show the chart at full size" : "Fit the chart to the page width";
      if (!fitted) showStart();
    });
  }
}

const printButton = document.querySelector("[data-rcrp-print]");
if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}
