"""Scoring metrics benchmark: `.venv/bin/python -m benchmarks.bench_scoring [--quick]`.

1. 100k rows: in-process pyfunc predict of a tiny sklearn model + our compute_metrics (both
   splits, 30 districts, 1,000-resample bootstrap CIs of AP and ROC AUC) against
   `mlflow.models.evaluate` on the same model and rows, in the same process.
2. 1M rows: compute_metrics time and peak traced memory, at 1%, 5% and 20% positives.

Prints a Markdown block for benchmarks/RESULTS.md ("## Scoring metrics").  The machine is shared,
so each timing is the best of a few runs (CPU contention only ever adds time).
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# One BLAS thread for both sides: after each call OpenBLAS's idle threads spin for a while, which
# bills whatever runs next (here, the other side) for CPU it never used and takes the second core
# from its threads.  In the platform the model predicts in another process (the sandbox).
for _blas in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dabiwu.scoring.metrics import compute_metrics  # noqa: E402
from dabiwu.scoring.output import normalise_predictions  # noqa: E402

N_FEATURES = 8
DISTRICTS = [f"district-{i:02d}" for i in range(30)]


def make_rows(n: int, *, rate: float, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Features with a linear signal, labels at about `rate`, districts, a 30% public split."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES))
    logit = x @ np.linspace(1.0, 0.1, N_FEATURES) + np.log(rate / (1 - rate)) - 0.6
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    features = pd.DataFrame(x, columns=[f"f{i}" for i in range(N_FEATURES)])
    # object dtype, as `labels["group"].to_numpy()` gives the scorer
    return features, y, rng.choice(np.array(DISTRICTS, dtype=object), size=n), rng.random(n) < 0.3


def best_of(repeats: int, run) -> tuple[tuple[float, float], object]:
    """(wall seconds, CPU seconds of this process) of the fastest run, and its result.  CPU time
    is reported too because on a shared machine the wall clock mostly measures the neighbours."""
    best, result = (float("inf"), float("inf")), None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best, result


def bench_against_evaluate(workdir: Path, *, repeats: int) -> dict:
    import mlflow
    from sklearn.linear_model import LogisticRegression

    train_x, train_y, _, _ = make_rows(20_000, rate=0.05, seed=1)
    x, y, groups, public = make_rows(100_000, rate=0.05, seed=2)
    model_dir = workdir / "model"
    mlflow.sklearn.save_model(
        LogisticRegression(max_iter=500).fit(train_x, train_y),
        model_dir,
        serialization_format="cloudpickle",
        pyfunc_predict_fn="predict_proba",
    )
    model = mlflow.pyfunc.load_model(str(model_dir))

    def ours(n_bootstrap: int = 1000):
        scores = normalise_predictions(pd.DataFrame(np.asarray(model.predict(x))), n_rows=len(x))
        return compute_metrics(
            y_true=y, scores=scores, groups=groups, is_public=public, k=1000, n_bootstrap=n_bootstrap
        )

    ours()  # warm-up: first-call costs are not what a long-lived worker pays
    ours_s, metrics = best_of(repeats, ours)
    no_ci_s, _ = best_of(repeats, lambda: ours(0))
    predict_s, _ = best_of(repeats, lambda: model.predict(x))

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")
    data = x.assign(label=y)

    def evaluate():
        with warnings.catch_warnings(), mlflow.start_run():
            warnings.simplefilter("ignore")
            return mlflow.models.evaluate(str(model_dir), data, targets="label", model_type="classifier")

    evaluate()  # warm-up (imports, plotting back end)
    evaluate_s, _ = best_of(max(1, repeats - 1), evaluate)
    return {
        "predict_s": predict_s,
        "ours_s": ours_s,
        "ours_no_ci_s": no_ci_s,
        "evaluate_s": evaluate_s,
        "ratio_wall": evaluate_s[0] / ours_s[0],
        "ratio_cpu": evaluate_s[1] / ours_s[1],
        "ap": metrics["private_score"],
        "ci": metrics["private"]["ci"]["average_precision"],
    }


def bench_million(*, rate: float, repeats: int) -> dict:
    rng = np.random.default_rng(3)
    n = 1_000_000
    y = (rng.random(n) < rate).astype(np.int8)
    scores = rng.random(n) + 0.3 * y  # continuous scores: every positive is its own threshold
    groups = rng.choice(np.array(DISTRICTS, dtype=object), size=n)
    public = rng.random(n) < 0.3

    def run():
        return compute_metrics(y_true=y, scores=scores, groups=groups, is_public=public, k=10_000)

    seconds, _ = best_of(repeats, run)
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rate": rate, "seconds": seconds, "peak_mb": peak / 2**20}


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores (shared; load average {load} at start), Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, 5% positives only at 1M")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    print(f"machine: {machine()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        versus = bench_against_evaluate(Path(tmp), repeats=repeats)
    print(f"100k: {versus}", file=sys.stderr)
    million = [bench_million(rate=rate, repeats=min(repeats, 2)) for rate in ((0.05,) if args.quick else (0.01, 0.05, 0.2))]
    for row in million:
        print(f"1M: {row}", file=sys.stderr)

    print("## Scoring metrics\n")
    print(f"Machine: {machine()}.  ")
    print("Command: `.venv/bin/python -m benchmarks.bench_scoring`  ")
    print(f"Each figure is the fastest of {repeats} runs after a warm-up (evaluate: {max(1, repeats - 1)}; 1M rows: "
          f"{min(repeats, 2)}), as wall and as CPU seconds of the process.\n")
    print("| 100k rows, 5% positives, 30 districts | wall s | CPU s |")
    print("| --- | ---: | ---: |")
    rows = [
        ("pyfunc predict (LogisticRegression, predict_proba)", versus["predict_s"]),
        ("predict + compute_metrics, no bootstrap", versus["ours_no_ci_s"]),
        ("predict + compute_metrics, 1,000-resample CIs of AP and AUC on both splits", versus["ours_s"]),
        ("`mlflow.models.evaluate` (its own predict, default evaluator)", versus["evaluate_s"]),
    ]
    for label, (wall, cpu) in rows:
        print(f"| {label} | {wall:.3f} | {cpu:.3f} |")
    print(f"| **evaluate / ours with CIs** | **{versus['ratio_wall']:.1f}x** | **{versus['ratio_cpu']:.1f}x** |")
    no_ci = versus["evaluate_s"][1] / versus["ours_no_ci_s"][1]
    print(f"| evaluate / ours without CIs (CPU) | | {no_ci:.0f}x |")
    print()
    print("| 1M rows compute_metrics (both splits, 30 districts, 1,000 resamples) | wall s | CPU s | peak traced memory |")
    print("| --- | ---: | ---: | ---: |")
    for row in million:
        wall, cpu = row["seconds"]
        print(f"| {row['rate']:.0%} positives | {wall:.2f} | {cpu:.2f} | {row['peak_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
