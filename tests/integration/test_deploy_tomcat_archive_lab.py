"""Tomcat for a site without internet: `tomcat_install=archive` puts Tomcat on a bare lab host
from a tarball on the controller (Java from the OS packages), as a systemd unit with the same
server.xml and JVM settings as the package install; idempotent; the Tomcat checks pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.i18n import t
from tests.lab.lab import Lab
from tests.lab.site import Site
from tests.lab.tomcat_archive import build_tomcat_archive

pytestmark = [pytest.mark.lab, pytest.mark.slow]
ECHO_JSP = '<%@ page contentType="text/plain;charset=UTF-8" %><%= request.getParameter("q") %>'


def _deploy(lab: Lab, app: str, archive: Path, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, [
        "deploy", "middleware", "-i", str(lab.inventory_path), "--limit", app, "--runs-dir", str(runs),
        "-e", "tomcat_install=archive", "-e", f"tomcat_archive={archive}"])
    assert result.exit_code == 0, result.output
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_tomcat_from_a_local_archive(lab: Lab, tmp_path: Path) -> None:
    archive = build_tomcat_archive(lab.cfg.cache_dir / "tomcat-archive")
    app = next(h.name for h in lab.hosts if "app" in h.groups)
    lab.reset(app)
    try:
        runs = tmp_path / "runs"
        first = _deploy(lab, app, archive, runs)
        assert first["status"] == "successful" and first["hosts"][0]["changed"] > 0, first["hosts"]
        second = _deploy(lab, app, archive, runs)
        assert second["hosts"][0]["changed"] == 0, second["hosts"]
        # Tomcat came from the archive (no tomcat package), runs as its unit from CATALINA_BASE.
        assert lab.ssh(app, "dpkg -s tomcat10").returncode != 0
        state = lab.ssh(app, "systemctl is-active tomcat; systemctl is-enabled tomcat; "
                             "pid=$(systemctl show -p MainPID --value tomcat); tr '\\0' '\\n' < /proc/$pid/cmdline")
        assert state.stdout.startswith("active\nenabled\n"), state.stdout
        assert "-Dcatalina.home=/opt/tomcat/current" in state.stdout, state.stdout
        assert "-Dcatalina.base=/var/lib/tomcat" in state.stdout
        check = CliRunner().invoke(cli, ["check", "-i", str(lab.inventory_path), "--limit", app, "-c", "tomcat",
                                         "--format", "json", "--runs-dir", str(runs)])
        results = json.loads(check.stdout)["results"]
        ran = [r for r in results if r["status"] != "skip"]
        assert len(ran) == 4 and all(r["status"] == "pass" for r in ran), ran
        # A JSP compiles (the JDT compiler came with the archive) and Chinese comes back whole.
        lab.ssh(app, "cat > /var/lib/tomcat/webapps/ROOT/echo.jsp", input=ECHO_JSP)
        reply = lab.ssh(app, "curl -s 'http://127.0.0.1:8080/echo.jsp?q=%E4%B8%AD%E6%96%87%E6%B5%8B%E8%AF%95'")
        assert reply.stdout.strip() == "中文测试", reply.stdout
    finally:
        lab.reset(app)


def test_a_failing_task_is_summarised_kept_and_non_zero(site: Site, tmp_path: Path) -> None:
    """A task that fails (an archive the controller does not have) before anything changes:
    the summary names the host, the task and why, the exit code is 1, the evidence is kept."""
    app = site.host("app")
    missing = "/nonexistent/apache-tomcat-0.0.0.tar.gz"
    result = CliRunner().invoke(cli, ["deploy", "middleware", "-i", str(site.inventory), "--limit", app,
                                      "-e", "tomcat_install=archive", "-e", f"tomcat_archive={missing}",
                                      "--runs-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"{app}: {t('status.fail', 'en')} (" in result.output and missing in result.output, result.output
    evidence = max(tmp_path.glob("*-deploy"))
    run = json.loads((evidence / "run.json").read_text())
    [host] = run["hosts"]
    assert run["status"] == "failed" and run["complete"] and host["failed"] == 1 and host["changed"] == 0
    assert host["failed_tasks"][0].startswith("Check the archives exist on the controller:"), host
    events = [json.loads(line) for line in (evidence / "events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "runner_on_failed" for e in events)
    assert (evidence / "artifacts" / "stdout").stat().st_size > 0
    assert site.lab.ssh(app, "systemctl is-active tomcat10").stdout.strip() == "active"  # untouched
