// The register page's import form (/app/names/register, 标准地名录): sends the chosen file
// to POST /names/import as it is (the server tells the format by its first bytes), then
// shows what each row did, or every bad row of a refused file. Words come from the
// template's data attributes; user data goes in as textContent.
(function () {
  "use strict";
  const { api, el, problemText, ApiError } = window.civgeo;
  const form = document.getElementById("import-form");
  if (!form) return;
  const report = document.getElementById("import-report");
  const problem = document.getElementById("import-problem");
  const totals = document.getElementById("import-totals");
  const rows = document.querySelector("#import-rows tbody");
  const errors = document.querySelector("#import-errors tbody");
  const words = report.dataset;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, k) => String(values[k]));
  }

  function showReport(answer) {
    totals.textContent = fill(words.totals, answer);
    for (const r of answer.rows) {
      rows.append(el("tr", { "data-status": r.status },
        el("td", { class: "num" }, String(r.row)), el("td", {}, r.key),
        el("td", {}, words[r.status] || r.status), el("td", {}, (r.fields || []).join(", ")),
        el("td", {}, (r.warnings || []).map((w) => w.message).join("; "))));
    }
    document.getElementById("import-rows").hidden = false;
  }

  function showRefusal(error) {
    const bad = (error instanceof ApiError && error.problem.errors) || [];
    if (!bad.length) {
      problem.textContent = problemText(error);
      problem.hidden = false;
      return;
    }
    totals.textContent = fill(words.refused, { n: error.problem.bad_rows || bad.length });
    for (const e of bad) {
      errors.append(el("tr", {}, el("td", { class: "num" }, String(e.row)),
                       el("td", {}, e.field), el("td", {}, e.reason)));
    }
    document.getElementById("import-errors").hidden = false;
    report.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    problem.hidden = true;
    report.hidden = true;
    rows.replaceChildren();
    errors.replaceChildren();
    document.getElementById("import-rows").hidden = true;
    document.getElementById("import-errors").hidden = true;
    const query = new URLSearchParams({ source: form.elements.source.value.trim() });
    if (form.elements.crs.value) query.set("crs", form.elements.crs.value);
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      showReport(await api("POST", "/names/import?" + query, file));
      report.hidden = false;
    } catch (error) {
      showRefusal(error);
    } finally {
      button.disabled = false;
    }
  });
})();
