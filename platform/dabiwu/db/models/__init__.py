"""All tables, one module per domain.  Import from here so Alembic sees every table."""

from dabiwu.db.models.accounts import ApiToken, District, Team, TeamMergeRequest, User
from dabiwu.db.models.audit import AuditEvent
from dabiwu.db.models.challenges import Challenge, DatasetVersion
from dabiwu.db.models.history import RegistryEvent
from dabiwu.db.models.judging import BoardSnapshot, Review
from dabiwu.db.models.model_store import ModelBlob, ModelTree, ModelTreeFile
from dabiwu.db.models.leads import Lead, LeadEvent, LeadFlag
from dabiwu.db.models.notifications import Notification, Webhook, WebhookDelivery
from dabiwu.db.models.registry import LeadOutcome, ModelPull, RegistryListing
from dabiwu.db.models.submissions import Job, QuotaUsage, Score, Submission, WorkerHeartbeat

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BoardSnapshot",
    "Challenge",
    "DatasetVersion",
    "District",
    "Job",
    "Lead",
    "LeadEvent",
    "LeadFlag",
    "LeadOutcome",
    "ModelBlob",
    "ModelTree",
    "ModelTreeFile",
    "ModelPull",
    "Notification",
    "QuotaUsage",
    "RegistryEvent",
    "RegistryListing",
    "Review",
    "Score",
    "Submission",
    "Team",
    "TeamMergeRequest",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WorkerHeartbeat",
]
