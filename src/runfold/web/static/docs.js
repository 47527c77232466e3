// Starts Swagger UI on /api/docs (server/pages.py) over the app's OpenAPI schema. A
// file, not an inline script, so the page keeps the UI's strict CSP.
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  validatorUrl: null, // never ask a validator on the network
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
