// The plates officer's desk (/app/plates): the road's map with its doors labelled by
// number, the numbering proposal shown old → new and applied with one confirmation, and
// the installation photo read into the lifecycle form. Everything it writes goes through
// the JSON API (civgeo.api); the messages come from the page's boot data (civgeo.t).
(function () {
  "use strict";
  const { boot, t, el, api, num, showProblem } = window.civgeo;

  // ---------------------------------------------------------------- the road's map
  const OFFSET = { left: [-4, 0], right: [4, 0], top: [0, -4], bottom: [0, 4] };
  function roadMap() {
    const node = document.getElementById("map");
    if (!node || !boot.road || !window.L) return;
    const m = civgeo.map(node, { zoom: 16, zoomSnap: 0.25 });
    const line = L.geoJSON(boot.road.geometry, { style: { color: "#0b5cad", weight: 5, opacity: 0.8 } }).addTo(m);
    const flagged = new Set(boot.flagged || []);
    const doors = L.featureGroup().addTo(m);
    for (const d of boot.doors || []) {
      const bad = flagged.has(d.id);
      L.circleMarker([d.lat, d.lon], { radius: 5, weight: 2, color: bad ? "#b00020" : "#12395f",
                                       fillColor: bad ? "#fdecee" : "#ffffff", fillOpacity: 1 })
        // each label away from the road on its door's side, so the two sides do not collide
        .bindTooltip(d.label || t("no_number"), { permanent: true, direction: d.towards || "top",
                                                  offset: OFFSET[d.towards] || [0, -4],
                                                  className: "doorlabel" + (bad ? " bad" : "") })
        .addTo(doors);
    }
    const bounds = line.getBounds();
    if (doors.getLayers().length) bounds.extend(doors.getBounds());
    if (bounds.isValid()) m.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
    node.dataset.ready = "1";
  }

  // ---------------------------------------------------------------- the proposal
  let proposal = null;

  function renderProposal(p) {
    proposal = p;
    const box = document.getElementById("proposal");
    const s = p.summary;
    document.getElementById("proposal-summary").replaceChildren(
      s.changed ? t("proposal_summary", { id: p.proposal, doors: num(s.doors), changed: num(s.changed) })
                : t("proposal_none"),
      p.plates_affected.length ? el("span", { class: "state warn" }, " ", t("plates_affected", { n: p.plates_affected.length })) : "",
      s.unresolved.length ? el("span", { class: "state bad" }, " ", t("unresolved", { n: s.unresolved.length })) : "");
    const head = el("thead", {}, el("tr", {},
      el("th", {}, t("door")), el("th", {}, t("side")), el("th", { class: "num" }, t("along")),
      el("th", {}, t("old")), el("th", {}, "→"), el("th", {}, t("new")), el("th", {}, t("how"))));
    const body = el("tbody");
    for (const i of p.items) {
      const changed = i.old_number !== i.new_number || i.old_road !== i.new_road;
      const road = i.old_road !== i.new_road;
      body.append(el("tr", { class: changed ? "changed" : null, "data-entrance": i.entrance_id },
        el("td", {}, String(i.entrance_id)),
        el("td", {}, t(i.side)),
        el("td", { class: "num" }, num(i.measure_m)),
        el("td", { class: changed ? "old" : null }, (road ? i.old_road : "") + (i.old_number || i.old_raw || t("no_number"))),
        el("td", {}, changed ? "→" : ""),
        el("td", { class: changed ? "new" : null }, (road ? i.new_road : "") + (i.new_number || t("no_number"))),
        el("td", {}, t("how_" + i.how))));
    }
    document.getElementById("proposal-table").replaceChildren(head, body);
    document.getElementById("only-changed-label").textContent = t("only_changed");
    const apply = document.getElementById("apply");
    apply.textContent = t("apply");
    apply.disabled = !s.changed;
    box.hidden = false;
    filterRows();
  }

  function filterRows() {
    const only = document.getElementById("only-changed").checked;
    document.querySelectorAll("#proposal-table tbody tr").forEach((tr) => {
      tr.hidden = only && !tr.classList.contains("changed");
    });
  }

  async function propose(event) {
    event.preventDefault();
    const form = event.target;
    const box = form.querySelector(".problem");
    box.hidden = true;
    document.getElementById("applied").hidden = true;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const body = { action: "propose", ...civgeo.formBody(form) };
      renderProposal(await api("POST", `/roads/${form.dataset.road}/numbering`, body));
    } catch (error) {
      document.getElementById("proposal").hidden = true;
      showProblem(form, error);
    } finally {
      button.disabled = false;
    }
  }

  async function apply() {
    if (!proposal) return;
    const question = t("apply_confirm", { id: proposal.proposal, changed: num(proposal.summary.changed),
                                          road: boot.road.name });
    if (!confirm(question)) return;
    const button = document.getElementById("apply");
    const problem = document.getElementById("apply-problem");
    problem.hidden = true;
    button.disabled = true;
    try {
      const done = await api("POST", `/roads/${proposal.road_id}/numbering`,
                             { action: "apply", proposal: proposal.proposal });
      const notice = document.getElementById("applied");
      notice.textContent = t("applied", { changed: num(done.changed) });
      notice.hidden = false;
      document.getElementById("proposal").hidden = true;
      setTimeout(() => location.reload(), 800);
    } catch (error) {
      showProblem(problem, error);
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- the installation photo
  function photoInputs() {
    document.querySelectorAll("input.photo-file").forEach((input) => {
      input.addEventListener("change", () => {
        const target = input.form.elements.photo;
        target.value = "";
        const file = input.files && input.files[0];
        if (!file) return;
        const reader = new FileReader();
        reader.onload = () => { target.value = String(reader.result).split(",")[1] || ""; };
        reader.readAsDataURL(file);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    roadMap();
    const form = document.getElementById("propose");
    if (form) {
      form.addEventListener("submit", propose);
      document.getElementById("apply").addEventListener("click", apply);
      document.getElementById("only-changed").addEventListener("change", filterRows);
    }
    photoInputs();
  });
})();
