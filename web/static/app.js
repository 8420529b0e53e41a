// EcoLoop shell: CSRF header for htmx and fetch, list selection for batch review.
(function () {
  'use strict';
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.content : '';
  document.body.addEventListener('htmx:configRequest', function (event) {
    event.detail.headers['X-CSRFToken'] = token;
  });

  // batch review: enable the button when rows are selected
  var selectAll = document.getElementById('select-all');
  var items = Array.prototype.slice.call(document.querySelectorAll('.batch-item:not([disabled])'));
  var opener = document.getElementById('batch-open');
  function refresh() {
    var chosen = items.filter(function (i) { return i.checked; }).length;
    if (opener) {
      opener.disabled = chosen === 0;
      document.getElementById('batch-count').textContent = chosen;
    }
    if (selectAll) {
      selectAll.checked = chosen > 0 && chosen === items.length;
      selectAll.indeterminate = chosen > 0 && chosen < items.length;
    }
  }
  if (selectAll) {
    selectAll.addEventListener('change', function () {
      items.forEach(function (i) { i.checked = selectAll.checked; });
      refresh();
    });
  }
  items.forEach(function (i) { i.addEventListener('change', refresh); });

  // the server answered a submit with errors: bring the first invalid field into view and focus it
  var FOCUSABLE = 'input:not([type=hidden]):not(.d-none):not([disabled]), select, textarea, [tabindex], button';
  var invalid = document.querySelector('form .is-invalid, form .invalid-feedback.d-block');
  if (invalid) {
    var field = invalid.matches(FOCUSABLE) ? invalid : invalid.querySelector(FOCUSABLE) ||
      (invalid.closest('.mb-3, .action-bar, fieldset') || invalid.parentElement).querySelector(FOCUSABLE) || invalid;
    var label = field.id && document.querySelector('label[for="' + field.id + '"]');
    var bringIntoView = function () {  // 'instant': Bootstrap makes scrolling smooth, which a second scroll would cut short
      var top = (label || field).getBoundingClientRect().top + window.scrollY - 16;
      window.scrollTo({ top: Math.max(0, top), behavior: 'instant' });
    };
    field.focus({ preventScroll: true });
    bringIntoView();
    // charts and previews above the form take their height while the page loads: scroll again once it has
    if (document.readyState !== 'complete') { window.addEventListener('load', bringIntoView); }
  }

  // selects that submit their form on change (no inline handlers: the CSP forbids them)
  document.querySelectorAll('select[data-autosubmit]').forEach(function (el) {
    el.addEventListener('change', function () { el.form.submit(); });
  });

  // "back" links: the browser's history when there is one, the link's own target otherwise
  document.querySelectorAll('a[data-history-back]').forEach(function (el) {
    el.addEventListener('click', function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });

  // confirm dangerous actions
  document.querySelectorAll('[data-confirm]').forEach(function (el) {
    el.addEventListener('click', function (event) {
      if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // countdowns: <span class="countdown" data-due="ISO">
  function tick() {
    var now = Date.now();
    document.querySelectorAll('.countdown[data-due]').forEach(function (el) {
      var diff = Date.parse(el.dataset.due) - now;
      var late = diff < 0;
      var s = Math.abs(Math.floor(diff / 1000));
      var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
      var zh = document.documentElement.lang.indexOf('zh') === 0;
      var span = d ? (zh ? d + ' 天 ' + h + ' 小时' : d + ' d ' + h + ' h') :
        h ? (zh ? h + ' 小时 ' + m + ' 分' : h + ' h ' + m + ' min') : (zh ? m + ' 分钟' : m + ' min');
      el.textContent = late ? (zh ? '已逾期 ' : 'overdue by ') + span : (zh ? '剩余 ' : '') + span + (zh ? '' : ' left');
      el.classList.toggle('overdue', late);
      el.classList.toggle('soon', !late && diff < 86400000);
    });
  }
  if (document.querySelector('.countdown[data-due]')) { tick(); setInterval(tick, 30000); }
}());
