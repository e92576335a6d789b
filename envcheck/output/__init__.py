"""Output formats by name; each renders an AuditReport to text."""

from __future__ import annotations

from collections.abc import Callable

from envcheck.audit.engine import AuditReport

Formatter = Callable[[AuditReport, str], str]  # (report, lang) -> text


def _json(report: AuditReport, lang: str) -> str:
    from envcheck.output.json_format import render  # noqa: PLC0415

    return render(report, lang)


def _junit(report: AuditReport, lang: str) -> str:
    from envcheck.output.junit import render  # noqa: PLC0415

    return render(report, lang)


def _markdown(report: AuditReport, lang: str) -> str:
    from envcheck.output.markdown import render  # noqa: PLC0415

    return render(report, lang)


def _table(report: AuditReport, lang: str) -> str:
    from envcheck.output.table import render_text  # noqa: PLC0415

    return render_text(report, lang)


FORMATS: dict[str, Formatter] = {
    "table": _table,
    "json": _json,
    "junit": _junit,
    "markdown": _markdown,
}
