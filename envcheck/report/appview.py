"""The application's view in the report (issue 18): the partner endpoint matrix (which host reaches
which endpoint) and the datasource findings (each app.* result with the layer it names). A
self-contained partial: `section(results, lang)` from result.json's results, rendered by
`render_html` / `render_markdown`; the report's template includes the text it returns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from envcheck.i18n import t

TEMPLATE = Path(__file__).resolve().parent / "templates" / "appview.html.j2"
FINDING_AREAS = ("app.", "appconfig.", "proxy.", "endpoint.")


@dataclass(frozen=True)
class Finding:
    host: str
    check: str
    title: str
    status: str
    message: str


@dataclass(frozen=True)
class AppView:
    hosts: tuple[str, ...]  # the matrix's columns
    endpoints: tuple[tuple[str, tuple[str, ...]], ...]  # endpoint -> a cell per host ("-": not declared there)
    findings: tuple[Finding, ...]

    @property
    def empty(self) -> bool:
        return not self.endpoints and not self.findings


def section(results: list[dict[str, Any]]) -> AppView:
    """From a check run's results (result.json, any language)."""
    matrix: dict[str, dict[str, str]] = next(
        (r.get("found") or {} for r in results if r.get("check") == "endpoint.matrix" and r.get("host") is None), {})
    if not isinstance(matrix, dict):
        matrix = {}
    hosts = tuple(dict.fromkeys(h for row in matrix.values() for h in row))
    endpoints = tuple((name, tuple(row.get(h, "-") for h in hosts)) for name, row in matrix.items())
    findings = tuple(Finding(str(r.get("host") or ""), r["check"], r.get("title", ""), r["status"],
                             r.get("message", ""))
                     for r in results if r.get("host") and str(r.get("check", "")).startswith(FINDING_AREAS)
                     and r.get("status") != "skip")
    return AppView(hosts, endpoints, findings)


def render_html(view: AppView, lang: str) -> str:
    import jinja2  # noqa: PLC0415 (jinja2: ~23 ms, not for --help)

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(v=view, t=partial(t, lang=lang))


def render_markdown(view: AppView, lang: str) -> str:
    if view.empty:
        return ""

    def cell(v: str) -> str:
        return v.replace("|", "\\|").replace("\n", " ")

    say = partial(t, lang=lang)
    lines = [f"## {say('appview.title')}", ""]
    if view.endpoints:
        header = "| " + " | ".join([say("appview.endpoint"), *view.hosts]) + " |"
        lines += [f"### {say('appview.endpoints')}", "", header, "|" + " --- |" * (len(view.hosts) + 1)]
        lines += ["| " + " | ".join(cell(c) for c in (name, *cells)) + " |" for name, cells in view.endpoints]
        lines.append("")
    if view.findings:
        lines += [f"### {say('appview.findings')}", "", f"| {say('host')} | {say('check')} | {say('status')} | "
                  f"{say('appview.layer')} |", "| --- | --- | --- | --- |"]
        lines += [f"| {cell(f.host)} | {cell(f.check)} | {f.status} | {cell(f.message)} |" for f in view.findings]
        lines.append("")
    return "\n".join(lines)
