"""1M rows x 30 columns: our scoring path (sandbox + trusted scorer) against the same work in-process.

Goals (issue: scoring): <= 1.3x of in-process `pyfunc.predict` + sklearn metrics, same run; peak memory
of the model process <= 1.5 GB (chunked).

Both sides start from the same files (the features Parquet and an MLflow model folder) and compute the
same point metrics, for the public and the private split, overall and per district (30 districts):
AP, ROC AUC, precision/recall/hits at k, F1 at 0.5 and the best F1 with its threshold.
- baseline, in this process (imports already paid): `pq.read_table(...).to_pandas()`,
  `mlflow.pyfunc.load_model(...).predict(...)`, then scikit-learn's `average_precision_score`,
  `roc_auc_score`, `precision_recall_curve` and a top-k count per split and per district;
- ours: `dabiwu.sandbox.run()` on a pre-started sandbox (what a worker with DABIWU_SANDBOX_PREWARM does),
  reading its predictions back, `normalise_predictions` and `compute_metrics(n_bootstrap=0)`;
- ours as the platform scores (1,000-resample bootstrap CIs on both splits), reported beside it: the CIs
  are work the baseline does not do.

    .venv/bin/python -m benchmarks.bench_million [--rows 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

DISTRICTS = [f"district-{i:02d}" for i in range(30)]
K = 10_000


def _inputs(root: Path, n_rows: int):
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.random((n_rows, 30)), columns=[f"f{i}" for i in range(30)])
    y = (frame["f0"] + 0.8 * rng.random(n_rows) > 1.65).astype(np.int8).to_numpy()  # ~5% positives
    groups = rng.choice(np.array(DISTRICTS, dtype=object), size=n_rows)
    public = rng.random(n_rows) < 0.3
    model_dir = root / "model"
    mlflow.sklearn.save_model(LogisticRegression(max_iter=300).fit(frame[:20_000], y[:20_000]), str(model_dir),
                              pyfunc_predict_fn="predict_proba", pip_requirements=["scikit-learn"])
    features = root / "features.parquet"
    frame.to_parquet(features)
    return model_dir, features, y, groups, public


def _sklearn_point_metrics(y, s, k: int) -> dict:
    import numpy as np
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

    order = np.argsort(-s, kind="stable")
    hits = int(y[order[:k]].sum())
    positives = int(y.sum())
    precision, recall, thresholds = precision_recall_curve(y, s)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(precision),
                   where=(precision + recall) > 0)
    best = int(np.argmax(f1[:-1])) if len(thresholds) else 0
    flagged = s >= 0.5
    tp_05 = int((flagged & (y == 1)).sum())
    return {"average_precision": average_precision_score(y, s), "roc_auc": roc_auc_score(y, s),
            "precision_at_k": hits / k, "recall_at_k": hits / positives, "hits_at_k": hits,
            "f1_at_0_5": 2 * tp_05 / (int(flagged.sum()) + positives),
            "f1_best": float(f1[best]), "best_threshold": float(thresholds[best]) if len(thresholds) else None}


def _baseline(model_dir: Path, features: Path, y, groups, public, predict_times: list[float] | None = None) -> dict:
    import mlflow.pyfunc
    import numpy as np
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    frame = pq.read_table(features).to_pandas()
    raw = mlflow.pyfunc.load_model(str(model_dir)).predict(frame)
    s = np.asarray(raw)[:, 1] if np.asarray(raw).ndim == 2 else np.asarray(raw, dtype=np.float64)
    if predict_times is not None:
        predict_times.append(time.perf_counter() - t0)
    out = {}
    for name, mask in (("public", public), ("private", ~public)):
        k = max(1, round(K * mask.sum() / len(y)))
        split = _sklearn_point_metrics(y[mask], s[mask], k)
        split["per_district"] = {}
        for district in DISTRICTS:
            rows = mask & (groups == district)
            split["per_district"][district] = _sklearn_point_metrics(
                y[rows], s[rows], max(1, round(k * rows.sum() / mask.sum())))
        out[name] = split
    return out


def _ours(model_dir: Path, features: Path, y, groups, public, out_dir: Path, *, n_bootstrap: int,
          run_times: list[float]) -> tuple[dict, float]:
    import pyarrow.parquet as pq

    from dabiwu.sandbox import Limits, run
    from dabiwu.scoring.metrics import compute_metrics
    from dabiwu.scoring.output import normalise_predictions

    t0 = time.perf_counter()
    result = run(model_dir=model_dir, features_path=features, out_dir=out_dir, limits=Limits(wall_seconds=900))
    scores = normalise_predictions(pq.read_table(result.predictions_path), n_rows=len(y))
    run_times.append(time.perf_counter() - t0)
    metrics = compute_metrics(y_true=y, scores=scores, groups=groups, is_public=public, k=K, n_bootstrap=n_bootstrap)
    return metrics, result.peak_mem_mb


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
    from dabiwu.sandbox import Limits, detect_sandbox, prewarm, shutdown_warm
    from dabiwu.sandbox.warm import wait_ready

    kind = detect_sandbox("auto")
    print(f"sandbox {kind}; load average before {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-million-") as tmpdir:
        root = Path(tmpdir)
        model_dir, features, y, groups, public = _inputs(root, args.rows)
        _baseline(model_dir, features, y, groups, public)  # warm-up: imports and first-call costs
        baseline_s, ours_s, ours_ci_s, peaks, predict_s, sandbox_s = [], [], [], [], [], []
        limits = Limits(wall_seconds=900)
        prewarm(limits, kind=kind)
        try:
            for i in range(args.repeats):
                t0 = time.perf_counter()
                reference = _baseline(model_dir, features, y, groups, public, predict_s)
                baseline_s.append(time.perf_counter() - t0)
                for n_bootstrap, times in ((0, ours_s), (1000, ours_ci_s)):
                    if not wait_ready(kind=kind, max_output_mb=limits.max_output_mb, timeout_s=300):
                        raise RuntimeError("the pre-started sandbox did not become ready within 300 s")
                    t0 = time.perf_counter()
                    metrics, peak = _ours(model_dir, features, y, groups, public, root / f"out-{i}-{n_bootstrap}",
                                          n_bootstrap=n_bootstrap, run_times=sandbox_s)
                    times.append(time.perf_counter() - t0)
                    peaks.append(peak)
                for split in ("public", "private"):  # the same numbers, or the comparison means nothing
                    for key in ("average_precision", "roc_auc", "hits_at_k"):
                        assert abs(metrics[split][key] - reference[split][key]) < 1e-9, (split, key)
        finally:
            shutdown_warm()
    base, ours, ours_ci = (statistics.median(t) for t in (baseline_s, ours_s, ours_ci_s))
    print(f"load average after {os.getloadavg()}")
    print(f"| {args.rows:,} rows x 30 columns, same point metrics (2 splits x (overall + 30 districts)) "
          f"| p50 wall s | min–max |")
    print("| --- | ---: | ---: |")
    print(f"| in-process: read Parquet + pyfunc load/predict + scikit-learn metrics | {base:.2f} | "
          f"{min(baseline_s):.2f}–{max(baseline_s):.2f} |")
    print(f"| ↳ of which read Parquet + load + predict | {statistics.median(predict_s):.2f} | "
          f"{min(predict_s):.2f}–{max(predict_s):.2f} |")
    print(f"| **ours: pre-started sandbox + predictions back + compute_metrics** | **{ours:.2f}** | "
          f"{min(ours_s):.2f}–{max(ours_s):.2f} |")
    print(f"| ↳ of which the sandbox run + reading its predictions back | {statistics.median(sandbox_s):.2f} | "
          f"{min(sandbox_s):.2f}–{max(sandbox_s):.2f} |")
    print(f"| ours as scored, + 1,000-resample CIs on both splits | {ours_ci:.2f} | "
          f"{min(ours_ci_s):.2f}–{max(ours_ci_s):.2f} |")
    print(f"ratio ours / in-process: {ours / base:.2f}x (goal <= 1.3x); with CIs {ours_ci / base:.2f}x; "
          f"peak RSS of the model process {max(peaks):.0f} MB (goal <= 1,536 MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
