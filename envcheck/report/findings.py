"""The report's findings, grouped: one per check (or verify test, or deploy task) and status,
the hosts listed, hosts with the same finding together; values written for people."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.i18n import t
from envcheck.output.values import human
from envcheck.runs.load import Run
from envcheck.ssh.reasons import in_lang

# Which playbook builds what a verify suite checks (the fix hint of a failed test).
ROLE_PLAYBOOK = {"baseline": "server", "postgresql": "database", "mysql": "database",
                 "nginx": "middleware", "apache": "middleware", "tomcat": "middleware"}
SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2, "info": 3}
VALUE_CAP = 300  # characters of a found or expected value shown


@dataclass(frozen=True)
class Finding:
    source: str  # check | verify | deploy
    item: str  # check id, verify role, deploy task
    title: str
    severity: str
    status: str  # fail | error | warn | unreachable
    hosts: tuple[str, ...]
    details: tuple[tuple[str, str, str], ...]  # (hosts, message, found): hosts alike in one line
    expected: str
    fix: str
    blocking: bool = True  # False for a warning: listed, but it does not hold up the go-live


def plain(value: Any, lang: str) -> str:
    """A value for people (envcheck.output.values.human), capped at VALUE_CAP characters."""
    text = human(value, lang)
    return text if len(text) <= VALUE_CAP else text[: VALUE_CAP - 1] + "…"


def message_of(result: Mapping[str, Any], lang: str) -> str:
    """A result's message in `lang` where the run kept both languages (else as it ran)."""
    messages = result.get("messages")
    if isinstance(messages, Mapping) and messages.get(lang):
        return str(messages[lang])
    return str(result.get("message", ""))


def _catalogue() -> dict[str, Any]:
    load_catalogue()
    return {**CHECKS, **FLEET_CHECKS}


Rows = list[tuple[str, str, str]]  # (host, message, found)


def _grouped(items: Iterable[tuple[tuple[Any, ...], str, str, str]]) -> dict[tuple[Any, ...], Rows]:
    groups: dict[tuple[Any, ...], Rows] = {}
    for key, host, message, found in items:
        groups.setdefault(key, []).append((host, message, found))
    return groups


def _details(rows: Sequence[tuple[str, str, str]]) -> tuple[tuple[str, str, str], ...]:
    alike: dict[tuple[str, str], list[str]] = {}
    for host, message, found in rows:
        alike.setdefault((message, found), []).append(host)
    return tuple((", ".join(hosts), message, found) for (message, found), hosts in alike.items())


def check_findings(results: Sequence[Mapping[str, Any]], hosts: Sequence[Mapping[str, Any]],
                   lang: str) -> list[Finding]:
    catalogue = _catalogue()
    down = [h for h in hosts if not h.get("reachable", True)]
    out = []
    if down:
        out.append(Finding("check", "ssh", "", "critical", "unreachable", tuple(str(h["name"]) for h in down),
                           _details([(str(h["name"]), in_lang(str(h.get("error") or ""), lang), "")
                                     for h in down]), "",
                           t("report.fix_unreachable", lang)))
    wanted = ("fail", "error", "warn")
    groups = _grouped(((str(r.get("check")), str(r.get("status"))), str(r.get("host") or t("fleet", lang)),
                       message_of(r, lang), plain(r.get("found"), lang))
                      for r in results if r.get("status") in wanted)
    first: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in results:
        first.setdefault((str(r.get("check")), str(r.get("status"))), r)
    for (check_id, status), rows in groups.items():
        r = first[(check_id, status)]
        known = catalogue.get(check_id)  # title and fix in the report's language
        title = known.title.get(lang) if known else str((r.get("titles") or {}).get(lang) or r.get("title", ""))
        fix = (known.fix.get(lang) if known else str((r.get("fixes") or {}).get(lang) or r.get("fix") or "")) \
            if status != "error" \
            else t("report.fix_error", lang)
        out.append(Finding("check", check_id, title, str(r.get("severity", "")), status,
                           tuple(h for h, _, _ in rows), _details(rows), plain(r.get("expected"), lang), fix,
                           status != "warn"))
    return sorted(out, key=_order)


def _order(f: Finding) -> tuple[Any, ...]:
    return (not f.blocking, SEVERITY_ORDER.get(f.severity, 9), f.status != "unreachable", f.status != "fail", f.item)


def verify_findings(run: Run | None, lang: str) -> list[Finding]:
    if run is None:
        return []
    out = []
    down = [h for h in run.record.get("hosts", []) if not h.get("reachable", True)]
    if down:
        out.append(Finding("verify", "ssh", "", "critical", "unreachable", tuple(str(h["name"]) for h in down),
                           _details([(str(h["name"]), in_lang(str(h.get("error") or ""), lang), "")
                                     for h in down]), "",
                           t("report.fix_unreachable", lang)))
    failed = [x for x in run.record.get("tests", []) if x.get("outcome") in ("failed", "error")]
    groups = _grouped(((str(x.get("role")), str(x.get("test", "")).split("[")[0]), str(x.get("host")),
                       str(x.get("message", "")).removeprefix(f"{x.get('host')}: "), "") for x in failed)
    for (role, test), rows in groups.items():
        hosts = tuple(dict.fromkeys(h for h, _, _ in rows))
        fix = t("report.fix_verify", lang, playbook=ROLE_PLAYBOOK.get(role, "site"), host=",".join(hosts))
        out.append(Finding("verify", role, test, "critical", "fail", hosts, _details(rows), "", fix))
    return out


def deploy_findings(deploys: Sequence[Run], lang: str) -> list[Finding]:
    """The failures of the latest deployment applied (a dry run changes nothing: not an open item)."""
    if not deploys:
        return []
    last = deploys[-1].record
    playbook = str(last.get("playbook"))
    rows = [(task, str(h["name"])) for h in last.get("hosts", [])
            for task in (h.get("failed_tasks") or (["unreachable"] if h.get("unreachable") else []))]
    groups: dict[str, list[str]] = {}
    for task, host in rows:
        groups.setdefault(task, []).append(host)
    return [Finding("deploy", f"deploy {playbook}", "", "critical", "fail", tuple(hosts),
                    ((", ".join(hosts), task, ""),), "",
                    t("report.fix_deploy", lang, playbook=playbook, host=",".join(hosts)))
            for task, hosts in groups.items()]
