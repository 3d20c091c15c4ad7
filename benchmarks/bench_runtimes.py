"""Scoring runtimes (issue #16): upload-to-scored p50 for sklearn and LightGBM in the same run, with
pre-started sandboxes, and the default runtime's size on disk and build time.

One `dabiwu serve` with one local worker (DABIWU_SANDBOX_PREWARM=true, the default) and the medical-insurance
bundle with a 1k-row test set. The bundle's baseline (sklearn pipeline, skops) and docs/team.md's LightGBM
example are uploaded alternately, each timed from the start of the upload to the first GET that answers
"scored"; submissions are `--pause` s apart so each finds an idle worker whose pre-started sandbox is ready.

Size and build time come from the runtime's manifest (written by `dabiwu runtimes build`); `--build` builds it
again into a temporary folder to time a build here (pip's cache makes a second build faster than the first).

    DABIWU_RUNTIMES_DIR=~/.cache/dabiwu/runtimes .venv/bin/python -m benchmarks.bench_runtimes [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.bench_overhead import _bundle, _model
from benchmarks.bench_upload import _free_port


def _lightgbm_archive(tmp: Path) -> Path:
    """docs/team.md's LightGBM example, run as written on the bundle's train set."""
    import re

    from dabiwu.challenges.bundle import load_bundle
    from benchmarks.bench_upload import BUNDLE

    bundle = load_bundle(BUNDLE)
    train = bundle.generate(2000, bundle.rules.data.train_seed)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "team.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- example: lightgbm -->\n```python\n(.*?)```", doc, flags=re.S)[1]
    work = tmp / "lgbm"
    work.mkdir()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        exec(compile(code, "docs/team.md:lightgbm", "exec"), {"train": train, "y": train["is_lead"]})  # noqa: S102
    finally:
        os.chdir(cwd)
    archive = tmp / "lgbm.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(work / "my_model", arcname=".")
    return archive


def _time_alternately(*, tmp: Path, bundle: Path, slug: str, archives: dict[str, Path], runs: int,
                      pause: float) -> dict[str, dict[str, list]]:
    home, port = tmp / "home", _free_port()
    env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "MLFLOW_DISABLE_TELEMETRY": "true",
           "DABIWU_LOG_JSON": "false", "DABIWU_LOCAL_WORKERS": "1", "DABIWU_SANDBOX_PREWARM": "true"}
    dabiwu = str(Path(sys.executable).with_name("dabiwu"))
    subprocess.run([dabiwu, "challenges", "load", str(bundle)], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([dabiwu, "users", "create", "--username", "bench", "--password", "bench-password",
                    "--role", "team", "--team", "Bench"], env=env, check=True, stdout=subprocess.DEVNULL)
    log = (tmp / "serve.log").open("w")
    server = subprocess.Popen([dabiwu, "serve"], env=env, start_new_session=True, stdout=log, stderr=log)
    results = {name: {"total": [], "job": [], "prestarted": []} for name in archives}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            for _ in range(480):
                try:
                    if http.get("/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            token = http.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-password"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            time.sleep(pause)
            for i in range(runs + 1):  # the first round warms the server's own code paths
                for name, archive in archives.items():
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
                        raise RuntimeError(f"{name}: submission ended {out['status']}: {out.get('error')}")
                    if i:
                        results[name]["total"].append(elapsed)
                        results[name]["job"].append(out["metrics"]["scoring"]["runtime_s"])
                        results[name]["prestarted"].append(bool(out["metrics"]["scoring"].get("sandbox_prestarted")))
                    time.sleep(pause)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    return results


def _row(name: str, values: list[float]) -> str:
    return f"| {name} | {statistics.median(values):.3f} | {min(values):.3f}–{max(values):.3f} | {len(values)} |"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pause", type=float, default=12.0)
    parser.add_argument("--build", action="store_true", help="also time a build into a temporary folder")
    args = parser.parse_args(argv)

    from dabiwu.runtimes.build import ensure_built
    from dabiwu.settings import Settings

    runtime = ensure_built(None, Settings(), progress=print)
    manifest = runtime.manifest()
    print(f"runtime {runtime.name}: {manifest['size_bytes'] / 1e9:.2f} GB on disk, built in "
          f"{manifest['build_seconds']:.0f} s ({manifest['built_at']})")
    if args.build:
        with tempfile.TemporaryDirectory(prefix="bench-runtime-build-") as tmpdir:
            started = time.monotonic()
            again = ensure_built(None, Settings(runtimes_dir=Path(tmpdir)), progress=lambda _line: None)
            print(f"rebuild into {again.path}: {time.monotonic() - started:.0f} s (pip cache warm)")
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-runtimes-") as tmpdir:
        tmp = Path(tmpdir)
        bundle, slug = _bundle(tmp)
        _model_dir, sklearn_archive = _model(tmp)
        archives = {"sklearn (baseline, skops)": sklearn_archive, "LightGBM (docs/team.md)": _lightgbm_archive(tmp)}
        results = _time_alternately(tmp=tmp, bundle=bundle, slug=slug, archives=archives, runs=args.runs,
                                    pause=args.pause)
    print(f"load average after: {os.getloadavg()}")
    print("| upload to scored, 1k rows, pre-started sandbox | p50 s | min–max | runs |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in results.items():
        print(_row(f"**{name}**", values["total"]))
        print(_row("↳ of which the job", values["job"]))
    for name, values in results.items():
        print(f"{name}: pre-started {values['prestarted']}")


if __name__ == "__main__":
    main(sys.argv[1:])
