"""A small, chart-sized precision-recall curve for the UI."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve


def pr_curve_points(y_true: np.ndarray, scores: np.ndarray, *, points: int = 101) -> dict:
    if y_true.size == 0 or y_true.min() == y_true.max():
        return {"precision": [], "recall": []}
    precision, recall, _ = precision_recall_curve(y_true, scores)
    grid = np.linspace(0.0, 1.0, points)
    # Interpolated precision: the best precision at recall >= r, sampled on a fixed recall grid.
    order = np.argsort(recall)
    envelope = np.maximum.accumulate(precision[order][::-1])[::-1]
    sampled = np.interp(grid, recall[order], envelope)
    return {"precision": [round(float(p), 5) for p in sampled], "recall": [round(float(r), 5) for r in grid]}
