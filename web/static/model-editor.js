// Process model editor: bpmn-js modeler, an XML view for properties, server-side check with a diff, deploy.
(function () {
  'use strict';
  var container = document.getElementById('modeler');
  if (!container) { return; }
  var T = JSON.parse(document.getElementById('editor-text').textContent);
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var modeler = new BpmnJS({ container: container });
  var dirty = false;
  var marked = [];
  var result = document.getElementById('check-result');

  function xml() { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }

  fetch(container.dataset.src, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (text) { return modeler.importXML(text); })
    .then(function () {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      container.dataset.rendered = 'true';
      modeler.on('commandStack.changed', function () { dirty = true; });
    });

  window.addEventListener('beforeunload', function (e) { if (dirty) { e.preventDefault(); e.returnValue = T.leave; } });

  function clearMarks() {
    var canvas = modeler.get('canvas');
    marked.forEach(function (m) { try { canvas.removeMarker(m[0], m[1]); } catch (err) { /* element gone */ } });
    marked = [];
  }
  function mark(list, marker) {
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    list.forEach(function (item) {
      if (registry.get(item[0])) { canvas.addMarker(item[0], marker); marked.push([item[0], marker]); }
    });
  }
  function line(badge, css, item) {
    var li = document.createElement('li');
    var b = document.createElement('span');
    b.className = 'badge ' + css;
    b.textContent = badge;
    li.appendChild(b);
    li.appendChild(document.createTextNode(' ' + item[1] + ' (' + item[0] + ')'));
    return li;
  }
  function show(data) {
    result.textContent = '';
    var head = document.createElement('div');
    head.className = data.ok ? 'text-success fw-semibold mb-2' : 'text-danger fw-semibold mb-2';
    head.id = data.ok ? 'check-ok' : 'check-error';
    head.textContent = data.ok ? T.ok : T.failed;
    result.appendChild(head);
    if (!data.ok) {
      var msg = document.createElement('div');
      msg.className = 'text-break';
      msg.textContent = data.message;
      result.appendChild(msg);
      return;
    }
    var note = document.createElement('div');
    note.className = 'text-body-secondary mb-1';
    note.textContent = data.base_version ? T.base + data.base_version : T.new_process;
    result.appendChild(note);
    var list = document.createElement('ul');
    list.className = 'list-unstyled mb-0';
    list.id = 'check-diff';
    data.added.forEach(function (i) { list.appendChild(line(T.added, 'text-bg-success', i)); });
    data.changed.forEach(function (i) { list.appendChild(line(T.changed, 'text-bg-warning', i)); });
    data.removed.forEach(function (i) { list.appendChild(line(T.removed, 'text-bg-danger', i)); });
    if (data.base_version && !list.children.length) {
      var same = document.createElement('li');
      same.textContent = T.same;
      list.appendChild(same);
    }
    result.appendChild(list);
    clearMarks();
    mark(data.added, 'diff-added');
    mark(data.changed, 'diff-changed');
  }

  document.getElementById('check-model').addEventListener('click', function () {
    xml().then(function (text) {
      var body = new URLSearchParams();
      body.append('xml', text);
      return fetch(container.dataset.check, { method: 'POST', body: body, credentials: 'same-origin',
        headers: { 'X-CSRFToken': token, 'Accept': 'application/json' } });
    }).then(function (r) { return r.json(); }).then(show);
  });

  var deploy = document.getElementById('deploy-form');
  deploy.addEventListener('submit', function (e) {
    if (deploy.dataset.ready === '1') { return; }
    e.preventDefault();
    xml().then(function (text) {
      document.getElementById('deploy-xml').value = text;
      deploy.dataset.ready = '1';
      dirty = false;
      deploy.submit();
    });
  });

  document.getElementById('download-model').addEventListener('click', function () {
    xml().then(function (text) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'application/xml' }));
      a.download = 'model.bpmn';
      a.click();
    });
  });

  var source = document.getElementById('xml-source');
  document.getElementById('tab-xml').addEventListener('shown.bs.tab', function () {
    xml().then(function (text) { source.value = text; });
  });
  document.getElementById('apply-xml').addEventListener('click', function () {
    modeler.importXML(source.value).then(function () {
      dirty = true;
      window.bootstrap.Tab.getOrCreateInstance(document.getElementById('tab-diagram')).show();
      modeler.get('canvas').zoom('fit-viewport', 'auto');
    }).catch(function (err) { show({ ok: false, message: err.message }); });
  });
}());
