"""call_job: a job calling another job through Racetrack's pub, as `from racetrack_job_wrapper.call import call_job`."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

from racetrack_job_wrapper.context import current_request

# calls go to the internal pub: never through an http_proxy from the environment
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class JobCallError(RuntimeError):
    def __init__(self, message: str, status: Optional[int] = None, body: str = ''):
        super().__init__(message)
        self.status = status
        self.body = body


def call_job(
    entrypoint: Any,
    job_name: str,
    path: str = '/api/v1/perform',
    payload: Optional[Dict[str, Any]] = None,
    version: str = 'latest',
    method: str = 'POST',
    timeout: Optional[float] = 10,
) -> Any:
    """Call JOB_NAME's endpoint PATH (version exact, 'latest' or a pattern) and return its parsed JSON result.

    `entrypoint` is the calling job's instance (kept for Racetrack compatibility); the tracing id of the
    request being handled is forwarded so the call chain can be followed in logs.
    """
    caller = os.environ.get('JOB_NAME', '')
    pub_url = os.environ.get('PUB_URL')
    if not pub_url:
        raise JobCallError(f'failed to call job "{job_name} {version}" by {caller}: PUB_URL is not set')
    if not path.startswith('/'):
        path = '/' + path
    url = f'{pub_url.rstrip("/")}/job/{job_name}/{version}{path}'

    headers = {
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'X-Racetrack-Auth': os.environ.get('AUTH_TOKEN', ''),
        os.environ.get('CALLER_NAME_HEADER', 'X-Caller-Name'): caller,
    }
    tracing_header = os.environ.get('REQUEST_TRACING_HEADER', 'X-Request-Tracing-Id')
    request = current_request.get(None)
    tracing_id = request.headers.get(tracing_header) if request is not None else None
    if tracing_id:
        headers[tracing_header] = tracing_id

    data = json.dumps(payload).encode() if payload is not None else None
    http_request = urllib.request.Request(url, data=data, headers=headers, method=method.upper())
    try:
        with _opener.open(http_request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as e:
        text = e.read().decode('utf-8', 'replace')
        raise JobCallError(f'failed to call job "{job_name} {version}" by {caller}: HTTP {e.code} from {url}: {text}',
                           e.code, text) from None
    except OSError as e:
        raise JobCallError(f'failed to call job "{job_name} {version}" by {caller}: {e}') from e
    try:
        return json.loads(body) if body else None
    except ValueError:
        raise JobCallError(f'job "{job_name} {version}" answered with invalid JSON: {body[:200]!r}') from None
