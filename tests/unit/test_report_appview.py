"""The application's view in the report: the endpoint matrix and the datasource findings, in
HTML and Markdown, en and zh; nothing when the run has none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.report.appview import render_html, render_markdown, section


def _result(host: str | None, check: str, status: str, found: Any, message: str) -> dict[str, Any]:
    return {"host": host, "check": check, "title": "t", "status": status, "severity": "critical",
            "expected": None, "found": found, "message": message, "fix": "fix"}


RESULTS = [
    _result(None, "endpoint.matrix", "fail", {"partner-pay": {"web1": "ok", "app1": "certificate expires in 5 days"}},
            "partner-pay from app1: certificate expires in 5 days"),
    _result("app1", "app.session_encoding", "fail", {"his": "GBK"},
            "his: client_encoding=GBK [per-role setting (ALTER ROLE ... SET)]"),
    _result("app1", "app.roundtrip", "pass", {}, "text and timestamp read back identical"),
    _result("db1", "app.roundtrip", "skip", None, "does not apply"),
    _result("db1", "time.timezone", "pass", "Asia/Shanghai", "ok"),
]


def test_the_section_holds_the_matrix_and_the_findings() -> None:
    view = section(RESULTS)
    assert view.hosts == ("web1", "app1")
    assert view.endpoints == (("partner-pay", ("ok", "certificate expires in 5 days")),)
    assert [(f.host, f.check) for f in view.findings] == [("app1", "app.session_encoding"), ("app1", "app.roundtrip")]
    html = render_html(view, "zh")
    assert "外部接口" in html and "per-role setting" in html and 'class="fail">certificate expires' in html
    assert "Partner endpoints" in render_html(view, "en")
    md = render_markdown(view, "en")
    assert "| partner-pay | ok | certificate expires in 5 days |" in md
    assert render_html(section([RESULTS[-1]]), "en").strip() == "" and render_markdown(section([]), "en") == ""


def test_envcheck_report_shows_them(tmp_path: Path) -> None:
    run = tmp_path / "20261202-100000.000000-check"
    (run / "hosts").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"kind": "check", "complete": True, "started": "2026-12-02T10:00:00"}))
    hosts = [{"name": n, "reachable": True, "error": None, "clock_offset_ms": 0.1} for n in ("web1", "app1", "db1")]
    (run / "result.json").write_text(json.dumps({"tool": "envcheck", "schema": 1, "complete": True, "lang": "en",
                                                 "hosts": hosts, "results": RESULTS}, ensure_ascii=False))
    for lang, words in (("en", "Partner endpoints"), ("zh", "应用视角")):
        out = CliRunner().invoke(cli, ["report", str(run), "--lang", lang])
        assert out.exit_code == 1, out.output  # not ready: a check failed
        assert words in out.output and "certificate expires in 5 days" in out.output
    md = CliRunner().invoke(cli, ["report", str(run), "--format", "markdown", "--lang", "en"])
    assert "| partner-pay | ok | certificate expires in 5 days |" in md.output
