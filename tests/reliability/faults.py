"""Faults to inject: a database that refuses writes or connections, a full disk; and a patient wait.

Each works on SQLite (the default test database) and PostgreSQL (DABIWU_TEST_DATABASE_URL):

- `writes_blocked`: reads go on, writes wait.  SQLite: another connection holds BEGIN EXCLUSIVE (WAL
  readers still read; writers wait out busy_timeout).  PostgreSQL: a transaction holds
  `LOCK TABLE quota_usage IN EXCLUSIVE MODE`, which stops intake's quota reservation, the first write.
- `database_down`: PostgreSQL refuses new connections (ALLOW_CONNECTIONS false) and every open one is
  terminated; SQLite has no server to stop, so the strongest it gets is the exclusive lock.
- `full_tmpfs`: a tiny tmpfs mounted over a folder and filled to the last byte (needs root).
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


@contextlib.contextmanager
def _sqlite_exclusive(database_url: str) -> Iterator[None]:
    connection = sqlite3.connect(make_url(database_url).database, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextlib.contextmanager
def writes_blocked(database_url: str, *, tables: tuple[str, ...] = ("quota_usage",)) -> Iterator[None]:
    if is_sqlite(database_url):
        with _sqlite_exclusive(database_url):
            yield
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            # SQLite blocks every write; on PostgreSQL, writes to these tables (name the ones the step under test
            # writes first, or it runs on to a later one)
            connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


@contextlib.contextmanager
def database_down(database_url: str) -> Iterator[None]:
    if is_sqlite(database_url):
        with _sqlite_exclusive(database_url):
            yield
        return
    name = make_url(database_url).database
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()


def can_mount() -> bool:
    probe = Path("/tmp") / f"dabiwu-mount-probe-{time.monotonic_ns()}"
    probe.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(probe)], capture_output=True)
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


@contextlib.contextmanager
def full_tmpfs(folder: Path, *, size_kb: int = 8192) -> Iterator[Path]:
    """Mount a `size_kb` tmpfs over `folder` and fill it; yields the filler file (delete it to free space)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(folder)], check=True)
    try:
        filler = folder / ".filler"
        with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
            while out.write(bytes(65536)):
                pass
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
