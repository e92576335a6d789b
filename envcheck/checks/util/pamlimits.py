"""pam_limits as it reads /etc/security/limits.conf and limits.d/*.conf, and limit values as
/proc/PID/limits and systemd print them. Pure helpers for the resources checks."""

from __future__ import annotations

import re
from typing import Any


def limit_value(text: str) -> int | str | None:
    text = text.strip()
    if text in ("unlimited", "infinity", "-1") or (text.isdigit() and int(text) >= 1 << 62):
        return "unlimited"
    return int(text) if text.isdigit() else None


def lower(a: int | str, b: int | str) -> bool:
    return a != "unlimited" and (b == "unlimited" or int(a) < int(b))


def pam_limits(lines: str, user: str, uid: int, groups: list[str]) -> dict[str, Any]:
    """The soft limits pam_limits gives `user` from limits.conf and limits.d/*.conf: an entry
    for the user beats one for a group, which beats the wildcard; among equals the last read
    wins (limits.conf first, then limits.d in name order)."""
    found: dict[str, dict[str, Any]] = {}
    for line in lines.splitlines():
        path, _, entry = line.partition(":")
        fields = entry.split()
        if len(fields) < 4 or fields[1] not in ("soft", "-") or fields[2] not in ("nofile", "nproc"):
            continue
        rank = _domain_rank(fields[0], user, uid, groups)
        value = limit_value(fields[3])
        if rank is None or value is None:
            continue
        if fields[2] not in found or rank <= found[fields[2]]["rank"]:
            found[fields[2]] = {"rank": rank, "value": value, "from": f"{path}: {' '.join(fields[:4])}"}
    return {item: {"value": f["value"], "from": f["from"]} if f else None
            for item in ("nofile", "nproc") for f in [found.get(item)]}


def _domain_rank(domain: str, user: str, uid: int, groups: list[str]) -> int | None:
    if domain == user:
        return 0
    if domain.startswith("@") and domain[1:] in groups:
        return 1
    if domain == "*":
        return 2
    m = re.fullmatch(r"(\d*):(\d*)", domain)  # a uid range, min:max
    if m and (not m.group(1) or uid >= int(m.group(1))) and (not m.group(2) or uid <= int(m.group(2))):
        return 0
    return None
