"""The records every part of envcheck passes around: statuses, texts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


# Order used when listing results: what needs attention first.
STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.SKIP: 3, Status.PASS: 4}


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

    def to_json(self, lang: str) -> dict[str, Any]:
        return {
            "host": self.host,
            "check": self.check,
            "title": self.title.get(lang),
            "status": str(self.status),
            "severity": str(self.severity),
            "expected": self.expected,
            "found": self.found,
            "message": self.message.get(lang),
            "fix": self.fix.get(lang) if self.status in (Status.FAIL, Status.WARN) else "",
        }


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
