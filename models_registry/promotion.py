"""Promotion (上架) and delisting: the gates, the copy into MLflow, the champion alias, the audit log.

A promotion never loads the model.  The archive the team uploaded is fetched from the object store,
unpacked with the same hostile-archive rules as intake, and its files are copied into a run of the
registry; the model version is created from those files.  The gates are computed from the
predictions kept at scoring time (no model runs here either).

Ordering: the listing row is flushed, MLflow is written, and the caller commits.  If MLflow fails,
nothing is committed (an orphaned run may remain in MLflow, unreferenced).  If the commit fails
after MLflow was written, the new version exists in MLflow without a listing: platform views show
only listings, and the next promotion or delisting re-points `champion` from the listings.
Callers hold PROMOTION_LOCK from before `promote`/`delist` until after the commit, so two
promotions in one process can never both take the last free place; on PostgreSQL the challenge row
is also locked (SELECT ... FOR UPDATE) for the same reason across processes.
"""

from __future__ import annotations

import io
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.registry_port import (
    Challenge,
    DabiwuError,
    DatasetVersion,
    IntakeError,
    ObjectStore,
    RegistryListing,
    Score,
    Submission,
    TreeCopyRefused,
    User,
    copy_model_tree,
    default_runtime,
    files_of_tree,
    latest_score,
    notify,
    model_expired,
    read_untrusted_mlmodel,
    record_audit,
    safe_extract,
    scale_k,
    utcnow,
    write_tree,
)
from models_registry.gates import evaluate_gates
from models_registry.history import last_alias_target, record_alias_move, record_event
from models_registry.mlflow_adapter import CHAMPION, RegistryBackend, backend_for
from models_registry.model_card import build_model_card
from models_registry.pulls import folder_sha256
from models_registry.schemas import GateReport, RegistryEventDetail

PROMOTION_LOCK = threading.Lock()


_OLD_CODES = {"submission_not_found": "NOT_FOUND", "registry_version_not_found": "NOT_FOUND"}


class Refusal(DabiwuError):
    """A promotion or delisting that cannot go ahead; `detail` says what to do instead.

    It answers itself: `{"code", "detail", "detail_zh", "error_code", "gates"?}`. `error_code` is the code's old
    upper-case spelling (REGISTRY_FULL), kept for scripts written against it.
    """

    def __init__(self, status: int, code: str, message_en: str, message_zh: str,
                 gates: dict[str, Any] | None = None) -> None:
        extra: dict[str, Any] = {"error_code": _OLD_CODES.get(code, code.upper())}
        if gates is not None:
            extra["gates"] = gates
        super().__init__(message_en, message_zh, code=code, status=status, extra=extra)
        self.gates = gates

    @property
    def message_en(self) -> str:
        return self.detail


@dataclass(frozen=True)
class Promoted:
    listing: RegistryListing
    champion_version: int | None


def gate_settings(challenge: Challenge) -> dict[str, Any]:
    """challenge.yaml's promotion gates (all required there) and the metric they are measured in."""
    rules = challenge.rules
    return {**rules.promotion.model_dump(), "primary": rules.metric.primary}


def listed_versions(session: Session, *, challenge_id: int) -> list[RegistryListing]:
    return list(
        session.scalars(
            select(RegistryListing)
            .where(RegistryListing.challenge_id == challenge_id, RegistryListing.listed.is_(True))
            .order_by(RegistryListing.version)
        )
    )


# -- gates ---------------------------------------------------------------------------------


def check_gates(session: Session, *, store: ObjectStore, challenge: Challenge, score: Score) -> GateReport:
    """The gate report of `score` against the versions listed now, on the private split."""
    dataset = session.get(DatasetVersion, score.dataset_id)
    labels = _read_parquet(store, dataset.test_labels_key)
    id_column = challenge.rules.id_column
    private = labels[~labels["is_public"].astype(bool)].reset_index(drop=True)
    ids = private[id_column].astype(str)
    candidate = _aligned_scores(store, score.predictions_key, ids)
    if candidate is None:
        raise Refusal(
            409, "predictions_missing",
            "The submission's kept predictions do not cover the hidden test set it was scored on; "
            "rescore it, then promote it again.",
            "该提交保存的预测结果未覆盖其评测所用的隐藏测试集；请重新评分后再上架。",
        )
    listings = listed_versions(session, challenge_id=challenge.id)
    listed, skipped = [], []
    for listing in listings:
        listed_score = session.get(Score, listing.score_id)
        scores = _aligned_scores(store, listed_score.predictions_key, ids) if listed_score else None
        if scores is None:
            skipped.append(listing.version)  # scored on another dataset version: no common rows
            continue
        listed.append({"name": listing.registered_model, "version": listing.version, "scores": scores})
    metrics = score.metrics
    k = int((metrics.get("private") or {}).get("k") or scale_k(
        int(metrics.get("k") or challenge.rules.metric.k), part=len(private), whole=len(labels)
    ))
    report = evaluate_gates(
        candidate=metrics,
        candidate_scores=candidate,
        listed=listed,
        y_true=private["label"].to_numpy().astype(int),
        groups=private["group"].astype(str).to_numpy(),
        k=k,
        gates=gate_settings(challenge),
        n_listed=len(listings),
    )
    if skipped:
        report.novelty.not_compared = skipped
    return report


