"""A typo in a play selector (db_engine, web_server) is refused before any play runs: exit 2,
naming the host, the variable and the allowed values (they come from the roles' argument specs)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.deploy.inputs import bad_choices, spec_choices
from envcheck.exitcodes import ExitCode
from tests.clirunner import crash

INVENTORY = """\
all:
  children:
    db:
      hosts:
        db1: {ansible_host: 127.0.0.1, db_engine: postgres}
    web:
      hosts:
        web1: {ansible_host: 127.0.0.1}
"""


def test_a_typo_in_db_engine_exits_2_naming_the_variable_and_its_values(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text(INVENTORY)
    runs = tmp_path / "runs"
    result = CliRunner(env={"ENVCHECK_NO_RECORD": "1"}).invoke(
        cli, ["deploy", "database", "-i", str(inv), "--runs-dir", str(runs), "--lang", "en"])
    assert crash(result) is None
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "db1: db_engine='postgres' is not allowed; allowed values: postgresql, mysql" in result.output
    assert not runs.exists()  # refused before any play: no run, no evidence
    zh = CliRunner(env={"ENVCHECK_NO_RECORD": "1"}).invoke(
        cli, ["deploy", "database", "-i", str(inv), "--runs-dir", str(runs), "--lang", "zh"])
    assert zh.exit_code == ExitCode.BAD_INPUT
    assert "db1：db_engine='postgres' 不是允许的值；允许的值：postgresql, mysql" in zh.output, zh.output


def test_minus_e_is_checked_too_and_wins_over_the_inventory(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text(INVENTORY)
    result = CliRunner(env={"ENVCHECK_NO_RECORD": "1"}).invoke(
        cli, ["deploy", "middleware", "-i", str(inv), "-e", "web_server=httpd", "-e", "db_engine=mysql",
              "--runs-dir", str(tmp_path / "runs"), "--lang", "en"])
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "-e: web_server='httpd' is not allowed; allowed values: nginx, apache" in result.output
    assert "db_engine" not in result.output  # -e db_engine=mysql is right, and wins over db1's typo


def test_bad_choices_is_pure() -> None:
    choices = spec_choices()
    hosts = [("db1", {"db_engine": "mysql"}), ("db2", {"db_engine": "MySQL"}), ("web1", {})]
    assert [(b.host, b.value) for b in bad_choices(hosts, {}, choices)] == [("db2", "MySQL")]
    assert bad_choices(hosts, {"db_engine": "postgresql"}, choices) == []
