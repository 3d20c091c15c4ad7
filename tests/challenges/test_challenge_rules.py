"""The typed rules (`ChallengeRules`): every bundled challenge parses, the model is frozen, and a spec missing a
field the schema requires is refused with a sentence naming the field, in English and Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

from dabiwu.challenges.bundle import BundleError, _check_schema, _read_yaml, read_rules
from dabiwu.challenges.rules import ChallengeRules, RulesInvalid, parse_rules
from dabiwu.db.models import Challenge
from tests.challenge_spec import complete_spec

CHALLENGES = Path(__file__).resolve().parents[2] / "challenges"
BUNDLED = sorted(p.parent for p in CHALLENGES.glob("*/challenge.yaml"))
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "platform/dabiwu/challenges/challenge.schema.json").read_text())


def test_there_are_bundles_to_parse():
    assert len(BUNDLED) >= 3


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_challenge_parses_into_rules(folder):
    spec = _read_yaml(folder / "challenge.yaml")
    _check_schema(spec, folder / "challenge.yaml")  # the schema accepts it ...
    rules = parse_rules(spec)  # ... so the rules must too
    assert rules.slug == folder.name
    assert [c.name for c in rules.columns] == [c["name"] for c in spec["columns"]]
    assert rules.metric.primary == spec["metric"]["primary"] and rules.metric.k == spec["metric"]["k"]
    assert rules.limits.final_selections == spec["limits"]["final_selections"]
    assert rules.promotion.max_listed == spec["promotion"]["max_listed"]
    assert rules.phases.open == spec["phases"]["open"]  # kept as written ...
    assert rules.phases.open_at.utcoffset() is not None  # ... and read as an aware date-time
    # What the API shows is what challenge.yaml says: numbers keep their JSON type (200 stays 200, not 200.0).
    dumped = rules.model_dump(mode="json", exclude_unset=True)
    assert json.dumps(dumped, sort_keys=True) == json.dumps(json.loads(json.dumps(spec)), sort_keys=True)


def test_the_rules_mirror_the_schema_field_for_field():
    """A field added to challenge.schema.json without its twin in ChallengeRules (or the reverse) fails here."""
    assert set(ChallengeRules.model_fields) == set(SCHEMA["properties"])
    required = {name for name, field in ChallengeRules.model_fields.items() if field.is_required()}
    assert required == set(SCHEMA["required"])
    for name in ("metric", "phases", "limits", "ranking", "data", "promotion"):
        nested = ChallengeRules.model_fields[name].annotation
        assert set(nested.model_fields) == set(SCHEMA["properties"][name]["properties"]), name
        assert {n for n, f in nested.model_fields.items() if f.is_required()} == set(SCHEMA["properties"][name]["required"]), name


def test_rules_are_frozen():
    rules = parse_rules(complete_spec())
    with pytest.raises(pydantic.ValidationError):
        rules.slug = "another"
    with pytest.raises(pydantic.ValidationError):
        rules.limits.final_selections = 99
    assert isinstance(rules.columns, tuple) and isinstance(rules.rubric, tuple)


def test_a_missing_required_field_is_refused_naming_it_in_both_languages():
    spec = complete_spec()
    del spec["limits"]["final_selections"]
    del spec["metric"]
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(spec, source="challenges/x/challenge.yaml")
    error = caught.value
    assert error.status == 422 and error.code == "challenge_rules_invalid"
    assert "challenges/x/challenge.yaml: field 'limits.final_selections' is missing." in error.detail
    assert "challenges/x/challenge.yaml: field 'metric' is missing." in error.detail
    assert "缺少字段「limits.final_selections」" in error.detail_zh and "缺少字段「metric」" in error.detail_zh
    assert len(error.problems) == len(error.problems_zh) == 2


def test_an_unknown_field_and_a_wrong_value_are_refused():
    spec = complete_spec()
    spec["limits"]["finals"] = 2
    spec["metric"]["primary"] = "accuracy"
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(spec)
    assert "field 'limits.finals' is not a known field" in caught.value.detail
    assert "field 'metric.primary'" in caught.value.detail and "字段「metric.primary」" in caught.value.detail_zh


def test_the_loader_answers_a_rules_misfit_as_a_bundle_error():
    """The schema checks first, so this only happens if schema and model drift apart; the answer is still a
    BundleError naming the file and the field."""
    spec = complete_spec()
    del spec["data"]
    with pytest.raises(BundleError) as caught:
        read_rules(spec, Path("b/challenge.yaml"))
    assert caught.value.problems == ["b/challenge.yaml: field 'data' is missing. Add it (see "
                                     "platform/dabiwu/challenges/challenge.schema.json)."]
    assert caught.value.problems_zh[0].startswith("b/challenge.yaml：缺少字段「data」")


def test_challenge_rules_are_parsed_once_per_stored_spec():
    challenge = Challenge(slug="x", title_zh="x", title_en="x", bundle_version="1", spec=complete_spec())
    first = challenge.rules
    assert challenge.rules is first  # cached on the row
    challenge.spec = complete_spec(limits={**complete_spec()["limits"], "final_selections": 3})
    assert challenge.rules is not first and challenge.rules.limits.final_selections == 3  # a new spec, new rules


def test_nullable_follows_the_schema_defaults():
    rules = parse_rules(complete_spec())
    by_name = {c.name: c for c in rules.columns}
    assert rules.nullable(by_name["fund_paid"])  # float: may be missing unless said otherwise
    assert not rules.nullable(by_name["police_report_same_day"])  # bool: never
    assert not rules.nullable(by_name[rules.id_column])  # a key column: never
