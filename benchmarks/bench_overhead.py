"""Fixed overhead per submission, upload to scored: a tiny model on 1k test rows through a real server.

Goal (issue: scoring): p50 <= 1.5 s on this 2-core machine. The run measures, in the same run:
- the floor: the same model loaded and run in this process (`load_model(...).predict`, imports already paid);
- `dabiwu serve` with one local worker and DABIWU_SANDBOX_PREWARM=true (the default): the worker keeps a
  pre-started sandbox, so a job skips the interpreter start and imports;
- the same server with DABIWU_SANDBOX_PREWARM=false: every job starts a fresh sandbox.

Each submission is timed from the start of the upload (HTTP POST of the archive) to the moment
`GET /submissions/{id}` first answers "scored" (polled every 20 ms). Submissions are spaced so that the
worker is idle when one arrives (the normal case: a contest is not a batch queue); the pause lets the
replacement sandbox finish importing.

    .venv/bin/python -m benchmarks.bench_overhead [--runs 7] [--pause 12]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from benchmarks.bench_upload import BUNDLE, _free_port, baseline_model

TEST_ROWS = 1000


def _bundle(tmp: Path) -> tuple[Path, str]:
    """The medical-insurance bundle with a 1k-row test set and no daily quota in the way."""
    bundle = tmp / "bundle"
    shutil.copytree(BUNDLE, bundle)
    spec = yaml.safe_load((bundle / "challenge.yaml").read_text())
    spec["data"]["test_rows"] = TEST_ROWS
    spec["data"]["train_rows"] = 2000
    spec["limits"]["daily_submissions"] = 1000
    (bundle / "challenge.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    return bundle, spec["slug"]


def _model(tmp: Path) -> tuple[Path, Path]:
    """The bundle's baseline as a model folder and as the .tar.gz a team uploads."""
    model_dir = baseline_model(tmp)
    archive = tmp / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    return model_dir, archive


def _in_process_floor(model_dir: Path, runs: int) -> list[float]:
    import mlflow.pyfunc

    from dabiwu.challenges.bundle import load_bundle

    bundle = load_bundle(BUNDLE)
    features = bundle.generate(TEST_ROWS, 7).drop(columns=[bundle.label_column])
    mlflow.pyfunc.load_model(str(model_dir)).predict(features)  # imports paid once, as in a warm process
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        mlflow.pyfunc.load_model(str(model_dir)).predict(features)
        times.append(time.perf_counter() - started)
    return times


def _serve_and_time(*, tmp: Path, bundle: Path, slug: str, archive: Path, prewarm: bool, runs: int,
                    pause: float) -> tuple[list[float], list[float], list[bool]]:
    home, port = tmp / f"home-{int(prewarm)}", _free_port()
    env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "MLFLOW_DISABLE_TELEMETRY": "true",
           "DABIWU_LOG_JSON": "false", "DABIWU_LOCAL_WORKERS": "1",
           "DABIWU_SANDBOX_PREWARM": "true" if prewarm else "false"}
    dabiwu = str(Path(sys.executable).with_name("dabiwu"))
    subprocess.run([dabiwu, "challenges", "load", str(bundle)], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([dabiwu, "users", "create", "--username", "bench", "--password", "bench-password",
                    "--role", "team", "--team", "Bench"], env=env, check=True, stdout=subprocess.DEVNULL)
    log = (tmp / f"serve-{int(prewarm)}.log").open("w")
    server = subprocess.Popen([dabiwu, "serve"], env=env, start_new_session=True, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    totals, scoring, prestarted = [], [], []
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(480):
                try:
                    if http.get("/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            token = http.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-password"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            time.sleep(pause)  # the worker starts and (with prewarm) its sandbox finishes importing
            for _ in range(runs + 1):  # the first is a warm-up of the server's own code paths
                started = time.perf_counter()
                with archive.open("rb") as handle:
                    answer = http.post(f"/api/v1/challenges/{slug}/submissions", headers=headers,
                                       files={"file": (archive.name, handle, "application/gzip")})
                answer.raise_for_status()
                submission_id = answer.json()["id"]
                while True:
                    out = http.get(f"/api/v1/submissions/{submission_id}", headers=headers).json()
                    if out["status"] not in ("queued", "running"):
                        break
                    time.sleep(0.02)
                elapsed = time.perf_counter() - started
                if out["status"] != "scored":
                    raise RuntimeError(f"submission ended {out['status']}: {out.get('error')}")
                totals.append(elapsed)
                scoring.append(out["metrics"]["scoring"]["runtime_s"])
                prestarted.append(bool(out["metrics"]["scoring"].get("sandbox_prestarted")))
                time.sleep(pause)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    return totals[1:], scoring[1:], prestarted[1:]


def _row(name: str, values: list[float]) -> str:
    return (f"| {name} | {statistics.median(values):.3f} | {min(values):.3f}–{max(values):.3f} | {len(values)} |")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pause", type=float, default=12.0)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmpdir:
        tmp = Path(tmpdir)
        bundle, slug = _bundle(tmp)
        model_dir, archive = _model(tmp)
        floor = _in_process_floor(model_dir, args.runs)
        warm_total, warm_scoring, warm_flags = _serve_and_time(
            tmp=tmp, bundle=bundle, slug=slug, archive=archive, prewarm=True, runs=args.runs, pause=args.pause)
        cold_total, cold_scoring, cold_flags = _serve_and_time(
            tmp=tmp, bundle=bundle, slug=slug, archive=archive, prewarm=False, runs=args.runs, pause=args.pause)
    print(f"load average after: {os.getloadavg()}")
    print("| upload to scored, 1k rows | p50 s | min–max | runs |")
    print("| --- | ---: | ---: | ---: |")
    print(_row("in-process load_model + predict (floor, no upload, no scoring)", floor))
    print(_row("**served, pre-started sandbox** (default)", warm_total))
    print(_row("↳ of which the job (sandbox + scoring), as the score records it", warm_scoring))
    print(_row("served, fresh sandbox per job (DABIWU_SANDBOX_PREWARM=false)", cold_total))
    print(_row("↳ of which the job", cold_scoring))
    print(f"pre-started flags: with prewarm {warm_flags}, without {cold_flags}")
    print(f"ratio fresh / pre-started (p50): {statistics.median(cold_total) / statistics.median(warm_total):.1f}x; "
          f"goal p50 <= 1.5 s: {'met' if statistics.median(warm_total) <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:])
