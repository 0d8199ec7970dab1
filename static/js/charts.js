// Charts drawn with Chart.js from the figures the page carries as JSON (json_script). Every chart
// has the same figures in a table beside it: that table is the accessible alternative, and what
// a reader without JavaScript sees.
//   <canvas data-chart="outcomes" data-chart-source="chart-data" aria-describedby="table-id">
/* global Chart */
const palette = ["#1d70b8", "#00703c", "#f47738", "#d4351c", "#4c2c92", "#505a5f", "#912b88"];

function draw(canvas) {
  const source = document.getElementById(canvas.dataset.chartSource);
  if (!source || typeof Chart === "undefined") return;
  const spec = JSON.parse(source.textContent)[canvas.dataset.chart];
  if (!spec || !spec.labels.length) return;
  const type = spec.type || "bar";
  const datasets = spec.series.map((series, i) => ({
    label: series.label,
    data: series.data,
    backgroundColor: palette[i % palette.length],
    borderColor: palette[i % palette.length],
    borderWidth: type === "line" ? 3 : 0,
    borderDash: spec.target && i === spec.series.length - 1 ? [6, 4] : undefined,
    type: spec.target && i === spec.series.length - 1 ? "line" : undefined,
    pointRadius: type === "line" ? 3 : undefined,
    spanGaps: true,
  }));
  canvas.hidden = false;
  // eslint-disable-next-line no-new
  new Chart(canvas, {
    type,
    data: { labels: spec.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" } },
      scales: {
        x: { stacked: Boolean(spec.stacked) },
        y: { stacked: Boolean(spec.stacked), beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
}

document.querySelectorAll("canvas[data-chart]").forEach(draw);
