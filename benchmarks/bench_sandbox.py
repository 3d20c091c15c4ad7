"""Sandbox overhead and memory.

    .venv/bin/python -m benchmarks.bench_sandbox [--runs 7] [--big-rows 1000000]

1. A tiny sklearn model (LogisticRegression, skops format, predict_proba) on 1k rows: p50 of N
   sandboxed runs (whole run(): sandbox start, imports, load, predict, Parquet back) against the
   same load_model + predict in this process (first call = cold imports; later calls = warm);
   then N runs on pre-started sandboxes (prewarm(): imports done while idle), each once ready.
2. 1M rows x 30 columns: peak RSS of the sandboxed predict with the default chunking (100k rows)
   and unchunked, measured by the kernel (wait4 ru_maxrss of the model process).
Prints one JSON document; the numbers go to benchmarks/RESULTS.md by hand with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def _tiny_model(root: Path, n_rows: int, n_cols: int, seed: int) -> tuple[Path, Path]:
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.random((n_rows, n_cols), dtype=np.float64), columns=[f"f{i}" for i in range(n_cols)])
    labels = (frame["f0"] + 0.1 * rng.random(n_rows) > 0.55).astype(int)
    fit_rows = min(n_rows, 5000)
    model_dir = root / f"model-{n_cols}"
    mlflow.sklearn.save_model(LogisticRegression(max_iter=200).fit(frame[:fit_rows], labels[:fit_rows]),
                              str(model_dir), pyfunc_predict_fn="predict_proba")
    features = root / f"features-{n_rows}x{n_cols}.parquet"
    frame.to_parquet(features)
    return model_dir, features


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3),
            "n": len(values)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    from dabiwu.sandbox import Limits, detect_sandbox, run

    kind = detect_sandbox("auto")
    out: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
                    "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
        "kind": kind,
    }
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        root = Path(tmp)
        model_dir, features = _tiny_model(root, 1000, 10, seed=1)

        # In this process: cold (imports sklearn/skops on first load) then warm.
        import mlflow.pyfunc
        import pandas as pd

        in_process = []
        for _ in range(args.runs + 1):
            t0 = time.perf_counter()
            mlflow.pyfunc.load_model(str(model_dir)).predict(pd.read_parquet(features))
            in_process.append(time.perf_counter() - t0)
        # sklearn is already imported here (it trained the model): these are warm calls only.
        out["in_process_s"] = {"warm": _summary(in_process[1:])}

        # The same work in a fresh interpreter without any sandbox: what the sandbox itself adds.
        import resource
        import subprocess
        import sys

        code = ("import sys, mlflow.pyfunc, pandas as pd; "
                "mlflow.pyfunc.load_model(sys.argv[1]).predict(pd.read_parquet(sys.argv[2]))")
        bare_wall, bare_cpu = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code, str(model_dir), str(features)], check=True,
                           env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}, capture_output=True)
            bare_wall.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            bare_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        out["fresh_interpreter_no_sandbox_s"] = {"wall": _summary(bare_wall), "cpu": _summary(bare_cpu)}

        sandboxed, wall, loads, predicts, setups, peaks, cpus = [], [], [], [], [], [], []
        for i in range(args.runs):
            t0 = time.perf_counter()
            result = run(model_dir=model_dir, features_path=features, out_dir=root / f"out-{i}",
                         limits=Limits(wall_seconds=300))
            wall.append(time.perf_counter() - t0)
            sandboxed.append(result.runtime_s)
            peaks.append(result.peak_mem_mb)
            stats = json.loads((root / f"out-{i}" / "stats.json").read_text())
            child = stats["child_reported"]
            cpus.append(stats["cpu_s"])
            setups.append(child.get("imports_s", 0.0))
            loads.append(child.get("load_s", 0.0))
            predicts.append(child.get("predict_s", 0.0))
        out["sandboxed_1k_rows_s"] = {
            "run_wall": _summary(wall), "sandbox_runtime": _summary(sandboxed),
            "cpu": _summary(cpus), "child_imports": _summary(setups), "child_load": _summary(loads),
            "child_predict": _summary(predicts), "peak_mem_mb": _summary(peaks),
        }
        warm = statistics.median(in_process[1:])
        out["ratio_sandboxed_p50_over_in_process_warm_p50"] = round(statistics.median(wall) / warm, 1)
        out["overhead_p50_s"] = round(statistics.median(wall) - warm, 3)

        # Pre-started sandboxes (prewarm): the imports happen while idle; measured once each is ready.
        from dabiwu.sandbox import prewarm, shutdown_warm
        from dabiwu.sandbox.warm import wait_ready

        limits = Limits(wall_seconds=300)
        prewarm(limits, kind=kind)
        prestarted_wall, prestarted_loads, prestarted_cpu = [], [], []
        try:
            for i in range(args.runs):
                if not wait_ready(kind=kind, max_output_mb=limits.max_output_mb, timeout_s=300):
                    raise RuntimeError("the pre-started sandbox did not become ready within 300 s")
                t0 = time.perf_counter()
                run(model_dir=model_dir, features_path=features, out_dir=root / f"warm-{i}", limits=limits)
                prestarted_wall.append(time.perf_counter() - t0)
                stats = json.loads((root / f"warm-{i}" / "stats.json").read_text())
                assert stats["prestarted"], "the run did not use the pre-started sandbox"
                prestarted_loads.append(stats["child_reported"].get("load_s", 0.0))
                prestarted_cpu.append(stats["cpu_s"])  # the whole sandbox's, imports while idle included
        finally:
            shutdown_warm()
        out["prestarted_1k_rows_s"] = {"run_wall": _summary(prestarted_wall), "child_load": _summary(prestarted_loads),
                                       "cpu_incl_idle_imports": _summary(prestarted_cpu)}
        out["ratio_prestarted_p50_over_in_process_warm_p50"] = round(statistics.median(prestarted_wall) / warm, 1)

        big_model, big_features = _tiny_model(root, args.big_rows, 30, seed=2)
        big: dict[str, object] = {"rows": args.big_rows, "cols": 30,
                                  "features_parquet_mb": round(big_features.stat().st_size / 1e6, 1)}
        for label, chunk in (("chunked_100k", 100_000), ("unchunked", args.big_rows)):
            t0 = time.perf_counter()
            result = run(model_dir=big_model, features_path=big_features, out_dir=root / f"big-{label}",
                         limits=Limits(wall_seconds=600, chunk_rows=chunk))
            big[label] = {"wall_s": round(time.perf_counter() - t0, 2), "peak_mem_mb": round(result.peak_mem_mb, 1)}
        out["big"] = big
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]  # type: ignore[index]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
