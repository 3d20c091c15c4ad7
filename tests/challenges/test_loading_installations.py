"""Loading bundles into an installation: secret seeds, idempotent reloads, new dataset versions."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import func, select

from tests.pipeline import BUNDLE


def _load(settings, path: Path):
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    with session_scope(settings.resolved_database_url) as session:
        result = load_challenge(session, store=store_for(settings), path=path)
        return {"created": result.created, "dataset_id": result.dataset.id, "seed": result.dataset.seed,
                "features_sha": result.dataset.test_features_sha256, "train_sha": result.dataset.train_sha256}


def test_two_installations_hide_different_test_sets_and_reloads_are_no_ops(settings, tmp_path):
    from dabiwu.settings import Settings

    first = _load(settings, BUNDLE)
    other_home = tmp_path / "other"
    other = Settings(home=other_home, storage_url=(other_home / "objects").as_uri(), log_json=False)
    from dabiwu.bootstrap import prepare

    prepare(other)
    second = _load(other, BUNDLE)
    assert first["train_sha"] == second["train_sha"]        # the public train set is the same everywhere
    assert first["seed"] != second["seed"]                  # each installation draws its own secret seed
    assert first["features_sha"] != second["features_sha"]  # so the hidden test sets differ
    again = _load(settings, BUNDLE)
    assert again == {**first, "created": False}


def test_a_new_bundle_version_adds_a_dataset_version_and_keeps_the_old_one(settings, tmp_path):
    from dabiwu.db.models import Challenge, DatasetVersion
    from dabiwu.db.session import session_scope

    first = _load(settings, BUNDLE)
    bumped = tmp_path / BUNDLE.name
    shutil.copytree(BUNDLE, bumped)
    spec_path = bumped / "challenge.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["version"] = "1.1.0"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    second = _load(settings, bumped)
    assert second["created"] and second["dataset_id"] != first["dataset_id"]
    with session_scope(settings.resolved_database_url) as session:
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 2
        challenge = session.scalar(select(Challenge))
        assert challenge.current_dataset_id == second["dataset_id"] and challenge.bundle_version == "1.1.0"
        assert session.get(DatasetVersion, first["dataset_id"]) is not None
