// The trends page drawn with ECharts (decision 0022): the branches picked in #trend-picker,
// the committee's average (dashed) and quartile band (grey), legend toggling and dataZoom.
// Without ECharts (no script, no npm) the server's SVG stays; on paper too (site.css).
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var picker = document.getElementById("trend-picker");
  var charts = {};

  function shownCodes() {
    return Array.prototype.filter.call(picker.options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
  }

  function lines(key, codes) {
    return data.branches.filter(function (b) { return codes.indexOf(b.code) >= 0; })
      .map(function (b) {
        return { name: b.name, type: "line", data: b[key], connectNulls: false,
                 symbolSize: 6, emphasis: { focus: "series" } };
      });
  }

  function band() {
    var c = data.committee;
    var width = c.q3.map(function (v, i) {
      return v === null || c.q1[i] === null ? null : Math.round((v - c.q1[i]) * 100) / 100;
    });
    return [
      { name: data.labels.q1, type: "line", data: c.q1, stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true },
      { name: data.labels.band, type: "line", data: width, stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(120,120,120,0.18)" },
        itemStyle: { color: "rgba(120,120,120,0.5)" }, silent: true },
      { name: data.labels.average, type: "line", data: c.average, symbol: "none",
        lineStyle: { type: "dashed", width: 2, color: "#333" }, itemStyle: { color: "#333" } }
    ];
  }

  function option(key, codes, withBand) {
    var series = (withBand ? band() : []).concat(lines(key, codes));
    var legend = series.map(function (s) { return s.name; })
      .filter(function (n) { return n !== data.labels.q1; });
    return {
      animation: false,
      tooltip: { trigger: "axis", confine: true, triggerOn: "mousemove|click",
                 valueFormatter: function (v) { return v === null || v === undefined ? "—" : v; } },
      legend: { type: "scroll", top: 0, data: legend },
      grid: { left: 48, right: 16, top: 40, bottom: 64 },
      xAxis: { type: "category", data: data.months, boundaryGap: false },
      yAxis: { type: "value", scale: true },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: series
    };
  }

  function draw() {
    var codes = shownCodes();
    charts.score.setOption(option("score", codes, true), { notMerge: true });
    charts.records.setOption(option("records", codes, false), { notMerge: true });
  }

  document.documentElement.classList.add("has-echarts");
  ["score", "records"].forEach(function (key) {
    var el = document.getElementById("trend-" + key);
    charts[key] = window.echarts.init(el, null, { locale: data.locale });
  });
  draw();
  picker.addEventListener("change", draw);
  window.addEventListener("resize", function () {
    charts.score.resize(); charts.records.resize();
  });
  window.cxzyCharts = charts;  // for the browser tests and the curious
}());
