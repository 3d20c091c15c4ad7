"""Sign-in throttling: a sliding window of failed attempts per username and per client address.

Kept in process memory: with several API processes each one counts on its own, which still bounds a
brute-force attempt to N x processes per minute.  A shared counter (Redis) is the upgrade path.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    def __init__(self, *, max_failures: int, window_seconds: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._failures[key]
        while events and now - events[0] > self.window:
            events.popleft()
        return events

    def retry_after(self, *keys: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                events = self._recent(key, now)
                if len(events) >= self.max_failures:
                    return max(1, int(self.window - (now - events[0])) + 1)
        return None

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeed(self, username_key: str) -> None:
        with self._lock:
            self._failures.pop(username_key, None)
