"""The demo seeds a few leads in review at its district, from the listed model's kept predictions."""

from __future__ import annotations

import io

import pandas as pd

from tests.districts.conftest import SLUG


def test_the_demo_puts_leads_in_review_once(client, leads_world, make_user):
    from sqlalchemy import select, update

    from dabiwu.db.models import RegistryListing, Score
    from dabiwu.districts.demo_leads import DEMO_LEADS, seed_demo_leads
    from dabiwu.storage_access import store_for

    _, zaoyang = make_user("zaoyang", "district", district="zaoyang")
    buffer = io.BytesIO()
    pd.DataFrame({"id": [f"R{i}" for i in range(30)], "score": [i / 30 for i in range(30)]}).to_parquet(buffer)
    key = store_for(leads_world.settings).put_bytes("predictions/demo.parquet", buffer.getvalue()).key
    with leads_world.session() as session:
        score_id = session.scalar(select(RegistryListing.score_id).where(RegistryListing.version == 2))
        session.execute(update(Score).where(Score.id == score_id).values(predictions_key=key))

    assert seed_demo_leads(leads_world.settings, slug=SLUG) == DEMO_LEADS
    assert seed_demo_leads(leads_world.settings, slug=SLUG) == 0  # a second start seeds nothing more
    leads = client.get("/api/v1/leads", headers=zaoyang).json()
    assert [lead["entity_id"] for lead in leads] == [f"R{i}" for i in range(29, 29 - DEMO_LEADS, -1)]
    assert [lead["state"] for lead in leads[:5]] == ["verifying", "case_opened", "no_case", "verifying", "new"]
    assert leads[2]["reason"] and all(lead["versions"] == [2] for lead in leads)
