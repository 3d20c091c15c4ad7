"""What the boards keep in memory between requests, in one object per process (`board_cache`).

It holds three kinds of entry, all under one lock:
- a board: its ranked rows, its version, and when that version was last checked against the database;
- pages of a board as JSON bytes with the board's row count (bounded: least recently used go first);
- the challenge as last read (`ChallengeView`, plain data), so the hot path needs no session.

**The one invalidation rule: a board holds one version at a time.** Storing a board or a page of a version
other than the one held drops everything held under that board (its rows and all its pages) first. A
board's version is what it depends on (its scores, its submissions' states, final marks, its finalize time;
see service.compute_board), so nothing else ever has to forget an entry: what changed in the database
shows up as a new version at the next check, at most DABIWU_BOARD_CACHE_SECONDS later. A finalized board's
version is ("final", finalized_at), so finalizing drops the live board's pages too.

Keys carry the database (`database_key`): one process may serve several (the test suite does).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine

from dabiwu.challenges.rules import ChallengeRules

BoardKey = tuple  # (database key, challenge id, split)


@lru_cache(maxsize=64)
def database_key(engine: Engine) -> str:
    """A cheap, hashable name of the database an engine talks to (part of every key)."""
    return engine.url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class Board:
    version: tuple
    rows: list[dict]
    checked_at: float  # monotonic time the version was last checked
    score_marks: tuple[int, int]  # (max score id, number of scores) in the whole database at that check


@dataclass(frozen=True)
class ChallengeView:
    """What the board endpoint needs of a challenge, as plain data it may keep between requests."""

    id: int
    slug: str
    rules: ChallengeRules  # frozen: safe to keep between requests
    finalized_at: datetime | None
    status: str = "published"  # draft and withdrawn boards are shown to admins and judges only


class BoardCache:
    def __init__(self, *, max_pages: int = 256, max_page_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_pages, self.max_page_bytes = max_pages, max_page_bytes
        self._lock = threading.Lock()
        self._versions: dict[BoardKey, tuple] = {}
        self._boards: dict[BoardKey, Board] = {}
        self._pages: OrderedDict[tuple, tuple[bytes, int]] = OrderedDict()  # (board key, page, page_size)
        self._page_bytes = 0
        self._challenges: dict[tuple[str, str], tuple[ChallengeView, float]] = {}
        self._builders: dict[BoardKey, threading.Lock] = defaultdict(threading.Lock)

    # -- boards -------------------------------------------------------------------------------------------

    def board(self, key: BoardKey) -> Board | None:
        # Reads of single entries take no lock (a dict lookup is atomic, and writers only replace whole, frozen
        # entries): the hot path answers a page with one lock taken, in page().
        return self._boards.get(key)

    def put_board(self, key: BoardKey, board: Board) -> None:
        with self._lock:
            self._hold_version(key, board.version)
            self._boards[key] = board

    def builder(self, key: BoardKey) -> threading.Lock:
        """The lock one request holds while it checks (and maybe rebuilds) this board."""
        with self._lock:
            return self._builders[key]

    # -- pages --------------------------------------------------------------------------------------------

    def page(self, key: BoardKey, version: tuple, page: int, page_size: int | None) -> tuple[bytes, int] | None:
        with self._lock:
            if self._versions.get(key) != version:
                return None
            hit = self._pages.get((key, page, page_size))
            if hit is not None:
                self._pages.move_to_end((key, page, page_size))
            return hit

    def put_page(self, key: BoardKey, version: tuple, page: int, page_size: int | None,
                 answer: tuple[bytes, int]) -> None:
        with self._lock:
            self._hold_version(key, version)
            slot = (key, page, page_size)
            if slot in self._pages:
                return
            self._pages[slot] = answer
            self._page_bytes += len(answer[0])
            while self._pages and (len(self._pages) > self.max_pages or self._page_bytes > self.max_page_bytes):
                _, evicted = self._pages.popitem(last=False)
                self._page_bytes -= len(evicted[0])

    def _hold_version(self, key: BoardKey, version: tuple) -> None:
        """The invalidation rule (under the lock): a new version of a board drops all of the old one."""
        if self._versions.get(key) == version:
            return
        self._versions[key] = version
        self._boards.pop(key, None)
        for slot in [s for s in self._pages if s[0] == key]:
            self._page_bytes -= len(self._pages.pop(slot)[0])

    # -- challenges ---------------------------------------------------------------------------------------

    def challenge(self, database: str, slug: str) -> tuple[ChallengeView, float] | None:
        """The challenge as last read, and the monotonic time it was read."""
        return self._challenges.get((database, slug))  # no lock: see board()

    def put_challenge(self, database: str, view: ChallengeView) -> None:
        with self._lock:
            self._challenges[(database, view.slug)] = (view, time.monotonic())

    def page_bytes(self) -> int:
        with self._lock:
            return self._page_bytes


board_cache = BoardCache()
