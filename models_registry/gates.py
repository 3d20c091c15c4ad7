"""The promotion gates: pure functions over kept predictions and scored metrics.

A model joins the shared registry only if it is good enough (primary metric), good enough
everywhere (its worst district), finds leads the listed models do not (novelty: incremental
recall at the review capacity k), and there is room on the list.  Everything is computed from
the predictions kept at scoring time; no model runs here.

Top-k uses the scorer's rule (dabiwu.scoring.metrics): highest scores first, ties at the boundary
to the earlier row, so a clone of a listed model has exactly the same top k (Jaccard 1.0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dabiwu.registry_port import compute_split_metrics
from models_registry.schemas import GateCheck, GateName, GateNovelty, GateOverlap, GateReport

REQUIRED_GATES = ("min_primary", "min_worst_district", "min_novelty", "max_listed")


def top_k_set(scores: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the k highest scores, best first; ties go to the earlier row."""
    s = _scores(scores)
    if k < 0:
        raise ValueError(f"k must not be negative (got {k}).")
    k = min(int(k), s.shape[0])
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    # argpartition finds the boundary score; only rows at or above it are sorted
    boundary = np.partition(s, s.shape[0] - k)[s.shape[0] - k]
    candidates = np.flatnonzero(s >= boundary)
    ranked = candidates[np.argsort(-s[candidates], kind="stable")]
    return ranked[:k].astype(np.int64)


def jaccard_top_k(a_scores: np.ndarray, b_scores: np.ndarray, k: int) -> float:
    """|A ∩ B| / |A ∪ B| of the two top-k sets (1.0 for identical rankings at the top)."""
    a, b = _scores(a_scores), _scores(b_scores)
    if a.shape != b.shape:
        raise ValueError(f"Both score arrays must cover the same rows ({a.shape[0]} vs {b.shape[0]}).")
    top_a, top_b = top_k_set(a, k), top_k_set(b, k)
    union = np.union1d(top_a, top_b).shape[0]
    return 1.0 if union == 0 else np.intersect1d(top_a, top_b).shape[0] / union


def incremental_recall(
    *, candidate_scores: np.ndarray, listed_scores: list[np.ndarray], y_true: np.ndarray, k: int
) -> GateNovelty:
    """The leads the candidate's top k finds that no listed model's top k finds.

    candidate_hits: positives in the candidate's top k; already_found: those of them that at least
    one listed model also has in its top k; new_hits = candidate_hits - already_found;
    incremental_recall = new_hits / positives (None without positives)."""
    y = np.asarray(y_true).astype(bool)
    cand = _scores(candidate_scores)
    if y.shape != cand.shape:
        raise ValueError(f"y_true has {y.shape[0]} rows, candidate_scores {cand.shape[0]}.")
    found_by_listed = np.zeros(y.shape[0], dtype=bool)
    for scores in listed_scores:
        listed = _scores(scores)
        if listed.shape != y.shape:
            raise ValueError(f"A listed model's scores cover {listed.shape[0]} rows, not {y.shape[0]}.")
        found_by_listed[top_k_set(listed, k)] = True
    top = top_k_set(cand, k)
    hits = top[y[top]]
    already = int(np.count_nonzero(found_by_listed[hits]))
    positives = int(np.count_nonzero(y))
    new_hits = hits.shape[0] - already
    return GateNovelty(
        k=int(min(k, y.shape[0])),
        positives=positives,
        candidate_hits=int(hits.shape[0]),
        already_found=already,
        new_hits=int(new_hits),
        listed_hits=int(np.count_nonzero(found_by_listed & y)),
        incremental_recall=new_hits / positives if positives else None,
    )


