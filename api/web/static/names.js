// The names officer's desk (/app/names), on desk.js: the queue's filters, the new
// application's map (leaflet-geoman: a point, a line or an area) and its romanization as
// the name is typed, the standard name a renaming or abolition replaces, an application's
// map and its workflow actions (each sends the version the page shows; a stale one is
// "changed by someone else, reload"), and the register's division picker.
// Strings shown come from boot.messages (civgeo.t); user data goes in as textContent.
(function () {
  "use strict";
  const { t, el, api, boot } = window.civgeo;

  const SEP = boot.lang === "zh" ? "；" : "; ";

  function debounce(fn, ms) {
    let timer;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // Filters that apply as soon as they change (the queue, the register's division).
  for (const id of ["queue-filter", "register-form"]) {
    const form = document.getElementById(id);
    if (!form) continue;
    form.addEventListener("change", () => form.requestSubmit());
  }

  // ------------------------------------------------------------ a new application
  function newApplication(form) {
    const mapNode = document.getElementById("draw-map");
    const division = document.getElementById("division");
    const centres = boot.centres || {};
    const centreOf = (code) => centres[code] || centres[code.slice(0, 6)] || centres[code.slice(0, 4) + "00"];
    const m = civgeo.map(mapNode, { center: centreOf(division.value) || [27.84, 113.16], zoom: 13 });
    civgeo.drawOne(m, document.getElementById("geometry"), document.getElementById("drawn"));
    division.addEventListener("change", () => {
      const c = centreOf(division.value);
      if (c) m.setView(c, 13);
    });
    window.namesDrawMap = m;   // for the browser tests and the console

    // The romanization of the name as it is typed.
    const name = document.getElementById("name");
    const category = document.getElementById("category");
    const roman = document.getElementById("roman");
    let asked = 0;
    const romanize = debounce(async () => {
      const n = ++asked;
      const q = new URLSearchParams({ name: name.value.trim(), category: category.value });
      try {
        const r = await api("GET", "/app/names/romanize?" + q);
        if (n !== asked) return;   // a later keystroke has asked again
        roman.textContent = "";
        if (r.roman) roman.append(el("strong", {}, r.roman), " ", el("span", { class: "hint" }, r.roman_toned));
        else roman.append(el("span", { class: "hint" }, t("roman_" + r.why)));
      } catch (error) {
        if (n === asked) roman.textContent = t("roman_failed");
      }
    }, 250);
    name.addEventListener("input", romanize);
    category.addEventListener("change", romanize);

    // What each kind needs: a proposed name (naming, renaming, filing), the name it replaces
    // (renaming, abolition), a building or compound category (filing). Disabled fields are
    // left out of the body.
    const namingFields = document.getElementById("naming-fields");
    const targetBox = document.getElementById("target-box");
    const protective = document.getElementById("protective");
    const building = (code) => code.startsWith(boot.building_class || "11");
    function showKind() {
      const kind = form.elements.kind.value;
      const fresh = kind === "naming" || kind === "filing";   // no current name replaced
      namingFields.hidden = kind === "abolition";
      namingFields.querySelectorAll("input, select, textarea").forEach((f) => { f.disabled = kind === "abolition"; });
      targetBox.hidden = fresh;
      document.getElementById("target-id").disabled = fresh;
      protective.hidden = fresh;
      protective.querySelector("textarea").disabled = fresh;
      document.getElementById("filing-hint").hidden = kind !== "filing";
      for (const option of category.options) {
        option.hidden = option.disabled = kind === "filing" && !building(option.value);
      }
      if (kind === "filing" && !building(category.value)) {
        category.value = [...category.options].find((o) => building(o.value)).value;
        romanize();
      }
    }
    form.addEventListener("change", (e) => { if (e.target.name === "kind") showKind(); });
    showKind();

    // The standard name a renaming or abolition replaces: search, then choose.
    const search = document.getElementById("target-search");
    const choices = document.getElementById("target-choices");
    const chosen = document.getElementById("target-chosen");
    const targetId = document.getElementById("target-id");
    const lookUp = debounce(async () => {
      const q = search.value.trim();
      choices.textContent = "";
      if (!q) return;
      const params = new URLSearchParams({ q, division: division.value.slice(0, 6), limit: "8" });
      try {
        const found = await api("GET", "/names/search?" + params);
        const hits = (found.features || []).filter((f) => f.properties.status === "standard");
        if (!hits.length) choices.append(el("li", { class: "hint" }, t("no_match")));
        for (const f of hits) {
          const p = f.properties;
          choices.append(el("li", {}, el("button", { type: "button", class: "choice", onclick: () => {
            targetId.value = String(f.id || p.id);
            chosen.textContent = t("chosen", { name: p.name, id: f.id || p.id });
            choices.textContent = "";
          } }, p.name, " ", el("span", { class: "hint" }, p.roman || ""))));
        }
      } catch (error) {
        choices.append(el("li", { class: "problem" }, civgeo.problemText(error)));
      }
    }, 300);
    search.addEventListener("input", lookUp);
  }

  // ------------------------------------------------------------ one application
  function applicationMap(node) {
    const m = civgeo.map(node, { center: [27.84, 113.16], zoom: 14 });
    const shape = L.geoJSON(boot.geometry, {
      style: { color: "#b00020", weight: 3, fillOpacity: 0.2 },
      pointToLayer: (_, latlng) => L.circleMarker(latlng, { radius: 7, weight: 2, color: "#b00020", fillOpacity: 0.5 }),
    }).addTo(m);
    if (boot.geometry.type === "Point") m.setView(shape.getBounds().getCenter(), 16);
    else m.fitBounds(shape.getBounds(), { padding: [30, 30], maxZoom: 17 });
  }

  // The sentence the page shows for a finding code (as the server rendered it).
  function findingText(code) {
    const text = document.querySelector(`#checks li[data-code="${CSS.escape(code)}"] .text`);
    return text ? text.textContent.trim() : code;
  }

  function showActionProblem(form, error) {
    const box = form.querySelector(".problem");
    const p = (error && error.problem) || {};
    box.textContent = "";
    box.hidden = false;
    box.setAttribute("role", "alert");
    if (error.status === 409 && (p.field === "version" || p.field === "state")) {
      box.append(t("stale"), " ", el("button", { type: "button", class: "primary", id: "reload",
                                                  onclick: () => location.reload() }, t("reload")));
    } else if (error.status === 422 && Array.isArray(p.unacknowledged)) {
      box.textContent = t("unacknowledged", { codes: p.unacknowledged.map(findingText).join(SEP) });
      const first = p.unacknowledged.map((c) => form.querySelector(`textarea[data-code="${CSS.escape(c)}"]`))
        .filter(Boolean);
      first.forEach((f) => f.setAttribute("aria-invalid", "true"));
      if (first.length) first[0].focus();
    } else if (error.status === 422 && p.state === "returned") {
      // A filing the checks returned: the return is recorded; show it with its findings.
      box.textContent = t("returned");
      location.reload();
    } else if (error.status === 409 && p.field === "findings") {
      const blocks = (p.findings || []).filter((f) => f.severity === "block").map((f) => findingText(f.code));
      box.textContent = t("blocked", { findings: blocks.join(SEP) });
    } else {
      civgeo.showProblem(form, error);
    }
  }

  // What an action sends: the form's fields, with the reports of an assessment as a list
  // (a filing's corrections are the fields named corrections.*).
  function actionBody(form) {
    const body = civgeo.formBody(form);
    if (body.report) {
      const reports = Object.entries(body.report).map(([type, title]) => ({ type, title }));
      if (reports.length) body.reports = reports;
      delete body.report;
    }
    return body;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches || !form.matches("form.action")) return;
    event.preventDefault();
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
    const box = form.querySelector(".problem");
    box.hidden = true;
    form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
    const buttons = document.querySelectorAll("form.action button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api("POST", form.dataset.url, actionBody(form));
      location.reload();
    } catch (error) {
      showActionProblem(form, error);
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  // The clean-up audit: the names ticked drafted for renaming as one campaign.
  const cleanup = document.getElementById("cleanup-form");
  if (cleanup) {
    cleanup.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = cleanup.querySelector(".problem");
      box.hidden = true;
      const ids = [...cleanup.querySelectorAll("input[name=name_id]:checked")].map((c) => Number(c.value));
      if (!ids.length) { box.hidden = false; box.textContent = t("none_selected"); return; }
      const button = document.getElementById("draft-renamings");
      button.disabled = true;
      try {
        const made = await api("POST", "/names/audit/campaigns", {
          division: cleanup.dataset.division, title: cleanup.elements.title.value,
          applicant: cleanup.elements.applicant.value || null, name_ids: ids });
        document.getElementById("drafted").textContent = t("drafted", { n: made.items.length });
        location.reload();
      } catch (error) {
        civgeo.showProblem(cleanup, error);
        button.disabled = false;
      }
    });
  }

  const form = document.getElementById("new-application");
  if (form) newApplication(form);
  const appMap = document.getElementById("app-map");
  if (appMap && boot.geometry) applicationMap(appMap);
})();
