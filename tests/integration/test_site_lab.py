"""Issue 4's "Done when" on the 3-host lab (web, app, db): the whole site deployed by
`envcheck deploy site`, both databases, Chinese text end to end, a clean audit, --check
--diff, and a failure that is reported, kept and non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab import faults
from tests.lab.site import SECRETS, Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
TEXT = "张磊的病历"
ECHO_JSP = '<%@ page contentType="text/plain;charset=UTF-8" %><%= request.getParameter("q") %>'


def envcheck(*args: str) -> tuple[int, str]:
    """Exit code and standard output (the evidence path goes to standard error)."""
    result = CliRunner(env=SECRETS).invoke(cli, list(args))
    return result.exit_code, result.stdout


def _run(runs: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_site_deploys_and_a_second_run_changes_nothing(site: Site, tmp_path: Path) -> None:
    # The fixture deployed both engines on the db host: PostgreSQL by the site, MariaDB by
    # db_engine=mysql. A fresh run on top must change nothing.
    runs = tmp_path
    for args in (["site"], ["database", "-e", "db_engine=mysql"]):
        code, out = envcheck("deploy", *args, "-i", str(site.inventory), "--runs-dir", str(runs))
        assert code == 0, out
        assert all(h["changed"] == 0 for h in _run(runs)["hosts"]), _run(runs)["hosts"]
    # The evidence of these runs and of the fixture's first deployment (which created the
    # users with these passwords) holds none of them.
    first = site.lab.cfg.state_dir / "runs"
    assert any(first.glob("*-deploy/events.jsonl")), first
    for path in [*runs.rglob("*"), *first.rglob("*")]:
        if path.is_file():
            for secret in SECRETS.values():
                assert secret.encode() not in path.read_bytes(), path


def test_chinese_text_through_the_web_tier_and_into_both_databases(site: Site) -> None:
    lab = site.lab
    web, app, db = (next(h for h in lab.hosts if g in h.groups) for g in ("web", "app", "db"))
    lab.ssh(app.name, "cat > /var/lib/tomcat10/webapps/ROOT/echo.jsp", input=ECHO_JSP)
    quoted = "".join(f"%{b:02X}" for b in TEXT.encode())
    reply = lab.ssh(web.name, f"curl -s -D /dev/stderr 'http://127.0.0.1/echo.jsp?q={quoted}'")
    assert reply.stdout.strip() == TEXT and "charset=utf-8" in reply.stderr.lower(), reply.stderr
    install = lab.ssh(app.name, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client "
                                "mariadb-client >/dev/null 2>&1; echo $?", timeout=600)
    assert install.stdout.strip() == "0"
    # The text is a constant of this test; the SQL is built here on purpose.
    pg = (f"PGPASSWORD={SECRETS['HIS_DB_PASSWORD']} psql -h {db.name} -U his -d his -XAt "
          "-c 'CREATE TABLE IF NOT EXISTS t (s text)' -c 'DELETE FROM t' "
          f"-c \"INSERT INTO t VALUES ('{TEXT}')\" -c \"SELECT encode(convert_to(s, 'UTF8'), 'hex') FROM t\"")
    assert lab.ssh(app.name, pg).stdout.strip().splitlines()[-1] == TEXT.encode().hex()
    my = (f"mysql -h {db.name} -u erp erp -N -B -p\"$(cat)\" -e \"CREATE TABLE IF NOT EXISTS t (s VARCHAR(50)); "
          f"DELETE FROM t; INSERT INTO t VALUES ('{TEXT}'); SELECT LOWER(HEX(s)) FROM t\"")
    assert lab.ssh(app.name, my, input=SECRETS["ERP_DB_PASSWORD"]).stdout.strip() == TEXT.encode().hex()


def test_the_deployed_lab_passes_the_audit(site: Site, tmp_path: Path) -> None:
    code, out = envcheck("check", "-i", str(site.inventory), "--format", "json", "--runs-dir", str(tmp_path))
    doc = json.loads(out)
    bad = [(r["host"], r["check"], r["found"]) for r in doc["results"] if r["status"] in ("fail", "error")]
    assert bad == [] and code == 0
    assert {r["check"] for r in doc["results"] if r["status"] == "pass"} >= {
        "postgresql.server_encoding", "mysql.character_set_server", "tomcat.uri_encoding", "nginx.charset",
        "fleet.timezone_layers", "fleet.clock_skew", "network.tiers"}


def test_check_diff_shows_nothing_then_the_hand_made_change(site: Site, tmp_path: Path) -> None:
    lab = site.lab
    web = next(h.name for h in lab.hosts if "web" in h.groups)
    code, out = envcheck("deploy", "server", "-i", str(site.inventory), "--check", "--diff",
                         "--runs-dir", str(tmp_path))
    assert code == 0 and out.count(", changed 0, ") == len(lab.hosts), out  # "web1: ok (ok 30, changed 0, ..."
    faults.set_timezone(lab, web, "Asia/Tokyo")
    try:
        code, out = envcheck("deploy", "server", "-i", str(site.inventory), "--limit", web, "--check", "--diff",
                             "--runs-dir", str(tmp_path))
        # Two pending changes: the /etc/localtime link and /etc/timezone, each with its diff.
        assert code == 0 and f"{web}: ok (ok " in out and ", changed 2, " in out, out
        assert "Asia/Tokyo" in out and "Asia/Shanghai" in out, out
        assert lab.ssh(web, "readlink /etc/localtime").stdout.strip().endswith("Asia/Tokyo")  # nothing applied
    finally:
        faults.set_timezone(lab, web, "Asia/Shanghai")


def test_an_unreachable_host_is_summarised_kept_and_non_zero(site: Site, tmp_path: Path) -> None:
    lab = site.lab
    app = next(h.name for h in lab.hosts if "app" in h.groups)
    faults.kill_host(lab, app)
    try:
        code, out = envcheck("deploy", "server", "-i", str(site.inventory), "--runs-dir", str(tmp_path))
    finally:
        faults.revive_host(lab, app)
    assert code == 3, out
    run = _run(tmp_path)
    [down] = [h for h in run["hosts"] if h["name"] == app]
    assert down["unreachable"] == 1 and down["failed_tasks"]
    assert f"{app}: FAIL (" in out and run["status"] == "failed" and run["complete"]
    assert (max(tmp_path.glob("*-deploy")) / "artifacts" / "stdout").stat().st_size > 0


def test_apache_instead_of_nginx_keeps_chinese_intact(site: Site, tmp_path: Path) -> None:
    lab = site.lab
    web, app = (next(h for h in lab.hosts if g in h.groups) for g in ("web", "app"))
    lab.ssh(app.name, "cat > /var/lib/tomcat10/webapps/ROOT/echo.jsp", input=ECHO_JSP)
    faults.stop_service(lab, web.name, "nginx", disable=True)  # port 80 goes to Apache
    try:
        _apache_in_front(site, web.name, tmp_path)
    finally:  # the site goes back to Nginx for the tests after this one
        lab.ssh(web.name, "systemctl disable --now apache2; systemctl stop apache-htcacheclean")
        faults.start_service(lab, web.name, "nginx", enable=True)


def _apache_in_front(site: Site, web: str, tmp_path: Path) -> None:
    lab = site.lab
    code, out = envcheck("deploy", "middleware", "-i", str(site.inventory), "--limit", web, "-e", "web_server=apache",
                         "--runs-dir", str(tmp_path))
    assert code == 0, out
    quoted = "".join(f"%{b:02X}" for b in TEXT.encode())
    reply = lab.ssh(web, f"curl -s -D /dev/stderr 'http://127.0.0.1/echo.jsp?q={quoted}'")
    assert reply.stdout.strip() == TEXT and "Server: Apache" in reply.stderr, reply.stderr
    code, out = envcheck("check", "-i", str(site.inventory), "--limit", web, "-c", "apache", "--format", "json",
                         "--runs-dir", str(tmp_path))
    assert [r["status"] for r in json.loads(out)["results"]] == ["pass"]


def test_no_password_on_the_hosts_journal_logs_or_files(site: Site) -> None:
    """The deployment created both users with these passwords: none may stay on a host in
    clear (sudo logs the command lines it runs, with any environment given on them)."""
    # The passwords reach the host on standard input, into a file under /run that is not searched.
    search = ("f=$(mktemp -p /run); cat > \"$f\"; journalctl --no-pager -o cat 2>/dev/null | grep -cF -f \"$f\"; "
              "grep -rsIlF -f \"$f\" /etc /var/log /var/lib/tomcat10 /root /home /tmp /var/tmp; rm -f \"$f\"")
    for h in site.lab.hosts:
        found = site.lab.ssh(h.name, search, input="\n".join(SECRETS.values()) + "\n", timeout=120)
        lines = found.stdout.split()
        assert lines[:1] == ["0"] and lines[1:] == [], f"{h.name}: {found.stdout}"
