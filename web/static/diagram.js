// Show an instance's BPMN diagram with finished and current steps marked.
(function () {
  var container = document.getElementById('diagram');
  if (!container) { return; }
  var viewer = new BpmnJS({ container: container });
  fetch(container.dataset.src, { credentials: 'same-origin' })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport');
      JSON.parse(container.dataset.finished).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, 'finished'); }
      });
      JSON.parse(container.dataset.current).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, 'current'); }
      });
      container.dataset.rendered = 'true';
    })
    .catch(function (error) { container.textContent = 'diagram: ' + error.message; });
}());
