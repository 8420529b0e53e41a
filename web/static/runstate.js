// 运行监控: draws the figures with ECharts and refreshes them every 15 seconds from /admin/runstate/data.
(function () {
  'use strict';
  var source = document.getElementById('runstate-data');
  if (!source || !window.echarts) { return; }
  var text = JSON.parse(source.textContent).text;
  var GREEN = '#16695a', RED = '#c0392b', BLUE = '#3b6fb6';
  var zh = document.documentElement.lang.indexOf('zh') === 0;
  function chart(id) {
    var el = document.getElementById(id);
    var c = echarts.init(el, null, { renderer: 'svg', locale: zh ? 'ZH' : 'EN' });
    return { el: el, c: c };
  }
  var tasks = chart('chart-tasks'), disk = chart('chart-disk'), requests = chart('chart-requests');
  window.addEventListener('resize', function () { [tasks, disk, requests].forEach(function (x) { x.c.resize(); }); });

  function draw(d) {
    var processes = Object.keys(Object.assign({}, d.open_tasks, d.overdue_tasks)).sort();
    tasks.c.setOption({ animation: false, tooltip: { trigger: 'axis' }, legend: { data: [text.open, text.overdue] },
      grid: { left: 50, right: 20, top: 30, bottom: 60 },
      xAxis: { type: 'category', data: processes, axisLabel: { rotate: 20 } }, yAxis: { type: 'value' },
      series: [{ name: text.open, type: 'bar', data: processes.map(function (p) { return d.open_tasks[p] || 0; }), itemStyle: { color: BLUE } },
               { name: text.overdue, type: 'bar', data: processes.map(function (p) { return d.overdue_tasks[p] || 0; }), itemStyle: { color: RED } }] }, true);
    var free = d.levels.evidence_free_percent, limit = (d.thresholds.evidence_free_percent || {}).limit || 0;
    disk.c.setOption({ animation: false, series: [{ type: 'gauge', min: 0, max: 100, detail: { formatter: '{value}%' },
      axisLine: { lineStyle: { width: 12, color: [[limit / 100, RED], [1, GREEN]] } }, data: [{ value: free, name: text.free }] }] }, true);
    var rows = d.requests || [];
    requests.c.setOption({ animation: false, tooltip: { trigger: 'axis' }, legend: { data: [text.requests, text.mean_ms] },
      grid: { left: 160, right: 60, top: 30, bottom: 30 },
      yAxis: { type: 'category', data: rows.map(function (r) { return r.endpoint; }), inverse: true },
      xAxis: [{ type: 'value' }, { type: 'value', position: 'top' }],
      series: [{ name: text.requests, type: 'bar', data: rows.map(function (r) { return r.count; }), itemStyle: { color: BLUE } },
               { name: text.mean_ms, type: 'scatter', xAxisIndex: 1, data: rows.map(function (r) { return r.mean_ms; }), itemStyle: { color: RED } }] }, true);
    Object.keys(d.levels).forEach(function (figure) {
      var value = document.querySelector('[data-level="' + figure + '"]');
      if (value) { value.textContent = d.levels[figure]; }
      var card = document.querySelector('[data-figure="' + figure + '"]');
      var t = d.thresholds[figure];
      if (card && t) { card.classList.toggle('warn', t.crossed); }
    });
    document.getElementById('runstate-at').textContent = d.at;
    document.getElementById('config-version').textContent = d.config_version;
    [tasks, disk, requests].forEach(function (x) { x.el.dataset.rendered = 'true'; });
  }
  draw(JSON.parse(source.textContent));
  setInterval(function () {
    fetch(source.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { draw(d); } })
      .catch(function () {});
  }, 15000);
})();
