"""The lines under every check output: the counts, the verdict (envcheck.verdict) and the
coverage; the terminal table, Markdown and `check -o` print them."""

from __future__ import annotations

from collections import Counter

from envcheck.audit.engine import AuditReport
from envcheck.i18n import colon, t
from envcheck.model import Status
from envcheck.output import values
from envcheck.verdict import Verdict, of_report


def summary_counts(report: AuditReport) -> dict[str, int]:
    """Results by status, and the hosts that did not answer."""
    counts = Counter(str(r.status) for r in report.results)
    out = {s.value: counts.get(s.value, 0) for s in Status}
    out["unreachable"] = sum(1 for h in report.hosts if not h.status.reachable)
    return out


def counts_line(report: AuditReport, lang: str) -> str:
    return f"{t('check.summary', lang)}{colon(lang)}{values.counts_line(summary_counts(report), lang)}"


def verdict_lines(report: AuditReport, lang: str, verdict: Verdict | None = None) -> list[str]:
    """The verdict, then the coverage (hosts, checks, inventory)."""
    verdict = verdict or of_report(report)
    sep = colon(lang)
    lines = [f"{t('report.verdict', lang)}{sep}{verdict.text(lang)}"]
    if verdict.coverage is not None:
        lines.append(f"{t('coverage.title', lang)}{sep}" + t("verdict.sep", lang).join(verdict.coverage.lines(lang)))
    return lines


def summary_lines(report: AuditReport, lang: str) -> list[str]:
    return [counts_line(report, lang), *verdict_lines(report, lang)]
