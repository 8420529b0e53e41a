// Upload a file into the evidence library and select it in the form's attachment list.
document.querySelectorAll('.evidence-upload').forEach(function (input) {
  input.addEventListener('change', function () {
    var file = input.files[0];
    if (!file) { return; }
    var body = new FormData();
    body.append('file', file);
    var token = document.querySelector('meta[name="csrf-token"]').content;
    fetch('/evidence/', { method: 'POST', body: body, headers: { 'X-CSRFToken': token, 'Accept': 'application/json' } })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok) { alert(result.data.detail || 'upload failed'); return; }
        var select = document.getElementById(input.dataset.target);
        var option = document.createElement('option');
        option.value = result.data.id;
        option.textContent = result.data.name;
        option.selected = true;
        select.appendChild(option);
        input.value = '';
      });
  });
});
