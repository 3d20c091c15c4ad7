"""Measure each bundle's headroom: the baseline against a stronger model, on the private split.

    .venv/bin/python challenges/measure_headroom.py [SLUG ...] [--test-seed 2027]

For each bundle: generate the public train set (the bundle's train_seed) and a test set with another
seed, split the test set with the platform's own split, and train three models:
- baseline: the bundle's baseline.py (logistic regression, no text);
- kit_hgb: the starting kit's train_and_package.py (gradient boosting + character n-gram flags);
- domain_hgb: the same booster given a few features a prosecutor would compute (ratios of the
  amounts, keyword flags, "the reason contradicts the file", thresholds by land class).
It prints average precision and ROC AUC on the private part, and the train set's per-district base
rates.  The numbers go into each bundle's README.  Single-threaded on purpose: the machine is shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from dabiwu.challenges.bundle import Bundle, load_bundle  # noqa: E402
from dabiwu.challenges.splits import split_public_private  # noqa: E402
from dabiwu.challenges.starting_kit import TRAIN_AND_PACKAGE  # noqa: E402

HERE = Path(__file__).resolve().parent
SLUGS = ("medical-insurance-recovery", "han-river-ecology", "drunk-driving-withdrawal")
MIN_DISTRICT_LEADS = 10  # a district AP on fewer leads than this is noise


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- what domain knowledge adds: features computed from the raw columns -------------------------


def _mir_features(frame: pd.DataFrame) -> pd.DataFrame:
    text, total, fund = frame["judgment_excerpt"], frame["medical_total"], frame["fund_paid"]
    traffic_admission = frame["admission_cause"].isin(["交通事故", "车祸伤", "交通伤"])
    return pd.DataFrame({
        "fund_share": fund / total,
        "award_share": frame["compensation_awarded"] / total,
        "award_vs_unpaid": frame["compensation_awarded"] / (total - fund).clip(lower=1),
        "recovered_share": frame["recovered_amount"] / fund.where(fund > 0),
        "says_deducted": text.str.contains("扣除|扣出|不予支持|不再承担|不应重复"),
        "says_full": text.str.contains("全额|全頟|全部医疗费|全部损失|全布|不予采纳|不因原告"),
        "says_fund_repaid": text.str.contains("直接偿付|返还|追偿权|另案追偿|追尝"),
        "says_mediated": text.str.contains("调解|调介|和解"),
        "hidden_cause": frame["police_report_same_day"] & ~traffic_admission & frame["cause_of_action"].str.contains("交通"),
    })


_LAND = {"水田": "耕地", "旱地": "耕地", "永久基本农田": "基本农田", "乔木林地": "林地", "有林地": "林地", "河流水面": "河道",
         "内陆滩涂": "河道", "村庄": "建设用地", "城镇住宅用地": "建设用地", "其他草地": "草地"}


def _han_features(frame: pd.DataFrame) -> pd.DataFrame:
    land = frame["land_class"].replace(_LAND)
    threshold = land.map({"基本农田": 5.0, "耕地": 10.0, "林地": 3.0, "河道": 1.0, "草地": 8.0}).astype(float)
    threshold = threshold * np.where(frame["protected_zone"], 0.5, 1.0)
    month = frame["image_month"]
    return pd.DataFrame({
        "ndvi_drop": frame["ndvi_before"] - frame["ndvi_after"],
        "built_rise": frame["built_index_after"] - frame["built_index_before"],
        "changed_share": frame["changed_area_mu"] / frame["area_mu"],
        "changed_vs_threshold": frame["changed_area_mu"] / threshold,
        "dry_season": month.isin([11, 12, 1, 2, 3, 4]),
        "harvest_on_farmland": month.isin([5, 6, 9, 10]) & land.isin(["耕地", "基本农田"]),
        "winter_forest": month.isin([12, 1, 2, 3]) & (land == "林地"),
        "land_class_main": land.astype(object),
    })


def _ddw_features(frame: pd.DataFrame) -> pd.DataFrame:
    reason, blood = frame["withdrawal_reason"], frame["blood_alcohol_mg100ml"]
    says_evidence = reason.str.contains("证据|证剧|检验结论无法使用")
    says_emergency = reason.str.contains("紧急|紧级|送医|送衣|就医")
    says_move = reason.str.contains("挪车|娜车|挪动|娜动")
    aggravating = (
        frame["accident_responsibility"].isin(["全部责任", "主要责任"]).astype(int)
        + frame["fled_scene"] + frame["licence_status"].isin(["无证", "吊销", "暂扣"]) + (frame["prior_drink_driving_5y"] > 0)
        + frame["vehicle_type"].isin(["重型货车", "危化品车", "校车", "营运客车", "客运车辆"]) + (frame["road_type"] == "高速公路")
        + frame["speeding_or_overload"] + frame["evaded_check"] + frame["drug_test_positive"]
    )
    return pd.DataFrame({
        "says_evidence": says_evidence,
        "says_emergency": says_emergency,
        "says_move": says_move,
        "says_late": reason.str.contains("超时|超实|未及时|超出规定|超期"),
        "says_minor": reason.str.contains("轻微|清微|较轻"),
        "evidence_but_valid_test": says_evidence & frame["lab_report_valid"] & (frame["blood_test_delay_h"] <= 2),
        "emergency_not_documented": says_emergency & ~frame["emergency_documented"],
        "move_not_short": says_move & ((frame["road_type"] != "小区/停车场") | (frame["distance_moved_m"] > 500)),
        "blood_150_or_more": blood >= 150,
        "breath_minus_blood": frame["breath_alcohol_mg100ml"] - blood,
        "aggravating_count": aggravating,
    })


DOMAIN = {"medical-insurance-recovery": _mir_features, "han-river-ecology": _han_features, "drunk-driving-withdrawal": _ddw_features}


def _with_domain(frame: pd.DataFrame, slug: str) -> pd.DataFrame:
    extra = DOMAIN[slug](frame)
    extra = extra.astype({c: float for c in extra.columns if extra[c].dtype != object})
    return pd.concat([frame, extra], axis=1)


def _domain_dictionary(dictionary: pd.DataFrame, frame: pd.DataFrame, slug: str) -> pd.DataFrame:
    extra = DOMAIN[slug](frame.head(200))
    rows = [{"name": c, "type": "category" if extra[c].dtype == object else "float", "role": "feature", "zh": c, "en": c} for c in extra]
    return pd.concat([dictionary, pd.DataFrame(rows)], ignore_index=True)


def measure(bundle: Bundle, *, test_seed: int, kit: ModuleType) -> dict:
    data = bundle.rules.data
    train = bundle.generate(data.train_rows, data.train_seed)
    test = bundle.generate(data.test_rows, test_seed)
    is_public = split_public_private(
        test, group_column=bundle.group_column, label_column=bundle.label_column, public_fraction=0.3, seed=test_seed
    )
    private = test[~is_public]
    y = private[bundle.label_column].to_numpy()
    baseline = _module(bundle.path / "baseline.py", f"baseline_{bundle.slug.replace('-', '_')}")
    dictionary = bundle.data_dictionary()
    result = {"slug": bundle.slug, "private_rows": len(private), "private_base_rate": float(y.mean())}
    rich = _domain_dictionary(dictionary, train, bundle.slug)
    for name, fit, features in (
        ("baseline", lambda: baseline.train(train), lambda: baseline.features_of(private)),
        ("kit_hgb", lambda: kit.train(train, dictionary), lambda: kit.features_of(private, dictionary)),
        (
            "domain_hgb",
            lambda: kit.train(_with_domain(train, bundle.slug), rich),
            lambda: kit.features_of(_with_domain(private, bundle.slug), rich),
        ),
    ):
        start = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - start
        score = model.predict_proba(features())[:, 1]
        by_district = pd.DataFrame({"group": private[bundle.group_column].to_numpy(), "y": y, "score": score}).groupby("group")
        worst = min(
            (average_precision_score(part["y"], part["score"]), group)
            for group, part in by_district
            if part["y"].sum() >= MIN_DISTRICT_LEADS
        )
        result[name] = {"ap": average_precision_score(y, score), "auc": roc_auc_score(y, score), "fit_s": seconds, "worst": worst}
    result["district_rates"] = train.groupby(bundle.group_column)[bundle.label_column].mean().sort_values(ascending=False)
    result["train_rate"] = float(train[bundle.label_column].mean())
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=list(SLUGS))
    parser.add_argument("--test-seed", type=int, default=2027)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "train_and_package.py"
        script.write_text(TRAIN_AND_PACKAGE, encoding="utf-8")
        kit = _module(script, "kit_train_and_package")
        with threadpool_limits(1):
            for slug in args.slugs:
                r = measure(load_bundle(HERE / slug), test_seed=args.test_seed, kit=kit)
                print(f"\n## {slug}: private split {r['private_rows']} rows, base rate {r['private_base_rate']:.3f}")
                print(
                    f"| model | AP (private) | ROC AUC (private) | worst district AP (>= {MIN_DISTRICT_LEADS} leads) | fit s |\n"
                    "| --- | --- | --- | --- | --- |"
                )
                for name in ("baseline", "kit_hgb", "domain_hgb"):
                    m = r[name]
                    print(f"| {name} | {m['ap']:.3f} | {m['auc']:.3f} | {m['worst'][0]:.3f} ({m['worst'][1]}) | {m['fit_s']:.1f} |")
                rates = " · ".join(f"{d} {v:.3f}" for d, v in r["district_rates"].items())
                print(f"train base rate {r['train_rate']:.3f}; by district: {rates}")


if __name__ == "__main__":
    main()
