"""The lines under every check output: the counts, the verdict (envcheck.verdict) and the
coverage; the terminal table, Markdown and `check -o` print them."""

from __future__ import annotations

from envcheck.audit.engine import AuditReport
from envcheck.i18n import t
from envcheck.verdict import Verdict, of_report

COUNT_WORDS = {"pass": "count.pass", "fail": "count.fail", "warn": "count.warn", "skip": "count.skip",
               "error": "count.error", "waived": "count.waived", "unreachable": "count.unreachable"}


def counts_line(report: AuditReport, lang: str) -> str:
    from envcheck.output.table import summary_counts  # noqa: PLC0415 (a cycle: the table prints these lines)

    counts = summary_counts(report)
    sep = "," if lang == "zh" else ", "
    return f"{t('check.summary', lang)}{t('verdict.colon', lang)}" + sep.join(
        f"{t(COUNT_WORDS[k], lang)} {v}" for k, v in counts.items())


def verdict_lines(report: AuditReport, lang: str, verdict: Verdict | None = None) -> list[str]:
    """The verdict, then the coverage (hosts, checks, inventory)."""
    verdict = verdict or of_report(report)
    colon = t("verdict.colon", lang)
    lines = [f"{t('report.verdict', lang)}{colon}{verdict.text(lang)}"]
    if verdict.coverage is not None:
        lines.append(f"{t('coverage.title', lang)}{colon}" + t("verdict.sep", lang).join(verdict.coverage.lines(lang)))
    return lines


def summary_lines(report: AuditReport, lang: str) -> list[str]:
    return [counts_line(report, lang), *verdict_lines(report, lang)]
