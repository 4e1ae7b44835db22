// The branch × criterion heat map drawn with ECharts (decision 0022): criterion titles in the
// tooltip, which opens on a tap as well as on hover. The server's SVG stays as the fallback.
(function () {
  "use strict";
  var source = document.getElementById("heat-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var el = document.getElementById("heat-map");
  var figures = data.cells.map(function (c) { return c[2]; });
  var floor = figures.length ? Math.max(0, Math.floor(Math.min.apply(null, figures) / 10) * 10 - 10) : 0;

  document.documentElement.classList.add("has-echarts");
  el.style.height = Math.max(360, data.rows.length * 28 + 140) + "px";
  // Each column at least 32 px wide, so that a cell's figure never overprints its neighbour's
  // on a phone: the panel scrolls sideways instead (it is .scroll), the page does not.
  el.style.minWidth = (150 + data.columns.length * 32 + 16) + "px";
  var chart = window.echarts.init(el, null, { locale: data.locale });
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "item", triggerOn: "mousemove|click", confine: true,
      formatter: function (p) {
        var j = p.value[0], i = p.value[1];
        var title = data.titles[j] ? "<br>" + window.echarts.format.encodeHTML(data.titles[j]) : "";
        return window.echarts.format.encodeHTML(data.rows[i]) + " · " +
          window.echarts.format.encodeHTML(data.columns[j]) + title + "<br>" +
          data.label + ":" + p.value[2].toFixed(1);
      }
    },
    grid: { left: 150, right: 16, top: 36, bottom: 70 },
    xAxis: { type: "category", position: "top", data: data.columns, splitArea: { show: true } },
    yAxis: { type: "category", data: data.rows, inverse: true,
             axisLabel: { width: 140, overflow: "truncate" } },
    visualMap: { min: floor, max: 100, calculable: true, orient: "horizontal", left: "center",
                 bottom: 8, inRange: { color: ["#fff7f0", "#b71c1c"] } },
    series: [{ type: "heatmap", data: data.cells, label: { show: data.rows.length <= 30,
               formatter: function (p) { return p.value[2].toFixed(0); } },
               emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  window.cxzyCharts = { heat: chart };
}());
