"""The pre-go-live report: built from the runs of one inventory (envcheck.runs.load), judged by
envcheck.verdict, rendered with Jinja2 as one self-contained HTML file (inline CSS and SVG, no
external asset) or as Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from envcheck import __version__, waivers
from envcheck.i18n import colon, t, t_or
from envcheck.model import Waiver
from envcheck.report.appview import AppView, render_html, render_markdown
from envcheck.report.appview import section as appview_section
from envcheck.report.findings import Finding, check_findings, deploy_findings, plain, verify_findings
from envcheck.report.markup import code_html, md_cell
from envcheck.report.svg import FleetPicture, fleet_picture
from envcheck.runs.load import Run, Runs
from envcheck.ssh.reasons import in_lang
from envcheck.verdict import Verdict, coverage_of, judge

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Fleet matrix columns: (word key, check id whose `found` is shown).
MATRIX = (("report.timezone", "time.timezone"), ("report.locale", "locale.system_lang"),
          ("report.pg_encoding", "postgresql.server_encoding"),
          ("report.mysql_charset", "mysql.character_set_server"), ("report.jvm_timezone", "tomcat.user_timezone"))
META = {"customer": "report.customer", "project": "report.project", "site": "report.site",
        "environment": "report.environment", "engineer": "report.engineer"}


@dataclass(frozen=True)
class HostRow:
    name: str
    reachable: bool
    error: str
    check: dict[str, int]  # status -> count
    verify: dict[str, int]  # passed/failed/skipped
    suites: str

    @property
    def ok(self) -> bool:
        return self.reachable and not self.check.get("fail") and not self.check.get("error") \
            and not self.verify.get("failed")


@dataclass(frozen=True)
class Risk:
    """An accepted risk: a waiver and the results it covers."""

    check: str
    hosts: tuple[str, ...]
    reason: str
    approver: str
    ticket: str
    expires: str
    expired: bool
    found: str


@dataclass(frozen=True)
class Report:
    lang: str
    generated: str
    zone: str
    meta: tuple[tuple[str, str], ...]  # (word key, value): customer, project, site, ...
    verdict: Verdict
    coverage: tuple[str, ...]
    runs: tuple[tuple[str, str, str], ...]  # (kind, directory, started)
    inventory: str
    hosts: tuple[HostRow, ...]
    findings: tuple[Finding, ...]
    risks: tuple[Risk, ...]
    matrix_columns: tuple[str, ...]
    matrix: tuple[tuple[str, tuple[str, ...]], ...]  # host -> cells
    picture: FleetPicture
    deploys: tuple[dict[str, Any], ...] = field(default=())
    appview: AppView | None = None  # the application's view (envcheck.report.appview)

    @property
    def ready(self) -> bool:
        return self.verdict.ready


def build(runs: Runs, lang: str, extra_waivers: Sequence[Waiver] = (), meta: Mapping[str, str] | None = None,
          now: datetime | None = None) -> Report:
    check = runs.check
    scope = ((check.result or {}).get("scope") or check.record.get("scope") or {}) if check else {}
    site = dict(scope.get("site") or {})
    zone = _zone(site.get("timezone"))
    now = (now or datetime.now(zone)).astimezone(zone)
    doc = dict(check.result or {}) if check else {}
    if check:
        doc["results"] = waivers.apply_json(doc.get("results", []), extra_waivers, now.date())
    results: list[dict[str, Any]] = doc.get("results", [])
    check_hosts: list[dict[str, Any]] = doc.get("hosts", [])
    verify_hosts = runs.verify.record.get("hosts", []) if runs.verify else []
    applied = [r for r in runs.deploys if not r.record.get("check_mode")]
    others = [*verify_findings(runs.verify, lang), *deploy_findings(applied[-1:], lang)]
    verdict = judge(coverage_of(doc, check.record) if check else None,
                    open_items=sum(len(f.hosts) for f in others if f.blocking))
    names = list(dict.fromkeys([*(h["name"] for h in check_hosts), *(h["name"] for h in verify_hosts)]))
    given = {**{k: site[k] for k in META if site.get(k)}, **{k: v for k, v in (meta or {}).items() if v}}
    return Report(
        lang=lang, generated=_when(now, zone), zone=zone.key,
        meta=tuple((key, given[k]) for k, key in META.items() if given.get(k)),
        verdict=verdict, coverage=tuple(verdict.coverage.lines(lang)) if verdict.coverage else (),
        runs=tuple((r.kind, str(r.path), _when(r.record.get("started"), zone))
                   for r in (check, runs.verify, *runs.deploys) if r is not None),
        inventory=", ".join(scope.get("inventory") or (check.record.get("inventory") or []) if check else ()),
        hosts=tuple(_host_row(n, check_hosts, results, verify_hosts, lang) for n in names),
        findings=(*check_findings(results, check_hosts, lang), *others),
        risks=_risks(results, lang),
        matrix_columns=(*(t(k, lang) for k, _ in MATRIX), t("report.clock_offset", lang)),
        matrix=tuple((h["name"], _matrix_row(h, results, check, lang)) for h in check_hosts),
        picture=fleet_picture(check_hosts, check.hosts if check else (), site, lang),
        deploys=tuple(_deploy_row(r, zone) for r in runs.deploys),
        appview=appview_section(results),
    )


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(value: Any, zone: ZoneInfo) -> str:
    """A time in the site's zone with its offset: 2026-12-02 10:15 +08:00."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    text = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")
    return f"{text[:-2]}:{text[-2:]}"


