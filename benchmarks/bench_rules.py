"""What typed challenge rules cost per request: the challenge routes, timed against another checkout in the same run.

`python -m benchmarks.bench_rules [--base DIR] [--requests N] [--rounds R]`.  Each round runs, in a fresh process per
checkout, the same requests through FastAPI's TestClient (no network): GET /challenges (3 challenges),
GET /challenges/{slug}, GET /challenges/{slug}/quota and GET /submissions (50 rows, whose private scores are shown by
the challenge's phase), with one SQLite database per process.  Rounds alternate the two checkouts so that a change
of machine load hits both.  `--base` is a plain export of the code to compare with, e.g.
`git archive main | tar -x -C /tmp/base`; without it only this checkout is timed.  Also prints the cost of parsing
one challenge.yaml into `ChallengeRules`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs inside the child process: PYTHONPATH names the checkout under test.
CHILD = textwrap.dedent('''
    import json, sys, tempfile, time, uuid
    from datetime import datetime, timezone
    from pathlib import Path

    import yaml
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app
    from dabiwu.auth.passwords import hash_password
    from dabiwu.db.migrate import upgrade
    from dabiwu.db.models import Challenge, DatasetVersion, Submission, Team, User
    from dabiwu.db.session import session_scope
    from dabiwu.settings import Settings

    repo, n = Path(sys.argv[1]), int(sys.argv[2])
    home = tempfile.mkdtemp(prefix="dabiwu-bench-rules-")
    url = f"sqlite:///{home}/db.sqlite"
    upgrade(url)
    with session_scope(url) as session:
        team = Team(name="t", join_code="code000001")
        session.add(team)
        session.flush()
        for folder in sorted((repo / "challenges").glob("*/challenge.yaml")):
            spec = json.loads(json.dumps(yaml.safe_load(folder.read_text(encoding="utf-8")), default=str))
            spec["phases"] = {"open": "2000-01-01T00:00:00+08:00", "close": "2099-01-01T00:00:00+08:00",
                              "merger_deadline": "2098-01-01T00:00:00+08:00"}
            challenge = Challenge(slug=spec["slug"], title_zh=spec["title_zh"], title_en=spec["title_en"],
                                  bundle_version="1", spec=spec)
            session.add(challenge)
            session.flush()
            dataset = DatasetVersion(challenge_id=challenge.id, bundle_version="1", seed=1, train_key="k",
                                     train_sha256="0" * 64, train_rows=1, test_features_key="k",
                                     test_features_sha256="0" * 64, test_labels_key="k", test_labels_sha256="0" * 64,
                                     test_rows=1, train_csv_key="k", starting_kit_key="k")
            session.add(dataset)
            session.flush()
            challenge.current_dataset_id = dataset.id
            for i in range(50):
                session.add(Submission(id=uuid.uuid4().hex, challenge_id=challenge.id, team_id=team.id,
                                       status="failed", quota_day="2026-01-01", model_info={},
                                       created_at=datetime.now(timezone.utc)))
        session.add(User(username="bench", password_hash=hash_password("bench-password"), role="team", team_id=team.id))
    settings = Settings(_env_file=None, home=home, database_url=url, mode="dev", sandbox="none")
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-password"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        slug = "medical-insurance-recovery"
        routes = {"list": "/api/v1/challenges", "one": f"/api/v1/challenges/{slug}",
                  "quota": f"/api/v1/challenges/{slug}/quota", "submissions": "/api/v1/submissions?page_size=50"}
        out = {}
        for name, path in routes.items():
            for _ in range(20):
                client.get(path, headers=headers).raise_for_status()
            times = []
            for _ in range(n):
                started = time.perf_counter()
                client.get(path, headers=headers).raise_for_status()
                times.append(time.perf_counter() - started)
            times.sort()
            out[name] = times[len(times) // 2]
    print(json.dumps(out))
''')


def _run(checkout: Path, requests: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": f"{checkout / 'platform'}:{checkout}", "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(checkout), str(requests)], env=env, capture_output=True,
                          text=True, timeout=900, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: the benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _parse_cost() -> float:
    sys.path[:0] = [str(REPO / "platform"), str(REPO)]
    from dabiwu.challenges.bundle import _read_yaml
    from dabiwu.challenges.rules import parse_rules

    spec = json.loads(json.dumps(_read_yaml(REPO / "challenges" / "medical-insurance-recovery" / "challenge.yaml")))
    return min(timeit.repeat(lambda: parse_rules(spec), number=1000, repeat=5)) / 1000


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, help="a plain export of the code to compare with")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"parse one challenge.yaml into ChallengeRules: {_parse_cost() * 1e6:.0f} µs", flush=True)
    sides = {"this": REPO, **({"base": args.base.resolve()} if args.base else {})}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, checkout in sides.items():
            results[name].append(_run(checkout, args.requests))
    routes = list(results["this"][0])
    print(f"\nmedian ms per request, median over {args.rounds} rounds of {args.requests} requests")
    print("| route | " + " | ".join(sides) + (" | this / base |" if "base" in sides else " |"))
    print("| --- | " + " | ".join("---:" for _ in sides) + (" | ---: |" if "base" in sides else " |"))
    for route in routes:
        values = {name: statistics.median(r[route] for r in results[name]) * 1000 for name in sides}
        ratio = f" | {values['this'] / values['base']:.2f} |" if "base" in sides else " |"
        print(f"| {route} | " + " | ".join(f"{values[n]:.2f}" for n in sides) + ratio)


if __name__ == "__main__":
    main(sys.argv[1:])
