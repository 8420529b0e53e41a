// Evidence on a task form: drag and drop upload with progress, image and PDF previews,
// and picking files already in the evidence library. Each chosen file becomes a hidden
// input named after the form field, so the form posts attachment ids.
(function () {
  'use strict';
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var zh = document.documentElement.lang.indexOf('zh') === 0;
  var T = zh ? { failed: '上传失败', preview: '预览', remove: '移除', chosen: '已选 ', files: ' 个文件' }
             : { failed: 'Upload failed', preview: 'Preview', remove: 'Remove', chosen: '', files: ' file(s) chosen' };

  function icon(type) {
    if (type && type.indexOf('image/') === 0) { return null; }
    return type === 'application/pdf' ? 'bi-file-earmark-pdf' : 'bi-file-earmark-text';
  }

  function item(field, data) {
    var box = document.createElement('div');
    box.className = 'evidence-item';
    var thumb = document.createElement('div');
    thumb.className = 'thumb';
    var name = document.createElement('div');
    name.className = 'name';
    name.textContent = data.name;
    name.title = data.name;
    var meta = document.createElement('div');
    meta.className = 'd-flex justify-content-between';
    var size = document.createElement('span');
    size.className = 'text-body-secondary';
    size.textContent = data.size || '';
    meta.appendChild(size);
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'btn-close btn-sm remove';
    remove.setAttribute('aria-label', T.remove);
    box.appendChild(thumb);
    box.appendChild(name);
    box.appendChild(meta);
    box.appendChild(remove);
    field.querySelector('.evidence-list').appendChild(box);
    return box;
  }

  function complete(field, box, data) {
    box.dataset.id = data.id;
    if (data.name) {  // the name as kept: its extension is that of the type detected from the content
      box.querySelector('.name').textContent = data.name;
      box.querySelector('.name').title = data.name;
    }
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = field.dataset.name;
    input.value = data.id;
    box.appendChild(input);
    var thumb = box.querySelector('.thumb');
    thumb.textContent = '';
    var cls = icon(data.type);
    if (cls) {
      var i = document.createElement('i');
      i.className = 'bi ' + cls;
      thumb.appendChild(i);
    } else {
      var img = document.createElement('img');
      img.src = data.url;
      img.alt = '';
      thumb.appendChild(img);
    }
    var link = document.createElement('a');
    link.href = data.url;
    link.target = '_blank';
    link.rel = 'noopener';
    link.className = 'preview';
    link.dataset.type = data.type;
    link.textContent = T.preview;
    box.querySelector('.d-flex').appendChild(link);
    var progress = box.querySelector('.progress');
    if (progress) { progress.remove(); }
    count(field);
  }

  function count(field) {
    var n = field.querySelectorAll('input[type=hidden]').length;
    field.querySelector('.evidence-count').textContent = n ? T.chosen + n + T.files : '';
  }

  function humanSize(bytes) {
    if (bytes < 1024) { return bytes + ' B'; }
    if (bytes < 1048576) { return (bytes / 1024).toFixed(1) + ' KB'; }
    return (bytes / 1048576).toFixed(1) + ' MB';
  }

  function upload(field, file) {
    var box = item(field, { name: file.name, size: humanSize(file.size) });
    box.querySelector('.thumb').innerHTML = '<div class="spinner-border spinner-border-sm text-secondary"></div>';
    var progress = document.createElement('div');
    progress.className = 'progress';
    progress.innerHTML = '<div class="progress-bar" role="progressbar" style="width:0%"></div>';
    box.appendChild(progress);
    var bar = progress.firstChild;
    var body = new FormData();
    body.append('file', file);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/evidence/');
    xhr.setRequestHeader('X-CSRFToken', token);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) { bar.style.width = Math.round(100 * e.loaded / e.total) + '%'; }
    });
    xhr.addEventListener('load', function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
      if (xhr.status === 201) {
        bar.style.width = '100%';
        complete(field, box, { id: data.id, name: data.name, type: data.media_type, url: '/evidence/' + data.id });
      } else {
        box.classList.add('error');
        box.querySelector('.thumb').innerHTML = '<i class="bi bi-exclamation-triangle text-danger"></i>';
        var msg = document.createElement('div');
        msg.className = 'text-danger small upload-error';
        msg.textContent = T.failed + ': ' + (data.detail || xhr.status);
        box.appendChild(msg);
        progress.remove();
      }
    });
    xhr.addEventListener('error', function () {
      box.classList.add('error');
      progress.remove();
    });
    xhr.send(body);
  }

  document.querySelectorAll('.evidence-field').forEach(function (field) {
    var zone = field.querySelector('.dropzone');
    var input = field.querySelector('.evidence-input');
    zone.addEventListener('click', function () { input.click(); });
    zone.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
    input.addEventListener('change', function () {
      Array.prototype.forEach.call(input.files, function (file) { upload(field, file); });
      input.value = '';
    });
    ['dragenter', 'dragover'].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add('dragover'); });
    });
    ['dragleave', 'drop'].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove('dragover'); });
    });
    zone.addEventListener('drop', function (e) {
      Array.prototype.forEach.call(e.dataTransfer.files, function (file) { upload(field, file); });
    });
    field.addEventListener('click', function (e) {
      if (e.target.classList.contains('remove')) {
        e.target.closest('.evidence-item').remove();
        count(field);
      }
    });
    count(field);
  });

  // picking from the library
  document.querySelectorAll('.library-confirm').forEach(function (button) {
    button.addEventListener('click', function () {
      var field = document.getElementById(button.dataset.target);
      var modal = button.closest('.modal');
      modal.querySelectorAll('.library-pick:checked').forEach(function (pick) {
        if (field.querySelector('.evidence-item[data-id="' + pick.value + '"]')) { return; }
        var box = item(field, { name: pick.dataset.name, size: pick.dataset.size });
        complete(field, box, { id: pick.value, name: pick.dataset.name, type: pick.dataset.type, url: pick.dataset.url });
        pick.checked = false;
      });
    });
  });

  // previews of images and PDFs in a dialog
  document.addEventListener('click', function (e) {
    var link = e.target.closest('a.preview');
    var modalEl = document.getElementById('preview-modal');
    if (!link || !modalEl || !window.bootstrap) { return; }
    var type = link.dataset.type || '';
    if (type !== 'application/pdf' && type.indexOf('image/') !== 0) { return; }
    e.preventDefault();
    var body = document.getElementById('preview-body');
    body.textContent = '';
    var el;
    if (type === 'application/pdf') {
      el = document.createElement('iframe');
      el.style.width = '100%';
      el.style.height = '100%';
      el.style.border = '0';
    } else {
      el = document.createElement('img');
      el.style.maxWidth = '100%';
      el.style.maxHeight = '100%';
      el.className = 'd-block mx-auto';
    }
    if (type === 'application/pdf') {
      // files are sent as attachments (never rendered from the server's answer): show the PDF from its bytes
      fetch(link.href, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.blob();
      }).then(function (blob) {
        el.src = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
      });
    } else {
      el.src = link.href;
    }
    body.appendChild(el);
    document.getElementById('preview-title').textContent = link.closest('.evidence-item') ?
      link.closest('.evidence-item').querySelector('.name').textContent : link.textContent;
    window.bootstrap.Modal.getOrCreateInstance(modalEl).show();
  });
}());
