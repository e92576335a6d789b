"""`envcheck deploy database` with db_engine mysql on a clean lab host: MariaDB in utf8mb4 with
the standard collation, zone tables loaded before default-time-zone, lower_case_table_names
fixed at initialisation; idempotent; every MySQL check passes; the password (with a quote in
it) works and is in no evidence file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
PASSWORD = "My-S3cret-'88"


def _deploy(inv: Path, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner(env={"ERP_DB_PASSWORD": PASSWORD}).invoke(
        cli, ["deploy", "database", "-i", str(inv), "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_mariadb_to_the_standard(lab: Lab, tmp_path: Path) -> None:
    db = next(h.name for h in lab.hosts if "db" in h.groups)
    lab.reset(db)
    try:
        folder = tmp_path / "inv"
        (folder / "group_vars").mkdir(parents=True)
        shutil.copy(lab.inventory_path, folder / "hosts.yml")
        (folder / "group_vars" / "db.yml").write_text(yaml.safe_dump({
            "db_engine": "mysql", "mysql_databases": [{"name": "erp"}],
            "mysql_users": [{"name": "erp", "password": "{{ lookup('env', 'ERP_DB_PASSWORD') }}",
                             "database": "erp"}]}))
        inv, runs = folder / "hosts.yml", tmp_path / "runs"
        assert _deploy(inv, runs)["hosts"][0]["changed"] > 0
        assert _deploy(inv, runs)["hosts"][0]["changed"] == 0
        check = CliRunner().invoke(cli, ["check", "-i", str(inv), "--limit", db, "-c", "mysql",
                                         "--format", "json", "--runs-dir", str(runs)])
        results = json.loads(check.stdout)["results"]
        assert len(results) == 9 and [r for r in results if r["status"] != "pass"] == []
        login = lab.ssh(db, "mysql -u erp -h 127.0.0.1 erp -N -e 'SELECT CURRENT_USER()' -p\"$(cat)\"",
                        input=PASSWORD)
        assert login.stdout.strip() == "erp@%", login.stderr
        for path in runs.rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path
    finally:
        lab.reset(db)
