// The inspectors' desk (界线联检): the maps of its pages, drawn from the boot data the server
// put in the page (desk.js: civgeo.boot, civgeo.map). The overview map of the lines, a
// line with its markers, an inspection with its patrols' tracks, marker checks and
// hazards. Everything else on these pages is server-rendered; writes are desk.js forms.
(function () {
  "use strict";
  const { boot, t, map } = window.civgeo;
  const COLOURS = { good: "#1a6b35", bad: "#b00020", warn: "#e08a2c", none: "#7b8591" };
  const STATE = { intact: "good", damaged: "bad", lost: "bad", displaced: "warn",
                  reference_incomplete: "warn", threatened: "bad" };
  const LINE = { color: "#b00020", weight: 4, opacity: 0.85, dashArray: "10 4 2 4" };

  function markerLayer(markers) {
    return L.layerGroup(markers.map((m) => {
      const colour = COLOURS[STATE[m.condition] || "none"];
      const dot = L.circleMarker([m.lat, m.lon], {
        radius: m.condition ? 6 : 4, color: "#fff", weight: 1, fillColor: colour,
        fillOpacity: 0.95 });
      const words = t("marker", { no: m.no }) +
        (m.condition ? " · " + t("condition_" + m.condition) : "");
      return dot.bindTooltip(words);
    }));
  }

  function fit(m, layer) {
    const bounds = layer.getBounds();
    if (bounds.isValid()) m.fitBounds(bounds, { padding: [20, 20] });
  }

  function overview(node) {
    const m = map(node);
    const features = (boot.outlines || []).map((o) => ({
      type: "Feature", geometry: o.geometry, properties: { id: o.id, name: o.name } }));
    const layer = L.geoJSON({ type: "FeatureCollection", features }, {
      style: () => ({ ...LINE, dashArray: null, weight: 3 }),
      onEachFeature: (f, l) => {
        l.bindTooltip(f.properties.name + " · " + t("open_line"));
        l.on("click", () => { location.href = "/app/boundaries/lines/" + f.properties.id; });
      },
    }).addTo(m);
    fit(m, layer);
    // Hovering a row lights its line up on the map.
    document.querySelectorAll("#lines tr[data-line]").forEach((row) => {
      row.addEventListener("mouseenter", () => layer.eachLayer((l) => l.setStyle(
        { weight: l.feature.properties.id === Number(row.dataset.line) ? 7 : 3 })));
    });
  }

  function line(node) {
    const m = map(node);
    const drawn = L.geoJSON(boot.line, { style: () => LINE }).bindTooltip(t("line")).addTo(m);
    markerLayer(boot.markers || []).addTo(m);
    fit(m, drawn);
  }

  function inspection(node) {
    const m = map(node);
    const drawn = L.geoJSON(boot.line, { style: () => LINE }).bindTooltip(t("line")).addTo(m);
    for (const p of boot.patrols || []) {
      L.geoJSON(p.track, { style: () => ({ color: "#0b5cad", weight: 6, opacity: 0.9 }) })
        .bindTooltip(t("patrol", { team: p.team })).addTo(m);
      // Each gap dashed from the last fix before it to the first after, never as track.
      const parts = p.track.type === "MultiLineString" ? p.track.coordinates : [];
      (p.gaps || []).forEach((gap, i) => {
        if (!parts[i + 1]) return;
        const a = parts[i][parts[i].length - 1], b = parts[i + 1][0];
        L.polyline([[a[1], a[0]], [b[1], b[0]]], { color: "#5f6368", weight: 3, dashArray: "6 8",
                                                   className: "track-gap" })
          .bindTooltip(t("gap", { minutes: gap.seconds === null ? "—" : Math.round(gap.seconds / 60),
                                  metres: Math.round(gap.metres),
                                  cause: t("gap_cause_" + gap.cause) }))
          .addTo(m);
      });
    }
    markerLayer(boot.markers || []).addTo(m);
    for (const h of boot.hazards || []) {
      L.marker([h.lat, h.lon], { icon: L.divIcon({ className: "hazard-icon", html: "!",
                                                   iconSize: [18, 18] }) })
        .bindTooltip(t("hazard", { no: h.no }) + " · " + t("hazard_" + h.kind)).addTo(m);
    }
    fit(m, drawn);
  }

  const pages = { "overview-map": overview, "line-map": line, "inspection-map": inspection };
  for (const [id, draw] of Object.entries(pages)) {
    const node = document.getElementById(id);
    if (node && window.L) draw(node);
  }
})();
