"""validate_model_dir on models saved by stock mlflow 3.17, and on edited copies of them."""

from __future__ import annotations

import json
import pickle
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.schemas import ModelInfo
from dabiwu.submissions.validation import bounded_model_info, model_info_brief, validate_model_dir


def validate(model_dir: Path, challenge: dict, *, max_model_mb: int = 5, **kw):
    return validate_model_dir(model_dir=model_dir, max_model_mb=max_model_mb, **challenge, **kw)


def refused(model_dir: Path, challenge: dict, code: str, *fix_words: str, **kw) -> IntakeError:
    with pytest.raises(IntakeError) as err:
        validate(model_dir, challenge, **kw)
    assert err.value.code == code, err.value
    for word in fix_words:
        assert word.lower() in err.value.message.lower(), err.value.message
    return err.value


def edit_mlmodel(model_dir: Path, change) -> None:
    path = model_dir / "MLmodel"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def edit_inputs(model_dir: Path, change) -> None:
    def apply(data):
        inputs = json.loads(data["signature"]["inputs"])
        data["signature"]["inputs"] = json.dumps(change(inputs))

    edit_mlmodel(model_dir, apply)


def set_python(model_dir: Path, text: str) -> None:
    edit_mlmodel(model_dir, lambda d: d["flavors"]["python_function"].__setitem__("python_version", text))
    env = yaml.safe_load((model_dir / "python_env.yaml").read_text())
    env["python"] = text
    (model_dir / "python_env.yaml").write_text(yaml.safe_dump(env))


# -- accepted -------------------------------------------------------------------------------


def test_sklearn_skops_with_predict_proba(mlflow_model_factory, intake_challenge):
    info = validate(mlflow_model_factory("sklearn_skops"), intake_challenge)
    assert info.flavors == ["python_function", "sklearn"]
    assert info.serialization_format == "skops"
    assert info.loader_module == "mlflow.sklearn"
    assert info.predict_fn == "predict_proba"
    assert info.mlflow_version == version("mlflow")
    assert info.input_columns == ["district", "amount", "prior_cases", "filed_on", "has_lawyer"]
    assert info.signature["inputs"][0] == {"type": "string", "name": "district", "required": True}
    assert f"scikit-learn=={version('scikit-learn')}" in info.requirements
    assert info.warnings == []
    assert json.loads(json.dumps(info.to_dict()))["serialization_format"] == "skops"


def test_sklearn_cloudpickle_hist_gradient_boosting(mlflow_model_factory, intake_challenge):
    info = validate(mlflow_model_factory("sklearn_cloudpickle"), intake_challenge)
    assert info.serialization_format == "cloudpickle"
    assert info.loader_module == "mlflow.sklearn"
    assert info.warnings == []


def test_pyfunc_python_model_with_code_paths(mlflow_model_factory, intake_challenge):
    model_dir = mlflow_model_factory("pyfunc_code")
    assert (model_dir / "code" / "lead_rules.py").is_file()
    info = validate(model_dir, intake_challenge)
    assert info.flavors == ["python_function"]
    assert info.loader_module == "mlflow.pyfunc.model"
    assert info.serialization_format == "cloudpickle"
    assert info.warnings == []


def test_no_model_code_runs_during_validation(editable_mlflow_model, intake_challenge, tmp_path):
    model_dir = editable_mlflow_model("pyfunc_code")
    marker = tmp_path / "code-ran"

    class Boom:
        def __reduce__(self):
            return (Path.mkdir, (marker,))

    (model_dir / "python_model.pkl").write_bytes(pickle.dumps(Boom()))
    module = model_dir / "code" / "lead_rules.py"
    module.write_text(f"import pathlib; pathlib.Path({str(marker)!r}).mkdir()\n" + module.read_text())
    validate(model_dir, intake_challenge)
    assert not marker.exists()


