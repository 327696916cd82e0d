// The place-name plan pages (地名规划: /app/names/plan for names officers, /app/plan for
// planning liaisons), on desk.js: the planned roads and areas of the list on a map (a name
// in the list shows its geometry), the geometry of a new reservation drawn with
// leaflet-geoman into the form's hidden field, and the filters applied as they change.
// The forms post through desk.js (data-api). Strings come from boot.messages (civgeo.t);
// user data goes in as text only.
(function () {
  "use strict";
  const { t, el, boot } = window.civgeo;
  const L = window.L;

  const COLOURS = { requested: "#0b4f94", reserved: "#1a6b35", expired: "#c77800",
                    used: "#5d6670", declined: "#b00020", released: "#8a939c" };

  const filter = document.getElementById("plan-filter");
  if (filter) {
    for (const id of ["plan-division", "plan-state"]) {
      document.getElementById(id).addEventListener("change", () => filter.requestSubmit());
    }
  }

  const mapNode = document.getElementById("plan-map");
  if (!mapNode) return;
  const centres = boot.centres || {};
  const centreOf = (code) => code && (centres[code] || centres[code.slice(0, 6)] ||
                                      centres[code.slice(0, 4) + "00"]);
  const m = civgeo.map(mapNode, { center: centreOf(boot.division) || [27.84, 113.16], zoom: 12 });
  window.planMap = m;   // for the browser tests and the console

  // The planned geometries of the list, coloured by state, each named in a tooltip.
  const byId = {};
  const planned = L.geoJSON(boot.features, {
    pmIgnore: true,   // the plan is shown, not edited, on this map
    style: (f) => ({ color: COLOURS[f.properties.state] || "#444", weight: 4, fillOpacity: 0.2,
                     dashArray: f.properties.state === "requested" ? "6 4" : null }),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 7, weight: 2, fillOpacity: 0.5,
                                                                 pmIgnore: true }),
    onEachFeature: (f, layer) => {
      byId[f.id] = layer;
      layer.bindTooltip(el("span", {}, f.properties.name), { sticky: true });
      layer.on("click", () => pick(f.id, false));
    },
  }).addTo(m);
  if (planned.getLayers().length) {
    m.fitBounds(planned.getBounds(), { padding: [30, 30], maxZoom: 16, animate: false });
  }

  function pick(id, zoom) {
    document.querySelectorAll("#plan-list tr.picked").forEach((r) => r.classList.remove("picked"));
    const row = document.querySelector(`#plan-list tr[data-id="${CSS.escape(String(id))}"]`);
    if (row) row.classList.add("picked");
    const layer = byId[id];
    if (!layer) return;
    if (zoom) {
      if (layer.getBounds) m.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 17 });
      else m.setView(layer.getLatLng(), 17);
    }
    layer.openTooltip();
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.zoom");
    if (button) pick(Number(button.dataset.id), true);
  });

  // The new reservation's geometry: drawing again replaces it.
  const form = document.getElementById("plan-form");
  if (!form) return;
  civgeo.drawOne(m, document.getElementById("plan-geometry"),
                 document.getElementById("plan-drawn"));
  const division = document.getElementById("plan-form-division");
  division.addEventListener("change", () => {
    const c = centreOf(division.value);
    if (c) m.setView(c, 14);
  });
})();
