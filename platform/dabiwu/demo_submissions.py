"""Demo submissions: real baseline models, submitted through the real intake and scored by the workers.

Runs in a background thread of `dabiwu serve --demo` on the first start, so the server is up at
once and the boards fill in within a minute or two.  Then the best scored model of the first
challenge is promoted into the registry (an early, reasoned override: the demo never finalizes),
through the registry's own `promote_and_commit`, which `serve` hands in (`Promote`): the platform
imports models_registry only where the app and the command line mount it.
"""

from __future__ import annotations

import importlib.util
import logging
import tarfile
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.challenges.bundle import load_bundle
from dabiwu.challenges.service import bundled_challenge_paths, get_challenge
from dabiwu.db.models import Submission, User
from dabiwu.db.session import session_scope
from dabiwu.errors import DabiwuError
from dabiwu.settings import Settings
from dabiwu.storage import ObjectStore
from dabiwu.storage_access import store_for
from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.intake import accept

log = logging.getLogger(__name__)

PROMOTED_CHALLENGE = "medical-insurance-recovery"
CHALLENGES_ROOT = Path(__file__).resolve().parents[2] / "challenges"
PROMOTION_REASON = "演示：基线模型提前上架供区县试用 / demo: the baseline is listed early for districts to try"


class Promote(Protocol):
    """models_registry.promotion.promote_and_commit: lists a scored submission (gates apply) and commits; raises a
    DabiwuError (the registry's Refusal) when it may not be listed.  The result's `listing.version` is the version."""

    def __call__(self, session: Session, *, settings: Settings, store: ObjectStore, submission_id: str, actor: User,
                 reason: str | None, override: bool) -> Any: ...


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"demo_{path.parent.name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _kit_module(tmp: Path):
    """The starting kit's own train_and_package.py, exactly as teams download it."""
    from dabiwu.challenges.starting_kit import TRAIN_AND_PACKAGE

    path = tmp / "train_and_package.py"
    path.write_text(TRAIN_AND_PACKAGE, encoding="utf-8")
    return _module(path)


def _archive(model_dir: Path, out: Path) -> Path:
    with tarfile.open(out, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    return out


def _submit(settings: Settings, *, slug: str, username: str, archive: Path, description: str) -> str | None:
    with session_scope(settings.resolved_database_url) as session:
        user = session.scalar(select(User).where(User.username == username))
        challenge = get_challenge(session, slug=slug)
        try:
            with archive.open("rb") as handle:
                accepted = accept(session, store=store_for(settings), challenge=challenge, user=user, stream=handle,
                                  filename=archive.name, description=description,
                                  scratch_root=settings.home_dir / "tmp")
        except IntakeError as refusal:
            log.warning("demo: %s's %s submission refused: %s", username, slug, refusal.message)
            return None
        return accepted.submission.id


def submit_baselines(settings: Settings, *, challenges_root: Path) -> list[str]:
    store = store_for(settings)
    submitted = []
    for bundle_dir in bundled_challenge_paths(challenges_root):
        with session_scope(settings.resolved_database_url) as session:
            challenge = get_challenge(session, slug=bundle_dir.name)
            train_key = challenge.current_dataset.train_key
        baseline = _module(bundle_dir / "baseline.py")
        dictionary = load_bundle(bundle_dir).data_dictionary()
        with tempfile.TemporaryDirectory(prefix="dabiwu-demo-") as tmp:
            train_path = Path(tmp) / "train.parquet"
            store.get_to_path(train_key, train_path)
            train = pd.read_parquet(train_path)
            kit = _kit_module(Path(tmp))
            # alice: the bundle's baseline as shipped (skops); bob: the starting kit's gradient-boosting
            # script (cloudpickle).  The boards get a real gap and both serialisation formats are used.
            for username, description in (("alice", "基线模型 baseline"), ("bob", "入门包梯度提升 starting-kit booster")):
                model_dir = Path(tmp) / f"{username}-model"
                if username == "alice":
                    baseline.save(baseline.train(train), train, model_dir, serialization_format="skops")
                else:
                    kit.save(kit.train(train, dictionary), kit.features_of(train, dictionary), model_dir,
                             serialization_format="cloudpickle")
                archive = _archive(model_dir, Path(tmp) / f"{username}.tar.gz")
                submission_id = _submit(settings, slug=bundle_dir.name, username=username, archive=archive,
                                        description=description)
                if submission_id:
                    submitted.append(submission_id)
    return submitted


def promote_best(settings: Settings, *, promote: Promote, timeout_s: float = 900) -> tuple[str, str] | None:
    """Wait for the demo scores, then list the best model of the first challenge (gates still apply)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope(settings.resolved_database_url) as session:
            pending = session.scalar(
                select(func.count()).select_from(Submission).where(Submission.status.in_(("queued", "running")))
            )
        if not pending:
            break
        time.sleep(3)
    # The hidden test set is drawn anew per installation, so a model that clears the gates in one
    # may miss the worst-district bar in another: try each challenge's best until one is listed.
    for slug in (PROMOTED_CHALLENGE, *sorted({p.name for p in bundled_challenge_paths(CHALLENGES_ROOT)} - {PROMOTED_CHALLENGE})):
        version = _promote_best_of(settings, slug=slug, promote=promote)
        if version is not None:
            return slug, version
    log.warning("demo: no demo model cleared the promotion gates; the registry stays empty")
    return None


def _promote_best_of(settings: Settings, *, slug: str, promote: Promote) -> str | None:
    from dabiwu.leaderboards.service import compute_board

    with session_scope(settings.resolved_database_url) as session:
        challenge = get_challenge(session, slug=slug)
        board = compute_board(session, challenge=challenge, split="private") if challenge else []
        admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        if not board or admin is None:
            return None
        try:
            promoted = promote(session, settings=settings, store=store_for(settings),
                               submission_id=board[0]["submission_id"], actor=admin, reason=PROMOTION_REASON,
                               override=True)
        except DabiwuError as exc:  # the registry's Refusal: a gate, or the registry is full
            log.warning("demo: %s promotion refused by the gates: %s", slug, exc)
            return None
        log.info("demo: promoted %s version %s", slug, promoted.listing.version)
        return str(promoted.listing.version)


@contextmanager
def quiet_library_warnings() -> Iterator[None]:
    """The demo's own training is ours, not a team's: MLflow's advice to teams (pickle formats, integer columns in
    signatures) would only clutter the first run's console.  Teams still see these warnings in their own runs."""
    import mlflow  # noqa: F401 - importing mlflow configures its loggers: quiet them after that

    mlflow_log = logging.getLogger("mlflow")
    level = mlflow_log.level
    mlflow_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        mlflow_log.setLevel(level)


