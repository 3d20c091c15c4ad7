"""Sign-in throttling: failed attempts counted per key, with a lock that backs off, in a bounded table.

Keys (auth/router.py): `addr:<address>` (one address spraying many usernames) and `user:<name>|addr:<address>` (one
address guessing one user's password). There is deliberately no key for a username alone: a flood of wrong passwords
from one address must not lock the real user out from another address (issue #14, item 15).

A key reaching `max_failures` failures within `window` seconds is locked; each further lock of the same key lasts twice
as long as the one before (60 s, 120 s, 240 s, ... up to `max_lock`), and the count of locks is forgotten once the
key has been quiet for `max_lock`.

Bounded (issue #14, item 2): asking about a key never stores it (a 429 costs nothing), an entry lives at most
`max(window, max_lock)` after its last failure, and the table never holds more than `max_entries` keys: the least
recently failed key is dropped first. Usernames are bounded by the form's schema before they get here.

Kept in process memory: with several API processes each one counts on its own, which still bounds a brute-force
attempt to N x processes per minute.  A shared counter (Redis) is the upgrade path.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass
class _Entry:
    failures: deque = field(default_factory=deque)
    locked_until: float = 0.0
    locks: int = 0
    last: float = 0.0


class LoginThrottle:
    def __init__(self, *, max_failures: int, window_seconds: float = 60.0, max_lock_seconds: float = 3600.0,
                 max_entries: int = 10_000, clock=time.monotonic) -> None:
        self.max_failures = max(1, max_failures)
        self.window = window_seconds
        self.max_lock = max(max_lock_seconds, window_seconds)
        self.max_entries = max(1, max_entries)
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def retry_after(self, *keys: str) -> int | None:
        """Seconds to wait if any key is locked, else None.  Never adds a key."""
        now = self._clock()
        with self._lock:
            waits = [entry.locked_until - now for key in keys
                     if (entry := self._entries.get(key)) is not None and entry.locked_until > now]
        return max(1, int(max(waits)) + 1) if waits else None

    def fail(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            self._expire(now)
            for key in keys:
                entry = self._entries.pop(key, None) or _Entry()
                if entry.locks and now - entry.last > self.max_lock:
                    entry.locks = 0  # quiet long enough: start the back-off again
                entry.last = now
                events = entry.failures
                while events and now - events[0] > self.window:
                    events.popleft()
                events.append(now)
                if len(events) >= self.max_failures:
                    entry.locked_until = now + min(self.max_lock, self.window * 2 ** entry.locks)
                    entry.locks += 1
                    events.clear()
                self._entries[key] = entry  # most recently failed last
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def succeed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def _expire(self, now: float) -> None:
        ttl = max(self.window, self.max_lock)
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if now - entry.last <= ttl or entry.locked_until > now:
                break
            del self._entries[key]
