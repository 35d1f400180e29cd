"""The `/docs` page: Swagger UI served from the gateway itself (no CDN: machines may be offline)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _assets_dir() -> Path:
    # Swagger UI 5 (it renders OpenAPI 3.1, which FastAPI writes) as packaged by
    # fastapi-offline; only its static files are used, the package is never imported.
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline package (Swagger UI assets) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


ASSETS_DIR = _assets_dir()
# The only files served under /docs/assets/, with their media types.
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon.png": "image/png",
}
INIT_SCRIPT_NAME = "baobab-init.js"

# URLs are relative to /docs so the page also works behind a path prefix.
DOCS_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Baobab API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/baobab-init.js"></script>
</body>
</html>
"""

# A file rather than an inline script, so the page's CSP can forbid inline scripts.
INIT_SCRIPT = """window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayOperationId: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"""

# Everything the page loads comes from the gateway; `validatorUrl: null` keeps Swagger UI
# from calling validator.swagger.io. 'unsafe-eval' because some Swagger UI builds need it
# (https://github.com/swagger-api/swagger-ui/issues/5817); inline scripts stay forbidden.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'self'"
)
