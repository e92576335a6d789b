"""envcheck.runs.check: result.json built from the lines encoded as each host's results settled
is the document rendered whole."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

from envcheck.audit.engine import AuditReport
from envcheck.model import HostFacts, HostStatus, Result, Severity, Status, Text, Waived, Waiver
from envcheck.output.json_format import render
from envcheck.runs.check import CheckEvidence
from envcheck.verdict import Scope


def _report() -> AuditReport:
    waiver = Waived(Waiver("site.b001", "*", "known", "ops", date(2026, 1, 1)), Status.FAIL)
    per_host = [Result(host, f"site.b{i:03d}", Status(status), Severity.MAJOR, {"owner": "root"}, ["a", 1],
                       Text(f"found {i}", f"发现 {i}"), Text("fix", "修复"), Text("title", "标题"),
                       waiver if i == 1 else None)
                for host in ("web1", "db1") for i, status in enumerate(["pass", "waived", "fail"])]
    fleet = Result(None, "fleet.timezone", Status.PASS, Severity.CRITICAL, "UTC", "UTC", Text("m", "m"),
                   Text("f", "f"), Text("t", "t"))
    results = (*per_host, fleet)
    hosts = (HostFacts(HostStatus("web1", "127.0.0.1", True)), HostFacts(HostStatus("db1", "127.0.0.2", True)))
    scope = Scope(checks_run=tuple(r.check for r in results), checks_required=tuple(r.check for r in results))
    now = datetime.now(UTC)
    return AuditReport(now, now, hosts, results, True, (), scope)


def _evidence(tmp_path: Path, lang: str) -> CheckEvidence:
    return CheckEvidence.create(tmp_path, SimpleNamespace(sources=("hosts.yml",), hosts=()), lang=lang)


def test_result_json_from_the_settled_lines_is_the_whole_documents(tmp_path: Path) -> None:
    report = _report()
    evidence = _evidence(tmp_path, "zh")
    for host in ("db1", "web1", None):  # as the hosts answered, the fleet's last
        evidence.results_settled([r for r in report.results if r.host == host])
    text = evidence.finish(report, "zh")
    assert text == render(report, "zh")
    assert json.loads((evidence.path / "result.json").read_text()) == json.loads(text)
    assert json.loads(text)["verdict"]["ready"] is False  # judged as the whole document is


def test_a_result_changed_after_it_settled_or_another_language_is_encoded_afresh(tmp_path: Path) -> None:
    report = _report()
    evidence = _evidence(tmp_path, "en")
    evidence.results_settled(report.results)
    changed = replace(report, results=(replace(report.results[0], status=Status.FAIL), *report.results[1:]))
    assert evidence.finish(changed, "en") == render(changed, "en")
    assert json.loads(evidence.finish(changed, "en"))["results"][0]["status"] == "fail"  # not the line kept
    assert evidence.finish(report, "zh") == render(report, "zh")
