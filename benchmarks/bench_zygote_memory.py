"""Memory of the fork-server against a pre-started sandbox.

    .venv/bin/python -m benchmarks.bench_zygote_memory

1. The zygote (imports mlflow, pandas, pyarrow, sklearn, skops; idle): RSS, PSS and private memory.
2. A forked child while it predicts (a model that imports sklearn and then sleeps in predict, so it can be
   sampled): its PSS and private memory (Private_Clean + Private_Dirty), sampled every 0.1 s, largest value.
3. One pre-started sandbox, idle and while it runs the same job: the same figures.
A job's own cost is its private memory: the zygote's pages it only reads stay shared (PSS divides them among the
processes that map them). From /proc/<pid>/smaps_rollup, read as root. Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

SLOW_MODEL = '''
import time

import mlflow.pyfunc
import numpy as np


class Slow(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        from sklearn.linear_model import LogisticRegression

        LogisticRegression().fit([[0.0], [1.0]], [0, 1])
        time.sleep(4)
        return np.zeros(len(model_input))
'''


def _rollup(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                values[parts[0][:-1]] = int(parts[1]) / 1024.0
    return {"rss_mb": round(values.get("Rss", 0), 1), "pss_mb": round(values.get("Pss", 0), 1),
            "private_mb": round(values.get("Private_Clean", 0) + values.get("Private_Dirty", 0), 1)}


def _job_pids() -> list[int]:
    """Processes of a job: a sandbox uid (launch.fresh_uid's range) running the child's Python."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        uid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:")))
        if 1_500_000_000 <= uid < 1_900_000_000 and (b"child.py" in cmdline):
            found.append(int(name))
    return found


def _sample_job(run_job) -> dict[str, float]:  # noqa: ANN001
    best: dict[str, float] = {}
    thread = threading.Thread(target=run_job)
    thread.start()
    while thread.is_alive():
        for pid in _job_pids():
            try:
                now = _rollup(pid)
            except OSError:
                continue
            if now["private_mb"] > best.get("private_mb", 0):
                best = now
        time.sleep(0.1)
    thread.join()
    return best


def main(argv: list[str] | None = None) -> None:
    import mlflow.pyfunc
    import numpy as np
    import pandas as pd

    from dabiwu.sandbox import Limits, prewarm, run, shutdown_warm, warm

    limits = Limits(wall_seconds=300)
    out: dict[str, object] = {"loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="dabiwu-bench-zmem-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        (root / "slow_model.py").write_text(SLOW_MODEL)
        sys.path.insert(0, str(root))
        import slow_model

        model = root / "model"
        mlflow.pyfunc.save_model(str(model), python_model=slow_model.Slow(), code_paths=[str(root / "slow_model.py")],
                                 pip_requirements=[f"mlflow=={mlflow.__version__}"])
        features = root / "features.parquet"
        pd.DataFrame(np.random.default_rng(0).random((1000, 8))).add_prefix("f").to_parquet(features)

        def job(name: str):  # noqa: ANN202
            return lambda: run(model_dir=model, features_path=features, out_dir=root / name, limits=limits)

        prewarm(limits, mode="fork")
        assert warm.wait_zygote_ready(600)
        with warm._lock:
            zygote = next(z for _owner, z in warm._zygotes.values())
        time.sleep(2)
        out["zygote_idle"] = _rollup(zygote.pid())
        out["forked_child_while_predicting"] = _sample_job(job("fork-out"))
        out["zygote_after_job"] = _rollup(zygote.pid())
        shutdown_warm()

        prewarm(limits, mode="prestarted")
        assert warm.wait_ready(kind="bwrap", max_output_mb=limits.max_output_mb, timeout_s=600)
        time.sleep(2)
        idle = _job_pids()
        out["prestarted_idle"] = _rollup(idle[0]) if idle else None
        out["prestarted_while_predicting"] = _sample_job(job("pre-out"))
        shutdown_warm()
    forked, pre = out["forked_child_while_predicting"], out["prestarted_while_predicting"]
    if forked and pre:
        out["private_ratio_prestarted_over_forked"] = round(pre["private_mb"] / max(forked["private_mb"], 0.1), 1)
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
