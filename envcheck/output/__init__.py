"""Output formats by name; each renders an AuditReport to text."""

from __future__ import annotations

from collections.abc import Callable

from envcheck.audit.engine import AuditReport
from envcheck.output import json_format, junit, markdown, prometheus, table

Formatter = Callable[[AuditReport, str], str]  # (report, lang) -> text

FORMATS: dict[str, Formatter] = {
    "table": table.render_text,
    "json": json_format.render,
    "junit": junit.render,
    "markdown": markdown.render,
    # issue 23 (helper J2): the text exposition for Prometheus (docs/monitoring.md)
    "prometheus": prometheus.render,
}
