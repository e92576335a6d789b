"""Markdown, for pasting into a ticket."""

from __future__ import annotations

from envcheck.audit.engine import AuditReport
from envcheck.i18n import t
from envcheck.output.table import ordered_results, summary_counts


def _cell(value: object) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def render(report: AuditReport, lang: str) -> str:
    lines = [f"# envcheck — {t('check.report_title', lang)}", ""]
    counts = summary_counts(report)
    lines.append(", ".join(f"{k}: {v}" for k, v in counts.items()))
    lines.append("")
    down = [h for h in report.hosts if not h.status.reachable]
    if down:
        lines += [f"## {t('check.unreachable', lang)}", ""]
        lines += [f"- **{h.status.name}** ({h.status.address}): {_cell(h.status.error)}" for h in down]
        lines.append("")
    heads = [t(k, lang) for k in ("status", "host", "check", "found", "expected", "fix")]
    lines += ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in ordered_results(report):
        fix = r.fix.get(lang) if r.status in ("fail", "warn") else ""
        lines.append("| " + " | ".join(_cell(x) for x in (
            r.status.upper(), r.host or t("fleet", lang), r.check, r.found, r.expected, fix)) + " |")
    return "\n".join(lines) + "\n"