def test_no_signature_and_tensor_signature_are_accepted_with_a_warning(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    edit_mlmodel(model_dir, lambda d: d.pop("signature"))
    info = validate(model_dir, intake_challenge)
    assert info.signature is None and "no input signature" in info.warnings[0]

    edit_mlmodel(
        model_dir,
        lambda d: d.__setitem__(
            "signature", {"inputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 5]}}])}
        ),
    )
    info = validate(model_dir, intake_challenge)
    assert "tensor-based" in info.warnings[0]


def test_model_info_is_sent_as_intake_stored_it(editable_mlflow_model, mlflow_model_factory, intake_challenge):
    """SubmissionOut.model_info is typed (ModelInfo): what intake stores, whole or brief, is sent unchanged."""
    tensor = editable_mlflow_model("sklearn_skops")
    edit_mlmodel(tensor, lambda d: d.__setitem__(
        "signature", {"inputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 5]}}]),
                      "outputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}])}))
    unsigned = editable_mlflow_model("pyfunc_code")
    edit_mlmodel(unsigned, lambda d: d.pop("signature"))
    for model_dir in (mlflow_model_factory("sklearn_skops"), tensor, unsigned):
        stored = {**bounded_model_info(validate(model_dir, intake_challenge).to_dict(), max_bytes=64 * 1024),
                  "archive_format": "zip", "runtime": "py311"}
        stored = json.loads(json.dumps(stored))  # as the JSON column gives it back
        for record in (stored, model_info_brief(stored), {}):
            assert json.loads(ModelInfo.model_validate(record).model_dump_json()) == record


def test_tolerated_version_differences_are_warnings(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    numpy_release = ".".join(version("numpy").split(".")[:2])
    (model_dir / "requirements.txt").write_text(
        f"mlflow==3.1.0\nnumpy=={numpy_release}.999\n# a comment\n--extra-index-url https://example.invalid\n"
        'pywin32==306; sys_platform == "win32"\npandas>=1.0\n'
    )
    info = validate(model_dir, intake_challenge)
    assert len(info.warnings) == 3, info.warnings
    assert any("mlflow==3.1.0" in w and "same major version" in w for w in info.warnings)
    assert any("patch release" in w for w in info.warnings)


def test_other_python_minor_is_a_warning_for_skops(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    set_python(model_dir, "3.12.4")
    info = validate(model_dir, intake_challenge)
    assert info.python_version == "3.12.4"
    assert len(info.warnings) == 1 and "3.12.4" in info.warnings[0]


# -- refused --------------------------------------------------------------------------------


def test_missing_pyfunc_flavor(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    edit_mlmodel(model_dir, lambda d: d["flavors"].pop("python_function"))
    err = refused(model_dir, intake_challenge, "missing_pyfunc", "mlflow.sklearn.save_model", "mlflow.pyfunc.save_model")
    assert "sklearn" in err.message


def test_signature_listing_a_subset_of_the_columns_is_accepted(editable_mlflow_model, intake_challenge):
    """Stock MLflow drops the columns a signature does not list; so does the platform (issue #16)."""
    model_dir = editable_mlflow_model("sklearn_skops")
    edit_inputs(model_dir, lambda cols: [c for c in cols if c["name"] != "district"])
    info = validate(model_dir, intake_challenge)
    assert "district" not in info.input_columns
    assert any("'district'" in w and "dropped" in w for w in info.warnings)


def test_signature_may_list_the_id_column_which_models_receive(editable_mlflow_model, intake_challenge):
    """One rule at upload and in the sandbox: the scoring frame holds the id column (docs/team.md)."""
    model_dir = editable_mlflow_model("sklearn_cloudpickle")
    edit_inputs(model_dir, lambda cols: cols + [{"type": "string", "name": "case_id", "required": True}])
    assert "case_id" in validate(model_dir, intake_challenge).input_columns


def test_signature_requiring_the_label_and_unknown_columns(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_cloudpickle")
    edit_inputs(
        model_dir,
        lambda cols: cols
        + [{"type": "long", "name": "is_lead", "required": True}, {"type": "double", "name": "amout", "required": True}],
    )
    err = refused(model_dir, intake_challenge, "signature_mismatch", "infer_signature", "the label")
    assert "'is_lead'" in err.message and "'amout'" in err.message


def test_signature_type_incompatibilities(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("pyfunc_code")

    def retype(cols):
        new = {"amount": "string", "prior_cases": "double", "filed_on": "string", "district": "double"}
        return [{**c, "type": new.get(c["name"], c["type"])} for c in cols]

    edit_inputs(model_dir, retype)
    err = refused(model_dir, intake_challenge, "signature_mismatch", "infer_signature")
    for expected in ("'amount' is float", "'prior_cases' is int", "'filed_on' is date", "'district' is category"):
        assert expected in err.message


def test_optional_extra_column_is_only_a_warning(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    edit_inputs(model_dir, lambda cols: cols + [{"type": "double", "name": "extra", "required": False}])
    info = validate(model_dir, intake_challenge)
    assert "'extra'" in info.warnings[0]


def test_oversize_model(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    (model_dir / "training_data.csv").write_bytes(b"1,2,3\n" * 300_000)  # 1.8 MB
    err = refused(model_dir, intake_challenge, "model_too_large", "remove training data", max_model_mb=1)
    assert "limit of 1 MB" in err.message


def test_unsatisfiable_requirements(editable_mlflow_model, intake_challenge, scoring_runtime):
    """Checked against the challenge's runtime, whose name each problem carries."""
    model_dir = editable_mlflow_model("sklearn_skops")
    with (model_dir / "requirements.txt").open("a") as f:
        f.write("\nnonexistent-pkg-xyz==1.0\nscikit-learn==0.24.2\n./wheels/private.whl\n")
    err = refused(model_dir, intake_challenge, "unsatisfiable_requirements", "installs nothing", "train and save",
                  runtime=scoring_runtime)
    where = f"scoring runtime {scoring_runtime.name}"
    assert f"nonexistent-pkg-xyz==1.0 (nonexistent-pkg-xyz is not in the {where})" in err.message
    assert f"scikit-learn==0.24.2 (the {where} has scikit-learn {version('scikit-learn')})" in err.message
    assert "./wheels/private.whl" in err.message


def test_requirements_resolved_against_the_runtime(editable_mlflow_model, intake_challenge, scoring_runtime):
    """Compatible versions pass; xgboost-cpu satisfies xgboost; python_env.yaml's own dependencies count;
    its build dependencies (pip, setuptools, wheel) do not."""
    model_dir = editable_mlflow_model("sklearn_skops")
    with (model_dir / "requirements.txt").open("a") as f:
        f.write("\nxgboost>=3.0\nlightgbm<5\ncatboost\njieba==0.42.1\n")
    env = model_dir / "python_env.yaml"
    env.write_text(env.read_text() + "- polars==1.0\n")
    assert "dependencies:" in env.read_text() and "- pip" in env.read_text()
    err = refused(model_dir, intake_challenge, "unsatisfiable_requirements", runtime=scoring_runtime)
    assert "polars==1.0 (polars is not in the scoring runtime" in err.message
    assert "xgboost" not in err.message.split(". The sandbox")[0] and "pip" not in err.message.split(" (")[0]
    env.write_text(env.read_text().replace("- polars==1.0\n", ""))
    info = validate(model_dir, intake_challenge, runtime=scoring_runtime)
    assert "xgboost>=3.0" in info.requirements


def test_mlflow_of_another_major_is_refused(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    text = (model_dir / "requirements.txt").read_text().replace(f"mlflow=={version('mlflow')}", "mlflow==2.22.0")
    (model_dir / "requirements.txt").write_text(text)
    err = refused(model_dir, intake_challenge, "unsatisfiable_requirements")
    assert "mlflow==2.22.0 (the scoring environment has mlflow " in err.message


@pytest.mark.parametrize("kind", ["sklearn_cloudpickle", "pyfunc_code"])
def test_pickled_model_from_another_python_minor_is_refused(kind, editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model(kind)
    set_python(model_dir, "3.12.4")
    err = refused(model_dir, intake_challenge, "python_version_mismatch", "save the model again under python 3.11")
    assert "3.12.4" in err.message and "3.11" in err.message


def test_python_2_is_refused(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    set_python(model_dir, "2.7.18")
    refused(model_dir, intake_challenge, "python_version_mismatch", "2.7.18", "3.11")


def test_referenced_model_file_missing(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    (model_dir / "model.skops").unlink()
    refused(model_dir, intake_challenge, "missing_model_file", "model.skops", "whole folder")


def test_referenced_path_outside_the_model_is_refused(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_cloudpickle")
    edit_mlmodel(model_dir, lambda d: d["flavors"]["python_function"].__setitem__("model_path", "../../etc/passwd"))
    refused(model_dir, intake_challenge, "missing_model_file")


def test_unknown_loader_module(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("pyfunc_code")
    edit_mlmodel(model_dir, lambda d: d["flavors"]["python_function"].__setitem__("loader_module", "os"))
    refused(model_dir, intake_challenge, "unknown_loader_module", "code_paths")
    # A custom loader shipped in the model's code folder is fine.
    edit_mlmodel(model_dir, lambda d: d["flavors"]["python_function"].__setitem__("loader_module", "lead_rules"))
    validate(model_dir, intake_challenge)


def test_broken_mlmodel(editable_mlflow_model, intake_challenge):
    model_dir = editable_mlflow_model("sklearn_skops")
    (model_dir / "MLmodel").write_text("flavors: [unclosed\n")
    refused(model_dir, intake_challenge, "invalid_mlmodel", "save_model")
    (model_dir / "MLmodel").write_text("just a string\n")
    refused(model_dir, intake_challenge, "invalid_mlmodel")
    (model_dir / "MLmodel").unlink()
    refused(model_dir, intake_challenge, "missing_mlmodel", "save_model")
