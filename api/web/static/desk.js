// What every officer's desk shares (names, plates, boundaries, admin): calls to the JSON
// API with the session cookie and its CSRF token, problems shown in the page's language,
// forms that post to the API declaratively, and a Leaflet map on civgeo's own basemap.
//
// A page puts its boot data in <script type="application/json" id="boot"> ({lang,
// messages, basemap}) and its CSRF token in <meta name="csrf-token">. Strings shown come
// from the server's catalogs (boot.messages); user data is written with textContent only.
//
// Declarative forms: <form data-api="POST" data-url="/plates/5" data-then="reload">
//   - fields become a JSON object: type=number → number, checkbox → boolean, a field with
//     data-json → JSON.parse(value), an empty field is left out, "a.b" nests;
//   - data-confirm="…" asks first (window.confirm);
//   - data-then: "reload" (default), "redirect:/app/names/{id}" ({key} from the answer),
//     or "event" (dispatches "civgeo:done" on the form with the answer in detail);
//   - a problem+json answer is shown in the form's .problem element (or an alert), and the
//     field it names is marked aria-invalid.
(function (global) {
  "use strict";
  const bootNode = document.getElementById("boot");
  const boot = bootNode ? JSON.parse(bootNode.textContent) : {};
  const M = boot.messages || {};
  const lang = boot.lang || document.documentElement.lang || "zh";
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  function t(key, values) {
    let text = M[key] || key;
    if (values) {
      text = text.replace(/%\((\w+)\)s/g, (_, name) =>
        values[name] === undefined || values[name] === null ? "—" : String(values[name]));
    }
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const locale = lang === "zh" ? "zh-CN" : "en";
  const num = (n) => n === null || n === undefined ? "—" : Number(n).toLocaleString(locale);
  function date(value, withTime) {
    if (!value) return "—";
    const d = new Date(value);
    if (isNaN(d)) return String(value);
    return withTime ? d.toLocaleString(locale, { hour12: false }) : d.toLocaleDateString(locale);
  }

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || String(status));
      this.status = status;
      this.problem = problem || {};
    }
  }

  // One call to the API. The answer's JSON (or text), or an ApiError with its problem.
  async function api(method, url, body, options) {
    const headers = { "Accept": "application/json, application/problem+json",
                      "Accept-Language": lang, ...((options && options.headers) || {}) };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf;
    let payload;
    if (body !== undefined && body !== null) {
      if (body instanceof FormData || body instanceof Blob) payload = body;
      else { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null)
                                       : await response.text();
    if (response.status === 401) {
      alert(t("session_ended"));
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      throw new ApiError(401, data);
    }
    if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { detail: data });
    return data;
  }

  // A problem in words, in the page's language (the API translates details when asked).
  function problemText(error) {
    if (!(error instanceof ApiError)) return t("failed", { detail: error.message });
    const p = error.problem;
    const detail = p.detail || "";
    const reasons = (p.errors || []).filter((e) => e.reason && !(detail.includes(e.reason) && (!e.field || detail.includes(e.field))))
      .map((e) => (e.field ? e.field + ": " : "") + e.reason);
    return [p.detail || p.title || String(error.status), ...reasons].join(" ");
  }

  function showProblem(where, error) {
    const box = where && (where.matches && where.matches(".problem") ? where : where.querySelector(".problem"));
    if (!box) { alert(problemText(error)); return; }
    box.textContent = problemText(error);
    box.hidden = false;
    box.setAttribute("role", "alert");
    const field = error instanceof ApiError ? error.problem.field : null;
    if (field && where.elements && where.elements[field]) {
      where.elements[field].setAttribute("aria-invalid", "true");
      where.elements[field].focus();
    }
  }

  function setPath(target, path, value) {
    const keys = path.split(".");
    let node = target;
    for (const k of keys.slice(0, -1)) node = node[k] = node[k] || {};
    node[keys[keys.length - 1]] = value;
  }

  // A form's fields as the JSON body of its call.
  function formBody(form) {
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled || field.type === "submit" || field.type === "button") continue;
      if (field.type === "radio" && !field.checked) continue;
      let value;
      if (field.type === "checkbox") value = field.checked;
      else if (field.multiple) value = Array.from(field.selectedOptions, (o) => o.value);
      else {
        value = field.type === "password" ? field.value : field.value.trim();
        if (value === "") continue;
        if (field.dataset.json !== undefined) value = JSON.parse(value);
        else if (field.type === "number" || field.dataset.number !== undefined) value = Number(value);
      }
      setPath(body, field.name, value);
    }
    return body;
  }

  function then(form, answer) {
    const how = form.dataset.then || "reload";
    if (how === "event") {
      form.dispatchEvent(new CustomEvent("civgeo:done", { detail: answer, bubbles: true }));
    } else if (how.startsWith("redirect:")) {
      location.href = how.slice(9).replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(answer && answer[k]));
    } else {
      location.reload();
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.dataset || !form.dataset.api) return;
    event.preventDefault();
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
    const box = form.querySelector(".problem");
    if (box) { box.hidden = true; box.textContent = ""; }
    form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
    const buttons = form.querySelectorAll("button, input[type=submit]");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      let body = formBody(form);
      if (form.civgeoBody) body = form.civgeoBody(body);
      const answer = await api(form.dataset.api, form.dataset.url || form.getAttribute("action"),
                               form.dataset.api === "GET" ? undefined : body);
      then(form, answer);
    } catch (error) {
      showProblem(form, error);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  // Copy text to the clipboard, with a fallback for pages not in a secure context.
  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      const area = el("textarea", { style: "position:fixed;opacity:0" }, text);
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    const ok = await copy(source.value !== undefined ? source.value : source.textContent);
    const done = button.dataset.copied;
    if (ok && done) {
      const before = button.textContent;
      button.textContent = done;
      setTimeout(() => { button.textContent = before; }, 2000);
    }
  });

  // A Leaflet map on civgeo's basemap (needs leaflet, protomaps-leaflet and
  // /app/basemap.js loaded). Returns the map; ``fit`` a GeoJSON layer or bounds after.
  function map(node, options) {
    const L = global.L;
    const m = L.map(node, { zoomControl: true, preferCanvas: false, ...(options || {}) });
    if (global.civgeoBasemap && boot.basemap) global.civgeoBasemap(m, boot.basemap).addTo(m);
    m.setView((options && options.center) || [30.59, 114.29], (options && options.zoom) || 11);
    return m;
  }

  // One geometry drawn on a Leaflet map with Geoman's controls, kept as GeoJSON in the
  // form field ``geometry`` and said in ``label`` (drawing again replaces it).
  function drawOne(m, geometry, label) {
    m.pm.setLang(boot.lang === "zh" ? "zh" : "en");
    m.pm.addControls({ position: "topleft", drawCircle: false, drawCircleMarker: false,
                       drawText: false, cutPolygon: false, rotateMode: false });
    let layer = null;
    function update() {
      if (!layer) {
        geometry.value = "";
        label.textContent = t("not_drawn");
        return;
      }
      const g = layer.toGeoJSON().geometry;
      geometry.value = JSON.stringify(g);
      label.textContent = t("drawn", { type: t(g.type) });
    }
    m.on("pm:create", (e) => {
      if (layer) m.removeLayer(layer);
      layer = e.layer;
      layer.on("pm:edit", update);
      update();
    });
    m.on("pm:remove", (e) => { if (e.layer === layer) { layer = null; update(); } });
    return update;
  }

  global.civgeo = { boot, t, el, num, date, api, ApiError, problemText, showProblem,
                    formBody, copy, map, drawOne };
})(window);
