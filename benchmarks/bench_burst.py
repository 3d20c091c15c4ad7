"""A burst: N small-model submissions queued at once, drained by local workers, per sandbox mode.

    .venv/bin/python -m benchmarks.bench_burst [--jobs 40] [--workers 1] [--modes fork,prestarted,fresh]

The last day of a contest is a queue, not single submissions. Each worker is a process, as `dabiwu serve` starts
them (DABIWU_LOCAL_WORKERS, one per two cores: 1 on this 2-core machine), that prepares its sandbox the way its
mode says (prewarm at worker start: a fork-server, or one pre-started sandbox) and waits until it is ready, as an
idle worker would be when the burst arrives. Then N jobs (a tiny sklearn model, skops format, predict_proba, 1k rows;
each job its own copy of the model folder, as each submission is) are queued at once; the clock runs until the
last one is scored. Measured per mode, in the same run: the time to drain the burst, jobs per minute, and per-job
CPU: the sandbox's own (the kernel's rusage: the job's process tree; for "prestarted" and "fresh" that includes
the imports the sandbox made for it) and the worker's (supervision, filling the model folder).

Scope: the sandbox and its supervision in worker processes, not the HTTP upload, database or scorer around them
(bench_overhead measures those for one submission). Prints one JSON document; RESULTS.md records it by hand.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

READY_TIMEOUT_S = 600


def _worker(mode: str, jobs, results, ready, go) -> None:  # noqa: ANN001 - multiprocessing queues and events
    import resource

    from dabiwu.sandbox import Limits, prewarm, run, shutdown_warm, warm

    limits = Limits(wall_seconds=300)
    if mode != "fresh":
        prewarm(limits, mode=mode)
        if mode == "fork":
            warm.wait_zygote_ready(READY_TIMEOUT_S)
        else:
            warm.wait_ready(kind="bwrap", max_output_mb=limits.max_output_mb, timeout_s=READY_TIMEOUT_S)
    ready.set()
    go.wait()
    try:
        while True:
            job = jobs.get()
            if job is None:
                break
            model_dir, features, out_dir = job
            before = resource.getrusage(resource.RUSAGE_SELF)
            error = None
            try:
                result = run(model_dir=Path(model_dir), features_path=Path(features), out_dir=Path(out_dir),
                             limits=limits)
                served = result.mode
            except Exception as exc:  # noqa: BLE001 - counted, not raised
                error, served = repr(exc)[:300], "error"
            after = resource.getrusage(resource.RUSAGE_SELF)
            stats_path = Path(out_dir) / "stats.json"
            sandbox_cpu = json.loads(stats_path.read_text())["cpu_s"] if stats_path.exists() else None
            results.put({"served": served, "error": error, "sandbox_cpu_s": sandbox_cpu, "done_at": time.time(),
                         "worker_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)})
    finally:
        shutdown_warm()


def _burst(mode: str, *, jobs: int, workers: int, model_dir: Path, features: Path, root: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue, results = ctx.Queue(), ctx.Queue()
    go = ctx.Event()
    readies = [ctx.Event() for _ in range(workers)]
    procs = [ctx.Process(target=_worker, args=(mode, queue, results, readies[i], go)) for i in range(workers)]
    for proc in procs:
        proc.start()
    t_prepare = time.monotonic()
    for ready in readies:
        ready.wait(READY_TIMEOUT_S)
    prepare_s = time.monotonic() - t_prepare
    # Each submission has its own model folder (the worker fetches it from the object store).
    for i in range(jobs):
        copy = root / f"{mode}-job-{i}"
        shutil.copytree(model_dir, copy / "model")
        queue.put((str(copy / "model"), str(features), str(copy / "out")))
    for _ in procs:
        queue.put(None)
    load_before = os.getloadavg()
    started = time.time()
    go.set()
    done = [results.get(timeout=3600) for _ in range(jobs)]
    drain_s = max(d["done_at"] for d in done) - started
    for proc in procs:
        proc.join(120)
    served = sorted({d["served"] for d in done})
    sandbox_cpu = [d["sandbox_cpu_s"] for d in done if d["sandbox_cpu_s"] is not None]
    return {
        "mode": mode, "jobs": jobs, "workers": workers, "served_as": served,
        "errors": [d["error"] for d in done if d["error"]][:3],
        "ready_before_burst_s": round(prepare_s, 1),
        "drain_s": round(drain_s, 2), "jobs_per_min": round(60 * jobs / drain_s, 1),
        "sandbox_cpu_per_job_s": {"p50": round(statistics.median(sandbox_cpu), 3), "max": round(max(sandbox_cpu), 3)},
        "worker_cpu_per_job_s": round(statistics.median(d["worker_cpu_s"] for d in done), 3),
        "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--modes", default="fork,prestarted,fresh")
    args = parser.parse_args(argv)

    from benchmarks.bench_sandbox import _tiny_model
    from dabiwu.sandbox.zygote import fork_support

    works, why = fork_support()
    out: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                          "fork_support": works or why}}
    with tempfile.TemporaryDirectory(prefix="dabiwu-bench-burst-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        model_dir, features = _tiny_model(root, 1000, 8, seed=1)
        runs = [_burst(mode, jobs=args.jobs, workers=args.workers, model_dir=model_dir, features=features, root=root)
                for mode in args.modes.split(",")]
    out["runs"] = runs
    by_mode = {r["mode"]: r["drain_s"] for r in runs}
    if "fork" in by_mode:
        out["fork_speedup"] = {m: round(s / by_mode["fork"], 1) for m, s in by_mode.items() if m != "fork"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
