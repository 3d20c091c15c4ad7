"""The dry run (`dabiwu challenges check PATH`, `load --dry-run`, POST /admin/bundles/{slug}/check).

It runs every check a load runs, on data generated exactly as a load would (a throwaway secret seed),
and reports what an organiser reviews before publishing: rows and leads per set, split and district,
and how much room the bundle's baseline leaves.  Nothing is written anywhere.
"""

from __future__ import annotations

import importlib.util
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dabiwu.challenges.bundle import Bundle, BundleError, load_bundle
from dabiwu.challenges.dataset import PreparedData, prepare_data, summarise


@dataclass
class CheckReport:
    slug: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    problems_zh: list[str] = field(default_factory=list)
    summary: dict | None = None


def check_bundle(path: Path, *, baseline: bool = True) -> CheckReport:
    try:
        bundle = load_bundle(path)
        prepared = prepare_data(bundle, hidden_seed=secrets.randbits(62))
    except BundleError as exc:
        return CheckReport(slug=Path(path).name, ok=False, problems=exc.problems, problems_zh=exc.problems_zh)
    summary = summarise(bundle, prepared)
    if baseline:
        summary["baseline"] = baseline_headroom(bundle, prepared)
    return CheckReport(slug=bundle.slug, ok=True, summary=summary)


def baseline_headroom(bundle: Bundle, prepared: PreparedData) -> dict | None:
    """The bundle's baseline.py trained on the train set, scored on the private split like a submission."""
    from dabiwu.scoring.metrics import compute_metrics

    path = bundle.path / "baseline.py"
    rules = bundle.rules
    try:
        module_spec = importlib.util.spec_from_file_location(f"dabiwu_dryrun_baseline_{bundle.slug.replace('-', '_')}", path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_spec.name] = module
        module_spec.loader.exec_module(module)
        model = module.train(prepared.train)
        test = prepared.test
        features = module.features_of(test) if hasattr(module, "features_of") else test.drop(
            columns=[rules.id_column, rules.label_column])
        scores = np.asarray(model.predict_proba(features))[:, 1]
    except Exception as exc:  # noqa: BLE001 - the organiser's code; say what failed, never a traceback
        return {"error": f"{path}: the baseline could not be measured ({type(exc).__name__}: {str(exc)[:200].rstrip('.')}). "
                         "It needs train(frame) returning a model with predict_proba."}
    primary = rules.metric.primary
    metrics = compute_metrics(y_true=test[rules.label_column].to_numpy(), scores=scores,
                              groups=test[rules.group_column].astype(str).to_numpy(), is_public=prepared.is_public,
                              k=rules.metric.k, primary=primary, n_bootstrap=0)
    private = metrics["private"]
    y_private = test[rules.label_column].to_numpy()[~prepared.is_public]
    gate = float(rules.promotion.min_primary)
    score = private[primary]
    return {
        "metric": primary,
        "private": None if score is None else round(float(score), 4),
        "public": None if metrics["public_score"] is None else round(float(metrics["public_score"]), 4),
        "base_rate": round(float((y_private == 1).mean()), 4),
        "min_primary": gate,
        # Room above the baseline: to a perfect ranking, and up to the listing gate (negative: the baseline clears it).
        "headroom": None if score is None else round(1.0 - float(score), 4),
        "gate_margin": None if score is None else round(gate - float(score), 4),
    }
