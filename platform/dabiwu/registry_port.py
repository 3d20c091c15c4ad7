"""What `models_registry` may use of the platform: the one door between the two packages (issue #18, item 2).

`models_registry/` imports from `dabiwu` only this module, and only the names in `__all__`; `dabiwu` imports
`models_registry` only where it is mounted: the app factory (`app.py`) and the command line (`cli.py`,
`cli_server.py`), which hand the registry's functions to the rest of the platform.
`tests/registry/test_import_direction.py` keeps both directions, and checks that this docstring names every export.

Each need of the registry, and what answers it:

- **The platform's HTTP** (the registry's API is mounted at /api/v1 beside the platform's own):
  `DabiwuError` (the one error type; its answer is `{code, detail, detail_zh}`); the typed dependencies
  `SessionDep`, `JudgeUser`, `DistrictUser`, `RegistryReader`; `challenge_or_404` (a challenge by slug, else the
  platform's 404 sentence).
- **Tables** the registry owns (`RegistryListing`, `ModelPull`, `LeadOutcome`) or reads (`Challenge`,
  `DatasetVersion`, `District`, `Score`, `Submission`, `User`), and `utcnow` for their timestamps.
- **The challenge rules**: they come with `Challenge` (its parsed `challenge.yaml`: columns, metric, promotion
  gates, runtime); `default_runtime()` is the install's scoring runtime for a challenge that names none.
- **A scored submission's files**, which a promotion copies into MLflow as plain files: `ObjectStore` (where the
  uploaded archive is kept), `safe_extract` (unpacks it with intake's hostile-archive rules; refuses with an
  `IntakeError`), `copy_model_tree` (regular files only, bounded; refuses with `TreeCopyRefused`), and
  `read_untrusted_mlmodel` (a model folder's MLmodel through the bounded, alias-free reader; refuses with
  `UntrustedYamlError`). A submission accepted since the model store (revision 0007) keeps its validated tree by
  content instead of its archive: `files_of_tree` lists it and `write_tree` writes it back as plain files (bounded,
  hash-checked); `model_expired` is the 410 answer for a submission whose files the retention policy removed.
- **A scored submission's latest score**: `latest_score` (the one definition of "latest", owned by the job
  lifecycle).
- **The contest's precision band**, against which field precision is drawn on the model card: `contest_precision`
  and `wilson_interval` (one definition, shared with the districts' field board).
- **A scored submission's metrics**, for the promotion gates: `compute_split_metrics` (the scorer's own metrics,
  so top-k ties break the same way) and `scale_k` (the review capacity k of a part of the test set).
- **The API's typed answers** (CONTRIBUTING.md: API types are generated, not written): `WorstDistrict` and
  `ContestPrecision` (parts of a score's metrics the registry's views show, typed once by scoring), and `Sparse`
  (the base of a stored document typed field by field, whose absent optional parts stay absent: a gate report's
  novelty, a history event's detail).
- **Audit**: `record_audit` (who promoted or delisted what, in the platform's audit log).
- **History and notifications**: `RegistryEvent` (the registry's append-only history table: alias moves,
  promotions, delistings, gate results); `notify` (the platform's notification events: `notify.model_promoted`,
  `notify.champion_replaced`, `notify.model_delisted` write rows in the caller's transaction, and the platform
  tells people and webhooks after the commit); `PageDep` and `paginate` (the platform's page parameters and
  `X-Total-Count`, for the history list).
- **The sandbox**, for `dabiwu leads run` (a listed model is still a team's code): `run_in_sandbox`, `Limits`,
  `SandboxError`, and `read_scores` (the bounded reader of the model's predictions; refuses with `BadOutput`).

Storage is reached through `ObjectStore` objects the platform hands in, never opened here; settings likewise.
To give the registry something new, add it here with its need, not an import of a platform module in
`models_registry/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dabiwu.audit.service import record as record_audit
from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.base import utcnow
from dabiwu.db.models import (
    Challenge,
    DatasetVersion,
    District,
    LeadOutcome,
    ModelPull,
    RegistryEvent,
    RegistryListing,
    Score,
    Submission,
    User,
)
from dabiwu.deps import DistrictUser, JudgeUser, RegistryReader, SessionDep
from dabiwu.errors import DabiwuError
from dabiwu.jobs.lifecycle import latest_score
from dabiwu.notifications import events as notify
from dabiwu.pagination import PageDep, paginate
from dabiwu.sandbox import Limits, SandboxError
from dabiwu.sandbox import run as run_in_sandbox
from dabiwu.scoring.contest_interval import contest_precision, wilson_interval
from dabiwu.scoring.metrics import compute_split_metrics, scale_k
from dabiwu.scoring.output import BadOutput, read_scores
from dabiwu.scoring.schemas import ContestPrecision, WorstDistrict
from dabiwu.schema_types import Sparse
from dabiwu.storage import ObjectStore
from dabiwu.model_store.trees import files_of as files_of_tree
from dabiwu.model_store.trees import model_expired, write_tree
from dabiwu.submissions.archive import safe_extract
from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.safe_yaml import UntrustedYamlError, load_untrusted_yaml
from dabiwu.submissions.tree_copy import TreeCopyRefused, copy_model_tree
from dabiwu.submissions.validation import MAX_MLMODEL_BYTES

__all__ = [
    "BadOutput",
    "Challenge",
    "ContestPrecision",
    "DabiwuError",
    "DatasetVersion",
    "District",
    "DistrictUser",
    "IntakeError",
    "JudgeUser",
    "LeadOutcome",
    "Limits",
    "ModelPull",
    "ObjectStore",
    "PageDep",
    "RegistryEvent",
    "RegistryListing",
    "RegistryReader",
    "SandboxError",
    "Score",
    "SessionDep",
    "Sparse",
    "Submission",
    "TreeCopyRefused",
    "UntrustedYamlError",
    "User",
    "WorstDistrict",
    "challenge_or_404",
    "compute_split_metrics",
    "contest_precision",
    "copy_model_tree",
    "default_runtime",
    "files_of_tree",
    "latest_score",
    "model_expired",
    "notify",
    "paginate",
    "read_scores",
    "read_untrusted_mlmodel",
    "record_audit",
    "run_in_sandbox",
    "safe_extract",
    "scale_k",
    "utcnow",
    "wilson_interval",
    "write_tree",
]


def read_untrusted_mlmodel(model_dir: Path) -> Any:
    """The MLmodel file of a team's model folder, read as intake reads it: size-capped, no anchors or aliases."""
    return load_untrusted_yaml(Path(model_dir) / "MLmodel", max_bytes=MAX_MLMODEL_BYTES)


def default_runtime() -> str:
    """The install's default scoring runtime (DABIWU_DEFAULT_RUNTIME), for a challenge that names none."""
    from dabiwu.settings import get_settings

    return get_settings().default_runtime
