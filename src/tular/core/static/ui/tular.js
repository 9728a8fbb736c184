/* Tular's page behaviour, for every page (no inline scripts: a strict CSP stays possible).
   Each behaviour hangs on a data attribute; docs/ui.md lists them. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // <form data-confirm="Sure?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // A form is sent once: its submit buttons are disabled while the page loads (the server
    // also refuses a repeated submission, see docs/ui.md).
    if (!form.hasAttribute("data-allow-resubmit") && !event.defaultPrevented) {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
          b.disabled = true; b.classList.add("btn-loading");
        });
      }, 0);
    }
  });

  // <select data-autosubmit>: submit the form when the choice changes (filters, switchers).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
    // <input type=checkbox data-check-all="name">: (un)tick every checkbox of that name.
    if (el.matches && el.matches("[data-check-all]")) {
      document.querySelectorAll('input[type=checkbox][name="' + el.getAttribute("data-check-all") + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });

  // <button data-copy="text" data-copied="Copied">: copy to the clipboard, say so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var done = function () {
      var label = button.querySelector(".copy-label") || button;
      var before = label.textContent;
      label.textContent = button.getAttribute("data-copied") || "✓";
      window.setTimeout(function () { label.textContent = before; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; area.setAttribute("readonly", ""); area.className = "visually-hidden";
      document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
    }
  });

  // <canvas data-chart="ID"> with <script type="application/json" id="ID"> (json_script):
  // {"type": "line"|"bar", "labels": [...], "datasets": [{"label", "data", "axis"?}]}.
  function drawCharts(root) {
    if (!window.Chart) return;
    var palette = ["#206bc4", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#17a2b8"];
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      var axes = { y: { beginAtZero: true, ticks: { precision: 0 } } };
      var datasets = spec.datasets.map(function (d, i) {
        var colour = d.color || palette[i % palette.length];
        if (d.axis === "y1") axes.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
        return { label: d.label, data: d.data, yAxisID: d.axis || "y", borderColor: colour,
                 backgroundColor: colour + (spec.type === "bar" ? "cc" : "22"), fill: spec.type !== "bar",
                 tension: 0.3, pointRadius: 0, borderWidth: 2 };
      });
      new window.Chart(canvas, {
        type: spec.type || "line",
        data: { labels: spec.labels, datasets: datasets },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   interaction: { mode: "index", intersect: false },
                   plugins: { legend: { position: "bottom" } }, scales: axes }
      });
      canvas.dataset.drawn = "1";
    });
  }

  onReady(function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();

/* <div data-show-when="field=value1,value2">: shown only while the form's field (select or
   radio) has one of these values; without JavaScript everything stays visible. */
(function () {
  "use strict";
  function fieldValue(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('select[name="' + name + '"], input[name="' + name + '"]:not([type=radio]):not([type=checkbox])');
    return field ? field.value : "";
  }
  function refresh(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var form = el.closest("form");
      if (!form) return;
      var rule = el.getAttribute("data-show-when").split("=");
      var values = (rule[1] || "").split(",");
      el.hidden = values.indexOf(fieldValue(form, rule[0])) === -1;
    });
  }
  function ready() { refresh(document); }
  if (document.readyState !== "loading") ready(); else document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("change", function () { refresh(document); });

  /* <input data-slug-from="id_name">: suggests a slug from that field until edited by hand. */
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.id) return;
    document.querySelectorAll('[data-slug-from="' + el.id + '"]').forEach(function (slug) {
      if (slug.disabled || (slug.value !== "" && slug.value !== slug.dataset.suggested)) return;
      slug.value = slug.dataset.suggested = slugify(el.value);
    });
  });
})();

/* <button type="submit" data-confirm="Sure?">: ask before this button (not the form's other
   buttons) submits its form. Runs in the capture phase, before the form-wide handler above. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();

/* .table-responsive wider than its card scrolls sideways: it becomes focusable, so keyboard
   users can scroll it with the arrow keys (a table of plain text has nothing else to focus). */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }
  if (document.readyState !== "loading") mark(); else document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
