"""`envcheck deploy middleware` on clean lab hosts: Tomcat on the app tier with the standard
encodings, time zone and heap, Nginx on the web tier proxying to it over the LAN; idempotent;
the checks pass; Chinese in a query string survives the whole chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
ECHO_JSP = '<%@ page contentType="text/plain;charset=UTF-8" %><%= request.getParameter("q") %>'


def _deploy(lab: Lab, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["deploy", "middleware", "-i", str(lab.inventory_path), "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_nginx_in_front_of_tomcat_to_the_standard(lab: Lab, tmp_path: Path) -> None:
    web = next(h.name for h in lab.hosts if "web" in h.groups)
    app = next(h.name for h in lab.hosts if "app" in h.groups)
    for name in (web, app):
        lab.reset(name)
    try:
        runs = tmp_path / "runs"
        first = _deploy(lab, runs)
        assert first["status"] == "successful" and all(h["changed"] > 0 for h in first["hosts"])
        second = _deploy(lab, runs)
        assert all(h["changed"] == 0 for h in second["hosts"]), second["hosts"]
        check = CliRunner().invoke(cli, ["check", "-i", str(lab.inventory_path), "--limit", f"{web}:{app}",
                                         "-c", "tomcat", "-c", "nginx", "--format", "json", "--runs-dir", str(runs)])
        results = json.loads(check.stdout)["results"]
        ran = [r for r in results if r["status"] != "skip"]
        assert len(ran) == 6 and all(r["status"] == "pass" for r in ran), ran
        lab.ssh(app, "cat > /var/lib/tomcat10/webapps/ROOT/echo.jsp", input=ECHO_JSP)
        reply = lab.ssh(web, "curl -s -D /dev/stderr 'http://127.0.0.1/echo.jsp?q=%E4%B8%AD%E6%96%87%E6%B5%8B%E8%AF%95'")
        assert reply.stdout.strip() == "中文测试", (reply.stdout, reply.stderr)
        assert "charset=utf-8" in reply.stderr.lower()
    finally:
        for name in (web, app):
            lab.reset(name)
