from __future__ import annotations

from pydantic import BaseModel, Field

from dabiwu.challenges.phases import current_phase
from dabiwu.db.models import Challenge

# Fields of challenge.yaml that are shown to every signed-in user.  Anything else (future keys
# included) stays server-side unless it is added here on purpose.
PUBLIC_SPEC_FIELDS = (
    "description_zh", "description_en", "supervision_point", "columns", "id_column", "label_column",
    "group_column", "metric", "phases", "limits", "rubric", "ranking", "promotion", "runtime", "lead_merge_key",
)


class ChallengeOut(BaseModel):
    id: str
    slug: str
    title_zh: str
    title_en: str
    phase: str
    # draft (admins and judges only) | published | withdrawn (hidden from teams; submissions kept)
    status: str = "published"
    bundle_version: str
    dataset_version: int | None
    train_rows: int | None
    test_rows: int | None
    readme: str
    description_zh: str = ""
    description_en: str = ""
    supervision_point: dict = {}
    columns: list[dict] = []
    id_column: str = ""
    label_column: str = ""
    group_column: str = ""
    lead_merge_key: str = ""  # with id_column, what makes two flagged records one lead in a district's queue
    metric: dict = {}
    phases: dict = {}
    limits: dict = {}
    rubric: list[dict] = []
    ranking: dict = {}
    promotion: dict = {}
    runtime: str = ""  # the scoring runtime its models run in (runtimes/NAME/requirements.lock)

    @classmethod
    def of(cls, challenge: Challenge) -> "ChallengeOut":
        dataset = challenge.current_dataset
        public = {k: challenge.spec[k] for k in PUBLIC_SPEC_FIELDS if k in challenge.spec}
        if not public.get("runtime"):  # loaded before challenges named one: scored with the default
            from dabiwu.settings import get_settings

            public["runtime"] = get_settings().default_runtime
        return cls(
            id=challenge.slug,
            slug=challenge.slug,
            title_zh=challenge.title_zh,
            title_en=challenge.title_en,
            phase=current_phase(challenge.spec, finalized_at=challenge.finalized_at),
            status=challenge.status or "published",
            bundle_version=challenge.bundle_version,
            dataset_version=dataset.id if dataset else None,
            train_rows=dataset.train_rows if dataset else None,
            test_rows=dataset.test_rows if dataset else None,
            readme=challenge.readme,
            **public,
        )


class BundleOut(BaseModel):
    folder: str | None
    slug: str
    version: str | None
    title_zh: str = ""
    title_en: str = ""
    loaded: bool
    loaded_version: str | None
    up_to_date: bool
    dataset_versions: int
    # The loaded challenge's status (draft | published | withdrawn), None when not loaded.
    status: str | None = None
    # False for a loaded challenge whose bundle folder is not under DABIWU_BUNDLE_PATHS (folder is then None):
    # it was loaded from elsewhere (`dabiwu challenges load PATH`) and is live all the same.
    bundle_found: bool = True
    # A sentence when challenge.yaml does not parse or check; such a bundle cannot be loaded.
    error: str | None = None


class BundleLoadOut(BaseModel):
    slug: str
    version: str
    created: bool
    dataset_version: int
    train_rows: int
    test_rows: int
    status: str = "published"


class ChallengeMoveOut(BaseModel):
    slug: str
    status: str
    changed: bool


class WithdrawIn(BaseModel):
    reason: str = Field(..., description="why it is withdrawn; kept in the audit log", max_length=2000)


class BundleCheckOut(BaseModel):
    """A dry run: every check a load runs, nothing stored.  `ok` false means `problems` says what to fix."""

    slug: str
    ok: bool
    problems: list[str] = []
    problems_zh: list[str] = []
    summary: dict | None = None
