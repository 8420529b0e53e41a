// Show a BPMN diagram (bpmn-js navigated viewer: drag to pan, Ctrl+wheel to zoom): finished steps, current steps
// and the path taken are marked; on the model pages, added and changed elements of a new version are marked
// instead. "Fit" fits the diagram to the width, but never below a zoom at which labels stay readable
// (READABLE_ZOOM × bpmn-js's 11–12 px label font ≥ 10 px); the container's height follows the fitted diagram.
(function () {
  'use strict';
  var READABLE_ZOOM = 0.92, MAX_ZOOM = 3, STEP = 1.25, MIN_HEIGHT = 260, MAX_HEIGHT = 0.75;

  function fit(canvas, container) {
    var box = canvas.getActiveLayer().getBBox();  // the diagram's extent in diagram units
    if (!box.width) { return canvas.zoom('fit-viewport', 'auto'); }
    var zoom = Math.min(1.2, Math.max(READABLE_ZOOM, (container.clientWidth - 24) / box.width));
    var height = Math.round(box.height * zoom + 40);
    container.style.height = Math.max(MIN_HEIGHT, Math.min(height, Math.round(window.innerHeight * MAX_HEIGHT))) + 'px';
    canvas.resized();
    canvas.viewbox({ x: box.x - 12 / zoom, y: box.y - 20 / zoom,
                     width: container.clientWidth / zoom, height: container.clientHeight / zoom });
    return zoom;
  }

  function wireTools(container, canvas) {
    var tools = container.parentElement.querySelector('.diagram-tools');
    if (!tools) { return; }
    tools.addEventListener('click', function (event) {
      var button = event.target.closest('[data-zoom]');
      if (!button) { return; }
      var action = button.dataset.zoom;
      if (action === 'fit') { fit(canvas, container); }
      else {
        var zoom = canvas.zoom() * (action === 'in' ? STEP : 1 / STEP);
        canvas.zoom(Math.max(0.2, Math.min(MAX_ZOOM, zoom)), { x: container.clientWidth / 2, y: container.clientHeight / 2 });
      }
      container.dataset.zoom = canvas.zoom().toFixed(3);
    });
  }

  function mark(list, marker, registry, canvas) {
    JSON.parse(list || '[]').forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  document.querySelectorAll('.diagram[data-src], .diagram[data-xml-from]').forEach(function (container) {
    var viewer = new BpmnJS({ container: container });
    var source = container.dataset.src ?
      fetch(container.dataset.src, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      }) :
      Promise.resolve(document.getElementById(container.dataset.xmlFrom).textContent);
    source
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        mark(container.dataset.finished, 'finished', registry, canvas);
        mark(container.dataset.current, 'current', registry, canvas);
        mark(container.dataset.taken, 'taken', registry, canvas);
        mark(container.dataset.added, 'diff-added', registry, canvas);
        mark(container.dataset.changed, 'diff-changed', registry, canvas);
        fit(canvas, container);
        container.dataset.zoom = canvas.zoom().toFixed(3);
        wireTools(container, canvas);
        container.dataset.rendered = 'true';
        var width = container.clientWidth;
        window.addEventListener('resize', function () {
          if (container.clientWidth !== width) { width = container.clientWidth; fit(canvas, container); }
        });
      })
      .catch(function (error) {
        container.textContent = (document.documentElement.lang.indexOf('zh') === 0 ? '流程图无法显示：' : 'Cannot show the diagram: ') + error.message;
      });
  });
}());
