"""The public board over 100k submissions from 2,000 teams, queried by 50 concurrent clients.

Goal (issue: leaderboards): p99 <= 50 ms on this machine.  The baseline measured in the same run is
a bare `/healthz` answered by the same server under the same load (the HTTP stack's own floor).

    .venv/bin/python -m benchmarks.bench_leaderboard [--submissions 100000 --teams 2000 --clients 50 --requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(database_url: str, *, submissions: int, teams: int) -> None:
    from sqlalchemy import insert

    from dabiwu.auth.passwords import hash_password
    from dabiwu.bootstrap import seed_districts
    from dabiwu.db.migrate import upgrade
    from dabiwu.db.models import Challenge, DatasetVersion, Score, Submission, Team, User
    from dabiwu.db.session import session_scope

    upgrade(database_url)
    rng = np.random.default_rng(0)
    now = datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        seed_districts(session)
        spec = {"metric": {"primary": "average_precision", "k": 100, "secondary": ["roc_auc"]},
                "limits": {"final_selections": 2}, "phases": {}}
        challenge = Challenge(slug="bench", title_zh="基准", title_en="bench", bundle_version="1", spec=spec)
        session.add(challenge)
        session.flush()
        dataset = DatasetVersion(challenge_id=challenge.id, bundle_version="1", seed=1, train_key="k",
                                 train_sha256="0" * 64, train_rows=1, test_features_key="k",
                                 test_features_sha256="0" * 64, test_labels_key="k", test_labels_sha256="0" * 64,
                                 test_rows=1, train_csv_key="k", starting_kit_key="k")
        session.add(dataset)
        session.flush()
        session.execute(insert(Team), [{"name": f"team-{i}", "join_code": f"code{i:06d}"} for i in range(teams)])
        session.add(User(username="bench", password_hash=hash_password("bench-password"), role="judge"))
        team_ids = np.arange(1, teams + 1)
        ids = [uuid.uuid4().hex for _ in range(submissions)]
        owners = rng.choice(team_ids, size=submissions)
        session.execute(insert(Submission), [
            {"id": ids[i], "challenge_id": challenge.id, "team_id": int(owners[i]), "status": "scored",
             "quota_day": "2026-01-01", "created_at": now - timedelta(seconds=submissions - i), "model_info": {}}
            for i in range(submissions)
        ])
        public = rng.random(submissions)
        session.execute(insert(Score), [
            {"submission_id": ids[i], "version": 1, "is_latest": True, "scorer_version": "b", "dataset_id": dataset.id,
             "dataset_sha256": "0" * 64, "model_sha256": "0" * 64, "sandbox_kind": "bwrap", "runtime_s": 1.0,
             "peak_mem_mb": 1.0, "public_score": float(public[i]), "private_score": float(public[i]),
             "public_secondary": 0.5, "private_secondary": 0.5, "public_ci_low": float(public[i]) - 0.02,
             "public_ci_high": float(public[i]) + 0.02, "metrics": {}, "predictions_key": "k"}
            for i in range(submissions)
        ])


async def _hammer(url: str, headers: dict, *, clients: int, requests: int) -> np.ndarray:
    latencies: list[float] = []
    per_client = requests // clients

    async def client_loop(http: httpx.AsyncClient) -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            answer = await http.get(url, headers=headers)
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as http:
        await asyncio.gather(*(client_loop(http) for _ in range(clients)))
    return np.array(latencies) * 1000


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
        home = Path(tmp)
        database_url = f"sqlite:///{home / 'dabiwu.db'}"
        started = time.perf_counter()
        _seed(database_url, submissions=args.submissions, teams=args.teams)
        print(f"seeded {args.submissions} submissions from {args.teams} teams in {time.perf_counter() - started:.1f} s")
        port = _free_port()
        env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "DABIWU_LOG_JSON": "false",
               "MLFLOW_DISABLE_TELEMETRY": "true", "DABIWU_MLFLOW_ENABLED": "false"}
        server = subprocess.Popen([str(Path(sys.executable).with_name("dabiwu")), "serve", "--no-workers"], env=env,
                                  start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            token = httpx.post(f"{base}/api/v1/auth/token",
                               data={"username": "bench", "password": "bench-password"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            cold = time.perf_counter()
            httpx.get(f"{base}/api/v1/challenges/bench/leaderboard", headers=headers, timeout=120).raise_for_status()
            print(f"first (uncached) board: {(time.perf_counter() - cold) * 1000:.0f} ms")
            floor = asyncio.run(_hammer(f"{base}/healthz", {}, clients=args.clients, requests=args.requests))
            board = asyncio.run(_hammer(f"{base}/api/v1/challenges/bench/leaderboard", headers,
                                        clients=args.clients, requests=args.requests))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    for name, values in (("healthz (floor)", floor), ("public board", board)):
        p50, p99 = np.percentile(values, [50, 99])
        print(f"{name:<16} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   ({len(values)} requests, {args.clients} clients)")
    print(f"board p99 / floor p99 = {np.percentile(board, 99) / np.percentile(floor, 99):.2f}x (goal: board p99 <= 50 ms)")


if __name__ == "__main__":
    main(sys.argv[1:])