def _risks(results: list[dict[str, Any]], lang: str) -> tuple[Risk, ...]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in results:
        w = r.get("waiver")
        if isinstance(w, Mapping):
            key = (r.get("check"), w.get("reason"), w.get("approver"), w.get("ticket"), w.get("expires"),
                   bool(w.get("expired")))
            groups.setdefault(key, []).append(r)
    return tuple(Risk(str(k[0]), tuple(str(r.get("host") or "fleet") for r in rs), str(k[1]), str(k[2]),
                      str(k[3] or ""), str(k[4]), k[5], "; ".join(plain(r.get("found"), lang) for r in rs)[:300])
                 for k, rs in sorted(groups.items(), key=lambda kv: (not kv[0][5], str(kv[0][0]))))


def _host_row(name: str, check_hosts: list[dict[str, Any]], results: list[dict[str, Any]],
              verify_hosts: list[dict[str, Any]], lang: str) -> HostRow:
    ch = next((h for h in check_hosts if h["name"] == name), {})
    vh = next((h for h in verify_hosts if h["name"] == name), {})
    counts: dict[str, int] = {}
    for r in results:
        if r.get("host") == name:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    reachable = ch.get("reachable", True) and vh.get("reachable", True)
    verify = {k: int(vh.get(k, 0)) for k in ("passed", "failed", "skipped")} if vh else {}
    error = in_lang(str(ch.get("error") or vh.get("error") or ""), lang)
    return HostRow(name, bool(reachable), error, counts, verify,
                   ", ".join(vh.get("suites", ())))


def _matrix_row(host: dict[str, Any], results: list[dict[str, Any]], check: Run | None,
                lang: str) -> tuple[str, ...]:
    cells = []
    for _, check_id in MATRIX:
        r = next((r for r in results if r.get("host") == host["name"] and r.get("check") == check_id), None)
        cells.append("" if r is None or r.get("status") == "skip" else plain(r.get("found"), lang))
    offset = host.get("clock_offset_ms")
    if offset is None and check is not None:  # an older result.json: the raw host evidence has it
        raw = next((h for h in check.hosts if h.get("name") == host["name"]), {})
        offset = raw.get("clock_offset_ms")
    cells.append("" if offset is None else f"{float(offset):+.1f} ms")
    return tuple(cells)


def _deploy_row(run: Run, zone: ZoneInfo) -> dict[str, Any]:
    r = run.record
    hosts = r.get("hosts", [])
    return {"started": _when(r.get("started"), zone), "playbook": r.get("playbook", ""),
            "tags": ", ".join(r.get("tags", [])), "check_mode": bool(r.get("check_mode")),
            "status": r.get("status", ""), "operator": r.get("operator", ""),
            "hosts": ", ".join(f"{h['name']} ok={h.get('ok', 0)} changed={h.get('changed', 0)} "
                               f"failed={h.get('failed', 0)}" for h in hosts)}


def render(report: Report, fmt: str, data_section: str = "") -> str:
    import jinja2  # noqa: PLC0415 (jinja2: ~23 ms, not for --help)
    import markupsafe  # noqa: PLC0415

    # HTML is escaped; Markdown is not HTML (its table cells are escaped by the `cell` filter).
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=fmt == "html",  # noqa: S701
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["cell"] = md_cell
    env.filters["code"] = code_html  # `text` in a hint as <code>text</code>, the rest escaped
    template = env.get_template("report.html.j2" if fmt == "html" else "report.md.j2")
    # The templates' words come from the one catalogue (envcheck.i18n), in the report's language.
    view = report.appview or appview_section([])
    appview = render_html(view, report.lang) if fmt == "html" else render_markdown(view, report.lang)
    # data_section: envcheck.data.report's markup for the latest data compare ("" if none).
    return template.render(r=report, t=partial(t, lang=report.lang), t_or=partial(t_or, lang=report.lang),
                           colon=colon(report.lang), version=__version__, appview=appview,
                           data_section=markupsafe.Markup(data_section))  # noqa: S704 - escaped by its template
