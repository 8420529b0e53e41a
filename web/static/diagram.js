// Show a BPMN diagram (bpmn-js viewer): finished steps, current steps and the path taken are marked;
// on the model pages, added and changed elements of a new version are marked instead.
(function () {
  'use strict';
  document.querySelectorAll('.diagram[data-src], .diagram[data-xml-from]').forEach(function (container) {
    var viewer = new BpmnJS({ container: container });
    var source = container.dataset.src ?
      fetch(container.dataset.src, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      }) :
      Promise.resolve(document.getElementById(container.dataset.xmlFrom).textContent);
    function mark(list, marker, registry, canvas) {
      JSON.parse(list || '[]').forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, marker); }
      });
    }
    source
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        canvas.zoom('fit-viewport', 'auto');
        mark(container.dataset.finished, 'finished', registry, canvas);
        mark(container.dataset.current, 'current', registry, canvas);
        mark(container.dataset.taken, 'taken', registry, canvas);
        mark(container.dataset.added, 'diff-added', registry, canvas);
        mark(container.dataset.changed, 'diff-changed', registry, canvas);
        container.dataset.rendered = 'true';
        window.addEventListener('resize', function () { canvas.zoom('fit-viewport', 'auto'); });
      })
      .catch(function (error) {
        container.textContent = (document.documentElement.lang.indexOf('zh') === 0 ? '流程图无法显示：' : 'Cannot show the diagram: ') + error.message;
      });
  });
}());
