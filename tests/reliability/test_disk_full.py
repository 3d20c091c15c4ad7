"""A full disk gives a clear answer, never a 500, and costs the team nothing; freeing space heals it.

Three disks can fill: the system temp folder (where the web framework spools a multipart body over
1 MB before any of our code runs) and the intake scratch folder (DABIWU_HOME/tmp, where intake copies
and unpacks the upload) answer 507; the file object store answers 503 (the store is unavailable), as
S3 being down does.  Each is a real tmpfs mounted over the folder and filled to the last byte (needs root).
"""

from __future__ import annotations


from tests.pipeline import SLUG, upload
from tests.reliability.faults import can_mount, full_tmpfs
from tests.system_parts import needs

pytestmark = needs("root", None if can_mount() else "needs root to mount a tmpfs")


def test_full_scratch_is_507_full_store_is_503_and_both_heal(client, settings, role_headers, loaded, baseline_archive,
                                                             monkeypatch, tmp_path):
    import tempfile

    from dabiwu.storage_access import store_for

    team = role_headers["team"]
    quota = f"/api/v1/challenges/{SLUG}/quota"
    with full_tmpfs(tmp_path / "system-tmp") as filler:
        monkeypatch.setattr(tempfile, "tempdir", str(filler.parent))  # what TMPDIR names for a server
        big = client.post(f"/api/v1/challenges/{SLUG}/submissions", headers=team,
                          files={"file": ("model.zip", bytes(2 * 1024 * 1024), "application/zip")})
        monkeypatch.undo()
        assert big.status_code == 507, big.text
        assert "disk is full" in big.json()["detail"]
    with full_tmpfs(settings.home_dir / "tmp") as filler:
        answer = upload(client, team, baseline_archive)
        assert answer.status_code == 507, answer.text
        assert "disk is full" in answer.json()["detail"] and "nothing was charged" in answer.json()["detail"]
        assert client.get(quota, headers=team).json()["used"] == 0
        filler.unlink()

    # Before any upload stored the model's files (an identical upload later stores nothing new).
    with full_tmpfs(settings.home_dir / "objects" / "model-blobs"):
        answer = upload(client, team, baseline_archive)
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"].startswith("The object store is unavailable")
        assert str(settings.home_dir) not in answer.text  # the operator's paths stay in the log
        assert int(answer.headers["Retry-After"]) > 0
        assert client.get(quota, headers=team).json()["used"] == 0  # files are stored before the quota is charged
    # Unmounted: the store's own disk again (a blob stored inside the tmpfs would vanish with it).
    assert upload(client, team, baseline_archive).status_code == 202
    assert upload(client, team, baseline_archive).status_code == 202
    assert client.get(quota, headers=team).json()["used"] == 2
    assert len(store_for(settings).list("model-blobs/")) >= 3 and store_for(settings).list("submissions/") == []
    assert not any((settings.home_dir / "tmp").iterdir())
