"""The terminal table: failures first, grouped by host, with the fix hint."""

from __future__ import annotations

import io
from collections import Counter

from envcheck.audit.engine import AuditReport
from envcheck.i18n import t
from envcheck.model import STATUS_ORDER, Result, Status
from envcheck.output.summary import summary_lines
from envcheck.waivers import note

_STYLE = {Status.FAIL: "bold red", Status.ERROR: "magenta", Status.WARN: "yellow",
          Status.SKIP: "dim", Status.PASS: "green", Status.WAIVED: "cyan"}


def ordered_results(report: AuditReport) -> list[Result]:
    host_order = {h.status.name: i for i, h in enumerate(report.hosts)}
    return sorted(report.results, key=lambda r: (
        STATUS_ORDER[r.status], host_order.get(r.host or "", len(host_order)), r.check))


def summary_counts(report: AuditReport) -> dict[str, int]:
    counts = Counter(str(r.status) for r in report.results)
    out = {s.value: counts.get(s.value, 0) for s in Status}
    out["unreachable"] = sum(1 for h in report.hosts if not h.status.reachable)
    return out


def render(report: AuditReport, lang: str, show_passed: bool = False, show_skipped: bool = True) -> object:
    """Failures first; passed checks only when asked. On a terminal skipped ones are left out
    by default (a fleet without Tomcat skips every Tomcat check on every host), and counted."""
    from rich.console import Group  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.text import Text as RichText  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    parts: list[object] = []
    down = [h for h in report.hosts if not h.status.reachable]
    if down:
        tbl = Table(title=t("check.unreachable", lang), title_style="bold red", expand=False)
        tbl.add_column(t("host", lang))
        tbl.add_column(t("check.message", lang))
        for h in down:
            tbl.add_row(f"{h.status.name} ({h.status.address})", h.status.error or "")
        parts.append(tbl)
    table = Table(show_lines=False, expand=False)
    for key in ("status", "host", "check", "found", "expected", "fix"):
        table.add_column(t(key, lang), overflow="fold")
    for r in ordered_results(report):
        if (r.status == Status.PASS and not show_passed) or (r.status == Status.SKIP and not show_skipped):
            continue
        fix = r.fix.get(lang) if r.status in (Status.FAIL, Status.WARN) else r.message.get(lang)
        if r.waiver is not None:  # waived, or its waiver expired: say which (envcheck.waivers)
            fix = f"{note(r.waiver, lang)}\n{fix}"
        table.add_row(RichText(r.status.upper(), style=_STYLE[r.status]), r.host or t("fleet", lang),
                      r.check, _short(r.found), _short(r.expected), fix)
    parts.append(table)
    counts = summary_counts(report)
    parts += [RichText(line) for line in summary_lines(report, lang)]
    if not show_skipped and counts["skip"]:
        parts.append(RichText(f"{counts['skip']} {t('check.skipped_hidden', lang)}", style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


def _short(value: object, width: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: AuditReport, lang: str) -> str:
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    buf = io.StringIO()
    Console(file=buf, width=160, color_system=None).print(render(report, lang))
    return buf.getvalue()
