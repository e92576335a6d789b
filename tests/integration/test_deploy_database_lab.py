"""`envcheck deploy database` on a clean lab host: PostgreSQL's cluster and databases are
created in the standard encoding and locale, users get their password from the environment
(found in no evidence file), a second run changes nothing, and the checks pass."""

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
PASSWORD = "Pg-S3cret-5521"


def _deploy(inv: Path, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner(env={"HIS_DB_PASSWORD": PASSWORD}).invoke(
        cli, ["deploy", "database", "-i", str(inv), "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_postgresql_to_the_standard(lab: Lab, tmp_path: Path) -> None:
    db = next(h.name for h in lab.hosts if "db" in h.groups)
    lab.reset(db)
    try:
        folder = tmp_path / "inv"
        (folder / "group_vars").mkdir(parents=True)
        shutil.copy(lab.inventory_path, folder / "hosts.yml")
        (folder / "group_vars" / "db.yml").write_text(yaml.safe_dump({
            "postgresql_users": [{"name": "his", "password": "{{ lookup('env', 'HIS_DB_PASSWORD') }}"}],
            "postgresql_databases": [{"name": "his", "owner": "his"}],
            "standard_services": ["postgresql"], "standard_ports": [5432]}))
        inv = folder / "hosts.yml"
        runs = tmp_path / "runs"
        first = _deploy(inv, runs)
        assert first["hosts"][0]["changed"] > 0 and first["status"] == "successful"
        second = _deploy(inv, runs)
        assert second["hosts"][0]["changed"] == 0, second
        row = lab.ssh(db, "cd / && runuser -u postgres -- psql -XAtc \"SELECT pg_encoding_to_char(encoding), "
                          "datcollate, pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'his'\"").stdout
        assert row.strip() == "UTF8|zh_CN.UTF-8|his"
        login = lab.ssh(db, f"PGPASSWORD={PASSWORD} psql -h 127.0.0.1 -U his -d his -XAtc 'SELECT 1'")
        assert login.stdout.strip() == "1", login.stderr
        check = CliRunner().invoke(cli, ["check", "-i", str(inv), "--limit", db, "-c", "postgresql",
                                         "-c", "network.services_active", "-c", "network.ports_listening",
                                         "--format", "json", "--runs-dir", str(runs)])
        results = json.loads(check.stdout)["results"]
        assert [r for r in results if r["status"] != "pass"] == [] and check.exit_code == 0
        for path in runs.rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path
    finally:
        lab.reset(db)
