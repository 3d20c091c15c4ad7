"""A crawler walks every GET route as every role in a seeded app: no hidden label, test id or seed leaks."""

from __future__ import annotations

import io
import re

import pyarrow.parquet as pq
import pytest

from tests.pipeline import SLUG, upload, work_one
from tests.system_parts import check


@pytest.fixture(params=["fresh", "fork"])
def seeded(request, client, settings, role_headers, loaded, baseline_archive):
    """The submission is scored in a fresh sandbox, or in a child forked from a fork-server (DABIWU_SANDBOX_MODE)."""
    from dabiwu.db.models import DatasetVersion
    from dabiwu.db.session import session_scope
    from dabiwu.sandbox import prewarm, shutdown_warm
    from dabiwu.storage_access import store_for

    accepted = upload(client, role_headers["team"], baseline_archive)
    assert accepted.status_code == 202, accepted.text
    if request.param == "fork":
        from dabiwu.sandbox.zygote import fork_support

        check("root", None if fork_support()[0] else f"the fork-server cannot run here: {fork_support()[1]}")
        prewarm(settings=settings, mode="fork")
    try:
        assert work_one(settings) == "scored"
    finally:
        shutdown_warm()
    with session_scope(settings.resolved_database_url) as session:
        dataset = session.get(DatasetVersion, loaded["dataset_id"])
        seed, labels_key, features_key = dataset.seed, dataset.test_labels_key, dataset.test_features_key
    labels = pq.read_table(io.BytesIO(store_for(settings).read_bytes(labels_key))).to_pandas()
    id_column = labels.columns[0]
    return {
        "submission_id": accepted.json()["id"],
        "secrets": [str(seed), labels_key, features_key, "is_public"],
        "hidden_ids": [str(v) for v in labels[id_column].sample(200, random_state=0)],
    }


def test_no_get_route_reveals_the_hidden_set(client, role_headers, seeded):
    document = client.get("/api/v1/openapi.json").json()
    values = {"slug": SLUG, "submission_id": seeded["submission_id"], "token_id": "1", "version": "1",
              "name": SLUG}
    variants = ["", "?split=private", "?format=csv", "?split=public"]
    checked = 0
    for role in ("anon", "admin", "judge", "team", "team_b", "district"):
        headers = role_headers.get(role, {})
        for path, operations in document["paths"].items():
            if "get" not in operations or path.endswith("/events"):
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)
            for suffix in variants:
                answer = client.get(url + suffix, headers=headers)
                assert answer.status_code < 500, (role, url + suffix, answer.text[:300])
                body = answer.content.decode("utf-8", errors="replace")
                for secret in seeded["secrets"]:
                    assert secret not in body, f"{role} GET {url}{suffix} reveals {secret!r}"
                leaked = [i for i in seeded["hidden_ids"] if i in body]
                assert not leaked, f"{role} GET {url}{suffix} reveals hidden test ids {leaked[:3]}"
                checked += 1
    assert checked > 100
