"""Baseline for drunk-driving-withdrawal: logistic regression on the case facts.

    python baseline.py --train train.parquet --out model_dir [--format skops|cloudpickle]

It leaves the withdrawal reason (free Chinese text) out on purpose: a withdrawal is improper when
the stated reason does not fit the facts, and only a model that reads the reason can see that.
The saved folder is a stock MLflow model; pyfunc `predict` returns a (n, 2) probability array.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ID_COLUMN = "case_id"
LABEL_COLUMN = "is_lead"
NUMERIC = [
    "blood_alcohol_mg100ml", "breath_alcohol_mg100ml", "blood_test_delay_h", "prior_drink_driving_5y",
    "distance_moved_m", "driver_age", "stop_hour", "days_to_withdrawal",
]
BOOLEAN = [
    "lab_report_valid", "fled_scene", "speeding_or_overload", "evaded_check", "drug_test_positive", "emergency_documented",
]
CATEGORICAL = ["district", "police_unit", "accident", "accident_responsibility", "licence_status", "vehicle_type", "road_type"]
DATES: list[str] = []
TEXT = ["withdrawal_reason"]
UNUSED = DATES + TEXT  # present in the data, not used by this baseline


def build_model() -> Pipeline:
    features = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), NUMERIC),
            ("flags", "passthrough", BOOLEAN),
            (
                "categories",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="缺失"),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                ),
                CATEGORICAL,
            ),
        ],
        remainder="drop",  # ids, unused columns and any extra column the scorer sends
    )
    return make_pipeline(features, LogisticRegression(max_iter=2000))


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in (ID_COLUMN, LABEL_COLUMN) if c in frame.columns])


def train(train_df: pd.DataFrame) -> Pipeline:
    model = build_model()
    model.fit(features_of(train_df), train_df[LABEL_COLUMN].astype(int))
    return model


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig", parse_dates=DATES)
    return pd.read_parquet(path)


def _requirements(serialization_format: str) -> list[str]:
    """Pinned to what trained the model; MLflow's own inference would spawn a Python to find them."""
    from importlib.metadata import version

    packages = ["scikit-learn", "pandas", "numpy", "scipy", serialization_format]
    return [f"{name}=={version(name)}" for name in packages]


def save(model: Pipeline, train_df: pd.DataFrame, out: Path, *, serialization_format: str = "skops") -> Path:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow.sklearn
    from mlflow.models import infer_signature

    X = features_of(train_df)
    trusted = None
    if serialization_format == "skops":
        import skops.io

        # Types skops does not trust by default; we built the model, so we vouch for them.
        trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model)) or None
    mlflow.sklearn.save_model(
        model,
        str(out),
        serialization_format=serialization_format,
        pip_requirements=_requirements(serialization_format),
        skops_trusted_types=trusted,
        pyfunc_predict_fn="predict_proba",
        signature=infer_signature(X, model.predict_proba(X.head(100))),
        input_example=X.head(5),
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, help="train.parquet or train.csv")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the MLflow model to (must not exist)")
    parser.add_argument("--format", choices=["skops", "cloudpickle"], default="skops")
    args = parser.parse_args(argv)
    train_df = read_table(args.train)
    model = train(train_df)
    save(model, train_df, args.out, serialization_format=args.format)
    print(f"saved {args.format} MLflow model to {args.out}")


if __name__ == "__main__":
    main()
