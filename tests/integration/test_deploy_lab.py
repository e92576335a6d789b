"""`envcheck deploy server` on a clean lab host: it builds the host to the standard, a second
run changes nothing, and `envcheck check` then passes what the baseline sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
SET_BY_BASELINE = ["time.timezone", "time.timezone_consistent", "locale.system_lang",
                   "locale.system_charset", "locale.required_generated", "network.peers_resolve",
                   "network.hostname_resolves"]
ONLY = [arg for check in SET_BY_BASELINE for arg in ("-c", check)]


def _deploy(lab: Lab, name: str, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(lab.inventory_path), "--limit", name,
                                      "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    run = max(runs.glob("*-deploy"))
    return json.loads((run / "run.json").read_text())


def test_deploy_is_idempotent_and_the_checks_pass_after_it(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[-1].name
    lab.reset(name)
    try:
        _deploy_then_check(lab, name, tmp_path)
    finally:
        lab.reset(name)  # the other tests expect a clean host


def _deploy_then_check(lab: Lab, name: str, tmp_path: Path) -> None:
    before = CliRunner().invoke(cli, ["check", "-i", str(lab.inventory_path), "--limit", name,
                                      *ONLY,
                                      "--format", "json", "--runs-dir", str(tmp_path / "runs")])
    assert before.exit_code == 1  # a clean Debian host is not the standard (UTC, no zh_CN)
    first = _deploy(lab, name, tmp_path / "runs")
    assert first["status"] == "successful" and first["complete"]
    [host] = first["hosts"]
    assert host["name"] == name and host["changed"] > 0 and host["failed"] == 0
    second = _deploy(lab, name, tmp_path / "runs")
    assert second["hosts"][0]["changed"] == 0, second  # idempotent
    after = CliRunner().invoke(cli, ["check", "-i", str(lab.inventory_path), "--limit", name,
                                     *ONLY,
                                     "--format", "json", "--runs-dir", str(tmp_path / "runs")])
    doc = json.loads(after.stdout)
    failing = [(r["check"], r["found"]) for r in doc["results"] if r["status"] != "pass"]
    assert not failing and after.exit_code == 0
    assert lab.ssh(name, "readlink /etc/localtime").stdout.strip() == "/usr/share/zoneinfo/Asia/Shanghai"
    evidence = max((tmp_path / "runs").glob("*-deploy"))
    assert (evidence / "events.jsonl").stat().st_size > 0 and (evidence / "artifacts" / "stdout").exists()
