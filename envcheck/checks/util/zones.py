"""Comparing time zones as the layers name them: IANA names and their aliases (PRC,
Asia/Chongqing and Asia/Shanghai are one zone), fixed offsets (MySQL's '+08:00', Java's
'GMT+08:00'), and abbreviations (MySQL's system_time_zone 'CST'). Pure helpers."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# Two instants a year (winter, summer) over the years a running system cares about.
_SAMPLES = tuple(datetime(y, m, 15, 12, tzinfo=UTC) for y in range(2000, 2038) for m in (1, 7))
_FIXED = re.compile(r"^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


@lru_cache(maxsize=256)
def offsets(name: str) -> tuple[timedelta, ...] | None:
    """The zone's UTC offsets at the sample instants; None for a name that is no zone."""
    text = name.strip()
    m = _FIXED.match(text)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return (delta if m.group(1) == "+" else -delta,) * len(_SAMPLES)
    if text in ("UTC", "GMT", "Z", "Zulu"):
        return (timedelta(0),) * len(_SAMPLES)
    try:
        zone = zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return tuple(s.astimezone(zone).utcoffset() or timedelta(0) for s in _SAMPLES)


def same_zone(a: str | None, b: str | None) -> bool:
    """Whether two zone names keep the same clock (same offsets, summer and winter)."""
    if not a or not b:
        return False
    if a == b:
        return True
    oa = offsets(a)
    return oa is not None and oa == offsets(b)


def abbreviation_of(abbrev: str, zone: str) -> bool:
    """Whether `abbrev` (e.g. CST) is what `zone` is called now or half a year from now."""
    try:
        z = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    now = datetime.now(UTC)
    return abbrev in {(now + timedelta(days=d)).astimezone(z).strftime("%Z") for d in (0, 182)}