def evaluate_gates(
    *,
    candidate: dict[str, Any],
    candidate_scores: np.ndarray,
    listed: list[dict[str, Any]],
    y_true: np.ndarray,
    groups: np.ndarray | None,
    k: int,
    gates: dict[str, Any],
    n_listed: int,
) -> GateReport:
    """Run every promotion gate and say, in Chinese and English, why each passed or failed.

    candidate: the candidate's metrics as compute_metrics returned them (the private split is
      judged: it was not used to pick submissions) or one split of them.  If they carry no
      per-district figures, the worst district is computed from candidate_scores and groups.
    listed: the models now in the registry whose kept predictions cover the same rows:
      [{"name", "version", "scores"}].
    gates: min_primary, min_worst_district, min_novelty (incremental recall), max_listed, and the
      optional max_overlap (top-k Jaccard) and primary (metric name, default from the metrics).
      A gate set to None is off.
    n_listed: how many models are listed now (the capacity gate counts these).
    """
    missing = [name for name in REQUIRED_GATES if name not in gates]
    if missing:
        raise ValueError(f"Gate settings lack {', '.join(missing)}; set each (None turns a gate off).")
    split = candidate.get("private", candidate)
    primary = gates.get("primary") or candidate.get("primary") or "average_precision"
    checks: list[GateCheck] = []

    if gates["min_primary"] is not None:
        checks.append(_primary_check(split=split, primary=primary, threshold=float(gates["min_primary"])))
    if gates["min_worst_district"] is not None:
        worst = _worst_district(split=split, primary=primary, y_true=y_true, scores=candidate_scores, groups=groups, k=k)
        checks.append(_worst_district_check(worst=worst, primary=primary, threshold=float(gates["min_worst_district"])))

    overlaps = [
        GateOverlap(listed=_label(model), jaccard=jaccard_top_k(candidate_scores, model["scores"], k)) for model in listed
    ]
    closest = max(overlaps, key=lambda item: item.jaccard, default=None)
    novelty = incremental_recall(
        candidate_scores=candidate_scores, listed_scores=[model["scores"] for model in listed], y_true=y_true, k=k
    )
    if gates["min_novelty"] is not None:
        checks.append(_novelty_check(novelty=novelty, closest=closest, threshold=float(gates["min_novelty"])))
    if gates.get("max_overlap") is not None and closest is not None:
        checks.append(_overlap_check(closest=closest, k=k, threshold=float(gates["max_overlap"])))
    if gates["max_listed"] is not None:
        checks.append(_capacity_check(n_listed=n_listed, limit=int(gates["max_listed"])))

    return GateReport(passed=all(check.passed for check in checks), checks=checks, overlaps=overlaps, novelty=novelty)


def _primary_check(*, split: dict, primary: str, threshold: float) -> GateCheck:
    value = split.get(primary)
    if value is None:
        return _check(
            "primary", False, None, threshold,
            f"主要指标 {primary} 无法计算（评测集中没有正例），不能上架。",
            f"The primary metric {primary} is undefined on the evaluation set (no positives), "
            "so the model cannot be promoted.",
        )
    passed = value >= threshold
    zh, en = _verdict(passed)
    return _check(
        "primary", passed, value, threshold,
        f"主要指标 {primary} = {value:.4f}，{zh}上架门槛 {threshold:.4f}。",
        f"Primary metric {primary} = {value:.4f} is {en} the bar of {threshold:.4f}.",
    )


def _worst_district(
    *, split: dict, primary: str, y_true: np.ndarray, scores: np.ndarray, groups: np.ndarray | None, k: int
) -> dict | None:
    worst = split.get("worst_district")
    if worst is not None and primary in worst:
        return worst[primary]
    if groups is None:
        return None
    computed = compute_split_metrics(y_true=y_true, scores=scores, groups=groups, k=k, n_bootstrap=0)
    return computed["worst_district"].get(primary)


def _worst_district_check(*, worst: dict | None, primary: str, threshold: float) -> GateCheck:
    if worst is None:
        return _check(
            "worst_district", False, None, threshold,
            f"没有任何地区能计算 {primary}（缺少地区信息或各地区都没有正例），无法检验最差地区门槛。",
            f"No district has a defined {primary} (no district data, or no positives anywhere), "
            "so the worst-district gate cannot be checked.",
        )
    value, district = worst["value"], worst["district"]
    passed = value >= threshold
    zh, en = _verdict(passed)
    return _check(
        "worst_district", passed, value, threshold,
        f"表现最差的地区是 {district}：{primary} = {value:.4f}，{zh}门槛 {threshold:.4f}。"
        + ("" if passed else "共享模型须在每个地区都达到最低水平。"),
        f"The worst district is {district} with {primary} = {value:.4f}, {en} the bar of {threshold:.4f}."
        + ("" if passed else " A shared model must reach the minimum in every district."),
    )


