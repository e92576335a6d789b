"""Markdown, for pasting into a ticket: the verdict and coverage first, then every result
with the reason (an error's or a skip's message, a waiver)."""

from __future__ import annotations

from envcheck.audit.engine import AuditReport
from envcheck.i18n import colon, t
from envcheck.model import Status
from envcheck.output.summary import counts_line, verdict_lines
from envcheck.output.table import ordered_results
from envcheck.output.values import human, status_word
from envcheck.report.markup import md_cell
from envcheck.ssh.reasons import in_lang
from envcheck.waivers import note


def render(report: AuditReport, lang: str) -> str:
    lines = [f"# envcheck — {t('check.report_title', lang)}", ""]
    verdict, *coverage = verdict_lines(report, lang)
    lines += [f"**{verdict}**", "", *coverage, "", counts_line(report, lang), ""]
    down = [h for h in report.hosts if not h.status.reachable]
    if down:
        lines += [f"## {t('check.unreachable', lang)}", ""]
        for h in down:
            reason = md_cell(in_lang(h.status.error or "", lang))
            lines.append(f"- **{h.status.name}** ({h.status.address}){colon(lang)}{reason}")
        lines.append("")
    heads = [t(k, lang) for k in ("status", "host", "check", "found", "expected", "check.message", "fix")]
    lines += ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in ordered_results(report):
        fix = r.fix.get(lang) if r.status in (Status.FAIL, Status.WARN) else ""
        message = " ".join(x for x in (note(r.waiver, lang), r.message.get(lang)) if x)
        lines.append("| " + " | ".join(md_cell(x) for x in (
            status_word(r.status, lang), r.host or t("fleet", lang), r.check, human(r.found, lang),
            human(r.expected, lang), message, fix)) + " |")
    return "\n".join(lines) + "\n"
