/* civgeo's own basemap (DESIGN §5): the vector tiles of /tiles/basemap drawn on a 2D
 * canvas by protomaps-leaflet, with Chinese labels in the browser's own fonts, so a map
 * has a background with no internet. Inlined into every folium map and the public page
 * by maps/basemap.py; it needs Leaflet and protomaps-leaflet loaded first.
 *
 * civgeoBasemap(map, {url, maxDataZoom, attribution}) returns a Leaflet layer group of
 * two layers over one tile cache: the ground (land, water, buildings, streets, division
 * outlines) in the tile pane (`ground`), and the names in a pane above the data layers
 * (`labels`), so a coloured choropleth does not hide them. Its `drawn` counts what was
 * painted (features per tile layer; label texts, once drawn): the browser tests read it.
 */
(function (global) {
  "use strict";

  // CJK fonts a Windows, macOS, Linux or Android machine has; no font file is fetched.
  var FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", ' +
    '"PingFang SC", "Hiragino Sans GB", "WenQuanYi Zen Hei", sans-serif';
  var LAND = "#f4f2ec";
  var WATER = "#a9cbe8";
  var HALO = "rgba(255, 255, 255, 0.9)";

  function font(size, weight) {
    return (weight ? weight + " " : "") + size + "px " + FAMILY;
  }

  // A width that grows with the zoom, from [zoom, px] stops (linear between them).
  function widths(stops) {
    return function (z) {
      if (z <= stops[0][0]) return stops[0][1];
      for (var i = 1; i < stops.length; i++) {
        if (z <= stops[i][0]) {
          var a = stops[i - 1], b = stops[i];
          return a[1] + (b[1] - a[1]) * (z - a[0]) / (b[0] - a[0]);
        }
      }
      return stops[stops.length - 1][1];
    };
  }

  // Streets by OSM highway class: [classes, fill, casing, first zoom, width stops, colour
  // below CASED_FROM]. Below CASED_FROM a street is one thin line; from it, fill and casing.
  var CASED_FROM = 13;
  var STREETS = [
    [["living_street", "pedestrian", "service", "road", "track", "footway", "path",
      "cycleway", "steps"], "#ffffff", "#dcd6cc", 15,
     [[15, 1.5], [16, 3], [18, 9]], "#dcd6cc"],
    [["residential", "unclassified"], "#ffffff", "#d6cfc4", 13,
     [[13, 1.2], [14, 2], [16, 5], [18, 14]], "#d6cfc4"],
    [["tertiary", "tertiary_link"], "#ffffff", "#cdc5b8", 12,
     [[12, 0.8], [13, 2], [14, 3], [16, 7], [18, 18]], "#d3cbbd"],
    [["secondary", "secondary_link"], "#fff6d6", "#d6c597", 10,
     [[10, 0.7], [12, 1.2], [13, 2.6], [14, 4], [16, 9], [18, 22]], "#e6d49a"],
    [["primary", "primary_link"], "#fde9bd", "#d9b978", 8,
     [[8, 0.6], [10, 1], [12, 1.6], [13, 3.2], [14, 5], [16, 11], [18, 26]], "#efc77e"],
    [["trunk", "trunk_link", "motorway", "motorway_link"], "#f8d29a", "#d2a463", 6,
     [[6, 0.6], [10, 1.3], [12, 2], [13, 3.8], [14, 6], [16, 12], [18, 28]], "#eaa95a"],
  ];

  // Division outlines by level: [level, colour, width, dash, first zoom].
  var OUTLINES = [
    ["community", "#c9b8cf", 0.7, [2, 2], 14],
    ["township", "#bfaec8", 1, [4, 3], 11],
    ["county", "#9a7aa8", 1.6, [7, 3], 0],
    ["prefecture", "#84608f", 2.2, [10, 3, 2, 3], 0],
    ["province", "#6d4a7c", 2.8, [12, 3, 2, 3, 2, 3], 0],
  ];

  // Division names by level: [level, size, weight, colour, first zoom, last zoom].
  var DIVISION_LABELS = [
    ["province", 16, 700, "#5a3d69", 0, 7],
    ["prefecture", 15, 700, "#5a3d69", 6, 10],
    ["county", 14, 600, "#4b3a57", 9, 13],
    ["township", 13, 400, "#5d4b68", 12, 15],
    ["community", 11, 400, "#6f6276", 15, 22],
  ];

  function level(name) {
    return function (z, f) { return f.props.level === name; };
  }

  function highway(classes) {
    return function (z, f) { return classes.indexOf(f.props.highway) >= 0; };
  }

  function paintRules(P) {
    var rules = [
      {dataLayer: "water", symbolizer: new P.PolygonSymbolizer({fill: WATER})},
      {dataLayer: "buildings", minzoom: 14, symbolizer: new P.PolygonSymbolizer({
        fill: "#e3ddd4", stroke: "#cfc6ba", width: 0.6})},
    ];
    STREETS.forEach(function (s) {  // thin and muted below CASED_FROM, then the casing
      var w = widths(s[4]);
      rules.push({dataLayer: "streets", minzoom: s[3], filter: highway(s[0]),
                  symbolizer: new P.LineSymbolizer({
                    color: function (z) { return z < CASED_FROM ? s[5] : s[2]; }, width: w,
                    lineCap: "round", lineJoin: "round"})});
    });
    STREETS.forEach(function (s) {
      var w = widths(s[4]);
      rules.push({dataLayer: "streets", minzoom: Math.max(s[3], CASED_FROM), filter: highway(s[0]),
                  symbolizer: new P.LineSymbolizer({
                    color: s[1], width: function (z) { return Math.max(w(z) - 1.4, w(z) * 0.55); },
                    lineCap: "round", lineJoin: "round"})});
    });
    OUTLINES.forEach(function (o) {
      rules.push({dataLayer: "divisions", minzoom: o[4], filter: level(o[0]),
                  symbolizer: new P.LineSymbolizer({color: o[1], width: o[2], dash: o[3],
                                                     opacity: 0.9})});
    });
    return rules;
  }

  function labelRules(P) {
    var rules = DIVISION_LABELS.map(function (d) {
      return {dataLayer: "division_labels", minzoom: d[4], maxzoom: d[5], filter: level(d[0]),
              symbolizer: new P.CenteredTextSymbolizer({
                font: font(d[1], d[2]), fill: d[3], stroke: HALO, width: 3,
                letterSpacing: d[0] === "community" ? 0 : 1})};
    });
    rules.push(
      // Standard names that are not divisions (those are labelled above): water in blue.
      {dataLayer: "names", minzoom: 13, filter: function (z, f) {
        var c = String(f.props.category_code || "");
        return c.indexOf("04") !== 0 && c.indexOf("05") !== 0 && c.indexOf("08") !== 0;
      }, symbolizer: new P.CenteredTextSymbolizer({
        font: function (z, f) {
          return (String(f.props.category_code).indexOf("02") === 0 ? "italic " : "") +
            font(12);
        },
        fill: function (z, f) {
          return String(f.props.category_code).indexOf("02") === 0 ? "#2f6497" : "#5b5147";
        },
        stroke: HALO, width: 3})},
      {dataLayer: "streets", minzoom: 14, symbolizer: new P.LineLabelSymbolizer({
        font: font(12), fill: "#4f4a44", stroke: HALO, width: 3,
        position: P.LineLabelPlacement.Center, repeatDistance: 400})}
    );
    return rules;
  }

  // Count what a symbolizer really paints; labels are counted only when drawn (after the
  // labeller has dropped the colliding ones).
  function counted(rules, drawn) {
    rules.forEach(function (rule) {
      var s = rule.symbolizer, layer = rule.dataLayer;
      if (s.draw) {
        var draw = s.draw.bind(s);
        s.draw = function (ctx, geom, z, f) {
          drawn.features[layer] = (drawn.features[layer] || 0) + 1;
          draw(ctx, geom, z, f);
        };
      }
      if (s.place) {
        var place = s.place.bind(s);
        s.place = function (layout, geom, f) {
          var labels = place(layout, geom, f);
          (labels || []).forEach(function (label) {
            var paint = label.draw, text = String(f.props.name);
            label.draw = function (ctx, extra) {
              drawn.labels[text] = layer;
              paint(ctx, extra);
            };
          });
          return labels;
        };
      }
    });
    return rules;
  }

  function labelPane(map) {
    if (!map.getPane("civgeoLabels")) {
      var pane = map.createPane("civgeoLabels");
      pane.style.zIndex = 450;  // above vector overlays (400), below markers (600)
      pane.style.pointerEvents = "none";
    }
    return "civgeoLabels";
  }

  global.civgeoBasemap = function (map, options) {
    var P = global.protomapsL;
    var drawn = {features: {}, labels: {}};
    var common = {url: options.url, maxDataZoom: options.maxDataZoom || 16, tileDelay: 0};
    var ground = P.leafletLayer(Object.assign({}, common, {
      paintRules: counted(paintRules(P), drawn), labelRules: [], backgroundColor: LAND,
      attribution: options.attribution}));
    var labels = P.leafletLayer(Object.assign({}, common, {
      paintRules: [], labelRules: counted(labelRules(P), drawn), pane: labelPane(map),
      attribution: ""}));
    labels.views = ground.views;  // one tile cache: each tile is fetched once
    var group = L.layerGroup([ground, labels]);
    group.ground = ground;
    group.labels = labels;
    group.drawn = drawn;
    (global.civgeoBasemaps = global.civgeoBasemaps || []).push(group);
    return group;
  };
})(window);
