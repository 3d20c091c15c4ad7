"""Contest phases, by server time: upcoming → open → closed → finalized."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_instant(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    # A date-time written without an offset in a bundle means Beijing time.
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def current_phase(spec: dict, *, finalized_at: datetime | None, now: datetime | None = None) -> str:
    if finalized_at is not None:
        return "finalized"
    now = now or datetime.now(timezone.utc)
    phases = spec.get("phases") or {}
    if "open" in phases and now < parse_instant(phases["open"]):
        return "upcoming"
    if "close" in phases and now >= parse_instant(phases["close"]):
        return "closed"
    return "open"


def shanghai_day(now: datetime | None = None) -> str:
    """The quota day: the calendar day in Asia/Shanghai."""
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date().isoformat()
