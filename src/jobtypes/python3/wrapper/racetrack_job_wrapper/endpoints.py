"""The job's own endpoints: perform, auxiliary endpoints and the parameters listing, with Racetrack's error mapping."""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import inspect
import json
import logging
from time import perf_counter
from typing import Any, Callable, Dict, List, Optional

from racetrack_job_wrapper.concurrency import ConcurrencyGate, QueueFull
from racetrack_job_wrapper.context import Request, current_request
from racetrack_job_wrapper.metrics import Metrics
from racetrack_job_wrapper.server import Handler, Response

logger = logging.getLogger('racetrack_job_wrapper')
JSON = 'application/json'


def json_response(status: int, obj: Any) -> Response:
    return status, json.dumps(obj, default=to_jsonable).encode(), JSON, ()


def error_response(status: int, message: str, error_type: str) -> Response:
    return status, json.dumps({'error': message, 'type': error_type}).encode(), JSON, ()


def to_jsonable(obj: Any) -> Any:
    """json.dumps fallback for common result types (dataclasses, pydantic models, numpy values, dates, sets)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    for method in ('model_dump', 'dict', 'tolist'):
        if callable(getattr(obj, method, None)):
            return getattr(obj, method)()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, (datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    raise TypeError(f'{type(obj).__name__} is not JSON serializable')


def auxiliary_endpoints(job: Any) -> Dict[str, Callable[..., Any]]:
    """auxiliary_endpoints() of the job with every path starting with '/'."""
    if not callable(getattr(job, 'auxiliary_endpoints', None)):
        return {}
    endpoints = job.auxiliary_endpoints() or {}
    return {('/' + path.lstrip('/')): method for path, method in endpoints.items()}


def list_parameters(method: Callable[..., Any]) -> List[Dict[str, Any]]:
    """Racetrack's /parameters format: required ones as {name, type}, then optional ones with default_value."""
    required, optional = [], []
    for param in inspect.signature(method).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = param.annotation
        type_name = None if annotation is param.empty else getattr(annotation, '__name__', None) or str(annotation)
        if param.default is param.empty:
            required.append({'name': param.name, 'type': type_name})
        else:
            optional.append({'name': param.name, 'default_value': param.default, 'type': type_name})
    return required + optional


class JobEndpoints:
    def __init__(self, job: Any, metrics: Metrics, gate: Optional[ConcurrencyGate]):
        self._job = job
        self._metrics = metrics
        try:  # Racetrack jobs may read the current request as self.request_context.get()
            job.request_context = current_request
        except AttributeError:
            pass
        self._gate = gate
        # default=str: a parameter's default value may be any object
        self._parameters = 200, json.dumps(list_parameters(job.perform), default=str).encode(), JSON, ()

    def routes(self) -> Dict[str, Dict[str, Handler]]:
        routes: Dict[str, Dict[str, Handler]] = {
            '/api/v1/perform': {'POST': self._endpoint(self._job.perform, '/perform')},
            '/api/v1/parameters': {'GET': lambda request: self._parameters},
        }
        for path, method in auxiliary_endpoints(self._job).items():
            routes.setdefault('/api/v1' + path, {}).setdefault('POST', self._endpoint(method, path))
            logger.info('auxiliary endpoint: POST /api/v1%s', path)
        return routes

    def _endpoint(self, method: Callable[..., Any], endpoint: str) -> Handler:
        return lambda request: self._call(method, endpoint, request)

    def _call(self, method: Callable[..., Any], endpoint: str, request: Request) -> Response:
        try:
            payload = json.loads(request.body) if request.body else {}
        except ValueError as e:
            return error_response(400, f'request body is not valid JSON: {e}', 'ValueError')
        if not isinstance(payload, dict):
            return error_response(400, 'request body must be a JSON object of named parameters', 'ValueError')

        self._metrics.call_started(endpoint)
        started = perf_counter()
        failed = True
        token = current_request.set(request)
        try:
            if self._gate is None:
                result = method(**payload)
            else:
                with self._gate:
                    result = method(**payload)
            failed = False
        except QueueFull as e:
            failed = False
            return error_response(429, str(e), 'TooManyRequests')
        except (TypeError, ValueError) as e:
            logger.exception('%s %s failed', request.method, request.path)
            return error_response(400, str(e), type(e).__name__)
        except BaseException as e:
            logger.exception('%s %s failed', request.method, request.path)
            return error_response(500, str(e), type(e).__name__)
        finally:
            current_request.reset(token)
            self._metrics.call_done(endpoint, perf_counter() - started, failed)

        try:
            return 200, json.dumps(result, default=to_jsonable).encode(), JSON, ()
        except (TypeError, ValueError) as e:
            logger.exception('%s %s returned a result that is not JSON', request.method, request.path)
            return error_response(500, f'result is not JSON serializable: {e}', type(e).__name__)
