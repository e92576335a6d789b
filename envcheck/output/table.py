"""The terminal output of a check run, readable at 80 columns: unreachable hosts grouped by
reason, a narrow table of findings (severity, status, check ids never split, hosts), then one
compact block per finding with its found and expected values and what to do."""

from __future__ import annotations

import io
from typing import Any

from envcheck.audit.engine import AuditReport
from envcheck.i18n import t
from envcheck.model import STATUS_ORDER, Result, Status
from envcheck.output.findings import Finding, error_hint, group
from envcheck.output.summary import summary_counts, summary_lines
from envcheck.output.values import human, say, severity_word, status_word
from envcheck.ssh.reasons import in_lang
from envcheck.waivers import note

_STYLE = {Status.FAIL: "bold red", Status.ERROR: "magenta", Status.WARN: "yellow",
          Status.SKIP: "dim", Status.PASS: "green", Status.WAIVED: "cyan"}


def ordered_results(report: AuditReport) -> list[Result]:
    host_order = {h.status.name: i for i, h in enumerate(report.hosts)}
    return sorted(report.results, key=lambda r: (
        STATUS_ORDER[r.status], host_order.get(r.host or "", len(host_order)), r.check))


def unreachable_groups(report: AuditReport, lang: str) -> list[tuple[str, list[str]]]:
    """(reason in `lang`, hosts) for the hosts that did not answer, one entry per reason."""
    by_reason: dict[str, list[str]] = {}
    for h in report.hosts:
        if not h.status.reachable:
            reason = in_lang(h.status.error or "", lang)
            reason = reason.replace(f" ({h.status.address})", "")  # the address is the host's own
            by_reason.setdefault(reason, []).append(h.status.name)
    return list(by_reason.items())


def render(report: AuditReport, lang: str, show_passed: bool = False, show_skipped: bool = True) -> Any:
    """Failures first; passed checks only when asked. On a terminal skipped ones are left out
    by default (a fleet without Tomcat skips every Tomcat check on every host), and counted."""
    from rich.console import Group  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.text import Text as RichText  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    parts: list[Any] = []
    down = unreachable_groups(report, lang)
    if down:
        parts.append(RichText(t("check.unreachable", lang), style="bold red"))
        for reason, hosts in down:
            parts.append(RichText("  " + t("table.unreachable_row", lang, hosts=", ".join(hosts), reason=reason)))
        parts.append(RichText(""))
    hidden = {Status.PASS} if not show_passed else set()
    if not show_skipped:
        hidden.add(Status.SKIP)
    # Grouped after the hidden statuses are left out: the passing results of a 200-entry site
    # spec were 10 ms of the table (each one's found value made readable, to be dropped).
    findings = group([r for r in report.results if r.status not in hidden], [h.status.name for h in report.hosts])
    if findings:
        parts.append(_index(findings, lang))
        parts += [_block(i, f, lang) for i, f in enumerate(findings, 1) if f.status != Status.PASS]
    elif not down:
        parts.append(RichText(t("table.nothing", lang), style="green"))
    counts = summary_counts(report)
    parts += [RichText(line) for line in summary_lines(report, lang)]
    if not show_skipped and counts["skip"]:
        parts.append(RichText(f"{counts['skip']} {t('check.skipped_hidden', lang)}", style="dim"))
    return Group(*parts)


def _index(findings: list[Finding], lang: str) -> Any:
    """The narrow table: #, severity, status, the check ids (whole, one a line), the hosts."""
    from rich import box  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.text import Text as RichText  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    table = Table(box=box.SIMPLE_HEAD, expand=False, pad_edge=False)
    table.add_column(t("table.no", lang), justify="right", no_wrap=True)
    table.add_column(t("severity", lang), no_wrap=True)
    table.add_column(t("status", lang), no_wrap=True)
    table.add_column(t("check", lang), no_wrap=True, overflow="ellipsis")
    table.add_column(t("table.where", lang), overflow="fold", ratio=1, min_width=12)
    for i, f in enumerate(findings, 1):
        table.add_row(str(i), severity_word(f.severity, lang),
                      RichText(status_word(f.status, lang), style=_STYLE[f.status]),
                      "\n".join(f.checks), f.where(lang))
    return table


def _block(number: int, f: Finding, lang: str) -> Any:
    """One finding: its title, then label/value lines that wrap under their value."""
    from rich.console import Group  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.text import Text as RichText  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    head = RichText(f"{number}. ", style="bold")
    head.append(say(f.title.get(lang), lang) if len(f.checks) == 1 else ", ".join(f.checks), style=_STYLE[f.status])
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for label, value in block_rows(f, lang):
        grid.add_row(label, value)
    return Group(head, _indent(grid))


def block_rows(f: Finding, lang: str) -> list[tuple[str, str]]:
    """The label/value lines of a finding: an ERROR says its error and what to do about it,
    a SKIP why, a FAIL or WARN what was found, what is expected and how to fix it; a waived
    one (or one whose waiver expired) says so first (envcheck.waivers)."""
    waiver = [(t("report.waiver_state", lang), note(f.waiver, lang))] if f.waiver is not None else []
    return waiver + _rows(f, lang)


def _rows(f: Finding, lang: str) -> list[tuple[str, str]]:
    if f.status == Status.ERROR:
        return [(t("table.error", lang), human(f.message.get(lang), lang)),
                (t("table.hint", lang), error_hint(f).get(lang))]
    if f.status == Status.SKIP:
        return [(t("check.message", lang), human(f.message.get(lang), lang))]
    rows = [(t("found", lang), human(f.found, lang) or "-"), (t("expected", lang), human(f.expected, lang) or "-")]
    if f.status in (Status.FAIL, Status.WARN):
        rows.append((t("fix", lang), say(f.fix.get(lang), lang)))
    return rows


def _indent(renderable: Any) -> Any:
    from rich.padding import Padding  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    return Padding(renderable, (0, 0, 1, 3), expand=False)


def render_text(report: AuditReport, lang: str, width: int = 100) -> str:
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(render(report, lang))
    return buf.getvalue()
