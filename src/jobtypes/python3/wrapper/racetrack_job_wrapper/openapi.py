"""OpenAPI 3 document built from the job's method signatures, type hints, docstrings and input examples."""
from __future__ import annotations

import collections.abc
import inspect
import logging
import re
import types
import typing
from typing import Any, Callable, Dict, Iterable, List, Optional

logger = logging.getLogger('racetrack_job_wrapper')

PRIMITIVES = {int: 'integer', float: 'number', str: 'string', bool: 'boolean'}
ARRAYS = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Iterable, collections.abc.Collection,
          collections.abc.Set)
DOC_PARAM = re.compile(r'^\s*:param\s+(\w+):\s*(.*)$')
ERROR_SCHEMA = {'type': 'object', 'properties': {'error': {'type': 'string'}, 'type': {'type': 'string'}}}


def build_openapi(job: Any, job_name: str, job_version: str, auxiliary: Dict[str, Callable[..., Any]],
                  static_paths: Iterable[str]) -> Dict[str, Any]:
    examples = _input_examples(job)
    paths: Dict[str, Any] = {
        '/api/v1/perform': {'post': _job_operation(job.perform, 'perform', 'Call main action', examples.get('/perform'))},
        '/api/v1/parameters': {'get': _plain_operation('List the parameters of perform()', 'API')},
    }
    for path, method in sorted(auxiliary.items()):
        operation_id = 'auxiliary_endpoint' + re.sub(r'\W', '_', path)
        paths['/api/v1' + path] = {'post': _job_operation(method, operation_id, f'Call auxiliary endpoint: {path}', examples.get(path))}
    for path in sorted(static_paths):
        paths['/api/v1' + path] = {'get': _plain_operation(f'Static file {path}', 'Static', content_type='*/*')}
    for path, summary in (('/health', 'Job status'), ('/live', 'Liveness: the server has started'),
                          ('/ready', 'Readiness: the job class is initialised')):
        paths[path] = {'get': _plain_operation(summary, 'Health')}
    paths['/metrics'] = {'get': _plain_operation('Prometheus metrics', 'Health', content_type='text/plain')}
    return {
        'openapi': '3.0.3',
        'info': {'title': f'Job - {job_name}', 'version': job_version, 'description': 'Racetrack job wrapped in a REST server'},
        'paths': paths,
        'components': {'securitySchemes': {'RacetrackAuth': {'type': 'apiKey', 'in': 'header', 'name': 'X-Racetrack-Auth'}}},
        'security': [{'RacetrackAuth': []}],
    }


def _input_examples(job: Any) -> Dict[str, Any]:
    """docs_input_examples() (endpoint -> example), with docs_input_example() for /perform when that has none."""
    examples: Dict[str, Any] = {}
    if callable(getattr(job, 'docs_input_examples', None)):
        examples = {('/' + k.lstrip('/')): v for k, v in (job.docs_input_examples() or {}).items()}
    if '/perform' not in examples and callable(getattr(job, 'docs_input_example', None)):
        examples['/perform'] = job.docs_input_example()
    return examples


def _job_operation(method: Callable[..., Any], operation_id: str, summary: str, example: Optional[Any]) -> Dict[str, Any]:
    doc = inspect.getdoc(method) or ''
    hints = _type_hints(method)
    param_docs = dict(m.groups() for m in map(DOC_PARAM.match, doc.splitlines()) if m)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for param in inspect.signature(method).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        schema = dict(schema_of(hints.get(param.name, Any)))
        if param.name in param_docs:
            schema['description'] = param_docs[param.name]
        if param.default is param.empty:
            required.append(param.name)
        elif isinstance(param.default, (str, int, float, bool, list, dict, type(None))):
            schema['default'] = param.default
        properties[param.name] = schema
    body_schema: Dict[str, Any] = {'type': 'object', 'properties': properties}
    if required:
        body_schema['required'] = required
    media: Dict[str, Any] = {'schema': body_schema}
    if example is not None:
        media['example'] = example
    return {
        'tags': ['API'],
        'summary': summary,
        'description': doc,
        'operationId': operation_id,
        'requestBody': {'required': True, 'content': {'application/json': media}},
        'responses': {
            '200': {'description': 'Result', 'content': {'application/json': {'schema': schema_of(hints.get('return', Any))}}},
            '400': {'description': 'Invalid input', 'content': {'application/json': {'schema': ERROR_SCHEMA}}},
            '429': {'description': 'Too many concurrent requests', 'content': {'application/json': {'schema': ERROR_SCHEMA}}},
            '500': {'description': 'The job failed', 'content': {'application/json': {'schema': ERROR_SCHEMA}}},
        },
    }


def _plain_operation(summary: str, tag: str, content_type: str = 'application/json') -> Dict[str, Any]:
    return {'tags': [tag], 'summary': summary, 'responses': {'200': {'description': 'OK', 'content': {content_type: {}}}}}


def _type_hints(method: Callable[..., Any]) -> Dict[str, Any]:
    try:
        return typing.get_type_hints(method)
    except Exception as e:  # e.g. a string annotation naming something not importable at runtime
        logger.warning('cannot resolve type hints of %s: %s', getattr(method, '__qualname__', method), e)
        return {}


def schema_of(hint: Any) -> Dict[str, Any]:
    """JSON schema of a type hint; {} (anything) when it cannot be expressed."""
    if hint in PRIMITIVES:
        return {'type': PRIMITIVES[hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or (hasattr(types, 'UnionType') and origin is getattr(types, 'UnionType')):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return {**schema_of(options[0]), 'nullable': True}
        return {'anyOf': [schema_of(a) for a in options], 'nullable': len(options) < len(args)}
    if origin is typing.Literal:
        return {'enum': list(args)}
    if hint in ARRAYS or origin in ARRAYS:
        return {'type': 'array', 'items': schema_of(args[0]) if args else {}}
    if hint is dict or origin in (dict, collections.abc.Mapping):
        return {'type': 'object', 'additionalProperties': schema_of(args[1]) if len(args) == 2 else {}}
    if hint is type(None):
        return {'nullable': True}
    return {}
