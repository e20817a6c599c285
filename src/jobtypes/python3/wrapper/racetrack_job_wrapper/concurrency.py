"""max_concurrency / max_concurrency_queue: at most N job calls run at once, at most Q wait, the rest get 429."""
from __future__ import annotations

import threading
from typing import Optional


class QueueFull(Exception):
    pass


class ConcurrencyGate:
    def __init__(self, limit: int, queue: Optional[int]):
        self._limit = limit
        self._queue = queue  # None: unbounded
        self._lock = threading.Lock()
        self._active = 0  # running + waiting
        self._slots = threading.Semaphore(limit)

    def __enter__(self) -> None:
        with self._lock:
            if self._queue is not None and self._active - self._limit >= self._queue:
                raise QueueFull(f'too many requests waiting in a queue: the job processes {self._limit} requests '
                                f'concurrently with a queue of max size {self._queue}')
            self._active += 1
        self._slots.acquire()

    def __exit__(self, *exc: object) -> None:
        self._slots.release()
        with self._lock:
            self._active -= 1
