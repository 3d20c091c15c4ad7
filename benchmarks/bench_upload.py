"""Upload a 500 MB model archive to a real server and record the server's peak RSS growth.

Goal (issue: intake): peak RSS growth <= 64 MB, because uploads are spooled to disk and streamed
into the object store while hashed, never held in memory.

    .venv/bin/python -m benchmarks.bench_upload [--mb 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "challenges" / "medical-insurance-recovery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def baseline_model(tmp: Path) -> Path:
    """The bundle's baseline (a scikit-learn pipeline saved by mlflow.sklearn, skops) as a model folder."""
    import importlib.util

    sys.path.insert(0, str(REPO / "platform"))
    from dabiwu.challenges.bundle import load_bundle

    bundle = load_bundle(BUNDLE)
    train = bundle.generate(2000, 1)
    spec = importlib.util.spec_from_file_location("bench_baseline", BUNDLE / "baseline.py")
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    return baseline.save(baseline.train(train), train, tmp / "model")


def _model_archive(tmp: Path, megabytes: int) -> Path:
    """A real MLflow model folder (the bundle baseline) plus an incompressible blob of the given size."""
    model_dir = baseline_model(tmp)
    with (model_dir / "padding.bin").open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))
    archive = tmp / "model.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(model_dir, arcname=".")
    return archive


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmpdir:
        tmp = Path(tmpdir)
        big_bundle = tmp / "bundle"
        shutil.copytree(BUNDLE, big_bundle)
        spec = yaml.safe_load((big_bundle / "challenge.yaml").read_text())
        spec["limits"]["max_model_mb"] = args.mb + 100
        (big_bundle / "challenge.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
        archive = _model_archive(tmp, args.mb)
        home, port = tmp / "home", _free_port()
        env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "MLFLOW_DISABLE_TELEMETRY": "true",
               "DABIWU_LOG_JSON": "false"}
        dabiwu = str(Path(sys.executable).with_name("dabiwu"))
        subprocess.run([dabiwu, "challenges", "load", str(big_bundle)], env=env, check=True)
        subprocess.run([dabiwu, "users", "create", "--username", "bench", "--password", "bench-password",
                        "--role", "team", "--team", "Bench"], env=env, check=True)
        server = subprocess.Popen([dabiwu, "serve", "--no-workers"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            httpx.get(f"{base}/api/v1/challenges", headers=headers)  # warm the code paths
            before = _rss_kb(server.pid, "VmRSS")
            started = time.perf_counter()
            with archive.open("rb") as handle:
                answer = httpx.post(f"{base}/api/v1/challenges/{spec['slug']}/submissions", headers=headers,
                                    files={"file": ("model.tar", handle, "application/x-tar")}, timeout=900)
            seconds = time.perf_counter() - started
            peak = _rss_kb(server.pid, "VmHWM")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        size_mb = archive.stat().st_size / 2**20
        print(f"upload of {size_mb:.0f} MB: HTTP {answer.status_code} in {seconds:.1f} s")
        print(f"server RSS before {before / 1024:.0f} MB, peak {peak / 1024:.0f} MB, "
              f"growth {(peak - before) / 1024:.0f} MB (goal <= 64 MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
