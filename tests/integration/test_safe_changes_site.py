"""Issue 24 on the deployed site (web, app, db): a broken nginx configuration never reaches the
running server, and database passwords converge (a change is applied and reported once, the
run after it changes nothing)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.paths import PLAYBOOK_DIR
from tests.lab.site import SECRETS, Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
SITE_FILE = "/etc/nginx/sites-available/envcheck.conf"
ENVCHECK = Path(sys.executable).parent / "envcheck"


def _last_run(runs: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def _changed_tasks(runs: Path) -> list[str]:
    """The tasks Ansible's own output shows as changed: the events of a no_log task carry no
    `changed` (ansible-runner replaces the whole result), its output line does."""
    stdout = (max(runs.glob("*-deploy")) / "artifacts" / "stdout").read_text()
    changed, task = [], ""
    for line in stdout.splitlines():
        header = re.match(r"^(?:TASK|RUNNING HANDLER) \[(?:[\w-]+ : )?(.*)\] \**$", line)
        if header:
            task = header.group(1)
        elif line.startswith("changed: ") and task not in changed:
            changed.append(task)
    return changed


def _served(site: Site, web: str) -> str:
    """What the site answers on the web host: the status line of / through nginx to Tomcat."""
    return site.lab.ssh(web, "curl -s -o /dev/null -w '%{http_code} %header{server}' http://127.0.0.1/").stdout


def test_a_broken_nginx_template_leaves_the_previous_config_active_and_the_site_serving(
        site: Site, tmp_path: Path) -> None:
    lab = site.lab
    web = site.host("web")
    before = lab.ssh(web, f"sha256sum {SITE_FILE}; ls /etc/nginx/sites-available").stdout
    assert _served(site, web).startswith("200 nginx")
    # The bundled roles, with the site template broken (an unknown directive): the copy is
    # what envcheck deploys when ENVCHECK_HOME names it.
    home = tmp_path / "home"
    shutil.copytree(PLAYBOOK_DIR, home / "playbooks")
    template = home / "playbooks" / "roles" / "nginx" / "templates" / "nginx-site.conf.j2"
    template.write_text(template.read_text().replace("charset {{ nginx_charset }};",
                                                     "charset {{ nginx_charset }};\n    no_such_directive on;"))
    runs = tmp_path / "runs"
    env = {**os.environ, **site.env, "ENVCHECK_HOME": str(home), "ENVCHECK_LANG": "en"}
    done = subprocess.run([str(ENVCHECK), "deploy", "middleware", "-i", str(site.inventory), "--limit", web,
                           "--runs-dir", str(runs)], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 1, done.stdout + done.stderr
    [host] = _last_run(runs)["hosts"]
    assert host["failed"] == 1 and any("no_such_directive" in t and "taken back" in t
                                       for t in host["failed_tasks"]), host
    # The file is the previous one again (its backup was put back), nginx accepts the whole
    # configuration, and the site still answers through the running nginx.
    assert lab.ssh(web, f"sha256sum {SITE_FILE}; ls /etc/nginx/sites-available").stdout.split("\n")[0] \
        == before.split("\n")[0]
    assert lab.ssh(web, "nginx -t 2>&1; echo rc=$?").stdout.strip().endswith("rc=0")
    assert _served(site, web).startswith("200 nginx")
    # The evidence names the backup that was put back.
    [kept] = json.loads((max(runs.glob("*-deploy")) / "backups.json").read_text())
    assert kept["path"] == SITE_FILE and kept["host"] == web


def _deploy_db(site: Site, runs: Path, secrets: dict[str, str], *extra: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner(env=secrets).invoke(cli, ["deploy", "database", "-i", str(site.inventory), *extra,
                                                 "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    [host] = _last_run(runs)["hosts"]
    return host  # type: ignore[no-any-return]


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_changed_password_is_applied_once_then_nothing_changes(site: Site, tmp_path: Path, engine: str) -> None:
    lab = site.lab
    app = site.host("app")
    variable, task = {"postgresql": ("HIS_DB_PASSWORD", "Create roles and apply changed passwords"),
                      "mysql": ("ERP_DB_PASSWORD", "Create users, apply changed passwords and missing grants")}[engine]
    install = lab.ssh(app, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client "
                           "mariadb-client >/dev/null 2>&1; echo $?", timeout=600)
    assert install.stdout.strip() == "0"
    new_secret = hashlib.sha256(tmp_path.name.encode()).hexdigest()[:12] + "-N3w'pw\\"  # a quote, a backslash
    changed = {**SECRETS, variable: new_secret}
    try:
        second = _deploy_db(site, tmp_path / "2", changed, "-e", f"db_engine={engine}")
        assert second["changed"] >= 1 and _changed_tasks(tmp_path / "2") == [task], _changed_tasks(tmp_path / "2")
        third = _deploy_db(site, tmp_path / "3", changed, "-e", f"db_engine={engine}")
        assert third["changed"] == 0, _changed_tasks(tmp_path / "3")
        assert _logs_in(site, app, engine, new_secret) and not _logs_in(site, app, engine, SECRETS[variable])
    finally:  # the site's own password again, for the tests after this one
        _deploy_db(site, tmp_path / "back", SECRETS, "-e", f"db_engine={engine}")
    assert _logs_in(site, app, engine, SECRETS[variable])
    # The new password reached no file of the runs.
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or new_secret.encode() not in path.read_bytes(), path
    assert lab.ssh(app, "true").returncode == 0


def _logs_in(site: Site, app: str, engine: str, password: str) -> bool:
    """Whether the app host logs in to the database host with this password (on stdin)."""
    db = site.host("db")
    if engine == "postgresql":
        command = (f"command -v psql >/dev/null || exit 9; PGPASSFILE=/dev/null PGPASSWORD=\"$(cat)\" "
                   f"psql -h {db} -U his -d his -XAtc 'SELECT 1'")
    else:
        command = f"command -v mysql >/dev/null || exit 9; mysql -h {db} -u erp erp -N -B -p\"$(cat)\" -e 'SELECT 1'"
    done = site.lab.ssh(app, command, input=password)
    assert done.returncode != 9, "the clients are not installed on the app host"
    return done.returncode == 0 and done.stdout.strip() == "1"


def test_a_postgresql_setting_the_server_would_refuse_is_taken_back(site: Site, tmp_path: Path) -> None:
    """No checker for a settings file alone: pg_file_settings reads the files as the server
    would; a value it would refuse is put back before any restart, the server keeps running."""
    db = site.host("db")
    conf = "$(ls -d /etc/postgresql/*/main)/conf.d/60-envcheck.conf"
    before = site.lab.ssh(db, f"sha256sum {conf}").stdout.split()[0]
    result = CliRunner(env=SECRETS).invoke(cli, ["deploy", "database", "-i", str(site.inventory),
                                                 "-e", "postgresql_timezone=Nowhere/Zone", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    [host] = _last_run(tmp_path)["hosts"]
    assert any("taken back" in t and "60-envcheck.conf" in t for t in host["failed_tasks"]), host
    assert site.lab.ssh(db, f"sha256sum {conf}").stdout.split()[0] == before
    assert site.lab.ssh(db, "systemctl is-active 'postgresql@*'").stdout.strip() == "active"
    assert _deploy_db(site, tmp_path / "again", SECRETS)["changed"] == 0
