"""Moments given by people: an ISO 8601 time, or a date meaning the end of that day in Beijing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dabiwu.registry_port import DabiwuError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_moment(text: str) -> datetime:
    """`2026-03-15` -> the last instant of 15 March, Beijing time; `2026-03-15T10:00:00+08:00` -> that instant
    (without an offset: Beijing time, as the UI and CLI show times). Answered in UTC."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
    except ValueError:
        raise DabiwuError(
            f"'{text[:40]}' is not a date or time: write 2026-03-15 or 2026-03-15T10:00:00+08:00.",
            f"「{text[:40]}」不是日期或时间：请写成 2026-03-15 或 2026-03-15T10:00:00+08:00。",
            code="bad_time", status=422) from None
    return moment.astimezone(timezone.utc)
