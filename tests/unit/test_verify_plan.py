"""`envcheck verify`'s plan: suites from inventory groups, the ssh_config it generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree

from envcheck.cli import cli
from envcheck.errors import BadInput
from envcheck.inventory import load_inventory
from envcheck.ssh.settings import SshSettings
from envcheck.verify.plan import ROLES, SUITE_DIR, build_plan, select, ssh_config_text, suites_for
from envcheck.verify.support import role_vars
from envcheck.verify.web import to_bytes

INVENTORY = """\
all:
  children:
    web:
      hosts:
        web1: {ansible_host: 127.0.0.21, ansible_user: root, web_server: apache,
               ansible_ssh_common_args: "-o UserKnownHostsFile=/tmp/kh -o StrictHostKeyChecking=no"}
    app:
      hosts:
        app1: {ansible_host: 127.0.0.22, ansible_port: 2222, tomcat_http_port: 8081}
    db:
      hosts:
        db1: {ansible_host: 127.0.0.23, ansible_ssh_private_key_file: /tmp/id key,
              standard_services: [postgresql, mysql], postgresql_databases: [{name: his}],
              postgresql_users: [{name: his, password: secret-pw}]}
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.yml"
    path.write_text(INVENTORY)
    return path


def test_suites_follow_the_groups() -> None:
    assert suites_for([], {}) == ("baseline",)
    assert suites_for(["web"], {}) == ("baseline", "nginx")
    assert suites_for(["web"], {"web_server": "apache"}) == ("baseline", "apache")
    assert suites_for(["app", "web"], {}) == ("baseline", "tomcat", "nginx")
    assert suites_for(["db"], {}) == ("baseline", "postgresql")
    assert suites_for(["db"], {"db_engine": "mysql"}) == ("baseline", "mysql")
    assert suites_for(["db"], {"standard_services": ["postgresql", "mariadb"]}) == (
        "baseline", "postgresql", "mysql")


def test_role_selection() -> None:
    assert select(("baseline", "postgresql"), ("postgresql",)) == ("postgresql",)
    assert select(("baseline",), ()) == ("baseline",)
    with pytest.raises(BadInput, match="nosuch"):
        select(("baseline",), ("nosuch",))


def test_every_role_has_a_suite() -> None:
    assert sorted(p.stem.removeprefix("test_") for p in SUITE_DIR.glob("test_*.py")) == sorted(ROLES)


def test_plan_from_an_inventory_holds_no_secret(inventory: Path) -> None:
    inv = load_inventory([str(inventory)])
    plan = build_plan(inv, (), "/tmp/cfg", 30)
    by_name = {h.name: h for h in plan.hosts}
    assert by_name["web1"].suites == ("baseline", "apache")
    assert by_name["db1"].suites == ("baseline", "postgresql", "mysql")
    assert by_name["db1"].variables["postgresql_databases"] == [{"name": "his"}]
    assert "postgresql_users" not in by_name["db1"].variables
    assert not any(k.startswith("ansible_") for h in plan.hosts for k in h.variables)
    assert role_vars("tomcat", "debian", by_name["app1"].variables)["tomcat_http_port"] == 8081
    assert role_vars("tomcat", "debian", {})["tomcat_service"] == "tomcat10"
    assert role_vars("tomcat", "rocky", {})["tomcat_service"] == "tomcat"


def test_ssh_config_keeps_host_keys_strict(inventory: Path) -> None:
    inv = load_inventory([str(inventory)])
    text = ssh_config_text(inv, "/tmp/cm", SshSettings())
    web = text.split("Host web1\n")[1].split("\n\n")[0]
    assert "    HostName 127.0.0.21" in web and "    User root" in web
    assert "    UserKnownHostsFile /tmp/kh" in web
    assert "    StrictHostKeyChecking yes" in web  # the inventory's "no" is not honoured
    assert "    ControlMaster auto" in web and "    ControlPath /tmp/cm/%C" in web
    assert '    IdentityFile "/tmp/id key"' in text and "    Port 2222" in text
    text = ssh_config_text(inv, "/tmp/cm", SshSettings(known_hosts="/tmp/k", accept_new_host_keys=True))
    assert "StrictHostKeyChecking accept-new" in text and "UserKnownHostsFile /tmp/k" in text


def test_sizes_as_ansible_reads_them() -> None:
    assert to_bytes("100m") == 104857600 and to_bytes("2G") == 2 * 1024**3 and to_bytes("512") == 512


def test_verify_needs_an_inventory_and_known_roles(inventory: Path) -> None:
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 2 and "inventory" in result.output
    result = CliRunner().invoke(cli, ["verify", "-i", str(inventory), "--role", "oracle"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["verify", "-i", str(inventory), "--limit", "app1", "--role", "nginx"])
    assert result.exit_code == 2 and "no selected host has this role" in result.output


def test_verify_runs_in_process_and_keeps_junit_and_run_json(tmp_path: Path) -> None:
    # This machine through testinfra's local backend: the pytest machinery end to end, without
    # a lab. Whatever this machine's state, exit code, JUnit and run.json must agree.
    inventory = tmp_path / "local.yml"
    inventory.write_text("all:\n  hosts:\n    controller: {ansible_connection: local}\n")
    result = CliRunner().invoke(cli, ["verify", "-i", str(inventory), "--runs-dir", str(tmp_path / "runs")])
    run_dir = next((tmp_path / "runs").glob("*-verify"))
    run = json.loads((run_dir / "run.json").read_text())
    failed = [t for t in run["tests"] if t["outcome"] in ("failed", "error")]
    assert run["complete"] and run["hosts"][0]["suites"] == ["baseline"]
    assert len(run["tests"]) >= 10 and {t["host"] for t in run["tests"]} == {"controller"}
    assert result.exit_code == (1 if failed else 0), result.output
    assert all(t["message"].startswith("controller: ") for t in failed), failed
    suite = ElementTree.parse(run_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", 0)) == len(run["tests"])
    assert int(suite.get("failures", 0)) + int(suite.get("errors", 0)) == len(failed)
