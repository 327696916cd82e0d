// civgeo's field app for boundary inspection teams (界线联检): patrols, marker checks,
// hazards and photos recorded on a phone, offline, and synced so that nothing is lost or
// counted twice.
//
// Everything recorded goes to IndexedDB the moment it exists (GPS points as they arrive,
// records when saved, photos once resized), never only into memory. Each record has the UUID
// the phone gave it; sync sends the queue in order through the inspector's API, which is
// idempotent by those UUIDs, and a record leaves 待同步 only when the server has answered for
// it and for every photo it references. A 409 is shown, never retried blindly; a 401 keeps
// the queue and asks to sign in again.
//
// Strings come from the server's catalogs (boot.messages); user data is written with
// textContent only.
(function () {
  "use strict";

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const lang = boot.lang;
  const locale = lang === "zh" ? "zh-CN" : "en";

  // Messages and DOM building are the desks' (desk.js, loaded before this script).
  const { t, el } = civgeo;

  const num = (n, digits) => n === null || n === undefined ? "—" :
    Number(n).toLocaleString(locale, { maximumFractionDigits: digits || 0 });
  const pct = (share) => share === null || share === undefined ? "—" :
    (share * 100).toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + "\u00a0%";   // never "95.3" and "%" on two lines
  // Times as the joint report gives them: Beijing time, whatever the phone's zone.
  const when = (iso) => iso ? new Date(iso).toLocaleString(locale, { hour12: false, timeZone: "Asia/Shanghai" }) : "—";
  const iso = (ms) => new Date(ms).toISOString();
  const uuid = () => crypto.randomUUID();

  // ------------------------------------------------------------------ storage

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = idb.openDB("civgeo-field", 1, {
        upgrade(d) {
          d.createObjectStore("meta");
          const q = d.createObjectStore("queue", { keyPath: "uuid" });
          q.createIndex("seq", "seq");
          const p = d.createObjectStore("points", { keyPath: "id", autoIncrement: true });
          p.createIndex("patrol", "patrol");
          const ph = d.createObjectStore("photos", { keyPath: "uuid" });
          ph.createIndex("owner", "owner");
        },
      });
    }
    return dbPromise;
  }
  const meta = {
    get: async (key) => (await db()).get("meta", key),
    set: async (key, value) => (await db()).put("meta", value, key),
  };
  let seqCounter = 0;
  const nextSeq = () => Date.now() * 1000 + (seqCounter++ % 1000);
  async function queueAll() {
    return (await db()).getAllFromIndex("queue", "seq");
  }
  const putItem = async (item) => (await db()).put("queue", item);
  const getItem = async (id) => (await db()).get("queue", id);

  // ------------------------------------------------------------------ geometry

  const R = 6371008.8;
  const rad = (d) => d * Math.PI / 180;
  function distance(lon1, lat1, lon2, lat2) {
    const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 +
      Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function bearing(lon1, lat1, lon2, lat2) {
    const y = Math.sin(rad(lon2 - lon1)) * Math.cos(rad(lat2));
    const x = Math.cos(rad(lat1)) * Math.sin(rad(lat2)) -
      Math.sin(rad(lat1)) * Math.cos(rad(lat2)) * Math.cos(rad(lon2 - lon1));
    return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
  }
  const COMPASS = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];
  const compass = (deg) => t("bearing_" + COMPASS[Math.round(deg / 45) % 8]) + " " + Math.round(deg) + "°";
  const lineParts = (geometry) => geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;

  // The share of a line within the tolerance of a track, sampled every few metres in a local
  // plane (display only: the server computes the share that is reported and signed).
  class Coverage {
    constructor(geometry, tolerance) {
      const parts = lineParts(geometry);
      const first = parts[0][0];
      this.lon0 = first[0];
      this.lat0 = first[1];
      this.kx = 111320 * Math.cos(rad(this.lat0));
      this.ky = 110540;
      this.tol = tolerance;
      const xs = [], ys = [];
      const step = 5;
      for (const part of parts) {
        for (let i = 1; i < part.length; i++) {
          const [ax, ay] = this.xy(part[i - 1]);
          const [bx, by] = this.xy(part[i]);
          const len = Math.hypot(bx - ax, by - ay);
          const n = Math.max(1, Math.ceil(len / step));
          for (let k = 0; k < n; k++) {
            xs.push(ax + (bx - ax) * k / n);
            ys.push(ay + (by - ay) * k / n);
          }
        }
        const [lx, ly] = this.xy(part[part.length - 1]);
        xs.push(lx);
        ys.push(ly);
      }
      this.xs = Float64Array.from(xs);
      this.ys = Float64Array.from(ys);
      this.hit = new Uint8Array(xs.length);
      this.count = 0;
    }
    xy(c) { return [(c[0] - this.lon0) * this.kx, (c[1] - this.lat0) * this.ky]; }
    // A piece of track from a to b (one point when b is null), never across a gap.
    add(a, b) {
      const [ax, ay] = this.xy(a);
      const [bx, by] = b ? this.xy(b) : [ax, ay];
      const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
      const tol2 = this.tol * this.tol;
      const minx = Math.min(ax, bx) - this.tol, maxx = Math.max(ax, bx) + this.tol;
      const miny = Math.min(ay, by) - this.tol, maxy = Math.max(ay, by) + this.tol;
      for (let i = 0; i < this.xs.length; i++) {
        if (this.hit[i]) continue;
        const x = this.xs[i], y = this.ys[i];
        if (x < minx || x > maxx || y < miny || y > maxy) continue;
        let f = len2 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
        f = Math.max(0, Math.min(1, f));
        const ex = ax + f * dx - x, ey = ay + f * dy - y;
        if (ex * ex + ey * ey <= tol2) { this.hit[i] = 1; this.count++; }
      }
    }
    get share() { return this.xs.length ? this.count / this.xs.length : 0; }
  }

  // ------------------------------------------------------------------ state and API

  const state = {
    bundle: null, csrf: null, online: navigator.onLine, fix: null, watch: null,
    wakeLock: null, active: null, coverage: null, map: null, layers: null,
    syncing: false, needSignIn: false, persisted: null, tiles: null, lastSync: null,
    fixWaiters: [],
  };

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || String(status));
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function api(method, url, body, headers) {
    const h = { "Accept": "application/json, application/problem+json", "Accept-Language": lang,
                ...(headers || {}) };
    if (method !== "GET") h["X-CSRF-Token"] = state.csrf || "";
    let payload = body;
    if (body !== undefined && body !== null && !(body instanceof Blob) && typeof body !== "string") {
      payload = JSON.stringify(body);
      h["Content-Type"] = "application/json";
    }
    const response = await fetch(url, { method, headers: h, body: payload, credentials: "same-origin",
                                        cache: "no-store" });
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) throw new ApiError(response.status, typeof data === "object" && data ? data : { detail: data });
    return data;
  }

  function notice(text, kind) {
    const box = document.getElementById("notice");
    if (!text) { box.hidden = true; return; }
    box.textContent = "";
    box.className = "notice " + (kind || "info");
    box.dataset.shownOn = location.hash;
    box.append(text);
    box.hidden = false;
  }

  function signInLink() {
    return el("a", { class: "button", href: "/login?next=" + encodeURIComponent("/field/" + location.hash) },
      t("sign_in"));
  }

  async function loadBundle() {
    try {
      const data = await api("GET", "/field/data");
      state.bundle = data;
      state.csrf = data.csrf;
      state.needSignIn = false;
      await meta.set("bundle", data);
      cacheTiles(data).catch(() => {});
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        state.needSignIn = error.status === 401;
      }
      return false;
    }
  }

  const inspection = (id) => state.bundle && state.bundle.inspections.find((i) => i.id === Number(id));
  const settings = () => (state.bundle && state.bundle.settings) || {};

  // ------------------------------------------------------------------ offline map tiles

  // The basemap tiles around each line (zooms 11 to the tiles' deepest), fetched once online
  // so the service worker stores them; the map then has its background with no network.
  function tilesAlong(inspections) {
    const maxZ = boot.basemap.maxDataZoom || 16;
    const seen = new Set();
    const tileOf = (lon, lat, z) => {
      const n = 2 ** z;
      const x = Math.floor((lon + 180) / 360 * n);
      const y = Math.floor((1 - Math.log(Math.tan(rad(lat)) + 1 / Math.cos(rad(lat))) / Math.PI) / 2 * n);
      return [x, y];
    };
    for (const insp of inspections) {
      for (const part of lineParts(insp.line.geometry)) {
        for (let i = 0; i < part.length; i++) {
          const pts = [part[i]];
          if (i > 0) {   // every ~100 m along the line
            const [a, b] = [part[i - 1], part[i]];
            const n = Math.ceil(distance(a[0], a[1], b[0], b[1]) / 100);
            for (let k = 1; k < n; k++) pts.push([a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n]);
          }
          for (const [lon, lat] of pts) {
            for (let z = 11; z <= maxZ; z++) {
              const [x, y] = tileOf(lon, lat, z);
              const around = z >= 15 ? 1 : 0;
              for (let dx = -around; dx <= around; dx++) {
                for (let dy = -around; dy <= around; dy++) seen.add(`${z}/${x + dx}/${y + dy}`);
              }
            }
          }
        }
      }
    }
    return [...seen];
  }

  async function cacheTiles(bundle) {
    if (!("caches" in window) || !bundle.inspections.length) return;
    const key = bundle.inspections.map((i) => i.line.id).sort().join(",");
    const done = await meta.get("tiles");
    if (done && done.key === key) { state.tiles = done; document.body.dataset.tiles = String(done.n); return; }
    const tiles = tilesAlong(bundle.inspections);
    const url = boot.basemap.url;
    const store = await caches.open("civgeo-field-tiles");   // the service worker's tile store
    let count = 0;
    state.tiles = { key, n: tiles.length, done: 0 };
    const worker = async () => {
      while (tiles.length) {
        const tile = tiles.pop();
        const [z, x, y] = tile.split("/");
        try {
          await store.add(url.replace("{z}", z).replace("{x}", x).replace("{y}", y));
          count++;
        } catch (error) { return; }
        state.tiles.done = count;
        if (count % 25 === 0) renderStatus();
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    if (!tiles.length) {
      state.tiles = { key, n: count, done: count };
      await meta.set("tiles", state.tiles);
      document.body.dataset.tiles = String(count);
    }
    renderStatus();
  }

  // ------------------------------------------------------------------ status bar

  async function counts() {
    const items = await queueAll();
    const visible = items.filter((i) => i.state !== "recording" && i.state !== "dropped");
    return { waiting: visible.filter((i) => i.state !== "synced").length,
             confirmed: visible.filter((i) => i.state === "synced" && i.kind !== "edit" && !i.same_track).length, items };
  }

  async function renderStatus() {
    const net = document.getElementById("net");
    const c = await counts();
    net.textContent = "";
    net.append(el("span", { class: state.online ? "dot on" : "dot off" }),
      state.online ? t("online") : t("offline"), " · ", t("confirmed_short", { n: c.confirmed }));
    net.dataset.confirmed = c.confirmed;
    const badge = document.getElementById("queue-badge");
    badge.hidden = !c.waiting;
    badge.textContent = c.waiting;
    const status = document.querySelector("[data-status]");
    if (status) status.replaceWith(statusBlock());
  }

  function statusBlock() {
    const lines = [state.lastSync ? t("last_sync", { time: when(state.lastSync) }) : t("never_synced"),
      state.persisted === true ? t("storage_granted") : state.persisted === false ? t("storage_denied")
        : t("storage_unknown")];
    if (state.tiles) {
      lines.push(state.tiles.done < state.tiles.n ? t("maps_caching", { done: state.tiles.done, n: state.tiles.n })
        : t("maps_cached", { n: state.tiles.n }));
    }
    return el("div", { class: "status", "data-status": true },
      lines.map((line, i) => el("p", { "data-line": ["sync", "storage", "tiles"][i] }, line)));
  }

  // ------------------------------------------------------------------ views

  const view = () => document.getElementById("view");

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function route() {
    const [, name, id] = (location.hash || "#/lines").split("/");
    const box = document.getElementById("notice");
    if (box.className.includes("ok") && !box.hidden && box.dataset.shownOn !== location.hash) notice(null);
    for (const a of document.querySelectorAll(".tabs a")) {
      a.classList.toggle("current", a.dataset.tab === name || ["check", "hazard", "edit"].includes(name) && a.dataset.tab === "records" || name === "sign" && a.dataset.tab === "lines");
    }
    if (name !== "patrol" && state.map) { state.map.remove(); state.map = null; }
    state.onFix = null;
    // The position is watched while recording, checking or reporting; not otherwise.
    if (["check", "hazard"].includes(name)) startWatch();
    else activePatrol().then((a) => { if (!a) stopWatch(); });
    const views = { lines: showLines, patrol: showPatrol, records: showRecords, check: showCheck,
                    hazard: showHazard, sync: showSync, sign: showSign, edit: showEdit };
    (views[name] || showLines)(id);
  }

  function markersDone(insp) {
    const done = new Set(insp.records.filter((r) => r.kind === "marker_check").map((r) => r.marker_no));
    return done;
  }

  async function showLines() {
    const v = view();
    v.textContent = "";
    v.append(statusBlock());
    if (!state.bundle) {
      v.append(el("p", { class: "empty" }, state.needSignIn ? t("sign_in_needed") : t("not_loaded")));
      if (state.needSignIn || state.online) v.append(signInLink());
      return;
    }
    if (state.needSignIn) v.append(el("p", { class: "warn" }, t("session_ended")), signInLink());
    if (!state.bundle.inspections.length) v.append(el("p", { class: "empty" }, t("no_lines")));
    const items = await queueAll();
    for (const insp of state.bundle.inspections) {
      const local = new Set(items.filter((i) => i.kind === "check" && i.inspection_id === insp.id).map((i) => i.body.marker));
      const done = new Set([...markersDone(insp), ...local]);
      const line = insp.line;
      const share = insp.patrolled ? insp.patrolled.share : null;
      v.append(el("article", { class: "card line-card", "data-inspection": insp.id },
        el("h2", {}, line.name, " ", el("small", {}, insp.year)),
        el("p", {}, t("line_of", { left: line.left_name, right: line.right_name }), " · ",
          t("length_km", { km: num(line.length_m / 1000, 1) }), " · ", t("markers_n", { n: insp.markers.length })),
        el("p", {}, t("checked_n", { done: done.size, n: insp.markers.length }),
          share !== null ? " · " + t("patrolled_share", { share: pct(share) }) : ""),
        (insp.signatures || []).length ? el("p", { class: "warn", "data-signed": true }, t("signed_warning", {
          sides: insp.signatures.map((x) => sideName(insp, x.side)).join("、") })) : "",
        insp.side ? el("p", { class: "muted" }, t("your_side", { side: sideName(insp, insp.side) + " · " + (insp.side === insp.lead_code ? t("lead") : t("support")) })) : "",
        el("div", { class: "actions" },
          el("a", { class: "button primary", href: `#/patrol/${insp.id}` }, t("start_patrol")),
          el("a", { class: "button", href: `#/check/${insp.id}` }, t("check_marker")),
          el("a", { class: "button", href: `#/hazard/${insp.id}` }, t("report_hazard")),
          el("a", { class: "button", href: `#/sign/${insp.id}` }, t("sign_title")))));
    }
  }

  // ---- patrol

  async function activePatrol() {
    const id = await meta.get("active");
    return id ? getItem(id) : null;
  }

  async function showPatrol(id) {
    const v = view();
    v.textContent = "";
    const active = await activePatrol();
    if (active) id = active.inspection_id;
    const insp = inspection(id) || (state.bundle && state.bundle.inspections[0]);
    if (!insp) { showLines(); return; }
    if (!active) {
      const last = (await meta.get("members")) || "";
      const form = el("form", { class: "card", id: "start-form" },
        el("h2", {}, insp.line.name),
        el("label", {}, t("members"), el("input", { name: "members", value: last, autocomplete: "off" })),
        el("label", {}, t("notes"), el("textarea", { name: "notes", rows: 2 })),
        el("button", { class: "primary big", type: "submit" }, t("start_patrol")),
        el("p", { class: "muted small" }, t("background_note")),
        el("label", { class: "button file" }, t("import_gpx"),
          el("input", { type: "file", accept: ".gpx,application/gpx+xml", name: "gpx", hidden: true,
                        onchange: (e) => importGpx(insp, e.target.files[0], form) })));
      form.addEventListener("submit", (e) => { e.preventDefault(); startPatrol(insp, form); });
      v.append(form);
      return;
    }
    v.append(el("div", { class: "patrol" },
      el("div", { id: "map", class: "map" }),
      el("div", { class: "live card", id: "live" }),
      el("div", { class: "actions" },
        el("a", { class: "button", href: `#/check/${insp.id}` }, t("check_marker")),
        el("a", { class: "button", href: `#/hazard/${insp.id}` }, t("report_hazard")),
        el("button", { class: "danger", id: "end-patrol", onclick: () => endPatrol() }, t("end_patrol"))),
      el("p", { class: "muted small", id: "wake" }, state.wakeLock ? t("wake_lock_on") : t("wake_lock_off")),
      el("p", { class: "muted small" }, t("background_note"))));
    drawMap(insp, active);
    await renderLive();
  }

  function drawMap(insp, active) {
    if (state.map) state.map.remove();
    const map = L.map("map", { zoomControl: true, attributionControl: true });
    state.map = map;
    if (window.civgeoBasemap) civgeoBasemap(map, boot.basemap).addTo(map);
    const line = L.geoJSON(insp.line.geometry, { style: { color: "#b3261e", weight: 5, opacity: 0.85 } }).addTo(map);
    const markers = L.layerGroup().addTo(map);
    for (const m of insp.markers) {
      L.circleMarker([m.lat, m.lon], { radius: 6, color: "#202020", weight: 2, fillColor: conditionColour(m.condition),
                                        fillOpacity: 1 })
        .bindTooltip(shortNo(insp, m.no), { permanent: true, direction: "right", className: "marker-label" })
        .addTo(markers);
    }
    // Marker numbers are long (both sides' codes first): the map shows the rest, near enough.
    const labels = () => markers.eachLayer((layer) => {
      const tip = layer.getTooltip();
      if (tip) tip.getElement() && (tip.getElement().style.display = map.getZoom() >= 14 ? "" : "none");
    });
    map.on("zoomend", labels);
    map.whenReady(labels);
    state.layers = { track: L.layerGroup().addTo(map), gaps: L.layerGroup().addTo(map), me: L.layerGroup().addTo(map) };
    map.fitBounds(line.getBounds(), { padding: [20, 20] });
    state.follow = true;
    map.on("dragstart", () => { state.follow = false; });
    if (active) redrawTrack(active);
  }

  const shortNo = (insp, no) => no.startsWith(insp.line.left_code + insp.line.right_code)
    ? no.slice((insp.line.left_code + insp.line.right_code).length) : no;

  const sideName = (insp, code) => code === insp.line.left_code ? insp.line.left_name
    : code === insp.line.right_code ? insp.line.right_name : code;

  const conditionColour = (c) => ({ intact: "#2e7d32", damaged: "#c62828", lost: "#c62828",
    displaced: "#ef6c00", reference_incomplete: "#ef6c00", threatened: "#c62828" })[c] || "#9e9e9e";

  async function patrolPoints(patrolId) {
    return (await db()).getAllFromIndex("points", "patrol", patrolId);
  }

  async function redrawTrack(active) {
    if (!state.layers) return;
    const points = await patrolPoints(active.uuid);
    state.layers.track.clearLayers();
    state.layers.gaps.clearLayers();
    const segs = new Map();
    for (const p of points) {
      if (!segs.has(p.seg)) segs.set(p.seg, []);
      segs.get(p.seg).push([p.lat, p.lon]);
    }
    for (const latlngs of segs.values()) {
      if (latlngs.length > 1) L.polyline(latlngs, { color: "#1565c0", weight: 4 }).addTo(state.layers.track);
      else L.circleMarker(latlngs[0], { radius: 3, color: "#1565c0" }).addTo(state.layers.track);
    }
    for (const gap of active.gaps) {
      L.polyline([[gap.from[1], gap.from[0]], [gap.to[1], gap.to[0]]], { color: "#616161", weight: 3, dashArray: "6 8" })
        .bindTooltip(t("gap_short", { minutes: gapMinutes(gap), metres: num(gap.metres) }), { permanent: true, className: "gap-label", direction: "center" })
        .bindPopup(gapText(gap)).addTo(state.layers.gaps);
    }
  }

  const gapMinutes = (gap) => Math.round((Date.parse(gap.end) - Date.parse(gap.start)) / 60000);
  function gapText(gap) {
    const minutes = gapMinutes(gap);
    return t("gap", { minutes, metres: num(gap.metres), cause: boot.gap_causes[gap.cause] || gap.cause });
  }

  async function renderLive() {
    const box = document.getElementById("live");
    const active = await activePatrol();
    if (!box || !active) return;
    const insp = inspection(active.inspection_id);
    const fix = state.fix;
    let nearest = null;
    if (fix && insp) {
      for (const m of insp.markers) {
        const d = distance(fix.lon, fix.lat, m.lon, m.lat);
        if (!nearest || d < nearest.d) nearest = { m, d };
      }
    }
    box.textContent = "";
    box.append(
      el("p", { class: "share", id: "live-share" }, t("patrolled_share", { share: pct(state.coverage ? state.coverage.share : 0) })),
      el("p", {}, el("span", { class: "rec" }, "● ", t("recording")), " · ", t("points_n", { n: active.points || 0 }),
        " · ", t("gaps_n", { n: active.gaps.length })),
      fix ? el("p", { id: "nearest" }, nearest ? t("nearest_marker", { no: shortNo(insp, nearest.m.no), distance: num(nearest.d),
        bearing: compass(bearing(fix.lon, fix.lat, nearest.m.lon, nearest.m.lat)) }) : "",
      " · ", t("accuracy", { m: num(fix.acc) })) : el("p", {}, t("no_fix_yet")));
  }

  async function startPatrol(insp, form) {
    const members = form.elements.members.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
    await meta.set("members", members.join(", "));
    const item = { uuid: uuid(), seq: nextSeq(), kind: "patrol", inspection_id: insp.id, state: "recording",
                   line: insp.line.name, members, notes: form.elements.notes.value.trim(), seg: 0, points: 0,
                   gaps: [], started_at: iso(Date.now()), photos: [], created_at: iso(Date.now()) };
    await putItem(item);
    await meta.set("active", item.uuid);
    state.coverage = new Coverage(insp.line.geometry, settings().patrol_tolerance_m || 50);
    state.cause = null;
    startWatch();
    await wakeLock();
    showPatrol(insp.id);
  }

  function startWatch() {
    if (state.watch !== null || !navigator.geolocation) return;
    state.watch = navigator.geolocation.watchPosition(onFix, onFixError,
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  function stopWatch() {
    if (state.watch !== null) navigator.geolocation.clearWatch(state.watch);
    state.watch = null;
  }

  function onFixError(error) {
    if (error.code === error.PERMISSION_DENIED) {
      notice(t("location_denied"), "warn");
      for (const resolve of state.fixWaiters.splice(0)) resolve(null);
    }
    else if (!state.cause) state.cause = "no_fix";
  }

  // Points are written one at a time, in order: a fix that arrives while the last is being
  // written waits for it.
  let writing = Promise.resolve();
  function onFix(position) {
    const c = position.coords;
    const fix = { lon: c.longitude, lat: c.latitude, acc: c.accuracy, speed: c.speed, t: Date.now() };
    state.fix = fix;
    for (const resolve of state.fixWaiters.splice(0)) resolve(fix);
    if (state.onFix) state.onFix();
    writing = writing.then(() => storeFix(fix)).catch((e) => notice(String(e), "warn"));
  }

  async function storeFix(fix) {
    const active = await activePatrol();
    if (!active) { renderLive(); return; }
    const s = settings();
    const last = active.last;
    let seg = active.seg;
    if (last) {
      const dt = (fix.t - last.t) / 1000;
      const d = distance(last.lon, last.lat, fix.lon, fix.lat);
      const gapS = s.track_gap_s || 120;
      const far = Math.max(s.track_gap_min_m || 100, (s.track_walk_max_m_s || 2.5) * dt);
      if ((active.resumed && dt > 30) || dt > gapS || d > far) {
        seg += 1;
        active.gaps.push({ start: iso(last.t), end: iso(fix.t), cause: active.resumed || state.cause || "no_fix",
                           from: [last.lon, last.lat], to: [fix.lon, fix.lat], metres: Math.round(d) });
      }
    }
    state.cause = null;
    active.resumed = null;
    const d = await db();
    const tx = d.transaction(["points", "queue"], "readwrite");
    tx.objectStore("points").add({ patrol: active.uuid, seg, t: fix.t, lon: fix.lon, lat: fix.lat,
                                   acc: fix.acc, speed: fix.speed });
    active.seg = seg;
    active.points = (active.points || 0) + 1;
    const continues = last && last.seg === seg;
    active.last = { t: fix.t, lon: fix.lon, lat: fix.lat, seg };
    tx.objectStore("queue").put(active);
    await tx.done;
    if (state.coverage) state.coverage.add([last && continues ? last.lon : fix.lon, last && continues ? last.lat : fix.lat],
                                           continues ? [fix.lon, fix.lat] : null);
    if (state.layers) {
      if (continues) L.polyline([[last.lat, last.lon], [fix.lat, fix.lon]], { color: "#1565c0", weight: 4 }).addTo(state.layers.track);
      else redrawTrack(active);
      state.layers.me.clearLayers();
      L.circle([fix.lat, fix.lon], { radius: fix.acc, weight: 1, color: "#1e88e5", fillOpacity: 0.1 }).addTo(state.layers.me);
      L.circleMarker([fix.lat, fix.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#1e88e5", fillOpacity: 1 })
        .addTo(state.layers.me);
      // The map follows the walker at street scale until the map is dragged.
      if (state.follow && state.map) {
        if (state.map.getZoom() < 15) state.map.setView([fix.lat, fix.lon], 15, { animate: false });
        else if (!state.map.getBounds().pad(-0.25).contains([fix.lat, fix.lon])) state.map.panTo([fix.lat, fix.lon], { animate: false });
      }
    }
    await renderLive();
    document.body.dataset.points = String(active.points);
  }

  async function rebuildCoverage(active) {
    const insp = inspection(active.inspection_id);
    if (!insp) return;
    state.coverage = new Coverage(insp.line.geometry, settings().patrol_tolerance_m || 50);
    let prev = null;
    for (const p of await patrolPoints(active.uuid)) {
      state.coverage.add([prev && prev.seg === p.seg ? prev.lon : p.lon, prev && prev.seg === p.seg ? prev.lat : p.lat],
                         prev && prev.seg === p.seg ? [p.lon, p.lat] : null);
      prev = p;
    }
  }

  async function wakeLock() {
    if (!("wakeLock" in navigator)) { state.wakeLock = null; return; }
    try {
      state.wakeLock = await navigator.wakeLock.request("screen");
      state.wakeLock.addEventListener("release", () => { state.wakeLock = null; });
    } catch (error) { state.wakeLock = null; }
  }

  async function endPatrol() {
    await writing;
    const active = await activePatrol();
    if (!active) return;
    const points = await patrolPoints(active.uuid);
    stopWatch();
    if (state.wakeLock) state.wakeLock.release().catch(() => {});
    await meta.set("active", null);
    if (points.length < 2) {
      active.state = "dropped";
      await putItem(active);
      notice(t("no_points"), "warn");
      go("#/lines");
      return;
    }
    const segs = new Map();
    for (const p of points) {
      if (!segs.has(p.seg)) segs.set(p.seg, { c: [], t: [] });
      segs.get(p.seg).c.push([p.lon, p.lat]);
      segs.get(p.seg).t.push(iso(p.t));
    }
    const parts = [...segs.values()];
    active.body = {
      uuid: active.uuid, members: active.members, notes: active.notes || undefined,
      track: { format: "geojson", data: { type: "Feature", properties: { coordTimes: parts.map((s) => s.t) },
               geometry: { type: "MultiLineString", coordinates: parts.map((s) => s.c) } } },
      gaps: active.gaps.map((g) => ({ start: g.start, end: g.end, cause: g.cause })),
    };
    if (!active.body.gaps.length) delete active.body.gaps;
    if (!active.body.notes) delete active.body.notes;
    active.ended_at = iso(Date.now());
    active.state = "pending";
    await putItem(active);
    state.coverage = null;
    notice(t("patrol_saved"), "ok");
    await renderStatus();
    sync();
    go("#/sync");
  }

  async function importGpx(insp, file, form) {
    if (!file) return;
    const text = await file.text();
    const n = new DOMParser().parseFromString(text, "application/xml").getElementsByTagName("trkpt").length;
    if (!n) { notice(t("gpx_failed", { detail: file.name }), "warn"); return; }
    const members = form.elements.members.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
    await putItem({ uuid: uuid(), seq: nextSeq(), kind: "patrol", inspection_id: insp.id, state: "pending",
                    line: insp.line.name, members, gpx: text, points: n, gaps: [], photos: [],
                    created_at: iso(Date.now()) });
    notice(t("gpx_imported", { n }), "ok");
    await renderStatus();
    sync();
    go("#/sync");
  }

  // ---- marker checks and hazards

  // The foot of every form: save, or go back without saving.
  const saveOrCancel = (back) => el("div", { class: "actions" },
    el("button", { class: "primary", type: "submit" }, t("save")),
    el("a", { class: "button", href: back }, t("cancel")));

  function positionBlock(onUse) {
    const out = el("p", { class: "position", id: "position" }, t("no_position"));
    const button = el("button", { type: "button", id: "use-position", onclick: async () => {
      if (!state.fix || Date.now() - state.fix.t > 30000) {
        out.textContent = t("no_fix_yet");
        startWatch();
        const fix = await new Promise((resolve) => {
          state.fixWaiters.push(resolve);
          setTimeout(() => resolve(null), 60000);
        });
        if (!fix) { out.textContent = t("location_denied"); return; }
      }
      onUse({ ...state.fix });
    } }, t("use_position"));
    return [out, button];
  }

  async function photoInput(list) {
    const input = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, name: "photo" });
    const thumbs = el("div", { class: "thumbs" });
    input.addEventListener("change", async () => {
      for (const file of input.files) {
        try {
          const photo = await preparePhoto(file);
          list.push(photo);
          // A photo taken by mistake is removed before saving (a tap on ×).
          const figure = el("span", { class: "thumb-box" },
            el("img", { src: URL.createObjectURL(photo.blob), alt: "", class: "thumb" }),
            el("button", { type: "button", class: "remove", "aria-label": t("remove_photo"), onclick: () => {
              list.splice(list.indexOf(photo), 1);
              figure.remove();
            } }, "×"));
          thumbs.append(figure);
        } catch (error) { notice(error.message === "too big" ? t("photo_too_big") : t("not_image"), "warn"); }
      }
      input.value = "";
    });
    return el("div", { class: "photos" }, el("label", { class: "button file" }, t("add_photo"), input), thumbs);
  }

  // A photo resized on the phone to the configured long side, as JPEG, with its SHA-256.
  async function preparePhoto(file) {
    const s = settings();
    const longSide = s.photo_long_side_px || 2560;
    const maxBytes = s.photo_max_bytes || 10485760;
    const bitmap = await createImageBitmap(file);
    let scale = Math.min(1, longSide / Math.max(bitmap.width, bitmap.height));
    let quality = 0.85, blob = null;
    for (let attempt = 0; attempt < 6; attempt++) {
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (blob.size <= maxBytes) break;
      quality -= 0.1;
      scale *= 0.8;
    }
    if (!blob || blob.size > maxBytes) throw new Error("too big");
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { uuid: uuid(), blob, sha256, size: blob.size, media_type: "image/jpeg",
             width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) };
  }

  async function saveRecord(kind, insp, body, photos) {
    const d = await db();
    const item = { uuid: body.uuid, seq: nextSeq(), kind, inspection_id: insp.id, state: "pending", line: insp.line.name,
                   body: { ...body, photos: photos.map((p) => ({ uuid: p.uuid, sha256: p.sha256, size: p.size,
                                                                 media_type: p.media_type })) },
                   photos: photos.map((p) => p.uuid), created_at: iso(Date.now()) };
    if (!item.body.photos.length) delete item.body.photos;
    const tx = d.transaction(["queue", "photos"], "readwrite");
    for (const p of photos) {
      tx.objectStore("photos").put({ uuid: p.uuid, owner: item.uuid, blob: p.blob, sha256: p.sha256, size: p.size,
                                     media_type: p.media_type, received: 0, complete: false });
    }
    tx.objectStore("queue").put(item);
    await tx.done;
    notice(t("saved"), "ok");
    await renderStatus();
    sync();
  }

  async function showCheck(id, preset) {
    const insp = inspection(id) || (state.bundle && state.bundle.inspections[0]);
    const v = view();
    v.textContent = "";
    if (!insp) { showLines(); return; }
    const active = await activePatrol();
    const s = settings();
    const fix = state.fix;
    const ordered = [...insp.markers].map((m) => ({ m, d: fix ? distance(fix.lon, fix.lat, m.lon, m.lat) : null }))
      .sort((a, b) => a.d === null ? 0 : a.d - b.d);
    const select = el("select", { name: "marker", required: true },
      el("option", { value: "" }, t("choose")),
      ordered.map(({ m, d }) => el("option", { value: m.no, selected: preset === m.no || undefined },
        m.no + " · " + (boot.marker_types[m.type] || m.type) + (d !== null ? " · " + t("metres", { m: num(d) }) : ""))));
    if (!preset && fix && ordered.length) select.value = ordered[0].m.no;
    const condition = el("select", { name: "condition", required: true },
      Object.entries(boot.conditions).map(([k, label]) => el("option", { value: k }, label)));
    const photos = [];
    let measured = null;
    const info = el("div", { class: "derived", id: "derived" });
    const [posOut, posButton] = positionBlock((f) => { measured = f; update(); });
    const update = () => {
      const f = measured || state.fix;
      if (!select.value && f) {      // the first fix: the nearest marker is the likely one
        const near = [...insp.markers].sort((a, b) => distance(f.lon, f.lat, a.lon, a.lat) - distance(f.lon, f.lat, b.lon, b.lat))[0];
        if (near) select.value = near.no;
      }
      const m = insp.markers.find((x) => x.no === select.value);
      info.textContent = "";
      if (measured) posOut.textContent = t("position_value", { lat: measured.lat.toFixed(6), lon: measured.lon.toFixed(6), acc: num(measured.acc) });
      if (m && f) {
        const d = distance(f.lon, f.lat, m.lon, m.lat);
        info.append(el("p", { id: "displacement" }, t("displacement", { m: num(d, 1) })));
        if (condition.value === "intact" && d <= Math.max(f.acc, s.displacement_tolerance_m || 1)) {
          info.append(el("p", { class: "ok" }, t("within_accuracy")));
        } else if (condition.value === "intact") {
          info.append(el("p", { class: "warn" }, t("intact_but_far", { m: num(d, 1) })));
        }
      }
      info.append(el("p", { class: "action", id: "action" }, t("action", { action: boot.actions[condition.value] })));
    };
    select.addEventListener("change", update);
    condition.addEventListener("change", update);
    state.onFix = update;
    const problem = el("p", { class: "problem", hidden: true });
    const form = el("form", { class: "card", id: "check-form" },
      el("h2", {}, t("check_marker"), " · ", insp.line.name),
      el("label", {}, t("marker_nearest_first"), select),
      el("label", {}, t("condition"), condition),
      el("div", { class: "field" }, el("span", { class: "label" }, t("position")), posOut, posButton),
      info,
      el("label", {}, t("note"), el("textarea", { name: "note", rows: 2 })),
      await photoInput(photos),
      problem,
      saveOrCancel("#/lines"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const m = insp.markers.find((x) => x.no === select.value);
      if (!m) {
        problem.textContent = t("marker_needed");
        problem.hidden = false;
        return;
      }
      let f = measured;
      if (!f && state.fix && condition.value === "intact" &&
          distance(state.fix.lon, state.fix.lat, m.lon, m.lat) <= Math.max(state.fix.acc, s.displacement_tolerance_m || 1)) {
        f = state.fix;   // intact and where it is registered: the fix is the measure
      }
      if (!f && condition.value !== "lost") {
        problem.textContent = t("position_needed");
        problem.hidden = false;
        return;
      }
      const body = { uuid: uuid(), marker: m.no, condition: condition.value, checked_at: iso(Date.now()) };
      if (f) Object.assign(body, { lon: f.lon, lat: f.lat, accuracy_m: Math.round(f.acc * 10) / 10 });
      const note = form.elements.note.value.trim();
      if (note) body.note = note;
      if (active && active.inspection_id === insp.id) body.patrol_uuid = active.uuid;
      await saveRecord("check", insp, body, photos);
      go(active ? "#/patrol" : "#/records");
    });
    v.append(form);
    update();
  }

  async function showHazard(id) {
    const insp = inspection(id) || (state.bundle && state.bundle.inspections[0]);
    const v = view();
    v.textContent = "";
    if (!insp) { showLines(); return; }
    const active = await activePatrol();
    const photos = [];
    let measured = null;
    const [posOut, posButton] = positionBlock((f) => {
      measured = f;
      posOut.textContent = t("position_value", { lat: f.lat.toFixed(6), lon: f.lon.toFixed(6), acc: num(f.acc) });
    });
    const problem = el("p", { class: "problem", hidden: true });
    const form = el("form", { class: "card", id: "hazard-form" },
      el("h2", {}, t("report_hazard"), " · ", insp.line.name),
      el("label", {}, t("kind"), el("select", { name: "kind" },
        Object.entries(boot.hazards).map(([k, label]) => el("option", { value: k }, label)))),
      el("label", {}, t("description"), el("textarea", { name: "description", rows: 3 })),
      el("div", { class: "field" }, el("span", { class: "label" }, t("position")), posOut, posButton),
      await photoInput(photos),
      problem,
      saveOrCancel("#/lines"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const description = form.elements.description.value.trim();
      const f = measured || state.fix;
      problem.hidden = false;
      if (!description) { problem.textContent = t("description_needed"); return; }
      if (!f) { problem.textContent = t("position_needed_hazard"); return; }
      problem.hidden = true;
      await saveRecord("hazard", insp, { uuid: uuid(), kind: form.elements.kind.value, description, lon: f.lon, lat: f.lat,
                                         accuracy_m: Math.round(f.acc * 10) / 10, reported_at: iso(Date.now()) }, photos);
      go(active ? "#/patrol" : "#/records");
    });
    v.append(form);
  }

  // ---- records and sync

  const stateLabel = (s) => ({ pending: t("pending"), syncing: t("syncing"), synced: t("synced"),
                               conflict: t("conflict"), failed: t("failed_state"), recording: t("recording") })[s] || s;
  const kindLabel = (k) => ({ patrol: t("kind_patrol"), check: t("kind_check"), hazard: t("kind_hazard"),
                              edit: t("kind_edit") })[k];

  function describe(item) {
    if (item.kind === "patrol") return [item.line, t("points_n", { n: item.points || 0 }), item.gaps.length ? t("gaps_n", { n: item.gaps.length }) : ""].filter(Boolean).join(" · ");
    if (item.kind === "check") return [item.line, t("marker") + " " + item.body.marker, boot.conditions[item.body.condition]].join(" · ");
    if (item.kind === "hazard") return [item.line, boot.hazards[item.body.kind], item.body.description].join(" · ");
    if (item.kind === "edit") return [item.line, t("marker") + " " + item.marker, boot.conditions[item.changes.condition] || "", item.changes.note || ""].filter(Boolean).join(" · ");
    return "";
  }

  async function itemRow(item) {
    const photos = item.photos && item.photos.length ? await Promise.all(item.photos.map(async (p) => (await db()).get("photos", p))) : [];
    const done = photos.filter((p) => p && p.complete).length;
    const row = el("li", { class: "item " + item.state, "data-uuid": item.uuid, "data-state": item.state },
      el("div", { class: "head" }, el("b", {}, kindLabel(item.kind)), el("span", { class: "badge " + item.state }, stateLabel(item.state))),
      el("p", {}, describe(item)),
      el("p", { class: "muted" }, t("recorded_at", { time: when(item.created_at) }),
        item.kind === "patrol" && item.members && item.members.length ? " · " + item.members.join("、") : ""),
      item.patrolled ? el("p", { class: "muted" }, t("patrolled_share", { share: pct(item.patrolled.share) })) : "",
      photos.length ? el("p", { class: "muted" }, t("photos_progress", { done, n: photos.length })) : "",
      item.server_id ? el("p", { class: "muted" }, item.same_track ? t("same_track", { id: item.server_id })
        : t("server_id", { id: item.server_id })) : "",
      item.message && item.state !== "conflict" ? el("p", { class: item.state === "failed" ? "problem" : "muted" }, item.message) : "");
    const drop = el("button", { onclick: () => resolve(item, "drop") }, t("discard"));
    if (item.state === "conflict" && item.why === "signed") {
      row.append(el("p", { class: "problem" }, t("conflict_signed", { sides: (item.signed || []).map((c) => sideName(inspection(item.inspection_id) || { line: {} }, c)).join("、") })),
        el("div", { class: "actions" }, el("button", { class: "primary", onclick: () => resolve(item, "retry") }, t("retry")), drop));
    } else if (item.state === "failed") {
      row.append(el("p", { class: "muted" }, t("refused_hint")),
        el("div", { class: "actions" }, el("button", { onclick: () => resolve(item, "retry") }, t("retry")), drop));
    } else if (item.state === "conflict") {
      if (item.kind === "edit") {
        row.append(el("p", { class: "problem" }, t("conflict_changed")));
        if (item.current) row.append(el("p", { class: "server-version" }, boot.conditions[item.current.condition] || "", " · ", item.current.note || ""));
        row.append(el("div", { class: "actions" },
          el("button", { onclick: () => resolve(item, "keep") }, t("keep_server")),
          el("button", { class: "primary", onclick: () => resolve(item, "apply") }, t("apply_mine"))));
      } else {
        row.append(el("p", { class: "problem" }, t("conflict_content")),
          el("div", { class: "actions" }, el("button", { class: "primary", onclick: () => resolve(item, "new") }, t("save_as_new")), drop));
      }
    }
    const insp = inspection(item.inspection_id);
    if (item.state === "synced" && item.kind === "check" && insp && !(insp.signatures || []).length) {
      row.append(el("div", { class: "actions" }, el("a", { class: "button", href: `#/edit/${item.uuid}` }, t("edit"))));
    }
    return row;
  }

  async function showRecords() {
    const v = view();
    v.textContent = "";
    const items = (await queueAll()).filter((i) => i.state !== "dropped" && i.kind !== "patrol" && i.kind !== "edit");
    if (state.bundle) {
      v.append(el("div", { class: "actions" }, state.bundle.inspections.map((insp) => [
        el("a", { class: "button", href: `#/check/${insp.id}` }, t("check_marker") + " · " + insp.line.name),
        el("a", { class: "button", href: `#/hazard/${insp.id}` }, t("report_hazard") + " · " + insp.line.name)])));
    }
    const list = el("ul", { class: "items" });
    for (const item of items.reverse()) list.append(await itemRow(item));
    v.append(list);
  }

  async function showSync() {
    const v = view();
    v.textContent = "";
    const c = await counts();
    const list = el("ul", { class: "items", id: "queue" });
    for (const item of [...c.items].reverse()) {
      if (item.state === "recording" || item.state === "dropped") continue;
      list.append(await itemRow(item));
    }
    v.append(el("div", { class: "card" },
      el("p", { class: "big", id: "confirmed" }, t("confirmed_n", { n: c.confirmed })),
      el("p", { id: "waiting" }, t("queue_n", { n: c.waiting })),
      statusBlock(),
      state.needSignIn ? signInLink() : "",       // the notice above says why
      el("button", { class: "primary big", id: "sync-now", onclick: () => sync(true) }, t("sync_now"))), list);
  }

  async function resolve(item, how) {
    if (how === "drop" && !confirm(t("discard_confirm"))) return;
    if (how === "keep" || how === "drop") {
      item.state = "dropped";
    } else if (how === "retry") {
      item.state = "pending";
      item.message = null;
    } else if (how === "apply") {
      item.version = item.current.version;
      item.state = "pending";
      item.message = null;
    } else if (how === "new") {
      const d = await db();
      const newId = uuid();
      const photos = [];
      for (const p of item.photos) {
        const old = await d.get("photos", p);
        const copy = { ...old, uuid: uuid(), owner: newId, received: 0, complete: false };
        await d.put("photos", copy);
        photos.push(copy);
      }
      const body = { ...item.body, uuid: newId };
      if (photos.length) body.photos = photos.map((p) => ({ uuid: p.uuid, sha256: p.sha256, size: p.size, media_type: p.media_type }));
      await putItem({ ...item, uuid: newId, seq: nextSeq(), body, photos: photos.map((p) => p.uuid), state: "pending",
                      message: null, server_id: null });
      item.state = "dropped";
    }
    await putItem(item);
    await renderStatus();
    if (!["keep", "drop"].includes(how)) sync(true);
    route();
  }

  // A change to a synced marker check, based on the version the phone last had from the
  // server; a stale base comes back as 409 and is shown, never retried blindly.
  async function showEdit(id) {
    const item = await getItem(id);
    const v = view();
    v.textContent = "";
    if (!item || item.kind !== "check") { showRecords(); return; }
    const condition = el("select", { name: "condition" },
      Object.entries(boot.conditions).map(([k, label]) => el("option", { value: k, selected: k === item.body.condition || undefined }, label)));
    const form = el("form", { class: "card", id: "edit-form" },
      el("h2", {}, t("kind_edit"), " · ", t("marker"), " ", item.body.marker),
      el("label", {}, t("condition"), condition),
      el("label", {}, t("note"), el("textarea", { name: "note", rows: 2 }, item.body.note || "")),
      saveOrCancel("#/records"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const changes = { condition: condition.value };
      const note = form.elements.note.value.trim();
      if (note) changes.note = note;
      // An edit made while an earlier one waits builds on it: it is sent with the version
      // the earlier one's answer gives.
      const before = (await queueAll()).filter((i) => i.kind === "edit" && i.target === item.uuid
        && ["pending", "syncing"].includes(i.state)).pop();
      await putItem({ uuid: uuid(), seq: nextSeq(), kind: "edit", target: item.uuid, inspection_id: item.inspection_id,
                      line: item.line, marker: item.body.marker, version: item.server_version || 1, changes,
                      after: before ? before.uuid : null, state: "pending", photos: [], created_at: iso(Date.now()) });
      notice(t("saved"), "ok");
      await renderStatus();
      sync(true);
      go("#/sync");
    });
    v.append(form);
  }

  // One photo, in chunks, resuming from what the server has.
  async function uploadPhoto(photoId) {
    const d = await db();
    const photo = await d.get("photos", photoId);
    if (!photo || photo.complete) return;
    const chunk = settings().photo_chunk_bytes || 262144;
    let state0 = await api("GET", `/attachments/${photo.uuid}`);
    let received = state0.received || 0;
    let resets = 0;
    while (!state0.complete) {
      const end = Math.min(received + chunk, photo.size);
      try {
        state0 = await api("PUT", `/attachments/${photo.uuid}`, photo.blob.slice(received, end),
                           { "Content-Type": photo.media_type, "Content-Range": `bytes ${received}-${end - 1}/${photo.size}` });
        received = state0.received;
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && typeof error.problem.received === "number") {
          received = error.problem.received;     // the server has more (or less): go on from there
          continue;
        }
        if (error instanceof ApiError && error.status === 422 && resets++ < 1) { received = 0; continue; }
        throw error;
      }
      photo.received = received;
      await d.put("photos", photo);
    }
    photo.received = photo.size;
    photo.complete = true;
    await d.put("photos", photo);
  }

  async function send(item) {
    const base = `/inspections/${item.inspection_id}`;
    if (item.kind === "patrol" && item.gpx) {
      const q = new URLSearchParams({ uuid: item.uuid });
      if (item.members.length) q.set("members", item.members.join(","));
      return api("POST", `${base}/patrols?${q}`, item.gpx, { "Content-Type": "application/gpx+xml" });
    }
    if (item.kind === "patrol") return api("POST", `${base}/patrols`, item.body);
    if (item.kind === "check") return api("POST", `${base}/marker-checks`, item.body);
    if (item.kind === "hazard") return api("POST", `${base}/hazards`, item.body);
    if (item.kind === "edit") {
      const earlier = item.after ? await getItem(item.after) : null;
      const target = await getItem(item.target);
      const version = earlier && earlier.state === "synced" && target ? target.server_version : item.version;
      return api("PATCH", `${base}/marker-checks/${item.target}`, { version, ...item.changes });
    }
    throw new Error("unknown record " + item.kind);
  }

  async function syncOne(item) {
    item.state = "syncing";
    await putItem(item);
    if (!item.server_id) {
      const answer = await send(item);
      item.server_id = answer.id;
      item.server_version = answer.version;
      item.same_track = !!answer.same_track_as;
      if (answer.patrolled) item.patrolled = answer.patrolled;
      if (item.kind === "edit") {
        const target = await getItem(item.target);
        if (target) { target.server_version = answer.version; target.body = { ...target.body, ...item.changes }; await putItem(target); }
      }
      await putItem(item);
    }
    for (const p of item.photos || []) await uploadPhoto(p);
    item.state = "synced";
    item.message = null;
    await putItem(item);
  }

  async function sync(manual) {
    if (state.syncing) { state.again = true; return; }   // once more when this one ends
    if (!navigator.onLine) { if (manual) notice(t("sync_offline"), "warn"); return; }
    state.syncing = true;
    state.again = false;
    document.body.dataset.syncing = "true";
    let stopped = null;
    try {
      if (!state.csrf) await loadBundle();
      for (const item of await queueAll()) {
        if (!["pending", "syncing", "failed"].includes(item.state)) continue;
        if (item.state === "failed" && !manual) continue;
        try {
          await syncOne(item);
        } catch (error) {
          if (!(error instanceof ApiError)) { item.state = "pending"; await putItem(item); stopped = error; break; }
          if (error.status === 401) { state.needSignIn = true; item.state = "pending"; await putItem(item); stopped = error; break; }
          if (error.status === 403 && error.problem.type && error.problem.type.endsWith("csrf")) {
            state.csrf = null; item.state = "pending"; await putItem(item); await loadBundle(); stopped = error; break;
          }
          item.message = error.message;
          if (error.status === 409) {
            item.state = "conflict";
            item.current = error.problem.current || null;
            item.signed = error.problem.signed || null;
            item.why = item.signed ? "signed" : item.current ? "changed" : "content";
          } else {
            item.state = "failed";
          }
          await putItem(item);
        }
        await renderStatus();
      }
      if (!stopped) {
        if (await loadBundle()) {
          state.lastSync = iso(Date.now());
          await meta.set("last_sync", state.lastSync);
        }
        const open = (await queueAll()).filter((i) => ["conflict", "failed"].includes(i.state)).length;
        if (state.needSignIn) notice(t("session_ended"), "warn");
        else if (open) notice(t("sync_done_open", { n: open }), "warn");
        else if (manual) notice(t("sync_done"), "ok");
      } else if (state.needSignIn) {
        notice(t("session_ended"), "warn");
      } else {
        notice(t("sync_failed", { detail: stopped.message }), "warn");
      }
    } finally {
      state.syncing = false;
      document.body.dataset.syncing = "false";
      await renderStatus();
      if (state.again && !stopped) sync(manual);
      const name = (location.hash || "#/lines").split("/")[1];
      if (["lines", "records", "sync"].includes(name)) route();
    }
  }

  // ---- sign-off

  async function showSign(id) {
    const v = view();
    v.textContent = "";
    const insp = inspection(id);
    if (!insp) { showLines(); return; }
    let server = null;
    if (state.online) {
      try { server = await api("GET", `/inspections/${insp.id}`); } catch (error) { server = null; }
    }
    const current = server || insp;
    const waiting = (await queueAll()).filter((i) => i.inspection_id === insp.id && !["synced", "dropped", "recording"].includes(i.state));
    const sides = [[current.lead_code, "lead", current.lead_team], [current.support_code, "support", current.support_team]];
    const signed = new Map((current.signatures || []).map((s) => [s.side, s]));
    const mine = insp.side;
    const problem = el("p", { class: "problem", hidden: true });
    const share = current.patrolled ? current.patrolled.share : null;
    const checked = markersDone(insp).size;
    v.append(el("div", { class: "card", id: "sign" },
      el("h2", {}, t("sign_title"), " · ", insp.line.name, " ", insp.year),
      el("h3", {}, t("summary")),
      el("dl", { class: "summary" },
        el("dt", {}, t("share_line")), el("dd", { id: "sign-share" }, pct(share)),
        el("dt", {}, t("markers_checked")), el("dd", {}, `${checked} / ${insp.markers.length}`),
        el("dt", {}, t("hazards_n")), el("dd", {}, current.hazards),
        el("dt", {}, t("patrols_n")), el("dd", {}, current.patrols)),
      el("ul", { class: "signatures" }, sides.map(([code, role, team]) => {
        const s = signed.get(code);
        return el("li", { "data-side": code, class: s ? "signed" : "" },
          t("signature_of", { side: `${t(role)} ${sideName(insp, code)}${team ? "（" + team + "）" : ""}`,
                             state: s ? t("signed_by", { name: s.signed_by, time: when(s.signed_at) }) : t("not_signed") }));
      })),
      el("p", { class: "muted small" }, t("team_leader_note")),
      waiting.length ? el("p", { class: "warn" }, t("sign_needs_sync")) : "",
      !state.online ? el("p", { class: "warn" }, t("sign_needs_network")) : "",
      problem,
      mine && !signed.get(mine) ? el("button", { class: "primary big", id: "sign-button", disabled: waiting.length || !state.online || !server || undefined,
        onclick: () => signAction(insp, "sign", problem) }, t("sign")) : "",
      mine && signed.get(mine) ? el("button", { id: "unsign-button", disabled: !state.online || undefined,
        onclick: () => signAction(insp, "unsign", problem) }, t("unsign")) : ""));
  }

  async function signAction(insp, action, problem) {
    if (action === "sign" && !confirm(t("sign_confirm"))) return;
    try {
      await api("POST", `/inspections/${insp.id}/${action}`);
      await loadBundle();
      showSign(insp.id);
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    }
  }

  // ------------------------------------------------------------------ start

  async function resumeAfterRestart() {
    const active = await activePatrol();
    if (!active || active.state !== "recording") return;
    // The app was closed or reloaded while recording: what comes next is a new segment.
    active.resumed = "app_closed";
    await putItem(active);
    await rebuildCoverage(active);
    startWatch();
    await wakeLock();
  }

  async function start() {
    state.bundle = (await meta.get("bundle")) || null;
    state.csrf = state.bundle ? state.bundle.csrf : null;
    state.lastSync = (await meta.get("last_sync")) || null;
    state.tiles = (await meta.get("tiles")) || null;
    if (navigator.storage && navigator.storage.persist) {
      try { state.persisted = await navigator.storage.persisted() || await navigator.storage.persist(); }
      catch (error) { state.persisted = null; }
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
    }
    window.addEventListener("online", () => { state.online = true; notice(null); renderStatus(); sync(); });
    window.addEventListener("offline", () => { state.online = false; renderStatus(); });
    window.addEventListener("hashchange", route);
    window.addEventListener("beforeinstallprompt", (event) => {   // offer to install the app
      event.preventDefault();
      const button = el("button", { class: "install", onclick: () => { event.prompt(); button.remove(); } }, t("install"));
      document.getElementById("notice").after(button);
    });
    document.addEventListener("visibilitychange", async () => {
      if (document.visibilityState === "hidden") {
        state.cause = "screen_off";
      } else if (await activePatrol()) {
        await wakeLock();
      }
    });
    if (state.bundle) await resumeAfterRestart();
    route();
    await renderStatus();
    if (navigator.onLine) {
      const had = !!state.bundle;
      await loadBundle();
      if (!had && state.bundle) await resumeAfterRestart();
      route();
      await renderStatus();
      sync();
    }
    document.body.dataset.ready = "true";
  }

  start();
})();