def _read_parquet(store: ObjectStore, key: str) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(store.read_bytes(key)))


def _aligned_scores(store: ObjectStore, key: str, ids: pd.Series) -> np.ndarray | None:
    """The kept scores in the order of `ids`, or None if some id has no score."""
    predictions = _read_parquet(store, key)
    by_id = pd.Series(predictions["score"].to_numpy(dtype=np.float64), index=predictions["id"].astype(str))
    by_id = by_id[~by_id.index.duplicated()]
    aligned = by_id.reindex(ids.to_numpy())
    if aligned.isna().any():
        return None
    return aligned.to_numpy(dtype=np.float64)


def _gate_summary(report: GateReport) -> dict:
    """The gate checks as the history keeps them: name, passed, value and limit (no per-row data)."""
    return RegistryEventDetail(passed=report.passed, checks=report.checks).model_dump(mode="json")


def record_refused_gates(sessionmaker, *, submission_id: str, actor_id: int, refusal: "Refusal") -> None:
    """A promotion refused by its gates rolls back, so the refusal is written in a transaction of its own."""
    with sessionmaker() as session:
        submission = session.get(Submission, submission_id)
        actor = session.get(User, actor_id)
        if submission is None or refusal.gates is None:
            return
        record_event(session, registered_model=submission.challenge.slug, kind="gates_refused", actor=actor,
                     detail={**_gate_summary(GateReport.model_validate(refusal.gates)), "submission_id": submission_id,
                             "code": refusal.code},
                     reason=refusal.detail[:2000])
        session.commit()


def _refuse_on(report: GateReport) -> None:
    failures = report.failures()
    if not failures:
        return
    full = any(check.name == "capacity" for check in failures)
    raise Refusal(
        409 if full else 422,
        "registry_full" if full else "gate_failed",
        " ".join(check.message_en for check in failures),
        "".join(check.message_zh for check in failures),
        gates=report.model_dump(mode="json"),
    )


# -- promote -------------------------------------------------------------------------------


