"""Prometheus metrics: Racetrack's job metric names, per-route request counters and the job's own metrics()."""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from bisect import bisect_left
from typing import Any, Callable, Dict, List, Optional, Tuple

logger = logging.getLogger('racetrack_job_wrapper')

BUCKETS = (.001, .0025, .005, .01, .025, .05, .075, .1, .25, .5, .75, 1.0, 2.5, 5.0, 7.5,
           10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, math.inf)
METRIC_NAME = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL_NAME = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._http: Dict[Tuple[str, str, int], int] = {}  # (method, route, status) -> count
        self._started: Dict[str, int] = {}
        self._errors: Dict[str, int] = {}
        self._durations: Dict[str, Tuple[List[int], List[float]]] = {}  # endpoint -> (bucket counts, [sum])
        self._done = 0
        self._last_call: Optional[float] = None
        self._job_metrics: Optional[Callable[[], List[Dict[str, Any]]]] = None

    def set_job_metrics(self, collect: Callable[[], List[Dict[str, Any]]]) -> None:
        self._job_metrics = collect

    def count_http(self, method: str, route: str, status: int) -> None:
        key = (method, route, status)
        with self._lock:
            self._http[key] = self._http.get(key, 0) + 1

    def call_started(self, endpoint: str) -> None:
        with self._lock:
            self._started[endpoint] = self._started.get(endpoint, 0) + 1

    def call_done(self, endpoint: str, seconds: float, failed: bool) -> None:
        with self._lock:
            hist = self._durations.get(endpoint)
            if hist is None:
                hist = self._durations[endpoint] = ([0] * len(BUCKETS), [0.0])
            hist[0][bisect_left(BUCKETS, seconds)] += 1
            hist[1][0] += seconds
            if failed:
                self._errors[endpoint] = self._errors.get(endpoint, 0) + 1
            self._done += 1
            self._last_call = time.time()

    def render(self) -> str:
        with self._lock:
            http = dict(self._http)
            started = dict(self._started)
            errors = dict(self._errors)
            durations = {k: (list(v[0]), v[1][0]) for k, v in self._durations.items()}
            done, last_call = self._done, self._last_call
        out: List[str] = []
        _family(out, 'requests_started_total', 'counter', 'Total number of started requests calling Job (may be not finished yet)',
                [({}, sum(started.values()))])
        _family(out, 'requests_done_total', 'counter', 'Total number of finished requests calling Job (processed and done)',
                [({}, done)])
        _family(out, 'endpoint_requests_started_total', 'counter', 'Started requests calling Job per endpoint',
                [({'endpoint': e}, n) for e, n in sorted(started.items())])
        _family(out, 'request_internal_errors_total', 'counter', 'Number of errors raised by the Job per endpoint',
                [({'endpoint': e}, n) for e, n in sorted(errors.items())])
        _histogram(out, durations)
        _family(out, 'last_call_timestamp', 'gauge', 'Timestamp (in seconds) of the last request calling Job',
                [({}, last_call or 0)])
        _family(out, 'http_requests_total', 'counter', 'HTTP requests served by the wrapper per route and status',
                [({'method': m, 'route': r, 'status': str(s)}, n) for (m, r, s), n in sorted(http.items())])
        out.extend(self._render_job_metrics())
        return '\n'.join(out) + '\n'

    def _render_job_metrics(self) -> List[str]:
        if self._job_metrics is None:
            return []
        try:
            metrics = list(self._job_metrics())
        except Exception:
            logger.exception('metrics() of the job failed')
            return []
        families: Dict[str, Tuple[str, List[Tuple[Dict[str, str], Any]]]] = {}
        for metric in metrics:
            name, value = metric.get('name'), metric.get('value')
            if not isinstance(name, str) or not METRIC_NAME.match(name) or value is None:
                logger.error('skipping invalid job metric (needs a valid name and a value): %r', metric)
                continue
            labels = {str(k): str(v) for k, v in (metric.get('labels') or {}).items() if LABEL_NAME.match(str(k))}
            families.setdefault(name, (str(metric.get('description') or ''), []))[1].append((labels, value))
        out: List[str] = []
        for name, (description, samples) in families.items():
            _family(out, name, 'gauge', description, samples)
        return out


def _histogram(out: List[str], durations: Dict[str, Tuple[List[int], float]]) -> None:
    out.append('# HELP request_duration Duration of Job calls in seconds')
    out.append('# TYPE request_duration histogram')
    for endpoint, (counts, total) in sorted(durations.items()):
        cumulative = 0
        for le, n in zip(BUCKETS, counts):
            cumulative += n
            out.append('request_duration_bucket%s %d' % (_labels({'endpoint': endpoint, 'le': _number(le)}), cumulative))
        out.append('request_duration_sum%s %s' % (_labels({'endpoint': endpoint}), _number(total)))
        out.append('request_duration_count%s %d' % (_labels({'endpoint': endpoint}), cumulative))


def _family(out: List[str], name: str, kind: str, description: str, samples: List[Tuple[Dict[str, str], Any]]) -> None:
    out.append('# HELP %s %s' % (name, description.replace('\\', '\\\\').replace('\n', '\\n')))
    out.append('# TYPE %s %s' % (name, kind))
    for labels, value in samples:
        try:
            out.append('%s%s %s' % (name, _labels(labels), _number(float(value))))
        except (TypeError, ValueError):
            logger.error('metric %s has a non-numeric value: %r', name, value)


def _labels(labels: Dict[str, str]) -> str:
    if not labels:
        return ''
    escaped = ('%s="%s"' % (k, v.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')) for k, v in labels.items())
    return '{' + ','.join(escaped) + '}'


def _number(value: float) -> str:
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if math.isnan(value):
        return 'NaN'
    return repr(float(value))
