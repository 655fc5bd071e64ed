// The API reference: Swagger UI (static/vendor/swagger-ui) reading this app's openapi.json.
// "Try it out" calls the API with the session cookie of the signed-in user.
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({
    url: document.body.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // never ask validator.swagger.io
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
  });
});
