"""Swagger UI at /docs with its assets served from the swagger-ui-dist folder, so it works offline.

All URLs in the page are relative, so it works at / and under /pub/job/NAME/VERSION alike.
"""
from __future__ import annotations

import html
import mimetypes
import os
import re
import threading
from typing import Dict, Optional

from racetrack_job_wrapper.context import Request
from racetrack_job_wrapper.endpoints import error_response
from racetrack_job_wrapper.server import Response

ASSET_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s</title>
<link rel="stylesheet" href="%(assets)sswagger-ui.css">
<link rel="icon" type="image/png" href="%(assets)sfavicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="%(assets)sswagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
</script>
</body>
</html>
"""

# without the swagger-ui-dist folder the page loads nothing from elsewhere: it points at the API description
BARE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>%(title)s</title></head>
<body><p>The Swagger UI is not installed with this job. Its API description is <a href="openapi.json">openapi.json</a>.</p></body>
</html>
"""


class SwaggerDocs:
    def __init__(self, job_name: str, swagger_ui_dir: Optional[str]):
        self._dir = swagger_ui_dir if swagger_ui_dir and os.path.isdir(swagger_ui_dir) else None
        title = html.escape(f'Job - {job_name} - Swagger UI')
        page = PAGE % {'title': title, 'assets': 'docs/'} if self._dir else BARE_PAGE % {'title': title}
        self._page: Response = (200, page.encode(), 'text/html; charset=utf-8', ())
        self._assets: Dict[str, Response] = {}
        self._lock = threading.Lock()

    def page(self, request: Request) -> Response:
        return self._page

    def asset(self, request: Request) -> Response:
        name = request.path[len('/docs/'):]
        if not name:  # relative URLs need the page at .../docs, not .../docs/
            return 307, b'', 'text/plain', (('Location', request.prefix + '/docs'),)
        cached = self._assets.get(name)
        if cached is not None:
            return cached
        if self._dir is None or not ASSET_NAME.match(name) or not os.path.isfile(os.path.join(self._dir, name)):
            return error_response(404, 'not found', 'NotFound')
        with open(os.path.join(self._dir, name), 'rb') as f:
            content = f.read()
        mimetype = mimetypes.guess_type(name)[0] or 'application/octet-stream'
        response: Response = (200, content, mimetype, (('Cache-Control', 'public, max-age=86400'),))
        with self._lock:
            self._assets[name] = response
        return response
