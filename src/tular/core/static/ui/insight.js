/* The insight dashboard's charts (console/insight/dashboard.html), drawn with the vendored
   Chart.js: <canvas data-insight-chart="ID"> with <script type="application/json" id="ID">
   {"kind": "trend"|"funnel"|"sources"|"roi", "labels": [...], "datasets": [{"label", "data",
   "type"?, "axis"?}], "drop_off"?: [...]}. Every chart has its numbers in a table beside it. */
(function () {
  "use strict";
  var palette = ["#206bc4", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#17a2b8"];

  function spec(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-insight-chart"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function datasets(s) {
    return s.datasets.map(function (d, i) {
      var colour = palette[i % palette.length];
      return { label: d.label, data: d.data, type: d.type, yAxisID: d.axis || "y",
               borderColor: colour, backgroundColor: d.type === "line" ? colour : colour + "cc",
               borderWidth: 2, pointRadius: 2, tension: 0.3, spanGaps: true };
    });
  }

  function config(s) {
    var legend = { position: "bottom" };
    if (s.kind === "sources") {
      return { type: "doughnut",
               data: { labels: s.labels, datasets: [{ data: s.datasets[0].data, backgroundColor: palette }] },
               options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: legend } } };
    }
    if (s.kind === "funnel") {
      return { type: "bar",
               data: { labels: s.labels, datasets: [{ label: s.datasets[0].label, data: s.datasets[0].data, backgroundColor: palette[0] + "cc" }] },
               options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
                          plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: function (item) {
                            var drop = (s.drop_off || [])[item.dataIndex];
                            return drop === null || drop === undefined ? "" : "-" + drop + " %";
                          } } } } } };
    }
    var scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    s.datasets.forEach(function (d) {
      if (d.axis === "y1") scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    });
    return { type: "bar", data: { labels: s.labels, datasets: datasets(s) },
             options: { responsive: true, maintainAspectRatio: false, animation: false,
                        interaction: { mode: "index", intersect: false },
                        plugins: { legend: legend }, scales: scales } };
  }

  function draw() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-insight-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var s = spec(canvas);
      if (!s) return;
      new window.Chart(canvas, config(s));
      canvas.dataset.drawn = "1";
    });
  }

  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();