def _novelty_check(*, novelty: GateNovelty, closest: GateOverlap | None, threshold: float) -> GateCheck:
    value, k = novelty.incremental_recall, novelty.k
    overlap_zh = overlap_en = ""
    if closest is not None:
        jaccard = f"{closest.jaccard:.2f}"
        overlap_zh = f"与已上架模型 {closest.listed} 的前 {k} 条线索重合度（Jaccard）为 {jaccard}。"
        overlap_en = f" Its top {k} overlaps most with listed model {closest.listed}: Jaccard {jaccard}."
    if value is None:
        return _check(
            "novelty", False, None, threshold,
            "评测集中没有正例，无法计算新增线索。" + overlap_zh,
            "The evaluation set has no positives, so novelty cannot be measured." + overlap_en,
        )
    passed = value >= threshold
    zh, en = _verdict(passed)
    hits, already, new = novelty.candidate_hits, novelty.already_found, novelty.new_hits
    return _check(
        "novelty", passed, value, threshold,
        f"前 {k} 条中命中 {hits} 条，其中 {already} 条已被已上架模型发现，新增 {new} 条，"
        f"增量召回率 {value:.4f}，{zh}门槛 {threshold:.4f}。{overlap_zh}"
        + ("" if passed else "新模型须发现已上架模型未发现的线索。"),
        f"Of its {hits} hits in the top {k}, {already} are already found by listed models: {new} new, "
        f"incremental recall {value:.4f}, {en} the bar of {threshold:.4f}.{overlap_en}"
        + ("" if passed else " A new model must find leads the listed ones miss."),
    )


def _overlap_check(*, closest: GateOverlap, k: int, threshold: float) -> GateCheck:
    value, listed = closest.jaccard, closest.listed
    passed = value <= threshold
    return _check(
        "overlap", passed, value, threshold,
        f"与已上架模型 {listed} 的前 {k} 条重合度（Jaccard）为 {value:.2f}，"
        f"{'未超过' if passed else '超过'}上限 {threshold:.2f}。",
        f"Top-{k} overlap with listed model {listed} is Jaccard {value:.2f}, "
        f"{'within' if passed else 'above'} the limit of {threshold:.2f}.",
    )


def _capacity_check(*, n_listed: int, limit: int) -> GateCheck:
    passed = n_listed < limit
    listed_en = "1 model is" if n_listed == 1 else f"{n_listed} models are"
    if passed:
        return _check(
            "capacity", True, n_listed, limit,
            f"已上架 {n_listed} 个模型，上限 {limit} 个，还有空位。",
            f"{listed_en} listed, the limit is {limit}: there is room.",
        )
    return _check(
        "capacity", False, n_listed, limit,
        f"已上架 {n_listed} 个模型，已达上限 {limit} 个：须先下架一个模型，才能上架新模型。",
        f"{listed_en} listed and the limit is {limit}: delist one first, then promote this one.",
    )


def _verdict(passed: bool) -> tuple[str, str]:
    return ("达到", "at or above") if passed else ("低于", "below")


def _check(name: GateName, passed: bool, value, threshold, message_zh: str, message_en: str) -> GateCheck:
    return GateCheck(name=name, passed=bool(passed), value=None if value is None else float(value),
                     threshold=threshold, message_zh=message_zh, message_en=message_en)


def _label(model: dict[str, Any]) -> str:
    name = str(model.get("name", "?"))
    return f"{name} v{model['version']}" if model.get("version") is not None else name


def _scores(scores: np.ndarray) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"Scores must be one number per row (got shape {s.shape}).")
    if not np.isfinite(s).all():
        raise ValueError("Scores must be finite; pass predictions through normalise_predictions first.")
    return s
