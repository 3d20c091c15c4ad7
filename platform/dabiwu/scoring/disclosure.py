"""What of a score's metrics a team may see (issue #14, items 14 and 17).

The stored metrics document is exact and complete (judges, admins, promotion gates and model cards
use it). A team sees a coarser view of each split it may read:

- per-district metrics only for districts with at least `min_rows` rows and `min_positives` positives
  in that split, their rates rounded to `decimals` places: exact metrics of a small district let a
  team learn the labels (and the public/private membership) of rows it chooses, by ranking those
  rows first (one submission once revealed 12 rows exactly). Withheld districts are named in
  `per_district_withheld`; the worst district is taken over the shown ones only (a minimum over all
  would give a withheld one's value away);
- thresholds (`best_threshold`) rounded to `threshold_digits` significant digits: a threshold is
  one of the model's own scores, and the low bits of a float are a channel out of the sandbox for
  whatever the model read (test features).

What a team can still learn is written in docs/security.md ("Per-district metrics").
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from dataclasses import dataclass
from typing import Any

_RATES = ("average_precision", "roc_auc", "precision_at_k", "recall_at_k", "f1_at_0_5", "f1_best")
_WORST = ("average_precision", "roc_auc", "precision_at_k", "recall_at_k", "f1_at_0_5", "f1_best")


@dataclass(frozen=True)
class Disclosure:
    """The settings that shape a team's view (Settings.district_metrics_*, reported_threshold_digits)."""

    min_rows: int = 200
    min_positives: int = 10
    decimals: int = 2
    threshold_digits: int = 3

    @classmethod
    def of(cls, settings: Any) -> "Disclosure":
        return cls(min_rows=settings.district_metrics_min_rows, min_positives=settings.district_metrics_min_positives,
                   decimals=settings.district_metrics_decimals, threshold_digits=settings.reported_threshold_digits)


def round_significant(value: float | None, digits: int) -> float | None:
    """`value` rounded down (towards -inf) to `digits` significant digits: flagging rows with a score
    at or above the rounded threshold still flags every row the exact one did."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    exact = Decimal(repr(float(value)))  # the shortest decimal that reads back as this float
    step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    return float(exact.quantize(step, rounding=ROUND_FLOOR))  # <= value: float() is monotone


def team_split_view(split: dict | None, disclosure: Disclosure) -> dict | None:
    """One split's metrics as a team sees them."""
    if not isinstance(split, dict):
        return split
    out = dict(split)
    if "best_threshold" in out:
        out["best_threshold"] = round_significant(out["best_threshold"], disclosure.threshold_digits)
    districts = split.get("per_district")
    if isinstance(districts, dict):
        shown, withheld = {}, []
        for name, values in districts.items():
            if (values.get("n") or 0) < disclosure.min_rows or (values.get("positives") or 0) < disclosure.min_positives:
                withheld.append(name)
                continue
            view = dict(values)
            for key in _RATES:
                if view.get(key) is not None:
                    view[key] = round(float(view[key]), disclosure.decimals)
            view.pop("hits_at_k", None)  # with a small k it is the exact label count of chosen rows
            if "best_threshold" in view:
                view["best_threshold"] = round_significant(view["best_threshold"], disclosure.threshold_digits)
            shown[name] = view
        out["per_district"] = shown
        out["per_district_withheld"] = sorted(withheld)
        out["worst_district"] = _worst(shown)
    return out


def _worst(districts: dict[str, dict]) -> dict[str, dict | None]:
    worst: dict[str, dict | None] = {}
    for metric in _WORST:
        defined = [(values[metric], name) for name, values in districts.items() if values.get(metric) is not None]
        if not defined:
            worst[metric] = None
            continue
        value, name = min(defined)  # first in name order on a tie, as the scorer does
        worst[metric] = {"district": name, "value": value}
    return worst