def _scored_count(settings: Settings, submission_ids: list[str]) -> int:
    with session_scope(settings.resolved_database_url) as session:
        return session.scalar(select(func.count()).select_from(Submission).where(
            Submission.id.in_(submission_ids), Submission.status == "scored")) or 0


def start_demo_activity(settings: Settings, *, challenges_root: Path, promote: Promote,
                        report: Callable[[str], None] | None = None) -> threading.Thread | None:
    """On the first demo start only (no submissions yet): submit the baselines, then promote one with `promote`.

    `report` gets one line per step (the console's progress lines)."""
    say = report or (lambda text: log.info("%s", text))
    with session_scope(settings.resolved_database_url) as session:
        if session.scalar(select(func.count()).select_from(Submission)):
            return None

    def run() -> None:
        from threadpoolctl import threadpool_limits

        try:
            say("demo: training two models per challenge in the background / 后台训练演示模型")
            # One thread for training: OpenMP boosting fighting the scoring workers for two cores is slower.
            with threadpool_limits(1), quiet_library_warnings():
                submitted = submit_baselines(settings, challenges_root=challenges_root)
            say(f"demo: {len(submitted)} models submitted; scoring them in the sandbox / 模型已提交，正在沙箱中评分")
            with quiet_library_warnings():  # MLflow's own INFO lines as it creates its registry tables
                listed = promote_best(settings, promote=promote)
            say(f"demo: {_scored_count(settings, submitted)} of {len(submitted)} models scored / 演示模型评分完成")
            if listed is not None:
                say(f"demo: champion listed in the registry: models:/{listed[0]}@champion (version {listed[1]}) "
                    "/ 冠军模型已上架")
                from dabiwu.districts.demo_leads import seed_demo_leads

                seeded = seed_demo_leads(settings, slug=listed[0])
                say(f"demo: {seeded} leads in review at the demo district / 演示区县院已有 {seeded} 条线索在办")
            else:
                say("demo: no model cleared the promotion gates; the registry stays empty / 无模型通过上架门槛")
        except Exception:
            log.exception("demo: seeding submissions failed (the platform itself is unaffected)")

    thread = threading.Thread(target=run, name="demo-seed", daemon=True)
    thread.start()
    return thread
