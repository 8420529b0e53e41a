// The API docs page: start Swagger UI on the OpenAPI document named by the container's data attributes.
(function () {
  'use strict';
  var container = document.getElementById('swagger-ui-container');
  var config = JSON.parse(container.dataset.config || '{}');
  config.url = container.dataset.specUrl;
  config.dom_id = '#swagger-ui-container';
  window.ui = SwaggerUIBundle(config);
}());