def promote(
    session: Session,
    *,
    store: ObjectStore,
    backend: RegistryBackend,
    submission_id: str,
    actor: User,
    reason: str | None,
    override: bool,
    scratch_root: Path,
    max_tree_files: int = 5000,
    max_tree_bytes: int = 4096 * 1024 * 1024,
    now: datetime | None = None,
) -> Promoted:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise Refusal(404, "submission_not_found", f"No submission {submission_id}.", f"没有编号为 {submission_id} 的提交。")
    challenge = session.scalar(select(Challenge).where(Challenge.id == submission.challenge_id).with_for_update())
    reason = (reason or "").strip() or None
    _check_promotable(session, submission=submission, challenge=challenge, reason=reason, override=override)
    session.refresh(submission)  # read under the challenge's lock, which gc's expiry takes too
    if submission.model_expired_at is not None:
        raise model_expired(submission)  # 410: the retention policy removed its files; scores remain
    score = latest_score(session, submission_id=submission.id)
    report = check_gates(session, store=store, challenge=challenge, score=score)
    _refuse_on(report)

    workdir = Path(scratch_root) / f"promote-{uuid.uuid4().hex}"
    try:
        model_dir, flavors = _unpack(session, store=store, submission=submission, workdir=workdir,
                                     max_files=max_tree_files, max_bytes=max_tree_bytes)
        checksum = folder_sha256(model_dir)
        card = _card(challenge=challenge, submission=submission, score=score, checksum=checksum, actor=actor,
                     reason=reason, override=override and challenge.finalized_at is None, report=report,
                     flavors=flavors)
        tags = _version_tags(session, challenge=challenge, submission=submission, score=score, checksum=checksum,
                             actor=actor, reason=reason)
        logged = backend.log_folder_run(
            experiment=f"dabiwu/{challenge.slug}",
            run_name=f"{submission.team.name} {submission.id[:8]}",
            model_dir=model_dir,
            files={"model_card.md": card, "gate_report.json": report.model_dump_json(indent=2)},
            tags={"dabiwu.submission_id": submission.id, "dabiwu.team": submission.team.name},
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    backend.ensure_registered_model(name=challenge.slug, description=f"{challenge.title_zh} · {challenge.title_en}")
    version = backend.create_version(
        name=challenge.slug, source=logged.source, run_id=logged.run_id, tags=tags, description=card
    )
    listing = RegistryListing(
        challenge_id=challenge.id,
        submission_id=submission.id,
        score_id=score.id,
        team_id=submission.team_id,
        registered_model=challenge.slug,
        version=version,
        run_id=logged.run_id,
        model_sha256=checksum,
        public_score=score.public_score,
        private_score=score.private_score,
        override=bool(override and challenge.finalized_at is None),
        reason=reason,
        gate_report=report.model_dump(mode="json"),
        model_card=card,
        promoted_by=actor.id,
    )
    session.add(listing)
    session.flush()
    runtime = runtime_of(challenge, submission)
    record_event(session, registered_model=challenge.slug, kind="gates_passed", actor=actor, version=version,
                 listing=listing, runtime=runtime, at=now, detail=_gate_summary(report))
    record_event(session, registered_model=challenge.slug, kind="promoted", actor=actor, version=version,
                 listing=listing, runtime=runtime, reason=reason, at=now, detail={"override": listing.override})
    notify.model_promoted(session, registered_model=challenge.slug, version=version, team=submission.team.name,
                          model_sha256=checksum, at=now)
    champion = repoint_champion(session, backend=backend, challenge=challenge, actor=actor, reason=reason,
                                cause="promoted", now=now)
    record_audit(
        session, actor=actor, action="registry.promote", object_type="submission", object_id=submission.id,
        detail={"registered_model": challenge.slug, "version": version, "reason": reason, "override": listing.override,
                "model_sha256": checksum, "champion": champion},
    )
    return Promoted(listing=listing, champion_version=champion)


def promote_keeping_refusals(session: Session, *, sessionmaker, **kwargs: Any) -> Promoted:
    """`promote`, and when its gates refuse it, the refusal kept in the history (in a transaction of its own,
    since the promotion's rolls back) before it answers the caller."""
    try:
        return promote(session, **kwargs)
    except Refusal as refusal:
        session.rollback()
        record_refused_gates(sessionmaker, submission_id=kwargs["submission_id"], actor_id=kwargs["actor"].id,
                             refusal=refusal)
        raise


def promote_and_commit(
    session: Session, *, settings: Any, store: ObjectStore, submission_id: str, actor: User, reason: str | None,
    override: bool, sessionmaker: Any = None,
) -> Promoted:
    """`promote` with this install's registry and bounds, committed before PROMOTION_LOCK is released, so two
    promotions can never both take the last free place.  For the edges that promote: the API, the demo.  With a
    `sessionmaker`, a refusal by the gates is kept in the model's history (`promote_keeping_refusals`)."""
    with PROMOTION_LOCK:
        kwargs = dict(
            store=store, backend=backend_for(settings), submission_id=submission_id, actor=actor,
            reason=reason, override=override, scratch_root=settings.home_dir / "tmp",
            max_tree_files=settings.model_tree_max_files, max_tree_bytes=settings.model_tree_max_mb * 1024 * 1024,
        )
        if sessionmaker is not None:
            result = promote_keeping_refusals(session, sessionmaker=sessionmaker, **kwargs)
        else:
            result = promote(session, **kwargs)
        session.commit()
    return result


def _check_promotable(
    session: Session, *, submission: Submission, challenge: Challenge, reason: str | None, override: bool
) -> None:
    if submission.status != "scored" or latest_score(session, submission_id=submission.id) is None:
        raise Refusal(
            409, "not_scored",
            f"Submission {submission.id} is {submission.status}, not scored: only a scored submission can be promoted.",
            f"提交 {submission.id} 的状态为 {submission.status}，尚未评分：只有已评分的提交才能上架。",
        )
    if submission.disqualified_reason:
        raise Refusal(
            409, "disqualified",
            f"Submission {submission.id} was disqualified ({submission.disqualified_reason}); it cannot be promoted.",
            f"提交 {submission.id} 已被取消资格（{submission.disqualified_reason}），不能上架。",
        )
    if challenge.finalized_at is None:
        if not override:
            raise Refusal(
                409, "not_finalized",
                f"The challenge {challenge.slug} is not finalized yet: finalize it first, or send "
                '{"override": true, "reason": "..."} to list this model before the final ranking.',
                f"赛题 {challenge.slug} 尚未定榜：请先定榜，或以 override=true 并填写理由提前上架。",
            )
        if not reason:
            raise Refusal(
                422, "reason_required",
                "Listing before the challenge is finalized needs a reason: send a non-empty \"reason\".",
                "定榜前提前上架须填写理由（reason 不能为空）。",
            )
    already = session.scalar(
        select(RegistryListing).where(RegistryListing.submission_id == submission.id, RegistryListing.listed.is_(True))
    )
    if already is not None:
        raise Refusal(
            409, "already_listed",
            f"Submission {submission.id} is already listed as {already.registered_model} version {already.version}.",
            f"提交 {submission.id} 已作为 {already.registered_model} 第 {already.version} 版上架。",
        )


def _unpack(
    session: Session, *, store: ObjectStore, submission: Submission, workdir: Path, max_files: int, max_bytes: int
) -> tuple[Path, list[str]]:
    """The model folder as plain files (links to files materialised), and its flavors read from MLmodel.

    A submission accepted since revision 0007 has its validated tree kept as plain files: it is written
    back (bounded, hash-checked), not unpacked. Before that, the archive was kept: both the unpacking and
    the copy are bounded (files, bytes) and refuse links to folders and loops of links, so a stored
    archive that was accepted before those checks existed fails here at once."""
    workdir.mkdir(parents=True)
    if submission.tree_sha256:
        staged = write_tree(store, files_of_tree(session, submission.tree_sha256, max_files=max_files),
                                  workdir / "model", max_files=max_files, max_bytes=max_bytes)
        return staged, _flavors(staged)
    archive = workdir / "model.archive"
    store.get_to_path(submission.blob_key, archive)
    try:
        extracted = safe_extract(archive_path=archive, dest=workdir / "extracted", max_files=max_files,
                                 max_total_bytes=max_bytes)
    except IntakeError as exc:
        raise Refusal(409, "archive_unreadable", f"The stored model archive cannot be unpacked: {exc}",
                      f"无法解开已保存的模型压缩包：{getattr(exc, 'message_zh', None) or exc}") from exc
    archive.unlink()
    staged = workdir / "model"
    # Regular files only (a link to a file is copied as that file): the registry gets plain files,
    # so what is downloaded is what was hashed; links to folders or loops stop the copy.
    try:
        copy_model_tree(extracted, staged, max_files=max_files, max_bytes=max_bytes)
    except TreeCopyRefused as exc:
        raise Refusal(409, "MODEL_TREE_REFUSED", exc.detail, exc.detail_zh) from exc
    return staged, _flavors(staged)


def _flavors(staged: Path) -> list[str]:
    try:
        mlmodel = read_untrusted_mlmodel(staged) or {}
        return sorted(str(f)[:64] for f in (mlmodel.get("flavors") or {}).keys())[:32]
    except (OSError, IntakeError, AttributeError):
        return []


def _version_tags(
    session: Session, *, challenge: Challenge, submission: Submission, score: Score, checksum: str, actor: User,
    reason: str | None,
) -> dict[str, str]:
    dataset = session.get(DatasetVersion, score.dataset_id)
    private = score.metrics.get("private") or {}
    primary = score.metrics.get("primary", "average_precision")
    worst = (private.get("worst_district") or {}).get(primary) or {}
    return {
        "team": submission.team.name,
        "contest": challenge.slug,
        "submission_id": submission.id,
        "dataset_version": f"{dataset.bundle_version} (#{dataset.id})",
        "dataset_sha256": score.dataset_sha256,
        "primary_metric": primary,
        "public_score": f"{score.public_score:.6f}",
        "public_ci": _ci(score.public_ci_low, score.public_ci_high),
        "private_score": f"{score.private_score:.6f}",
        "private_ci": _ci(score.private_ci_low, score.private_ci_high),
        "worst_district": str(worst.get("district", "")),
        "worst_district_score": "" if worst.get("value") is None else f"{worst['value']:.6f}",
        "scorer_version": score.scorer_version,
        "runtime": runtime_of(challenge, submission),
        "model_sha256": checksum,
        "archive_sha256": submission.sha256 or "",
        "approved_by": actor.username,
        "reason": reason or "",
        "listed": "true",
    }


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{low:.6f}, {high:.6f}]"


