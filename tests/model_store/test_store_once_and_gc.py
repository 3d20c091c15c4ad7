"""Validated trees stored once by content, and gc's mark and sweep, on SQLite and PostgreSQL (by env), on the
file store and on a real S3-protocol server; and gc racing uploads that reuse the same files."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.s3server import s3_env, s3_server

FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def s3():
    with s3_server(bucket="model-store-tests") as server:
        yield server


@pytest.fixture(params=["file", "s3"])
def store(request, settings, monkeypatch):
    from dabiwu.storage import open_store

    if request.param == "file":
        return open_store((settings.home_dir / "objects").as_uri())
    s3_env(monkeypatch)
    server = request.getfixturevalue("s3")
    return open_store(f"s3://{server.bucket}/t-{os.urandom(4).hex()}", s3_endpoint_url=server.endpoint_url)


def folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def keep_tree(session, store, path: Path, **submission):
    """What intake does with a validated folder: claim, store the files, then the row that names the tree."""
    from dabiwu.model_store import trees

    tree = trees.tree_of(path)
    packed = trees.pack(tree, path, path.parent / f"packed-{os.urandom(4).hex()}")
    trees.touch(session, tree, packed)
    session.commit()
    trees.put_blobs(store, packed)
    trees.link(session, tree)
    sid = add_submission(session, tree_sha256=tree.sha256, **submission)
    session.commit()
    return tree, sid


def add_submission(session, **fields) -> str:
    from dabiwu.auth.service import get_or_create_team
    from dabiwu.challenges.phases import shanghai_day
    from dabiwu.db.models import Challenge, Submission

    challenge = session.scalar(select(Challenge))
    team = get_or_create_team(session, name=fields.pop("team", "Store Team"))
    row = Submission(challenge_id=challenge.id, team_id=team.id, dataset_id=challenge.current_dataset_id,
                     quota_day=shanghai_day(), **{"status": "failed", **fields})
    session.add(row)
    session.flush()
    return row.id


def finalize(session) -> None:
    from dabiwu.db.models import Challenge

    session.execute(update(Challenge).values(finalized_at=datetime.now(timezone.utc)))
    session.commit()


def test_identical_files_are_stored_once_and_gc_frees_only_what_nothing_else_names(settings, loaded, store, tmp_path):
    from dabiwu.db.models import AuditEvent, ModelBlob, ModelTree, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.model_store import gc, trees

    weights = os.urandom(300_000)
    one = folder(tmp_path / "one", {"MLmodel": b"flavors: {a: {}}\n", "data/weights.bin": weights})
    two = folder(tmp_path / "two", {"MLmodel": b"flavors: {b: {}}\n", "data/weights.bin": weights})
    same = folder(tmp_path / "same", {"MLmodel": b"flavors: {a: {}}\n", "data/weights.bin": weights})
    with session_scope(settings.resolved_database_url) as session:
        tree_one, gone = keep_tree(session, store, one)
        tree_same, twin = keep_tree(session, store, same, team="Other Team", is_final=True)
        tree_two, kept = keep_tree(session, store, two, is_final=True)
        assert tree_one.sha256 == tree_same.sha256 != tree_two.sha256  # the same files are the same tree
        shared = session.get(ModelBlob, tree_one.files[1].sha256)
        assert shared.size == 300_000 and shared.stored_size == store.size(trees.blob_key(shared.sha256))
        mlmodel_a = session.get(ModelBlob, tree_one.files[0].sha256).stored_size
        assert len(store.list(trees.BLOB_PREFIX)) == 3  # weights once, two MLmodels
        finalize(session)

        # The twin (final) keeps the shared tree alive: the expired one's reference goes, no bytes do.
        result = gc.run(session, store=store, settings=settings, apply=True, now=FUTURE)
        assert (result.expired, result.trees, result.blobs, result.bytes_freed) == (1, 0, 0, 0)
        assert session.get(Submission, gone).model_expired_at is not None
        assert session.get(Submission, twin).model_expired_at is None

        session.execute(update(Submission).where(Submission.id == twin).values(is_final=False, status="failed"))
        session.commit()
        dry = gc.run(session, store=store, settings=settings, apply=False, now=FUTURE)
        assert (dry.expired, dry.trees, dry.blobs, dry.bytes_freed) == (1, 1, 1, mlmodel_a)
        assert session.get(Submission, twin).model_expired_at is None and len(store.list(trees.BLOB_PREFIX)) == 3

        applied = gc.run(session, store=store, settings=settings, apply=True, now=FUTURE)
        assert (applied.expired, applied.trees, applied.blobs, applied.bytes_freed) == (1, 1, 1, dry.bytes_freed)
        assert session.get(ModelTree, tree_one.sha256) is None
        # The weights are still named by the kept tree: they stay, and the kept model is whole.
        assert sorted(store.list(trees.BLOB_PREFIX)) == sorted(trees.blob_key(f.sha256) for f in tree_two.files)
        files = trees.files_of(session, tree_two.sha256, max_files=10)
        out = trees.write_tree(store, files, tmp_path / "back", max_files=10, max_bytes=10**7)
        assert (out / "data/weights.bin").read_bytes() == weights
        assert trees.tree_of(out).sha256 == tree_two.sha256
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("storage.gc") == 2 and actions.count("storage.gc_dry_run") == 1
        assert actions.count("storage.expire") == 2

        again = gc.run(session, store=store, settings=settings, apply=True, now=FUTURE)
        assert (again.expired, again.trees, again.blobs, again.bytes_freed) == (0, 0, 0, 0)


def test_a_tree_written_back_is_checked_not_trusted(settings, tmp_path):
    from dabiwu.model_store import trees
    from dabiwu.storage import open_store

    store = open_store((tmp_path / "objects").as_uri())
    tree = trees.tree_of(folder(tmp_path / "m", {"MLmodel": b"x", "a/b.txt": b"hello"}))
    trees.put_blobs(store, trees.pack(tree, tmp_path / "m", tmp_path / "packed"))
    back = trees.write_tree(store, tree.files, tmp_path / "w0", max_files=10, max_bytes=10**6)
    assert (back / "a/b.txt").read_bytes() == b"hello" and trees.tree_of(back).sha256 == tree.sha256
    store.put_bytes(trees.blob_key(tree.files[0].sha256), b"HELLO")  # altered in the store
    with pytest.raises(trees.TreeUnusable, match="do not match"):
        trees.write_tree(store, tree.files, tmp_path / "w1", max_files=10, max_bytes=10**6)
    bad = (trees.TreeFile(path="../escape", sha256=tree.files[1].sha256, size=1),)
    with pytest.raises(trees.TreeUnusable, match="unsafe path"):
        trees.write_tree(store, bad, tmp_path / "w2", max_files=10, max_bytes=10**6)
    assert not (tmp_path / "escape").exists()
    with pytest.raises(trees.TreeUnusable, match="more than 1 files"):
        trees.write_tree(store, tree.files, tmp_path / "w3", max_files=1, max_bytes=10**6)
    with pytest.raises(trees.TreeUnusable, match="missing"):
        trees.write_tree(store, (trees.TreeFile(path="x", sha256="0" * 64, size=1),), tmp_path / "w4",
                         max_files=10, max_bytes=10**6)


def test_gc_racing_uploads_of_the_same_files_never_loses_a_live_files_bytes(settings, loaded, tmp_path):
    """Rounds of: the only submission naming a tree has expired and its rows are old (gc may sweep them),
    while uploads of the very same files start at once. Whatever interleaving wins, every submission left
    naming the tree can write it back whole."""
    from dabiwu.db.models import ModelBlob, ModelTree, Submission
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.model_store import gc, trees
    from dabiwu.storage import open_store

    store = open_store((settings.home_dir / "objects").as_uri())
    path = folder(tmp_path / "m", {"MLmodel": b"flavors: {}\n", "w.bin": os.urandom(50_000), "c.txt": b"conda"})
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        tree, _ = keep_tree(session, store, path)
    errors: list[BaseException] = []

    def guarded(fn):
        def body():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        return body

    for _round in range(6):
        old = datetime.now(timezone.utc) - timedelta(hours=2)
        with sessionmaker() as session:
            session.execute(update(Submission).where(Submission.model_expired_at.is_(None))
                            .values(model_expired_at=old))
            session.execute(update(ModelTree).values(touched_at=old))
            session.execute(update(ModelBlob).values(touched_at=old))
            session.commit()
        barrier = threading.Barrier(6)

        def sweep():
            barrier.wait()
            with sessionmaker() as session:
                gc.run(session, store=store, settings=settings, apply=True)

        def upload():
            barrier.wait()
            with sessionmaker() as session:
                keep_tree(session, store, path, status="queued")

        threads = [threading.Thread(target=guarded(fn)) for fn in (sweep, sweep, sweep, upload, upload, upload)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        with sessionmaker() as session:
            live = session.scalars(select(Submission.id).where(Submission.model_expired_at.is_(None))).all()
            assert len(live) == 3
            files = trees.files_of(session, tree.sha256, max_files=10)
            assert len(files) == 3
        out = trees.write_tree(store, files, tmp_path / f"round-{_round}", max_files=10, max_bytes=10**6)
        assert trees.tree_of(out).sha256 == tree.sha256


def _expire_everything_long_ago(session) -> None:
    from dabiwu.db.models import ModelBlob, ModelTree, Submission

    old = datetime.now(timezone.utc) - timedelta(hours=2)
    session.execute(update(Submission).where(Submission.model_expired_at.is_(None)).values(model_expired_at=old))
    session.execute(update(ModelTree).values(touched_at=old))
    session.execute(update(ModelBlob).values(touched_at=old))
    session.commit()


def test_gc_between_an_uploads_claim_and_its_commit_leaves_the_claimed_files(settings, loaded, tmp_path):
    """The window that matters, made to happen: an upload has claimed (touched) the rows of files that are
    already stored, skipped storing them again, and not yet committed its submission; gc runs in full."""
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.model_store import gc, trees
    from dabiwu.storage import open_store

    store = open_store((settings.home_dir / "objects").as_uri())
    path = folder(tmp_path / "m", {"MLmodel": b"flavors: {}\n", "w.bin": os.urandom(10_000)})
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        tree, _ = keep_tree(session, store, path)
        _expire_everything_long_ago(session)
    with sessionmaker() as upload, sessionmaker() as sweeper:
        packed = trees.pack(tree, path, tmp_path / "packed")
        trees.touch(upload, tree, packed)
        upload.commit()
        assert trees.put_blobs(store, packed) == 0  # all there already: nothing written
        result = gc.run(sweeper, store=store, settings=settings, apply=True)
        assert (result.trees, result.blobs) == (0, 0)
        trees.link(upload, tree)
        add_submission(upload, tree_sha256=tree.sha256, status="queued")
        upload.commit()
        files = trees.files_of(upload, tree.sha256, max_files=10)
    assert trees.tree_of(trees.write_tree(store, files, tmp_path / "back", max_files=10, max_bytes=10**6)).sha256 \
        == tree.sha256


def test_gc_that_marked_before_an_upload_reused_the_files_rechecks_before_it_deletes(settings, loaded, tmp_path):
    """gc's mark saw the tree dead; then an upload of the same files committed; the sweep must spare them."""
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.model_store import gc, trees
    from dabiwu.storage import open_store

    store = open_store((settings.home_dir / "objects").as_uri())
    path = folder(tmp_path / "m", {"MLmodel": b"flavors: {}\n", "w.bin": os.urandom(10_000)})
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        tree, _ = keep_tree(session, store, path)
        _expire_everything_long_ago(session)
    now = datetime.now(timezone.utc)
    cutoff = now - timedelta(seconds=settings.storage_gc_grace_seconds)
    with sessionmaker() as sweeper:
        dead_trees, dead_blobs, sizes = gc._mark(sweeper, expiring=set(), cutoff=cutoff)
        sweeper.rollback()
        assert dead_trees == {tree.sha256} and dead_blobs == {f.sha256 for f in tree.files}
        with sessionmaker() as upload:
            keep_tree(upload, store, path, status="queued")
        assert gc._sweep_trees(sweeper, dead_trees, cutoff=cutoff) == 0
        assert gc._sweep_blobs(sweeper, store=store, blobs=dead_blobs, sizes=sizes, cutoff=cutoff) == (0, 0)
    with sessionmaker() as session:
        files = trees.files_of(session, tree.sha256, max_files=10)
    assert trees.tree_of(trees.write_tree(store, files, tmp_path / "back", max_files=10, max_bytes=10**6)).sha256 \
        == tree.sha256
