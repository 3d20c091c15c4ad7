"""Typed API answers (issue #18): what typing `SubmissionOut.metrics` costs the hot read, same run.

GET /submissions/{id} is polled by the UI and the CLI while a job runs. Since #18 its `metrics` field is the typed
`SubmissionMetrics` (nested models; `Sparse` leaves a stored document's absent parts absent) instead of a bare
`dict`. This measures validating and dumping one real scorer document (3,000 rows, 5 districts, PR curve, bootstrap)
both ways in one process: the baseline is the same answer with `metrics: dict | None`, as before #18.

    .venv/bin/python -m benchmarks.bench_typed_answers [--runs 2000]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from pydantic import BaseModel

from dabiwu.challenges.rules import MetricRule
from dabiwu.scoring.score_row import build_score
from dabiwu.submissions.schemas import SubmissionOut


class UntypedSubmissionOut(SubmissionOut):
    """The answer as it was before #18: metrics and model_info as bare dicts."""

    metrics: dict | None = None
    model_info: dict = {}


def _document() -> dict:
    rng = np.random.default_rng(7)
    n = 3000
    y = (rng.random(n) < 0.12).astype(int)
    labels = pd.DataFrame({"label": y, "group": rng.choice(["东城", "西城", "南城", "北城", "小县"], size=n),
                           "is_public": rng.random(n) < 0.4})
    score = build_score(metric=MetricRule(primary="average_precision", secondary=["roc_auc"], k=150), labels=labels,
                        scores=rng.random(n) * 0.7 + 0.3 * y, dataset_id=1, dataset_sha256="d" * 64,
                        model_sha256="m" * 64, predictions_key="p", sandbox_kind="fresh", runtime_s=1.5,
                        peak_mem_mb=80.0, sandbox_prestarted=False)
    return json.loads(json.dumps(score.metrics))


def _best_us(model: type[BaseModel], row: dict, runs: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(runs):
            model.model_validate(row).model_dump_json()
        best = min(best, (time.perf_counter() - start) / runs)
    return best * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    row = {"id": "a" * 32, "challenge": "medical-insurance-recovery", "team": "襄城检察数据队", "team_id": 1,
           "status": "scored", "public_score": 0.61, "private_score": 0.6, "metrics": _document(),
           "model_info": {"flavor": "sklearn"}, "created_at": datetime.now(timezone.utc)}
    size = len(SubmissionOut.model_validate(row).model_dump_json())
    typed, untyped = _best_us(SubmissionOut, row, args.runs), _best_us(UntypedSubmissionOut, row, args.runs)
    print("## Typed answers: GET /submissions/{id} validate + dump, typed metrics against a bare dict (issue #18)\n")
    print(f"`.venv/bin/python -m benchmarks.bench_typed_answers --runs {args.runs}`; best of 5 rounds; "
          f"answer {size:,} bytes.\n")
    print("| answer model | µs per answer | ratio to bare dict |\n|---|---|---|")
    print(f"| bare `dict` (before #18, baseline) | {untyped:.1f} | 1.00 |")
    print(f"| typed `SubmissionMetrics` | {typed:.1f} | {typed / untyped:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
