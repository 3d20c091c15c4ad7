"""A worker pre-starts its sandbox (DABIWU_SANDBOX_PREWARM, on by default): its job is served by a
sandbox that had already imported mlflow and sklearn, the score says so, and a fresh one is started
for the next job (DABIWU_SANDBOX_MODE=prestarted), or the fork-server that forked it stays for the next
(DABIWU_SANDBOX_MODE=fork, the default). Isolation is the same either way (tests/sandbox run hostile models through both)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.pipeline import upload
from tests.system_parts import check


@pytest.mark.parametrize("mode", ["prestarted", "fork"])
def test_a_worker_serves_its_job_from_a_pre_started_sandbox_and_starts_the_next(client, settings, role_headers, loaded,
                                                                                  baseline_archive, monkeypatch, mode):
    from dabiwu.executors.worker_loop import work_forever
    from dabiwu.sandbox import warm

    assert settings.sandbox_prewarm and settings.sandbox_mode == "fork"  # the defaults
    if mode == "fork":
        from dabiwu.sandbox.zygote import fork_support

        check("root", None if fork_support()[0] else f"the fork-server cannot run here: {fork_support()[1]}")
    monkeypatch.setattr(settings, "sandbox_mode", mode)
    team = role_headers["team"]
    accepted = upload(client, team, baseline_archive)
    assert accepted.status_code == 202, accepted.text
    submission_id = accepted.json()["id"]

    stop = threading.Event()
    worker = threading.Thread(target=work_forever, args=(settings.model_dump(mode="json"), "local", stop, 0.2),
                              daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            out = client.get(f"/api/v1/submissions/{submission_id}", headers=team).json()
            if out["status"] not in ("queued", "running"):
                break
            time.sleep(0.5)
        assert out["status"] == "scored", out
        scoring = out["metrics"]["scoring"]
        assert scoring["sandbox_prestarted"] is True and scoring["sandbox_kind"] in ("bwrap", "unshare")
        with warm._lock:  # the used sandbox was replaced by a new idle one, owned by this (the worker's) process
            idle = list(warm._idle.values())
            zygotes = list(warm._zygotes.values())
        if mode == "prestarted":
            assert len(idle) == 1 and idle[0][1].alive() and idle[0][1].prestarted
        else:  # the fork-server served it and stays, ready for the next job
            assert idle == [] and len(zygotes) == 1 and zygotes[0][1].alive()
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    with warm._lock:
        assert warm._idle == {} and warm._zygotes == {}  # a stopping worker kills its idle sandbox or fork-server
