"""Real MLflow models, saved by stock mlflow, for the intake tests (built once per session).

    def test_x(mlflow_model_factory, intake_challenge):
        model_dir = mlflow_model_factory("sklearn_skops")     # pristine: copy it before editing
        ...
    def test_y(editable_mlflow_model):
        model_dir = editable_mlflow_model("pyfunc_code")      # a private copy under tmp_path
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import textwrap
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

INTAKE_COLUMNS = [
    {"name": "case_id", "type": "string", "zh": "案件编号", "en": "Case ID", "role": "id"},
    {"name": "district", "type": "category", "zh": "区县", "en": "District", "role": "group"},
    {"name": "amount", "type": "float", "zh": "涉案金额", "en": "Amount"},
    {"name": "prior_cases", "type": "int", "zh": "前案数", "en": "Prior cases"},
    {"name": "filed_on", "type": "date", "zh": "立案日期", "en": "Filed on"},
    {"name": "has_lawyer", "type": "bool", "zh": "有无律师", "en": "Has lawyer"},
    {"name": "is_lead", "type": "int", "zh": "是否线索", "en": "Is lead", "role": "label"},
]

MODEL_KINDS = ("sklearn_skops", "sklearn_cloudpickle", "pyfunc_code")

_LEAD_RULES = '''
"""A rule-based lead scorer shipped with the model through code_paths."""
import mlflow.pyfunc
import pandas as pd


def score(frame: pd.DataFrame) -> pd.Series:
    return (frame["amount"] / 1000.0).clip(0, 1) * 0.7 + frame["has_lawyer"].astype(float) * 0.3


class LeadRules(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return score(model_input)
'''


@pytest.fixture(scope="session")
def intake_challenge() -> dict:
    """The data-dictionary side of a challenge, as validate_model_dir receives it."""
    return {"columns": INTAKE_COLUMNS, "id_column": "case_id", "label_column": "is_lead"}


def _training_frame():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "case_id": [f"C{i:04d}" for i in range(n)],
            "district": rng.choice(["枣阳", "襄州", "樊城"], n),
            "amount": rng.gamma(2.0, 300.0, n),
            "prior_cases": rng.integers(0, 6, n),
            "filed_on": pd.date_range("2024-01-01", periods=n, freq="D"),
            "has_lawyer": rng.random(n) < 0.4,
        }
    )
    frame["is_lead"] = ((frame["amount"] > 700) | (frame["prior_cases"] > 3)).astype(int)
    return frame.drop(columns=["case_id", "is_lead"]), frame["is_lead"]


def _pins(*names: str) -> list[str]:
    # What mlflow's requirement inference writes, without its 10-30 s model-loading subprocess.
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in names]


def _save_sklearn(path: Path, *, cloudpickle: bool) -> None:
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    X, y = _training_frame()
    numeric = ["amount", "prior_cases", "has_lawyer"]
    if cloudpickle:
        encode = make_column_transformer((OrdinalEncoder(), ["district"]), ("passthrough", numeric))
        model = make_pipeline(encode, HistGradientBoostingClassifier(max_iter=20)).fit(X, y)
        mlflow.sklearn.save_model(
            model,
            path,
            serialization_format="cloudpickle",
            signature=infer_signature(X, model.predict_proba(X)),
            pyfunc_predict_fn="predict_proba",
            pip_requirements=_pins("cloudpickle", "numpy", "pandas", "scikit-learn", "scipy"),
        )
    else:
        encode = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["district"]), ("passthrough", numeric))
        model = make_pipeline(encode, LogisticRegression(max_iter=500)).fit(X, y)
        mlflow.sklearn.save_model(
            model,
            path,
            signature=infer_signature(X, model.predict_proba(X)),
            pyfunc_predict_fn="predict_proba",
            pip_requirements=_pins("numpy", "pandas", "scikit-learn", "scipy", "skops"),
        )


def _save_pyfunc(path: Path, code_dir: Path) -> None:
    import mlflow.pyfunc
    from mlflow.models import infer_signature

    code_dir.mkdir(parents=True, exist_ok=True)
    module_file = code_dir / "lead_rules.py"
    module_file.write_text(textwrap.dedent(_LEAD_RULES))
    # Imported under its own name, as a team's script would: cloudpickle then stores a reference to
    # `lead_rules`, which the saved code/ folder provides at load time.
    spec = importlib.util.spec_from_file_location("lead_rules", module_file)
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules["lead_rules"] = module
    try:
        spec.loader.exec_module(module)
        X, _ = _training_frame()
        mlflow.pyfunc.save_model(
            path,
            python_model=module.LeadRules(),
            code_paths=[str(module_file)],
            signature=infer_signature(X, module.score(X)),
            pip_requirements=_pins("cloudpickle", "pandas"),
        )
    finally:
        sys.modules.pop("lead_rules", None)


@pytest.fixture(scope="session")
def mlflow_model_factory(tmp_path_factory):
    """kind -> folder of a model saved by stock mlflow (session-cached; treat it as read-only)."""
    root = tmp_path_factory.mktemp("mlflow-models")
    built: dict[str, Path] = {}

    def build(kind: str) -> Path:
        if kind not in built:
            path = root / kind
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if kind == "sklearn_skops":
                    _save_sklearn(path, cloudpickle=False)
                elif kind == "sklearn_cloudpickle":
                    _save_sklearn(path, cloudpickle=True)
                elif kind == "pyfunc_code":
                    _save_pyfunc(path, root / "pyfunc-src")
                else:
                    raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")
            built[kind] = path
        return built[kind]

    return build


@pytest.fixture
def editable_mlflow_model(mlflow_model_factory, tmp_path):
    """kind -> a private copy of that model under tmp_path, free to edit."""

    def copy(kind: str) -> Path:
        target = tmp_path / f"edit-{kind}"
        shutil.copytree(mlflow_model_factory(kind), target)
        return target

    return copy
