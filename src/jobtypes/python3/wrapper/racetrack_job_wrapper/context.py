"""The request being handled, visible to job code (call_job reads its tracing header from here)."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Optional


class Headers(dict):
    """Header names are stored lower-case; lookups are case-insensitive like Starlette's."""

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())


class Request:
    __slots__ = ('method', 'path', 'query', 'headers', 'body', 'prefix')

    def __init__(self, method: str, path: str, query: str, headers: Headers, body: bytes, prefix: str):
        self.method = method
        self.path = path  # without the /pub/job/NAME/VERSION prefix
        self.query = query
        self.headers = headers
        self.body = body
        self.prefix = prefix  # '' or '/pub/job/NAME/VERSION' as the request came in


current_request: ContextVar[Request] = ContextVar('racetrack_request')
