"""The records every part of envcheck passes around: statuses, texts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"
    WAIVED = "waived"  # would fail (or warn, or err), but a waiver in force accepts it


# Order used when listing results: what needs attention first.
STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.WAIVED: 3, Status.SKIP: 4,
                Status.PASS: 5}


class Severity(StrEnum):
    CRITICAL = "critical"  # breaks go-live: wrong timezone, garbled Chinese text
    MAJOR = "major"  # will hurt under load or at the first incident
    MINOR = "minor"  # worth fixing, not a blocker
    INFO = "info"  # reported for the record


@dataclass(frozen=True)
class Text:
    """A message in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en

    def format(self, **values: Any) -> Text:
        return Text(self.en.format(**values), self.zh.format(**values))


@dataclass(frozen=True)
class Absent:
    """A fact whose subject is not on the host (no MySQL here): checks skip."""

    reason: Text


@dataclass(frozen=True)
class Outcome:
    """What a check's evaluation says about one host (or the fleet)."""

    status: Status
    found: Any = None
    expected: Any = None
    message: Text | None = None


@dataclass(frozen=True)
class Waiver:
    """An accepted deviation (envcheck.waivers): a check, on the hosts a pattern names, may
    fail until `expires` (that day included), for a reason someone approved."""

    check: str  # a check id, or an area ("tomcat"), or a glob ("mysql.*")
    hosts: str  # host name globs, comma separated; "*" every host and the fleet
    reason: str
    approver: str
    expires: date
    ticket: str = ""
    source: str = ""  # the file, or "inventory"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "hosts": self.hosts, "reason": self.reason, "approver": self.approver,
                "expires": self.expires.isoformat(), "ticket": self.ticket, "source": self.source}


@dataclass(frozen=True)
class Waived:
    """A waiver met by a result: `status` is what the result reads without it; an expired
    waiver leaves the result at that status and says so."""

    waiver: Waiver
    status: Status
    expired: bool = False

    def to_json(self) -> dict[str, Any]:
        return {**self.waiver.to_json(), "status": str(self.status), "expired": self.expired}


@dataclass(frozen=True)
class Result:
    """One line of the audit: a check on a host (host None: a fleet check)."""

    host: str | None
    check: str
    status: Status
    severity: Severity
    expected: Any
    found: Any
    message: Text
    fix: Text
    title: Text
    waiver: Waived | None = None

    def to_json(self, lang: str) -> dict[str, Any]:
        fixing = self.status in (Status.FAIL, Status.WARN)  # a fix is said only where one is due
        out = {
            "host": self.host,
            "check": self.check,
            "title": self.title.get(lang),
            "status": str(self.status),
            "severity": str(self.severity),
            "expected": self.expected,
            "found": self.found,
            "message": self.message.get(lang),
            "fix": self.fix.get(lang) if fixing else "",
            # both languages, so that a report in the other language says it in its own words
            "messages": {"en": self.message.en, "zh": self.message.zh},
        }
        if self.check.startswith("site."):  # the inventory's own checks: no catalogue to look them up in
            out["titles"] = {"en": self.title.en, "zh": self.title.zh}
            if fixing:  # not on every passing result: 40% of a 200-entry result.json was this
                out["fixes"] = {"en": self.fix.en, "zh": self.fix.zh}
        if self.waiver is not None:
            out["waiver"] = self.waiver.to_json()
        return out


@dataclass(frozen=True)
class ProbeOutput:
    """The raw output of one probe command on one host."""

    stdout: str
    rc: int
    stderr: str = ""


@dataclass(frozen=True)
class HostStatus:
    name: str
    address: str
    reachable: bool
    error: str | None = None
    clock_offset_ms: float | None = None  # remote minus controller, round trip corrected
    clock_rtt_ms: float | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class HostFacts:
    """Everything gathered from one host: its status and its parsed facts."""

    status: HostStatus
    groups: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # fact id -> value | Absent | FactError
    raw: dict[str, ProbeOutput] = field(default_factory=dict)


@dataclass(frozen=True)
class FactError:
    """A probe that ran but could not be read (timeout, parse error)."""

    message: str
