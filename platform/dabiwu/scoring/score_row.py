"""The one function that turns a model's scores into a score row (first scoring and rescoring alike)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dabiwu.challenges.rules import MetricRule
from dabiwu.db.models import Score
from dabiwu.scoring.curves import pr_curve_points
from dabiwu.scoring.metrics import compute_metrics

SCORER_VERSION = "1.1.0"


def build_score(*, metric: MetricRule, labels: pd.DataFrame, scores: np.ndarray, dataset_id: int, dataset_sha256: str,
                model_sha256: str, predictions_key: str, **run) -> Score:
    """An unsaved Score: metrics with their CIs and PR curves, and the columns the boards sort on.

    `labels` is the dataset's held-out labels (label, group, is_public), row for row with `scores`.
    `run` holds what the sandbox run recorded (sandbox_kind, runtime_s, peak_mem_mb, sandbox_prestarted).
    Its version and whether it is the latest are set when it is recorded (jobs/lifecycle.py)."""
    primary = metric.primary
    y, public = labels["label"].to_numpy(), labels["is_public"].to_numpy()
    metrics = compute_metrics(y_true=y, scores=scores, groups=labels["group"].to_numpy(), is_public=public,
                              k=metric.k, primary=primary)
    metrics["public"]["pr_curve"] = pr_curve_points(y[public], scores[public])
    metrics["private"]["pr_curve"] = pr_curve_points(y[~public], scores[~public])
    metrics.update(scorer_version=SCORER_VERSION, dataset_sha256=dataset_sha256, model_sha256=model_sha256)
    return Score(
        **board_columns(metrics, primary=primary, secondary=board_secondary(metric)),
        scorer_version=SCORER_VERSION, dataset_id=dataset_id, dataset_sha256=dataset_sha256,
        model_sha256=model_sha256, metrics=metrics, predictions_key=predictions_key, **run,
    )


def board_secondary(metric: MetricRule) -> str:
    """The board's second column: the first secondary metric; challenge.yaml may list none (then ROC AUC)."""
    return (metric.secondary or ("roc_auc",))[0]


def board_columns(metrics: dict, *, primary: str, secondary: str) -> dict:
    """The values leaderboards sort and show, lifted out of the metrics document."""
    columns = {}
    for split in ("public", "private"):
        part = metrics[split]
        ci = (part.get("ci") or {}).get(primary) or [None, None]
        columns[f"{split}_score"] = float(part[primary])
        columns[f"{split}_secondary"] = part.get(secondary)
        columns[f"{split}_ci_low"], columns[f"{split}_ci_high"] = ci[0], ci[1]
    return columns
