"""load_bundle: the bundled challenges load, and broken copies fail with sentences naming file and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from dabiwu.challenges.bundle import SCHEMA_PATH, BundleError, load_bundle

CHALLENGES = Path(__file__).resolve().parents[2] / "challenges"


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"].endswith("2020-12/schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["metric_name"]["enum"] == ["average_precision", "roc_auc", "precision_at_k", "recall_at_k"]


def test_bundled_challenges_load(bundle):
    assert bundle.slug == bundle.path.name
    assert bundle.version == "1.0.0"
    assert bundle.readme.startswith("#")
    assert json.loads(json.dumps(bundle.spec, ensure_ascii=False)) == bundle.spec  # stored as JSON as it is
    assert bundle.spec["phases"]["open"] == "2026-09-01T00:00:00+08:00"  # date-times stay strings
    assert bundle.rules.column_names == list(bundle.generate(20, 1).columns)
    assert bundle.id_column not in bundle.feature_columns and bundle.label_column not in bundle.feature_columns
    assert bundle.group_column in bundle.feature_columns
    assert {r.key for r in bundle.rules.rubric} == {"necessity", "feasibility", "lead_accuracy", "transferability"}


@pytest.fixture
def broken(tmp_path) -> Path:
    """A copy of a real bundle to break."""
    target = tmp_path / "medical-insurance-recovery"
    shutil.copytree(CHALLENGES / "medical-insurance-recovery", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _edit(bundle_dir: Path, change) -> Path:
    path = bundle_dir / "challenge.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(spec)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _problem(bundle_dir: Path) -> str:
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle_dir)
    return str(caught.value)


def test_missing_field_is_named(broken):
    path = _edit(broken, lambda s: s.pop("label_column"))
    message = _problem(broken)
    assert str(path) in message
    assert "field 'label_column' is missing. Add it" in message


def test_missing_nested_field_is_named(broken):
    _edit(broken, lambda s: s["metric"].pop("k"))
    message = _problem(broken)
    assert "field 'metric.k' is missing. Add it under 'metric'" in message
    assert "review capacity" in message  # the fix says what the field means


def test_wrong_type_is_named(broken):
    _edit(broken, lambda s: s["limits"].update(daily_submissions="five"))
    message = _problem(broken)
    assert "field 'limits.daily_submissions': 'five' is a text, not a whole number. Write a whole number here." in message


def test_unknown_metric_is_named_with_the_choices(broken):
    path = _edit(broken, lambda s: s["metric"].update(primary="accuracy"))
    message = _problem(broken)
    assert message.startswith(f"{path}: field 'metric.primary': 'accuracy' is not one of [")
    assert "Use one of 'average_precision', 'roc_auc', 'precision_at_k', 'recall_at_k'." in message


def test_unknown_field_in_a_list_item_is_named(broken):
    _edit(broken, lambda s: s["columns"][2].update(typ="category"))
    assert "field 'columns[2].typ' is not a known field. Remove it or fix its spelling" in _problem(broken)


def test_every_problem_is_reported_at_once(broken):
    def change(spec):
        spec["metric"]["primary"] = "accuracy"
        spec["data"]["train_rows"] = -1

    _edit(broken, change)
    with pytest.raises(BundleError) as caught:
        load_bundle(broken)
    fields = " ".join(caught.value.problems)
    assert len(caught.value.problems) == 2 and "'metric.primary'" in fields and "'data.train_rows'" in fields


def test_date_without_offset_is_refused(broken):
    _edit(broken, lambda s: s["phases"].update(open="2026-09-01"))
    message = _problem(broken)
    assert "field 'phases.open': '2026-09-01' is not in the right form" in message and "+08:00" in message


def test_inconsistent_spec_is_refused(broken):
    def change(spec):
        spec["ranking"]["rubric_weight"] = 0.5
        spec["phases"]["merger_deadline"] = "2028-01-01T00:00:00+08:00"
        spec["id_column"] = "court"

    _edit(broken, change)
    problems = " ".join(pytest.raises(BundleError, load_bundle, broken).value.problems)
    assert "field 'ranking': metric_weight + rubric_weight is 1.2. Make them add up to 1." in problems
    assert "field 'phases.merger_deadline'" in problems
    assert "field 'columns[2].role': the id_column 'court' must have role: id" in problems


def test_yaml_syntax_error_names_file_and_line(broken):
    path = broken / "challenge.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "title_zh: [unclosed"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _problem(broken)
    assert message.startswith(f"{path}: line ")
    assert "the YAML does not parse" in message


def test_duplicate_key_is_refused_with_its_line(broken):
    path = broken / "challenge.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "slug: other-slug\n", encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    message = _problem(broken)
    assert f"line {line}, column 1" in message and "'slug' appears twice" in message


def test_columns_must_match_what_generate_produces(broken):
    def change(spec):
        spec["columns"] = [c for c in spec["columns"] if c["name"] != "fund_paid"]
        spec["columns"].append({"name": "ghost", "type": "float", "zh": "幽灵列", "en": "A column nobody makes"})

    _edit(broken, change)
    message = _problem(broken)
    assert "field 'columns' lists ghost, which generate.py does not produce" in message
    assert "field 'columns' does not list fund_paid, which generate.py produces" in message


def test_declared_type_must_match_the_data(broken):
    _edit(broken, lambda s: s["columns"][11].update(type="int"))  # medical_total is a float
    message = _problem(broken)
    assert "field 'columns[11].type': 'medical_total' is declared int but generate.py makes it float64" in message


def test_missing_file_is_named(broken):
    (broken / "baseline.py").unlink()
    message = _problem(broken)
    assert message.startswith(f"{broken}: the bundle lacks baseline.py.")


def test_generator_that_fails_to_import_is_reported(broken):
    (broken / "generate.py").write_text("import numpy as np\nraise RuntimeError('boom')\n", encoding="utf-8")
    message = _problem(broken)
    assert "generate.py: importing it failed with RuntimeError: boom" in message


def test_non_deterministic_generator_is_refused(broken):
    source = (broken / "generate.py").read_text(encoding="utf-8")
    (broken / "generate.py").write_text(
        source + "\n_real = generate\n_calls = [0]\n\ndef generate(n_rows, seed):\n    _calls[0] += 1\n    return _real(n_rows, seed + _calls[0])\n",
        encoding="utf-8",
    )
    assert "gave different data on a second call" in _problem(broken)


def test_not_a_folder(tmp_path):
    message = str(pytest.raises(BundleError, load_bundle, tmp_path / "nope").value)
    assert "no such bundle folder" in message