def _card(*, challenge: Challenge, submission: Submission, score: Score, checksum: str, actor: User,
          reason: str | None, override: bool, report: GateReport, flavors: list[str]) -> str:
    rules = challenge.rules
    return build_model_card(
        challenge_slug=challenge.slug,
        title_zh=challenge.title_zh,
        title_en=challenge.title_en,
        description_zh=rules.description_zh.strip(),
        description_en=rules.description_en.strip(),
        team=submission.team.name,
        submission_id=submission.id,
        metrics=score.metrics,
        scorer_version=score.scorer_version,
        dataset_sha256=score.dataset_sha256,
        model_sha256=checksum,
        approved_by=actor.display_name or actor.username,
        reason=reason,
        override=override,
        gate_checks=report.checks,
        flavors=flavors,
        runtime=runtime_of(challenge, submission),
    )


def runtime_of(challenge: Challenge, submission: Submission) -> str:
    """The scoring runtime the submission was checked and scored with (recorded at upload)."""
    recorded = (submission.model_info or {}).get("runtime") if isinstance(submission.model_info, dict) else None
    if recorded:
        return str(recorded)
    return challenge.rules.runtime_or(default_runtime())


# -- champion and delisting ----------------------------------------------------------------


def repoint_champion(session: Session, *, backend: RegistryBackend, challenge: Challenge, actor: User | None = None,
                     reason: str | None = None, cause: str = "repointed", now: datetime | None = None) -> int | None:
    """`champion` -> the listed version with the best private score (the earlier one on a tie).
    A move is written to the history, and those who pulled the model are told."""
    best = session.scalar(
        select(RegistryListing)
        .where(RegistryListing.challenge_id == challenge.id, RegistryListing.listed.is_(True))
        .order_by(RegistryListing.private_score.desc(), RegistryListing.version)
        .limit(1)
    )
    version = best.version if best is not None else None
    known, previous = last_alias_target(session, registered_model=challenge.slug, alias=CHAMPION)
    if not known:  # installs from before the history: ask MLflow once where the alias points
        previous = backend.alias_version(name=challenge.slug, alias=CHAMPION)
    backend.point_alias(name=challenge.slug, alias=CHAMPION, version=version)
    moved = record_alias_move(session, registered_model=challenge.slug, alias=CHAMPION, previous=previous,
                              target=version, actor=actor, reason=reason, cause=cause, at=now)
    if moved is not None and previous is not None:
        notify.champion_replaced(session, registered_model=challenge.slug, previous=previous, current=version, at=now)
    return version


