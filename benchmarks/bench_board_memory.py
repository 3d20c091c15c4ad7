"""The board's memory in-process, two code trees interleaved: the hot path's page lookup and the version check.

The HTTP benchmark (bench_leaderboard) measures the whole stack and, on a machine shared with other work,
mostly the load. This one times only what issue #18 item 6 changed, in fresh processes that alternate between
two trees (say main's code and a branch), so both see the same load:

- hit: `page_from_memory` for page 1 of a board in memory (what the ASGI fast path does per request), µs;
- check: `compute_board(max_age_s=0)` on an unchanged board (the version check: score marks, submission marks,
  with `--unscored` submissions that are not scored), ms.

    .venv/bin/python -m benchmarks.bench_board_memory --home /tmp/benchboard --tree before=/tmp/main --tree after=.
        [--rounds 5 --hits 200000 --checks 200 --unscored 500]

`--home` is bench_leaderboard's seeded folder (100k scored submissions); it is copied, never changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
from sqlalchemy import select
from dabiwu.db.models import Challenge
from dabiwu.db.session import get_sessionmaker
from dabiwu.leaderboards.service import board_page, compute_board, database_key, page_from_memory, remember_challenge

url, hits, checks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
maker = get_sessionmaker(url)
with maker() as session:
    challenge = session.scalar(select(Challenge).where(Challenge.slug == "bench"))
    remember_challenge(session, challenge=challenge)
    board_page(session, challenge=challenge, split="public", page=1, page_size=100, max_age_s=3600)
    db = database_key(session.get_bind())
    assert page_from_memory(db, slug="bench", split="public", page=1, page_size=100, max_age_s=3600) is not None
    started = time.perf_counter()
    for _ in range(hits):
        page_from_memory(db, slug="bench", split="public", page=1, page_size=100, max_age_s=3600)
    hit_us = (time.perf_counter() - started) / hits * 1e6
    compute_board(session, challenge=challenge, split="public")
    started = time.perf_counter()
    for _ in range(checks):
        compute_board(session, challenge=challenge, split="public", max_age_s=0)
    check_ms = (time.perf_counter() - started) / checks * 1e3
print(json.dumps({"hit_us": hit_us, "check_ms": check_ms}))
"""


def _unscore(database: Path, count: int) -> None:
    """Turn `count` submissions into failed/queued/rejected ones, as a live contest has."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM submissions ORDER BY id LIMIT ?", (count,))]
        for index, submission_id in enumerate(ids):
            status = ("failed", "queued", "rejected")[index % 3]
            conn.execute("UPDATE submissions SET status = ? WHERE id = ?", (status, submission_id))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True, help="bench_leaderboard's seeded folder (--home there)")
    parser.add_argument("--tree", action="append", required=True, help="label=path of a checkout; give two")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hits", type=int, default=200_000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--unscored", type=int, default=500)
    args = parser.parse_args(argv)
    trees = [tuple(t.split("=", 1)) for t in args.tree]
    results: dict[str, list[dict]] = {label: [] for label, _ in trees}
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-board-memory-") as tmp:
        database = Path(tmp) / "dabiwu.db"
        shutil.copy(Path(args.home) / "dabiwu.db", database)
        _unscore(database, args.unscored)
        for _ in range(args.rounds):
            for label, path in trees:
                root = Path(path).resolve()
                env = {**os.environ, "PYTHONPATH": f"{root / 'platform'}:{root}", "MLFLOW_DISABLE_TELEMETRY": "true"}
                out = subprocess.run([sys.executable, "-c", CHILD, f"sqlite:///{database}", str(args.hits),
                                      str(args.checks)], env=env, check=True, capture_output=True, text=True)
                results[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load average after: {os.getloadavg()}")
    print("| tree | hit: page from memory, µs (median of rounds) | min–max | check: unchanged board, ms | min–max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, runs in results.items():
        hits, checks = [r["hit_us"] for r in runs], [r["check_ms"] for r in runs]
        print(f"| {label} | {statistics.median(hits):.2f} | {min(hits):.2f}–{max(hits):.2f} | "
              f"{statistics.median(checks):.2f} | {min(checks):.2f}–{max(checks):.2f} |")
    if len(trees) == 2:
        (a, _), (b, _) = trees
        for metric in ("hit_us", "check_ms"):
            ratio = statistics.median([r[metric] for r in results[b]]) / statistics.median([r[metric] for r in results[a]])
            print(f"{metric}: {b} / {a} = {ratio:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
