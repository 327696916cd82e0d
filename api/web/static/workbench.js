// The planner's coverage workbench: the folium coverage map in an iframe (same origin,
// so its Leaflet map can be reached), with indicators, uncovered communities, what-if
// sites, suggestions and scenarios from the JSON API. Every string shown comes from the
// server's catalogs (boot.messages); user data is written with textContent only.
(function () {
  "use strict";
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const M = boot.messages;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const state = { division: boot.division, circle: null, coords: {}, sites: [],
                  whatif: null, suggestion: null, layers: [], map: null, L: null };

  function t(key, values) {
    let text = M[key] || key;
    if (values) {
      text = text.replace(/%\((\w+)\)s/g, (_, name) =>
        values[name] === undefined || values[name] === null ? "—" : String(values[name]));
    }
    return text;
  }
  const num = (n) => n === null || n === undefined ? "—" : Number(n).toLocaleString(boot.lang === "zh" ? "zh-CN" : "en");
  const pct = (x) => x === null || x === undefined ? "—" : (100 * x).toFixed(1) + "%";
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
    return node;
  }

  function params() {
    return { division: $("division").value, minutes: Number($("minutes").value) || 15,
             profile: $("profile").value, capacity: $("capacity").checked };
  }
  function query(p, extra) {
    const q = new URLSearchParams({ division: p.division, minutes: p.minutes, profile: p.profile, ...(extra || {}) });
    return q.toString();
  }

  async function api(method, url, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRF-Token"] = csrf;
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 401) {
      alert(t("session_ended"));
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("signed out");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || response.statusText);
    return data;
  }
  function failed(node, error) {
    node.replaceChildren(el("p", { class: "error" }, t("failed", { detail: error.message })));
  }

  // ---- assumptions: what a result was worked out with, and how it differs from now ----
  function assumptionsOf(result, p) {
    const a = result.assumptions || {};
    return { minutes: a.minutes ?? result.minutes ?? p.minutes,
             speed: a.speed_m_per_min ?? result.speed_m_per_min,
             capacity: a.capacity ?? p.capacity, division: p.division };
  }
  function assumptionLine(a) {
    return el("p", { class: "assumptions" }, t("assumptions", {
      minutes: a.minutes, speed: a.speed, capacity: t(a.capacity ? "capacity_on" : "capacity_off") }));
  }
  function staleNote(a) {
    const p = params(), speed = p.profile === "elderly" ? 48 : 60, what = [];
    if (Number(a.minutes) !== p.minutes) what.push(t("diff_minutes"));
    if (a.speed !== undefined && Number(a.speed) !== speed) what.push(t("diff_speed"));
    if (Boolean(a.capacity) !== p.capacity) what.push(t("diff_capacity"));
    if (a.division !== p.division) what.push(t("diff_division"));
    return what.length ? el("p", { class: "warning stale" }, t("stale", { what: what.join(boot.lang === "zh" ? "、" : ", ") })) : null;
  }
  function refreshStale() {
    for (const [box, result] of [[$("whatif-result"), state.whatif], [$("suggest-result"), state.suggestion]]) {
      box.querySelectorAll(".stale").forEach((n) => n.remove());
      if (result) { const note = staleNote(result.used); if (note) box.prepend(note); }
    }
  }

  // ---- the map (Leaflet inside the folium iframe) ----
  function loadMap(p) {
    $("map-status").textContent = t("loading");
    state.map = null;
    $("map").src = "/maps/coverage?" + query(p, { lang: boot.lang, embed: 1 });
  }
  $("map").addEventListener("load", () => {
    const win = $("map").contentWindow;
    state.L = win.L;
    state.map = null;
    for (const key of Object.keys(win)) {
      if (key.startsWith("map_") && win.L && win[key] instanceof win.L.Map) { state.map = win[key]; break; }
    }
    $("map-status").textContent = "";
    if (!state.map) return;
    state.layers = [];
    state.map.on("click", (e) => addSite(e.latlng.lng, e.latlng.lat));
    state.map.getContainer().style.cursor = "crosshair";
    drawOverlays();
  });
  function clearOverlays() {
    for (const layer of state.layers) layer.remove();
    state.layers = [];
  }
  function mark(lon, lat, options, label, permanent) {
    const layer = state.L.circleMarker([lat, lon], options).addTo(state.map);
    if (label) layer.bindTooltip(label, { permanent: Boolean(permanent), direction: "top" });
    state.layers.push(layer);
    return layer;
  }
  function drawOverlays() {
    if (!state.map) return;
    clearOverlays();
    const gained = new Set();
    for (const s of (state.whatif && state.whatif.sites) || []) for (const c of s.communities || []) gained.add(c.code);
    for (const code of gained) {
      const at = state.coords[code];
      if (at) mark(at[0], at[1], { radius: 7, color: "#006d2c", weight: 3, fill: false, className: "gained" });
    }
    state.sites.forEach((s, i) => mark(s.lon, s.lat, { radius: 9, color: "#fff", weight: 2, fillColor: "#e31a1c",
      fillOpacity: 1, className: "whatif-site" }, t("site_n", { n: i + 1 }), true));
    for (const s of (state.suggestion && state.suggestion.suggestions) || []) {
      mark(s.lon, s.lat, { radius: 9, color: "#fff", weight: 2, fillColor: "#6a3d9a", fillOpacity: 1,
        className: "suggested-site" }, t("suggestion_n", { n: s.rank }), true);
    }
  }
  function zoomTo(code) {
    const at = state.coords[code];
    if (!state.map || !at) return;
    state.map.setView([at[1], at[0]], 15);
    const ring = mark(at[0], at[1], { radius: 14, color: "#ff7f00", weight: 4, fill: false });
    setTimeout(() => { ring.remove(); }, 4000);
  }

  // ---- indicators and uncovered communities ----
  const INDICATORS = [["beds_per_1000", false, "beds_per_1000", "beds_ok"],
    ["nursing_share", true, "nursing_share", "nursing_ok"],
    ["community_coverage_urban", true, "community_coverage_urban", "community_coverage_urban_ok"],
    ["community_coverage_rural", true, "community_coverage_rural", "community_coverage_rural_ok"],
    ["circle_elderly_share", true, null, null],
    ["cemetery_village_coverage", true, "cemetery_village_coverage", "cemetery_ok"],
    ["relief_share_within_sla", true, null, "relief_ok"]];
  async function loadIndicators(p) {
    const body = $("indicators").tBodies[0];
    body.replaceChildren(el("tr", {}, el("td", {}, t("loading"))));
    try {
      const r = await api("GET", "/coverage/indicators?" + query(p));
      const s = r.summary, rows = [el("tr", {}, el("th", {}, t("indicator")), el("th", {}, t("value")), el("th", {}, t("target")))];
      for (const [key, share, target, ok] of INDICATORS) {
        if (s[key] === null || s[key] === undefined) continue;
        const goal = target ? r.targets[target] : null;
        const goalText = key === "relief_share_within_sla" && r.targets.relief_sla_hours
          ? t("relief_target", { hours: r.targets.relief_sla_hours })
          : goal === null || goal === undefined ? null : (share ? pct(goal) : num(goal));
        const verdict = ok && s[ok] !== null && s[ok] !== undefined ? (s[ok] ? "meets" : "below") : "no_target";
        rows.push(el("tr", { class: verdict, "data-key": key }, el("td", {}, t(key)),
          el("td", { class: "num" }, share ? pct(s[key]) : num(s[key])),
          el("td", {}, goalText === null ? t("no_target") : goalText + " · " + t(verdict))));
      }
      body.replaceChildren(...rows);
      const m = r.method === "network"
        ? t("method_network", { network: r.network, minutes: r.minutes, speed: r.speed_m_per_min })
        : t("method_straight", { detour: r.detour_factor });
      const relief = r.relief_method ? " " + t("relief_method", { speed: r.relief_method.speed_kmh, n: r.relief_method.warehouses }) : "";
      $("method").textContent = m + relief;
      $("population").textContent = r.population_credit
        ? t("population_cells", { source: r.population_source, credit: r.population_credit,
                                  scaled: t(r.population_scaled ? "scaled_yes" : "scaled_no") })
        : t("population_census");
    } catch (e) { failed($("method"), e); body.replaceChildren(); }
  }
  function reasonOf(c) {
    const args = {};
    for (const [k, v] of Object.entries(c.reason_args || {})) args[k] = Number.isInteger(v) && v >= 1000 ? num(v) : v;
    if (c.reason_code && M["reason_" + c.reason_code]) return t("reason_" + c.reason_code, args);
    return c.reason || "";
  }
  async function loadCircle(p) {
    $("uncovered").replaceChildren(el("li", {}, t("loading")));
    try {
      const r = await api("GET", "/coverage/circle?" + query(p, { capacity: p.capacity }));
      state.circle = r;
      state.coords = {};
      const uncovered = [];
      for (const f of r.features) {
        state.coords[f.properties.code] = f.geometry.coordinates;
        if (f.properties.status !== "covered" && f.properties.status !== "no_elderly") uncovered.push(f.properties);
      }
      uncovered.sort((a, b) => (b.elderly - b.covered_elderly) - (a.elderly - a.covered_elderly));
      const left = r.summary.elderly - r.summary.covered_elderly;   // as the hot spots count it
      $("uncovered-summary").textContent = uncovered.length
        ? t("uncovered_count", { n: num(uncovered.length), elderly: num(left) }) : t("uncovered_none");
      $("uncovered").replaceChildren(...uncovered.map((c) => el("li", { "data-code": c.code },
        el("button", { type: "button", class: "link", onclick: () => zoomTo(c.code), title: t("zoom") }, c.name),
        el("span", { class: "tag " + c.status }, t("status_" + c.status)),
        el("span", { class: "num" }, num(c.elderly - c.covered_elderly) + " " + t("elderly")),
        el("div", { class: "reason" }, reasonOf(c)))));
      drawOverlays();
    } catch (e) { failed($("uncovered"), e); }
  }

  // ---- hot spots: what the population grid shows that community centres hide ----
  function zoomAt(lon, lat) {
    if (!state.map) return;
    state.map.setView([lat, lon], 15);
    const ring = mark(lon, lat, { radius: 18, color: "#54278f", weight: 4, fill: false });
    setTimeout(() => { ring.remove(); }, 4000);
  }
  async function loadHotspots(p) {
    const table = $("grid-comparison").tBodies[0], list = $("hotspots");
    const grid = state.circle && state.circle.demand === "cells";
    for (const id of ["grid-title", "hotspots-title", "hidden-help", "hotspots-summary"]) $(id).textContent = "";
    table.replaceChildren(); list.replaceChildren();
    $("dl-cells").hidden = !grid;
    if (!grid) { $("hotspots-note").textContent = state.circle ? t("no_grid") : ""; return; }
    $("hotspots-note").textContent = t("loading");
    try {
      const [c, h] = await Promise.all([
        api("GET", "/coverage/grid-comparison?" + query(p, { capacity: p.capacity })),
        api("GET", "/coverage/hotspots?" + query(p, { capacity: p.capacity }))]);
      if (params().division !== p.division) return;
      $("hotspots-note").textContent = t("population_cells", { source: c.population_source, credit: c.population_credit,
        scaled: t(c.population_scaled ? "scaled_yes" : "scaled_no") });
      $("grid-title").textContent = t("grid_title");
      table.replaceChildren(el("tr", {}, ...["col_district", "col_cells", "col_centroids", "col_diff", "col_hidden"].map((k) => el("th", {}, t(k)))),
        ...c.districts.map((d, i) => el("tr", { class: i === 0 ? "total" : "", "data-code": d.code },
          el("td", {}, d.name), el("td", { class: "num" }, pct(d.covered_share_cells)),
          el("td", { class: "num" }, pct(d.covered_share_centroids)),
          el("td", { class: "num" }, d.difference_pp === null ? "—" : (d.difference_pp > 0 ? "+" : "") + d.difference_pp.toFixed(1)),
          el("td", { class: "num" }, num(d.hidden_elderly)))));
      $("hidden-help").textContent = t(p.capacity ? "hidden_help" : "hidden_help_distance") + " " +
        t("rows_from", { name: c.division.name });
      $("hotspots-title").textContent = t("hotspots_title");
      const s = h.summary;
      $("hotspots-summary").textContent = h.features.length
        ? t("hotspots_summary", { n: h.features.length, elderly: num(s.hotspot_elderly), all: num(s.uncovered_elderly) })
        : t("hotspots_none");
      list.replaceChildren(...h.features.map((f) => {
        const q = f.properties;
        return el("li", { "data-rank": q.rank },
          el("button", { type: "button", class: "link", onclick: () => zoomAt(q.lon, q.lat), title: t("zoom") },
            t("hotspot_line", { rank: q.rank, elderly: num(q.uncovered_elderly), cells: num(q.cells) })),
          el("div", { class: "reason" }, q.communities.map((x) => x.name).join("、")),
          el("div", { class: "reason" }, t(q.median_walk_min === null ? "hotspot_off" : "hotspot_why", {
            too_far: num(q.too_far), over_capacity: num(q.over_capacity),
            off_network: num(q.off_network), minutes: q.median_walk_min, site: q.nearest_site })));
      }));
    } catch (e) { failed($("hotspots-note"), e); }
  }

  // ---- what-if ----
  function addSite(lon, lat) {
    if (state.sites.length >= 20) return;
    state.sites.push({ lon: Math.round(lon * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6 });
    show("whatif");
    runWhatIf();
  }
  function siteList() {
    $("whatif-sites").replaceChildren(...state.sites.map((s, i) => el("li", {},
      t("site_n", { n: i + 1 }) + ` (${s.lon.toFixed(5)}, ${s.lat.toFixed(5)}) `,
      el("button", { type: "button", class: "link", onclick: () => { state.sites.splice(i, 1); runWhatIf(); } }, t("remove")))));
    $("whatif-save").disabled = $("whatif-clear").disabled = state.sites.length === 0;
  }
  function gainBlock(result, used) {
    const communities = [];
    for (const s of result.sites || result.suggestions || []) for (const c of s.communities || []) communities.push(c);
    const out = [el("dl", { class: "figures" },
      el("dt", {}, t("newly_covered")), el("dd", { class: "big", "data-figure": "newly_covered_elderly" }, num(result.newly_covered_elderly)),
      el("dt", {}, t("share_change")), el("dd", { "data-figure": "share" }, pct(result.share_before) + " → " + pct(result.share_after))),
      assumptionLine(used)];
    if (!communities.length) out.push(el("p", { class: "muted" }, t("no_gain")));
    else out.push(el("h3", {}, t("communities_gained")), el("ul", { class: "rows compact" }, ...communities.map((c) =>
      el("li", {}, el("button", { type: "button", class: "link", onclick: () => zoomTo(c.code) }, c.name),
        " " + num(c.elderly_gained ?? c.elderly) + " " + t("elderly") + (c.distance_m !== undefined ? ` · ${num(c.distance_m)} m` : "")))));
    return out;
  }
  let whatifSeq = 0;
  async function runWhatIf() {
    siteList();
    $("whatif-saved").textContent = "";
    const box = $("whatif-result");
    if (!state.sites.length) { state.whatif = null; box.replaceChildren(); drawOverlays(); return; }
    const p = params(), seq = ++whatifSeq;
    box.replaceChildren(el("p", {}, t("loading")));
    try {
      const r = await api("POST", "/coverage/what-if", { division: p.division, sites: state.sites,
        minutes: p.minutes, profile: p.profile, capacity: p.capacity });
      if (seq !== whatifSeq) return;
      r.used = assumptionsOf(r, p);
      state.whatif = r;
      box.replaceChildren(...gainBlock(r, r.used));
      drawOverlays();
    } catch (e) { if (seq === whatifSeq) failed(box, e); }
  }
  $("whatif-clear").addEventListener("click", () => { state.sites = []; runWhatIf(); });
  $("whatif-save").addEventListener("click", async () => {
    const name = $("whatif-name").value.trim();
    if (!name) { $("whatif-saved").textContent = t("name_needed"); return; }
    const used = state.whatif ? state.whatif.used : assumptionsOf({}, params());
    try {
      const r = await api("POST", "/coverage/what-if", { division: used.division, sites: state.sites,
        minutes: used.minutes, profile: params().profile, capacity: used.capacity, save: true, name });
      $("whatif-saved").textContent = t("saved", { id: r.scenario.id });
      loadScenarios(params());
    } catch (e) { $("whatif-saved").textContent = t("failed", { detail: e.message }); }
  });

  // ---- suggestions ----
  $("suggest-run").addEventListener("click", async () => {
    const p = params(), box = $("suggest-result");
    box.replaceChildren(el("p", {}, t("loading")));
    $("suggest-saved").textContent = "";
    try {
      const r = await api("POST", "/coverage/suggestions", { division: p.division, k: Number($("k").value) || 3,
        minutes: p.minutes, profile: p.profile, capacity: p.capacity });
      r.used = assumptionsOf(r, p);
      state.suggestion = r;
      const list = el("ol", { class: "rows" }, ...r.suggestions.map((s) => el("li", {},
        t("suggestion_n", { n: s.rank }) + ` (${s.lon.toFixed(5)}, ${s.lat.toFixed(5)}): `,
        el("strong", {}, num(s.newly_covered_elderly) + " " + t("elderly")),
        el("div", { class: "reason" }, t("why", { elderly: num(s.newly_covered_elderly), n: s.communities.length, minutes: r.minutes })))));
      box.replaceChildren(...gainBlock(r, r.used), list);
      $("suggest-save").disabled = $("suggest-try").disabled = r.suggestions.length === 0;
      drawOverlays();
    } catch (e) { failed(box, e); }
  });
  $("suggest-try").addEventListener("click", () => {
    if (!state.suggestion) return;
    state.sites = state.suggestion.suggestions.map((s) => ({ lon: s.lon, lat: s.lat }));
    show("whatif");
    runWhatIf();
  });
  $("suggest-save").addEventListener("click", async () => {
    const name = $("suggest-name").value.trim();
    if (!name) { $("suggest-saved").textContent = t("name_needed"); return; }
    const p = params();
    try {
      const r = await api("POST", "/coverage/suggestions", { division: p.division, k: Number($("k").value) || 3,
        minutes: p.minutes, profile: p.profile, capacity: p.capacity, save: true, name });
      $("suggest-saved").textContent = t("saved", { id: r.scenario.id });
      loadScenarios(p);
    } catch (e) { $("suggest-saved").textContent = t("failed", { detail: e.message }); }
  });

  // ---- scenarios ----
  async function loadScenarios(p) {
    const list = $("scenarios");
    try {
      const rows = await api("GET", "/coverage/scenarios?division=" + encodeURIComponent(p.division));
      if (!rows.length) { list.replaceChildren(el("li", { class: "muted" }, t("scenarios_none"))); return; }
      // Drawn again after a save or a change of settings: the ticks stay where they were.
      const ticked = new Set([...list.querySelectorAll("input:checked")].map((i) => i.value));
      list.replaceChildren(...rows.map((s) => el("li", {}, el("label", {},
        el("input", { type: "checkbox", value: s.id, "data-scenario": s.id,
                      ...(ticked.has(String(s.id)) ? { checked: "" } : {}) }),
        ` #${s.id} ${s.name} · ${t("kind_" + ((s.params && s.params.kind) || "suggestions"))} · +${num(s.newly_covered_elderly)} ${t("elderly")}`))));
    } catch (e) { failed(list, e); }
  }
  $("compare").addEventListener("click", async () => {
    const ids = [...document.querySelectorAll("#scenarios input:checked")].map((i) => Number(i.value))
      .sort((a, b) => a - b);   // the oldest is the base the others are compared with
    const box = $("comparison");
    if (ids.length < 2) { box.replaceChildren(el("p", { class: "warning" }, t("pick_two"))); return; }
    try {
      const r = await api("GET", "/coverage/scenarios/compare?ids=" + ids.join(","));
      const scenarios = r.scenarios || r;
      const head = el("tr", {}, el("th", {}), ...scenarios.map((s) => el("th", {}, `#${s.id} ${s.name}`)));
      const row = (label, f) => el("tr", {}, el("th", {}, label), ...scenarios.map((s) => el("td", { class: "num" }, f(s))));
      const table = el("table", { class: "grid compare" }, head,
        row(t("kind_what_if") + " / " + t("kind_suggestions"), (s) => t("kind_" + (s.kind || "suggestions"))),
        row(t("sites_added"), (s) => num((s.sites || []).length)),
        row(t("newly_covered"), (s) => num(s.newly_covered_elderly)),
        row(t("share_before"), (s) => pct(s.share_before)),
        row(t("share_after"), (s) => pct(s.share_after)),
        row(t("diff_minutes"), (s) => String((s.assumptions || {}).minutes ?? "—")),
        row(t("diff_speed"), (s) => String((s.assumptions || {}).speed_m_per_min ?? "—")),
        row(t("diff_capacity"), (s) => t((s.assumptions || {}).capacity === false ? "capacity_off" : "capacity_on")));
      const notes = [];
      for (const w of r.warnings || []) notes.push(el("p", { class: "warning", "data-warning": w.code },
        t("warn_" + w.code, { values: (w.values || []).join(" / ") })));
      for (const d of r.differences || []) {
        const a = scenarios.find((s) => s.id === d.base) || scenarios[0], b = scenarios.find((s) => s.id === d.other) || {};
        const only = d.communities_only_in_other || [];
        notes.push(el("div", { class: "difference" }, el("h3", {}, t("difference", { name: a.name }) + ` → ${b.name || ""}`),
          el("p", {}, t("delta_elderly", { delta: (d.newly_covered_elderly_delta >= 0 ? "+" : "") + num(d.newly_covered_elderly_delta) })),
          el("p", {}, t("delta_share", { delta: (d.share_after_delta >= 0 ? "+" : "") + (100 * d.share_after_delta).toFixed(1) })),
          el("p", {}, t("only_in", { name: b.name, n: (d.sites_only_in_other || []).length }) + "; " +
            t("only_in", { name: a.name, n: (d.sites_only_in_base || []).length })),
          only.length ? el("p", {}, t("covered_only_by", { name: b.name, list: only.map((c) => c.name).join("、") })) : ""));
      }
      box.replaceChildren(table, ...notes);
    } catch (e) { failed(box, e); }
  });

  // ---- tabs, downloads, parameters ----
  function show(tab) {
    document.querySelectorAll(".tabs button").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === tab)));
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== "tab-" + tab; });
  }
  document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));
  function downloads(p) {
    $("dl-map").href = "/maps/coverage?" + query(p, { lang: boot.lang, download: 1 });
    $("dl-xlsx").href = "/coverage/tables?" + query(p, { format: "xlsx", capacity: p.capacity });
    $("dl-csv").href = "/coverage/tables?" + query(p, { format: "csv", capacity: p.capacity });
    $("dl-cells").href = "/coverage/hotspots/cells?" + query(p, { capacity: p.capacity });
  }
  function reload() {
    const p = params();
    if (p.division !== state.division) {
      state.division = p.division;
      state.sites = []; state.whatif = null; state.suggestion = null;
      $("whatif-result").replaceChildren(); $("suggest-result").replaceChildren(); siteList();
      history.replaceState(null, "", "/app/coverage?division=" + p.division);
    }
    loadMap(p); loadIndicators(p); loadCircle(p).then(() => loadHotspots(p)); loadScenarios(p);
    downloads(p); refreshStale();
  }
  $("params").addEventListener("change", reload);
  $("params").addEventListener("submit", (e) => { e.preventDefault(); reload(); });
  $("whatif-hint").textContent = t("whatif_hint");
  reload();
})();
