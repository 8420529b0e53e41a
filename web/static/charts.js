// ECharts for EcoLoop pages. Each chart reads its data from a data-* attribute (JSON written by the server).
(function () {
  'use strict';
  if (!window.echarts) { return; }
  var zh = document.documentElement.lang.indexOf('zh') === 0;
  var GREEN = '#16695a', RED = '#c0392b', AMBER = '#d48806', BLUE = '#3b6fb6';
  var charts = [];
  function make(el, option) {
    var chart = echarts.init(el, null, { renderer: 'svg', locale: zh ? 'ZH' : 'EN' });
    option.animation = false;
    option.textStyle = { fontFamily: 'system-ui, "Noto Sans CJK SC", sans-serif' };
    chart.setOption(option);
    charts.push(chart);
    el.dataset.rendered = 'true';
    return chart;
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });

  // values around an anomaly, with the limit line
  var series = document.getElementById('series-chart');
  if (series) {
    var s = JSON.parse(series.dataset.series);
    var points = s.points.map(function (p) { return [Date.parse(p[0]), p[1]]; });
    var hasLimit = s.limit !== null && s.limit !== undefined;
    var data = points.map(function (p) { return hasLimit && p[1] > s.limit ? { value: p, itemStyle: { color: RED }, symbolSize: 7 } : { value: p }; });
    var line = { type: 'line', name: s.name, data: data, showAllSymbol: true, showSymbol: points.length < 80, symbolSize: 5,
                 lineStyle: { width: 1.8, color: BLUE }, itemStyle: { color: BLUE } };
    if (hasLimit) {
      line.markLine = { symbol: 'none', silent: true, lineStyle: { color: RED, type: 'dashed', width: 1.5 },
        label: { formatter: s.limit_label + ' ' + s.limit, position: 'insideEndTop', color: RED }, data: [{ yAxis: s.limit }] };
    }
    if (s.anomaly_at) {
      line.markArea = { silent: true, itemStyle: { color: 'rgba(192,57,43,0.08)' }, data: [[{ xAxis: Date.parse(s.anomaly_at) }, { xAxis: s.anomaly_until ? Date.parse(s.anomaly_until) : Date.parse(s.anomaly_at) + 3600000 }]] };
    }
    var option = {
      grid: { left: 48, right: 18, top: 28, bottom: 36 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time', axisLabel: { fontSize: 10, hideOverlap: true } },
      yAxis: { type: 'value', name: s.unit, nameTextStyle: { fontSize: 10 }, scale: true, axisLabel: { fontSize: 10 } },
      series: [line]
    };
    make(series, option);
  }

  // dashboard
  var board = document.getElementById('dashboard-data');
  if (!board) { return; }
  var d = JSON.parse(board.textContent);
  var L = d.labels;
  var perDay = document.getElementById('chart-per-day');
  if (perDay) {
    make(perDay, {
      grid: { left: 36, right: 12, top: 16, bottom: 28 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: d.per_day.map(function (r) { return r[0].slice(5); }), axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [{ type: 'bar', name: L.anomalies, data: d.per_day.map(function (r) { return r[1]; }), itemStyle: { color: GREEN, borderRadius: [2, 2, 0, 0] }, barMaxWidth: 16 }]
    });
  }
  var perMonth = document.getElementById('chart-per-month');
  if (perMonth) {
    make(perMonth, {
      grid: { left: 36, right: 12, top: 30, bottom: 28 }, tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      xAxis: { type: 'category', data: d.per_month.map(function (r) { return r[0]; }), axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [
        { type: 'line', name: L.opened, data: d.per_month.map(function (r) { return r[1]; }), itemStyle: { color: AMBER }, smooth: true },
        { type: 'line', name: L.closed, data: d.per_month.map(function (r) { return r[2]; }), itemStyle: { color: GREEN }, smooth: true, areaStyle: { opacity: 0.08 } }
      ]
    });
  }
  function groupChart(id, rows) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var names = rows.map(function (r) { return r.name; });
    make(el, {
      grid: { left: 80, right: 44, top: 26, bottom: 48 }, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0, textStyle: { fontSize: 11 } },
      xAxis: [{ type: 'value', minInterval: 1, axisLabel: { fontSize: 10 } }, { type: 'value', max: 100, axisLabel: { fontSize: 10, formatter: '{value}%' }, splitLine: { show: false } }],
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { fontSize: 11, interval: 0, width: 72, overflow: 'truncate' } },
      series: [
        { type: 'bar', name: L.total, data: rows.map(function (r) { return r.total; }), itemStyle: { color: '#cfd8dc' }, barGap: '-100%', barMaxWidth: 14 },
        { type: 'bar', name: L.closed, data: rows.map(function (r) { return r.closed; }), itemStyle: { color: GREEN }, barMaxWidth: 14 },
        { type: 'scatter', name: L.rate, xAxisIndex: 1, data: rows.map(function (r) { return r.rate; }), itemStyle: { color: AMBER }, symbolSize: 9 }
      ]
    });
  }
  groupChart('chart-by-region', d.by_region);
  groupChart('chart-by-kind', d.by_kind);
  var tasks = document.getElementById('chart-tasks');
  if (tasks) {
    make(tasks, {
      tooltip: { trigger: 'item' }, legend: { bottom: 0, textStyle: { fontSize: 11 } },
      series: [{ type: 'pie', radius: ['45%', '70%'], center: ['50%', '44%'], label: { show: false },
        data: [
          { name: L.ontime, value: Math.max(0, d.open - d.overdue - d.due_soon), itemStyle: { color: GREEN } },
          { name: L.soon, value: d.due_soon, itemStyle: { color: AMBER } },
          { name: L.overdue, value: d.overdue, itemStyle: { color: RED } }
        ] }]
    });
  }
}());
