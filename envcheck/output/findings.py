"""Results as findings for people: one finding per cause, with every check and host it hits.

A check failing the same way on five hosts is one finding listing the five hosts; one
PostgreSQL that does not answer, failing five checks of a host with the same error, is one
finding listing the five checks. Findings come sorted by what needs attention first (failures
and errors, then warnings, skips, passes), then by severity, then by host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.i18n import t
from envcheck.model import Result, Severity, Status, Text, Waived
from envcheck.output.values import human

BUCKET = {Status.FAIL: 0, Status.ERROR: 0, Status.WARN: 1, Status.WAIVED: 2, Status.SKIP: 3, Status.PASS: 4}
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, Severity.INFO: 3}
_ERROR_LINES = 3  # an error's message, shortened to its first lines


@dataclass(frozen=True)
class Finding:
    status: Status
    severity: Severity
    checks: tuple[str, ...]
    hosts: tuple[str | None, ...]  # None: the fleet
    found: Any
    expected: Any
    message: Text
    fix: Text
    title: Text
    waiver: Waived | None = None  # the waiver that accepted (or no longer accepts) it

    def where(self, lang: str) -> str:
        return ", ".join(h or t("fleet", lang) for h in self.hosts)


def group(results: Iterable[Result], host_order: Sequence[str] = ()) -> list[Finding]:
    """The findings of `results`, sorted (see the module's docstring)."""
    order = {h: i for i, h in enumerate(host_order)}
    results = list(results)
    errors = _group_errors([r for r in results if r.status == Status.ERROR], order)
    others: dict[tuple[Any, ...], list[Result]] = {}
    for r in results:
        if r.status != Status.ERROR:
            key = (r.status, r.check, human(r.found), human(r.expected), r.message.en, r.waiver)
            others.setdefault(key, []).append(r)
    findings = errors + [_finding(rs, (rs[0].check,), order) for rs in others.values()]
    return sorted(findings, key=lambda f: (
        BUCKET[f.status], SEVERITY_ORDER.get(f.severity, 9), _host_rank(f.hosts[0], order), f.checks))


def _group_errors(errors: list[Result], order: dict[str, int]) -> list[Finding]:
    """Per host, the checks one error message hits; then hosts with the same checks and message
    together."""
    per_host: dict[tuple[str | None, str], list[Result]] = {}
    for r in errors:
        per_host.setdefault((r.host, r.message.en), []).append(r)
    merged: dict[tuple[str, tuple[str, ...]], list[Result]] = {}
    for (_host, message), rs in per_host.items():
        merged.setdefault((message, tuple(r.check for r in rs)), []).extend(rs)
    return [_finding(rs, checks, order) for (_m, checks), rs in merged.items()]


def _finding(rs: list[Result], checks: tuple[str, ...], order: dict[str, int]) -> Finding:
    first = rs[0]
    hosts = tuple(sorted({r.host for r in rs}, key=lambda h: (_host_rank(h, order), h or "")))
    severity = min((r.severity for r in rs), key=lambda s: SEVERITY_ORDER.get(s, 9))
    message = first.message
    if first.status == Status.ERROR:
        message = Text(short_error(message.en), short_error(message.zh))
    return Finding(first.status, severity, checks, hosts, first.found, first.expected, message,
                   first.fix, first.title, first.waiver)


def _host_rank(host: str | None, order: dict[str, int]) -> int:
    return len(order) + 1 if host is None else order.get(host, len(order))


def short_error(message: str) -> str:
    """An error's first non-empty lines, spaces squeezed (a psql or mysql message runs to six
    lines of which the first says it)."""
    lines = [" ".join(line.split()) for line in message.splitlines() if line.strip()]
    kept = lines[:_ERROR_LINES]
    return "\n".join(kept) + (" …" if len(lines) > _ERROR_LINES else "")


_TIMEOUT = re.compile(r"timed out", re.IGNORECASE)
_UNREAD = re.compile(r"^(cannot read the output|evaluation failed)")


def error_hint(f: Finding) -> Text:
    """What to do about an ERROR finding (never the FAIL fix: the value was not read, so
    nothing is known to be wrong with it)."""
    areas = {c.split(".")[0] for c in f.checks}
    selection = f.checks[0] if len(f.checks) == 1 else areas.pop() if len(areas) == 1 else " -c ".join(f.checks)
    values = {"check": selection, "hosts": ",".join(h for h in f.hosts if h) or "all"}
    if _TIMEOUT.search(f.message.en):
        key = "hint.timeout_site" if any(c.startswith("site.") for c in f.checks) else "hint.timeout"
    elif _UNREAD.search(f.message.en):
        key = "hint.unread"
    else:
        key = "hint.service"
    return Text(t(key, "en", **values), t(key, "zh", **values))
