"""The pre-go-live report: built from the runs, rendered with Jinja2 as one self-contained
HTML file (inline CSS, no external asset) or as Markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from envcheck import __version__
from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.i18n import t, t_or
from envcheck.runs.load import Run, Runs

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Fleet matrix columns: (word key, check id whose `found` is shown).
MATRIX = (("report.timezone", "time.timezone"), ("report.locale", "locale.system_lang"),
          ("report.pg_encoding", "postgresql.server_encoding"),
          ("report.mysql_charset", "mysql.character_set_server"), ("report.jvm_timezone", "tomcat.user_timezone"))
# Which playbook builds what a verify suite checks (the fix hint of a failed test).
ROLE_PLAYBOOK = {"baseline": "server", "postgresql": "database", "mysql": "database",
                 "nginx": "middleware", "apache": "middleware", "tomcat": "middleware"}


@dataclass(frozen=True)
class Failure:
    source: str  # check | verify | deploy
    host: str
    item: str
    title: str
    severity: str
    message: str
    found: str
    expected: str
    fix: str
    blocking: bool = True  # False for a warning: listed, but it does not hold up the go-live


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
class Report:
    lang: str
    generated: str
    runs: tuple[tuple[str, str], ...]  # (kind, directory)
    hosts: tuple[HostRow, ...]
    failures: tuple[Failure, ...]
    matrix_columns: tuple[str, ...]
    matrix: tuple[tuple[str, tuple[str, ...]], ...]  # host -> cells
    deploys: tuple[dict[str, Any], ...]
    verdict: bool


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def build(runs: Runs, lang: str) -> Report:
    check_results = (runs.check.result or {}).get("results", []) if runs.check else []
    check_hosts = (runs.check.result or {}).get("hosts", []) if runs.check else []
    verify_hosts = runs.verify.record.get("hosts", []) if runs.verify else []
    names = list(dict.fromkeys([*(h["name"] for h in check_hosts), *(h["name"] for h in verify_hosts)]))
    failures = [*_check_failures(check_results, lang), *_verify_failures(runs.verify, lang),
                *_deploy_failures(runs.deploys, lang)]
    hosts = tuple(_host_row(n, check_hosts, check_results, verify_hosts) for n in names)
    matrix = tuple((h["name"], _matrix_row(h, check_results, runs.check)) for h in check_hosts)
    used = [r for r in (runs.check, runs.verify, *runs.deploys) if r is not None]
    return Report(
        lang=lang, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        runs=tuple((r.kind, str(r.path)) for r in used),
        hosts=hosts, failures=tuple(failures),
        matrix_columns=(*(t(k, lang) for k, _ in MATRIX), t("report.clock_offset", lang)),
        matrix=matrix, deploys=tuple(_deploy_row(r) for r in runs.deploys),
        verdict=not any(f.blocking for f in failures) and all(h.ok for h in hosts),
    )


def _check_failures(results: list[dict[str, Any]], lang: str) -> list[Failure]:
    catalogue = _catalogue()
    out = []
    for r in results:
        if r.get("status") not in ("fail", "error", "warn"):
            continue
        known = catalogue.get(str(r.get("check")))  # title and fix in the report's language
        title = known.title.get(lang) if known else str(r.get("title", ""))
        fix = known.fix.get(lang) if known else str(r.get("fix") or "")
        out.append(Failure("check", r.get("host") or t("fleet", lang), str(r.get("check")), title,
                           str(r.get("severity", "")), str(r.get("message", "")), _text(r.get("found")),
                           _text(r.get("expected")), fix, r.get("status") != "warn"))
    return out


def _catalogue() -> dict[str, Any]:
    load_catalogue()
    return {**CHECKS, **FLEET_CHECKS}


def _verify_failures(run: Run | None, lang: str) -> list[Failure]:
    if run is None:
        return []
    out = [Failure("verify", h["name"], "ssh", "", "critical", str(h.get("error")), "", "",
                   t("report.fix_unreachable", lang))
           for h in run.record.get("hosts", []) if not h.get("reachable", True)]
    for test in run.record.get("tests", []):
        if test.get("outcome") in ("failed", "error"):
            fix = t("report.fix_verify", lang, playbook=ROLE_PLAYBOOK.get(test.get("role", ""), "site"),
                    host=test.get("host"))
            out.append(Failure("verify", str(test.get("host")), str(test.get("role")), str(test.get("test")),
                               "critical", str(test.get("message", "")), "", "", fix))
    return out


def _deploy_failures(deploys: tuple[Run, ...], lang: str) -> list[Failure]:
    if not deploys:
        return []
    last = deploys[-1].record  # only the latest deployment's failures are still open
    return [Failure("deploy", h["name"], f"deploy {last.get('playbook')}", "", "critical", task, "", "",
                    t("report.fix_deploy", lang, playbook=last.get("playbook"), host=h["name"]))
            for h in last.get("hosts", []) for task in (h.get("failed_tasks") or
                                                        (["unreachable"] if h.get("unreachable") else []))]


def _host_row(name: str, check_hosts: list[dict[str, Any]], results: list[dict[str, Any]],
              verify_hosts: list[dict[str, Any]]) -> HostRow:
    ch = next((h for h in check_hosts if h["name"] == name), {})
    vh = next((h for h in verify_hosts if h["name"] == name), {})
    counts: dict[str, int] = {}
    for r in results:
        if r.get("host") == name:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    reachable = ch.get("reachable", True) and vh.get("reachable", True)
    verify = {k: int(vh.get(k, 0)) for k in ("passed", "failed", "skipped")} if vh else {}
    return HostRow(name, bool(reachable), str(ch.get("error") or vh.get("error") or ""), counts, verify,
                   ", ".join(vh.get("suites", ())))


def _matrix_row(host: dict[str, Any], results: list[dict[str, Any]], check: Run | None) -> tuple[str, ...]:
    cells = []
    for _, check_id in MATRIX:
        r = next((r for r in results if r.get("host") == host["name"] and r.get("check") == check_id), None)
        cells.append("" if r is None or r.get("status") == "skip" else _text(r.get("found")))
    offset = host.get("clock_offset_ms")
    if offset is None and check is not None:  # an older result.json: the raw host evidence has it
        raw = next((h for h in check.hosts if h.get("name") == host["name"]), {})
        offset = raw.get("clock_offset_ms")
    cells.append("" if offset is None else f"{float(offset):+.1f} ms")
    return tuple(cells)


def _deploy_row(run: Run) -> dict[str, Any]:
    r = run.record
    hosts = r.get("hosts", [])
    return {"started": str(r.get("started", ""))[:19].replace("T", " "), "playbook": r.get("playbook", ""),
            "tags": ", ".join(r.get("tags", [])), "check_mode": bool(r.get("check_mode")),
            "status": r.get("status", ""), "operator": r.get("operator", ""),
            "hosts": ", ".join(f"{h['name']} ok={h.get('ok', 0)} changed={h.get('changed', 0)} "
                               f"failed={h.get('failed', 0)}" for h in hosts)}


def render(report: Report, fmt: str) -> str:
    import jinja2  # noqa: PLC0415 (jinja2: ~23 ms, not for --help)

    # HTML is escaped; Markdown is not HTML (its table cells are escaped by the `cell` filter).
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=fmt == "html",  # noqa: S701
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    if fmt == "markdown":
        env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    template = env.get_template("report.html.j2" if fmt == "html" else "report.md.j2")
    # The templates' words come from the one catalogue (envcheck.i18n), in the report's language.
    return template.render(r=report, t=partial(t, lang=report.lang), t_or=partial(t_or, lang=report.lang),
                           version=__version__)
