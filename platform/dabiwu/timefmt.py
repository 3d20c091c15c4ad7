"""Times as people in the contest read them: Beijing time (Asia/Shanghai), like the web UI.

The database and the JSON API keep UTC; the CLI and the CSV exports show Beijing time, so a submission made
at 07:30 in Xiangyang is not listed under the previous day's date.
"""

from __future__ import annotations

from datetime import datetime, timezone

from dabiwu.challenges.phases import SHANGHAI


def to_beijing(value: str | datetime) -> datetime:
    """A stored or API time (UTC; one without an offset is UTC too) in Asia/Shanghai."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI)


def beijing_iso(value: str | datetime | None) -> str:
    """ISO 8601 with the +08:00 offset, to the second (for exports): `2026-12-04T06:11:31+08:00`."""
    if value is None or value == "":
        return ""
    return to_beijing(value).replace(microsecond=0).isoformat()
