"""`envcheck deploy site --check --diff` on fresh lab hosts (web, app, db; a minimal install,
without python3-apt): exit 0, the creations listed (packages, files with their diffs, what the
first database install would create), and nothing applied; the same for MariaDB
(`database -e db_engine=mysql`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab
from tests.lab.site import SECRETS, write_inventory

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _check(inventory: Path, runs: Path, *args: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    result = CliRunner(env={**SECRETS, "ENVCHECK_LANG": "en"}).invoke(
        cli, ["deploy", *args, "--check", "--diff", "-i", str(inventory), "--runs-dir", str(runs)])
    record = json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())
    return result.exit_code, result.output, record


def test_check_diff_on_fresh_hosts_exits_0_lists_the_creations_and_changes_nothing(
        lab: Lab, tmp_path: Path) -> None:
    names = {g: next(h.name for h in lab.hosts if g in h.groups) for g in ("web", "app", "db")}
    for name in names.values():
        lab.reset(name)
    try:
        inventory = write_inventory(lab, tmp_path / "inventory")
        code, out, record = _check(inventory, tmp_path / "runs", "site")
        assert code == 0, out
        assert {h["name"] for h in record["hosts"]} == set(names.values()) and record["check_mode"]
        assert all(h["changed"] > 0 and h["failed"] == 0 for h in record["hosts"]), record["hosts"]
        # A minimal install has no python3-apt, without which apt cannot preview: the roles
        # read what they would install from the dpkg database instead.
        preview = "What a real run would install, apt cannot preview without python3-apt: changed"
        for line in (*(f"[{name}] {preview}" for name in names.values()),
                     f"[{names['web']}] The site in front of the app tier: changed",
                     f"[{names['app']}] Connectors with URIEncoding (server.xml): changed",
                     f"[{names['db']}] What the first install would create (--check): changed"):
            assert line in out, line
        assert "+upstream envcheck_app {" in out  # the new site file, as a diff
        code, out, record = _check(inventory, tmp_path / "runs-mysql", "database", "-e", "db_engine=mysql")
        assert code == 0 and f"[{names['db']}] {preview}" in out, out
        assert f"[{names['db']}] What the first install would create (--check): changed" in out
        # Nothing was applied.
        for name, package in ((names["web"], "nginx"), (names["db"], "postgresql"), (names["db"], "mariadb-server"),
                              (names["app"], "python3-apt")):
            assert lab.ssh(name, f"dpkg -s {package} >/dev/null 2>&1; echo $?").stdout.strip() == "1", package
        assert lab.ssh(names["app"], "readlink /etc/localtime").stdout.strip() == "/usr/share/zoneinfo/Etc/UTC"
    finally:
        for name in names.values():
            lab.reset(name)  # the other tests expect bare hosts
