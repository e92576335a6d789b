"""The stable JSON schema of a check run (documented in docs/design.md, "The JSON output")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from envcheck import __version__
from envcheck.audit.engine import AuditReport
from envcheck.runs import Encoded, json_text

SCHEMA_VERSION = 1


def as_dict(report: AuditReport, lang: str, with_verdict: bool = True,
            results: Sequence[Encoded] | None = None) -> dict[str, Any]:
    """The document; its verdict (envcheck.verdict) is judged on the document itself. `results`:
    the report's results already encoded, in its order (CheckEvidence: as each host answered)."""
    doc = {
        "tool": "envcheck",
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "started": report.started.isoformat(),
        "finished": report.finished.isoformat(),
        "complete": report.complete,
        "lang": lang,
        "hosts": [
            {
                "name": h.status.name,
                "address": h.status.address,
                "groups": list(h.groups),
                "reachable": h.status.reachable,
                "error": h.status.error,
                "clock_offset_ms": _round(h.status.clock_offset_ms),
                "clock_rtt_ms": _round(h.status.clock_rtt_ms),
                "seconds": round(h.status.seconds, 3),
            }
            for h in report.hosts
        ],
        "results": list(results) if results is not None else [r.to_json(lang) for r in report.results],
        "pending": list(report.pending),
        "scope": report.scope.to_json(),
    }
    if with_verdict:
        from envcheck.verdict import of_report, of_result  # noqa: PLC0415 (a cycle: the verdict judges this document)

        doc["verdict"] = (of_result(doc) if results is None else of_report(report)).to_json(lang)
    return doc


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def render(report: AuditReport, lang: str, results: Sequence[Encoded] | None = None) -> str:
    return json_text(as_dict(report, lang, results=results))
