/* aibridge web app behaviour. Progressive enhancement only: every page works without this
   file. Charts read the JSON the server renders in each chart's data-spec attribute (the HTML table
   holds the same numbers) and are redrawn after every HTMX swap. No inline script: this
   file is loaded from the same origin under a strict Content-Security-Policy. */
(function () {
  "use strict";

  // viridis (9 stops): perceptually uniform and readable with the common colour-blindness types
  var VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];
  // Okabe-Ito qualitative palette for lines (colour-blind safe)
  var LINES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var DASHES = ["solid", "dashed", "dotted", "solid", "dashed", "dotted", "solid"];

  var worldPromise = null;
  var charts = {};

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function readSpec(el) {
    try { return JSON.parse(el.getAttribute("data-spec")); } catch (e) { return null; }
  }

  // world-atlas rings are spherical: a ring that jumps from +180 to -180 (Russia, Fiji) would
  // be drawn across the whole plane. Shift such a feature's far-side points by 360 degrees.
  function unwrapAntimeridian(f) {
    var g = f.geometry;
    if (!g) return;
    var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    var jumps = false, sum = 0, n = 0;
    polys.forEach(function (poly) {
      poly.forEach(function (ring) {
        for (var i = 0; i < ring.length; i++) {
          sum += ring[i][0]; n++;
          if (i && Math.abs(ring[i][0] - ring[i - 1][0]) > 180) jumps = true;
        }
      });
    });
    if (!jumps) return;
    var east = sum / n > 0;
    polys.forEach(function (poly) {
      poly.forEach(function (ring) {
        ring.forEach(function (pt) {
          if (east && pt[0] < 0) pt[0] += 360;
          else if (!east && pt[0] > 0) pt[0] -= 360;
        });
      });
    });
  }

  function loadWorld(url) {
    if (!worldPromise) {
      worldPromise = fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (topo) {
          var lib = window.AibridgeCharts;
          var geo = lib.topojsonFeature(topo, topo.objects.countries);
          geo.features.forEach(function (f) {
            f.properties = f.properties || {};
            f.properties.name = f.id == null ? "" : String(f.id);
          });
          // Antarctica takes a fifth of the map and carries no data: leave it out
          geo.features = geo.features.filter(function (f) { return f.id !== "010"; });
          geo.features.forEach(unwrapAntimeridian);
          lib.echarts.registerMap("world", geo);
          return geo;
        });
    }
    return worldPromise;
  }

  function drawMap(el, spec) {
    var lib = window.AibridgeCharts;
    loadWorld(spec.topojson).then(function () {
      if (!document.body.contains(el)) return;
      var chart = lib.echarts.init(el, null, { renderer: "svg" });
      charts[el.id] = chart;
      var byName = {};
      spec.items.forEach(function (it) { byName[it.name] = it; });
      var colours = spec.reverse ? VIRIDIS.slice().reverse() : VIRIDIS;
      var rtl = document.documentElement.dir === "rtl";
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: "item",
          confine: true,
          formatter: function (p) {
            var it = byName[p.name];
            if (!it) return esc(spec.labels.noData);
            return "<strong>" + esc(it.label) + "</strong><br>" + esc(it.display) + " " + esc(spec.unit) +
              "<br>" + esc(spec.labels.year) + ": " + esc(it.year) +
              "<br>" + esc(spec.labels.source) + ": " + esc(it.source) +
              "<br>" + esc(spec.labels.flag) + ": " + esc(it.flag);
          }
        },
        visualMap: {
          type: "continuous", min: spec.min, max: spec.max, calculable: false,
          inRange: { color: colours }, text: [spec.maxLabel, spec.minLabel],
          left: rtl ? "right" : "left", bottom: 10, itemHeight: 120, textStyle: { color: "#1a1a1a" }
        },
        series: [{
          type: "map", map: "world", roam: false, nameProperty: "name",
          itemStyle: { areaColor: "#d9d9d9", borderColor: "#ffffff", borderWidth: 0.5 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#c2410c" } },
          select: { disabled: true },
          data: spec.items.map(function (it) { return { name: it.name, value: it.value }; })
        }]
      });
      chart.on("click", function (p) {
        var it = byName[p.name];
        if (it && it.href) window.location.href = it.href;
      });
    });
  }

  function drawLine(el, spec) {
    var lib = window.AibridgeCharts;
    var chart = lib.echarts.init(el, null, { renderer: "svg" });
    charts[el.id] = chart;
    var rtl = document.documentElement.dir === "rtl";
    chart.setOption({
      animation: false,
      color: LINES,
      grid: { left: 56, right: 24, top: 24, bottom: 36, containLabel: true },
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (ps) {
          if (!ps.length) return "";
          var i = ps[0].dataIndex;
          var rows = ps.map(function (p) {
            var d = spec.series[p.seriesIndex].display[i];
            return d ? esc(p.seriesName) + ": " + esc(d) : null;
          }).filter(Boolean);
          return "<strong>" + esc(spec.years[i]) + "</strong><br>" + rows.join("<br>");
        }
      },
      xAxis: { type: "category", data: spec.years.map(String), inverse: rtl, axisLabel: { color: "#1a1a1a" } },
      yAxis: { type: "value", scale: true, position: rtl ? "right" : "left", axisLabel: { color: "#1a1a1a" } },
      series: spec.series.map(function (s, i) {
        return {
          type: "line", name: s.name, data: s.data, connectNulls: true, showSymbol: true, symbolSize: 5,
          lineStyle: { width: i === 0 ? 3 : 2, type: DASHES[i % DASHES.length] }
        };
      })
    });
    addLegend(el, spec);
  }

  function addLegend(el, spec) {
    // An HTML legend (readable by screen readers, wraps on phones) instead of a canvas one
    var old = el.parentNode.querySelector(".chart-legend");
    if (old) old.remove();
    var ul = document.createElement("ul");
    ul.className = "chart-legend";
    ul.setAttribute("aria-hidden", "true");
    spec.series.forEach(function (s, i) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "swatch swatch-" + (i % LINES.length) + " dash-" + DASHES[i % DASHES.length];
      li.appendChild(sw);
      li.appendChild(document.createTextNode(s.name));
      ul.appendChild(li);
    });
    el.parentNode.insertBefore(ul, el.nextSibling);
  }

  function drawAll(root) {
    if (!window.AibridgeCharts) return;
    (root || document).querySelectorAll("[data-spec]").forEach(function (el) {
      var spec = readSpec(el);
      if (!spec) return;
      if (charts[el.id]) {
        if (charts[el.id].getDom() === el) return;  // already drawn in this element
        charts[el.id].dispose();
        delete charts[el.id];
      }
      if (spec.kind === "map") drawMap(el, spec);
      else if (spec.kind === "line") drawLine(el, spec);
    });
  }

  function bindYear() {
    // every range input shows its value in the <output> named by aria-describedby
    document.querySelectorAll('input[type="range"][aria-describedby]').forEach(function (input) {
      var out = document.getElementById(input.getAttribute("aria-describedby"));
      if (out && !input.dataset.bound) {
        input.dataset.bound = "1";
        input.addEventListener("input", function () { out.textContent = input.value; });
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); bindYear(); });
  document.addEventListener("htmx:afterSettle", function () { drawAll(document); bindYear(); });
})();
