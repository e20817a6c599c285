"""Routing: strips the /pub/job/NAME/VERSION prefix, dispatches to the built-in and the job's endpoints, logs a line."""
from __future__ import annotations

import logging
import re
import sys
from time import perf_counter
from typing import Any, Dict, Optional, Tuple

from racetrack_job_wrapper.concurrency import ConcurrencyGate
from racetrack_job_wrapper.context import Request
from racetrack_job_wrapper.docs import SwaggerDocs
from racetrack_job_wrapper.endpoints import JobEndpoints, auxiliary_endpoints, error_response, json_response
from racetrack_job_wrapper.health import HealthState
from racetrack_job_wrapper.metrics import Metrics
from racetrack_job_wrapper.openapi import build_openapi
from racetrack_job_wrapper.server import Handler, Response
from racetrack_job_wrapper.static import StaticEndpoints

logger = logging.getLogger('racetrack_job_wrapper')

# the gateway passes the resolved version, and `fatman` is Racetrack's old name for jobs
PUB_PREFIX = re.compile(r'^/pub/(?:job|fatman)/[^/]+/[^/]+')
QUIET_PATHS = frozenset(('/live', '/ready', '/health', '/metrics'))  # probes and scrapes are not logged
Routes = Dict[str, Dict[str, Handler]]


def split_prefix(path: str) -> Tuple[str, str]:
    if path.startswith('/pub/'):
        match = PUB_PREFIX.match(path)
        if match:
            prefix = match.group(0)
            return prefix, path[len(prefix):] or '/'
    return '', path


class App:
    def __init__(self, health: HealthState, metrics: Metrics, docs: SwaggerDocs, home_page: str):
        self._health = health
        self._metrics = metrics
        self._docs = docs
        self._home_page = home_page
        self._static: Optional[StaticEndpoints] = None
        self._openapi: Dict[str, Any] = {}
        self._openapi_plain: Response = json_response(200, {})
        self._routes: Routes = self._builtin_routes()

    def _builtin_routes(self) -> Routes:
        return {
            '/': {'GET': self._root},
            '/live': {'GET': lambda request: json_response(*self._health.live())},
            '/ready': {'GET': lambda request: json_response(*self._health.readiness())},
            '/health': {'GET': lambda request: json_response(*self._health.health())},
            '/metrics': {'GET': self._render_metrics},
            '/docs': {'GET': self._docs.page},
        }

    def mount_job(self, job: Any, gate: Optional[ConcurrencyGate], job_root: str) -> None:
        """Adds the job's endpoints; until this is called only the built-in ones answer."""
        static = StaticEndpoints(job, job_root)
        routes = self._builtin_routes()
        routes['/openapi.json'] = {'GET': self._openapi_json}
        for path, methods in JobEndpoints(job, self._metrics, gate).routes().items():
            routes.setdefault(path, methods)
        for path, handler in static.files.items():
            routes.setdefault(path, {}).setdefault('GET', handler)
        static_paths = [path[len('/api/v1'):] for path in static.files if path.startswith('/api/v1/')]
        static_paths += [prefix[len('/api/v1'):].rstrip('/') for prefix, _ in static.folders if prefix.startswith('/api/v1/')]
        self._openapi = build_openapi(job, self._health.job_name, self._health.job_version, auxiliary_endpoints(job), static_paths)
        self._openapi_plain = json_response(200, self._openapi)
        if callable(getattr(job, 'metrics', None)):
            self._metrics.set_job_metrics(job.metrics)
        self._static = static
        self._routes = routes

    def handle(self, request: Request) -> Response:
        started = perf_counter()
        path = request.path
        methods = self._routes.get(path)
        route = path
        try:
            if methods is not None:
                handler = methods.get(request.method) or (methods.get('GET') if request.method == 'HEAD' else None)
                response = handler(request) if handler else self._not_allowed(methods)
            else:
                handler, route = self._match_prefix(path)
                response = handler(request) if handler else self._not_found()
        except Exception as e:
            logger.exception('%s %s failed', request.method, request.path)
            response = error_response(500, str(e), type(e).__name__)
        status = response[0]
        self._metrics.count_http(request.method, route, status)
        if path not in QUIET_PATHS:
            sys.stdout.write('%s %s %d %.1fms\n' % (request.method, (request.prefix + path)[:300], status, (perf_counter() - started) * 1000))
        return response

    def _match_prefix(self, path: str) -> Tuple[Optional[Handler], str]:
        """Handler and metrics label of a path under a static folder or the Swagger UI assets."""
        handler = self._static.match_folder(path) if self._static else None
        if handler is not None:
            return handler, 'static'
        if path.startswith('/docs/'):
            return self._docs.asset, '/docs/*'
        return None, 'unmatched'

    def _root(self, request: Request) -> Response:
        location = self._home_page if '://' in self._home_page else request.prefix + '/' + self._home_page.lstrip('/')
        return 302, b'', 'text/plain', (('Location', location),)

    def _openapi_json(self, request: Request) -> Response:
        if not request.prefix:
            return self._openapi_plain
        return json_response(200, {**self._openapi, 'servers': [{'url': request.prefix}]})

    def _render_metrics(self, request: Request) -> Response:
        return 200, self._metrics.render().encode(), 'text/plain; version=0.0.4; charset=utf-8', ()

    def _not_found(self) -> Response:
        if not self._health.ready:
            status, body, content_type, _ = error_response(503, 'the job is not ready yet', 'NotReady')
            return status, body, content_type, (('Retry-After', '1'),)
        return error_response(404, 'not found', 'NotFound')

    @staticmethod
    def _not_allowed(methods: Dict[str, Handler]) -> Response:
        status, body, content_type, _ = error_response(405, 'method not allowed', 'MethodNotAllowed')
        return status, body, content_type, (('Allow', ', '.join(sorted(methods))),)
