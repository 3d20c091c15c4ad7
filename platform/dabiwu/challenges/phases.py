"""Contest phases, by server time: upcoming → open → closed → finalized."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dabiwu.challenges.rules import PhasesRule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_instant(value: str | datetime) -> datetime:
    """A phase date-time as an aware datetime.

    The rule is the schema's: challenge.yaml must write the offset (`instant` in challenge.schema.json refuses a
    date-time without one), so every loaded spec carries it.  A naive value can only come from a caller that
    built a spec by hand; it is read as Beijing time, the contest's clock, rather than as the server's."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def current_phase(phases: "PhasesRule", *, finalized_at: datetime | None, now: datetime | None = None) -> str:
    """upcoming | open | closed | finalized, for a challenge's `rules.phases`."""
    if finalized_at is not None:
        return "finalized"
    now = now or datetime.now(timezone.utc)
    if now < phases.open_at:
        return "upcoming"
    if now >= phases.close_at:
        return "closed"
    return "open"


def shanghai_day(now: datetime | None = None) -> str:
    """The quota day: the calendar day in Asia/Shanghai."""
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date().isoformat()
