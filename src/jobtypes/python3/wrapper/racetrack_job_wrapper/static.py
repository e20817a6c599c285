"""static_endpoints(): files and folders of the job served by GET, never anything outside the job folder."""
from __future__ import annotations

import logging
import mimetypes
import os
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from racetrack_job_wrapper.endpoints import error_response
from racetrack_job_wrapper.server import Handler, Response

logger = logging.getLogger('racetrack_job_wrapper')


class StaticEndpoints:
    """Each endpoint is served at /api/v1/PATH (as Racetrack does) and at PATH."""

    def __init__(self, job: Any, job_root: str):
        self._root = os.path.realpath(job_root)
        self.files: Dict[str, Handler] = {}
        self.folders: List[Tuple[str, str]] = []  # (url prefix ending in '/', folder)
        endpoints = job.static_endpoints() if callable(getattr(job, 'static_endpoints', None)) else {}
        for path, spec in (endpoints or {}).items():
            path = '/' + path.strip('/')
            filename, mimetype = (spec[0], spec[1]) if isinstance(spec, (tuple, list)) else (spec, None)
            filename = os.path.join(self._root, str(filename))
            for url in ('/api/v1' + path, path):
                if os.path.isdir(filename):
                    self.folders.append((url + '/', filename))
                else:
                    self.files[url] = self._file_handler(filename, mimetype)
            logger.info('static endpoint: GET /api/v1%s -> %s', path, os.path.relpath(filename, self._root))
        self.folders.sort(key=lambda folder: -len(folder[0]))  # the most specific prefix first

    def match_folder(self, path: str) -> Optional[Handler]:
        for prefix, folder in self.folders:
            if path.startswith(prefix):
                return lambda request: self._serve_from_folder(folder, request.path[len(prefix):])
        return None

    def _file_handler(self, filename: str, mimetype: Optional[str]) -> Handler:
        return lambda request: self._serve(filename, mimetype)

    def _serve_from_folder(self, folder: str, subpath: str) -> Response:
        subpath = unquote(subpath)
        if '\0' in subpath or subpath.startswith('/') or '..' in subpath.replace('\\', '/').split('/'):
            return error_response(404, 'not found', 'NotFound')
        folder_real = os.path.realpath(folder)
        target = os.path.realpath(os.path.join(folder, subpath))
        if not (target + os.sep).startswith(folder_real + os.sep):
            return error_response(403, 'path leads outside the static folder', 'Forbidden')
        return self._serve(target, None)

    def _serve(self, filename: str, mimetype: Optional[str]) -> Response:
        real = os.path.realpath(filename)
        if not real.startswith(self._root + os.sep):
            return error_response(403, 'path leads outside the job folder', 'Forbidden')
        try:
            with open(real, 'rb') as f:
                content = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return error_response(404, 'not found', 'NotFound')
        if not mimetype:
            mimetype = mimetypes.guess_type(real, strict=False)[0] or 'text/plain'
        return 200, content, mimetype, ()
