"""The S3 object store goes away (the moto server is stopped) and comes back on the same port.

While it is away: an upload answers a clear 503 with Retry-After, costs no quota and leaves no row;
readiness says so; a scoring job that cannot fetch its model is put back in the queue, not failed.
Once it is back: the same upload is accepted and the requeued job is scored.
"""

from __future__ import annotations

import pytest
from moto.server import ThreadedMotoServer

from tests.pipeline import SLUG, upload, work_one
from tests.s3server import S3Server, s3_env

pytestmark = pytest.mark.slow

BUCKET = "dabiwu-outage"


class Moto:
    """A ThreadedMotoServer that can be stopped and started again on its port (moto keeps its state)."""

    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.s3 = S3Server(endpoint_url=f"http://127.0.0.1:{self.port}", bucket=BUCKET)
        self.s3.client().create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()


@pytest.fixture
def moto(monkeypatch):
    s3_env(monkeypatch)
    moto = Moto()
    yield moto
    moto.stop()


@pytest.fixture
def settings(settings, moto):
    return settings.model_copy(update={"storage_url": f"s3://{BUCKET}/objects", "s3_endpoint_url": moto.s3.endpoint_url})


def test_uploads_answer_503_while_s3_is_down_and_jobs_wait_for_it(client, settings, role_headers, loaded,
                                                                   baseline_archive, moto):
    from sqlalchemy import select

    from dabiwu.db.models import Job, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    team = role_headers["team"]
    queued = upload(client, team, baseline_archive)  # stored while S3 is up; scored while it is down
    assert queued.status_code == 202, queued.text

    moto.stop()
    try:
        refused = upload(client, team, baseline_archive)
        assert refused.status_code == 503, refused.text
        detail = refused.json()["detail"]
        assert detail.startswith("The object store is unavailable") and "try again in a minute" in detail
        assert moto.s3.endpoint_url not in refused.text  # the endpoint is for the operator's log
        assert int(refused.headers["Retry-After"]) > 0
        assert client.get("/readyz").status_code == 503
        assert work_one(settings) == "retry"  # could not fetch the model: back in the queue
    finally:
        moto.start()

    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()["used"] == 1
    with session_scope(settings.resolved_database_url) as session:
        assert session.scalar(select(Submission.status)) == "queued"
        assert session.scalar(select(Job.attempt)) == 1 and "Cannot reach the S3 endpoint" in session.scalar(select(Job.error))
    accepted = upload(client, team, baseline_archive)
    assert accepted.status_code == 202, accepted.text
    assert client.get("/readyz").status_code == 200
    assert work_one(settings) == "scored"
    assert client.get(f"/api/v1/submissions/{queued.json()['id']}", headers=team).json()["status"] == "scored"
    assert store_for(settings).list("model-blobs/") and store_for(settings).list("submissions/") == []
