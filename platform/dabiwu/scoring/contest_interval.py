"""A listed model's contest precision@k and its 95% interval: the band its field precision is drawn against.

One definition for the model card (models_registry.outcomes, through dabiwu.registry_port) and the field board
(dabiwu.districts.field_board)."""

from __future__ import annotations

import math
from typing import Any

WILSON_Z = 1.959964  # 95%


def wilson_interval(successes: int, n: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def contest_precision(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """precision@k on the private split and its 95% interval: the stored bootstrap one if any, else Wilson's."""
    private = (metrics or {}).get("private") or {}
    p, k = private.get("precision_at_k"), private.get("k")
    if p is None or not k:
        return {"precision_at_k": p, "k": k, "interval": None, "method": None}
    stored = (private.get("ci") or {}).get("precision_at_k")
    if stored and stored[0] is not None:
        return {"precision_at_k": p, "k": k, "interval": [stored[0], stored[1]], "method": "bootstrap"}
    low, high = wilson_interval(round(p * k), int(k))
    return {"precision_at_k": p, "k": int(k), "interval": [low, high], "method": "wilson"}
