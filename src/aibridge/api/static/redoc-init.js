// Starts ReDoc on the app's own OpenAPI document (no inline script, no CDN, no web fonts).
window.addEventListener("load", function () {
  Redoc.init(document.body.dataset.openapi, { hideDownloadButton: false }, document.getElementById("redoc"));
});