def delist(
    session: Session, *, backend: RegistryBackend, slug: str, version: int, actor: User, reason: str | None,
    now: datetime | None = None,
) -> tuple[RegistryListing, int | None]:
    challenge = session.scalar(select(Challenge).where(Challenge.slug == slug).with_for_update())
    listing = None
    if challenge is not None:
        listing = session.scalar(
            select(RegistryListing).where(RegistryListing.challenge_id == challenge.id, RegistryListing.version == version)
        )
    if listing is None:
        raise Refusal(404, "registry_version_not_found", f"{slug} has no registry version {version}.", f"{slug} 没有第 {version} 版。")
    if not listing.listed:
        raise Refusal(409, "not_listed", f"{slug} version {version} is already delisted.", f"{slug} 第 {version} 版已下架。")
    listing.listed = False
    listing.delisted_at = now or utcnow()
    listing.delisted_by = actor.id
    listing.delist_reason = (reason or "").strip() or None
    session.flush()
    backend.set_version_tag(name=slug, version=version, key="listed", value="false")
    record_event(session, registered_model=slug, kind="delisted", actor=actor, version=version, listing=listing,
                 reason=listing.delist_reason, at=now)
    notify.model_delisted(session, registered_model=slug, version=version, reason=listing.delist_reason, at=now)
    champion = repoint_champion(session, backend=backend, challenge=challenge, actor=actor,
                                reason=listing.delist_reason, cause="delisted", now=now)
    record_audit(
        session, actor=actor, action="registry.delist", object_type="registry_version", object_id=f"{slug}/{version}",
        detail={"reason": listing.delist_reason, "champion": champion},
    )
    return listing, champion
