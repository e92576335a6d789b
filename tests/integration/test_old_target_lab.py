"""An EL8-generation target, emulated on a lab host (tests/lab/oldpython.py: its
platform-python says 3.6.8, as EL8's does): the deploy preflight refuses it with envcheck's
words and exit 2 before any play, and the documented way out, the pinned legacy runtime
(docs/platforms.md), deploys it, its modules running on that Python 3.6."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.deploy.runtimes import LEGACY_ENV
from tests.lab import oldpython
from tests.lab.lab import Lab
from tests.lab.runtime import ensure_legacy_runtime
from tests.reliability.labkit import host_vars, lab_inventory, write_inventory

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _deploy(inventory: Path, name: str, runs: Path, legacy: Path, lang: str = "en") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(inventory), "--limit", name,
                                      "--runs-dir", str(runs), "--lang", lang], env={LEGACY_ENV: str(legacy)})
    return result.exit_code, result.output


def test_preflight_refuses_an_emulated_python36_target_and_the_legacy_runtime_deploys_it(
        lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[1].name
    lab.reset(name)
    try:
        _refused_then_deployed(lab, name, tmp_path)
    finally:
        lab.reset(name)  # the other tests expect a clean host


def _refused_then_deployed(lab: Lab, name: str, tmp_path: Path) -> None:
    oldpython.emulate(lab, name)
    inv = lab_inventory(lab)
    host_vars(inv, name)["ansible_python_interpreter"] = oldpython.PATH  # as EL8 inventories say
    inventory = write_inventory(lab, tmp_path / "inv", inv)
    runs = tmp_path / "runs"

    code, out = _deploy(inventory, name, runs, tmp_path / "no-legacy-runtime")
    assert code == 2, out
    assert "Deploy refused before any play: ansible-core 2.19" in out
    assert f"{name} (Debian GNU/Linux 12 (bookworm)): Python 3.6.8 at {oldpython.PATH}" in out
    assert "pip install 'ansible-core>=2.16,<2.17'" in out and "ansible_python_interpreter" in out
    assert "部署在任何剧本运行前被拒绝" not in out  # one language: the command's
    code, out = _deploy(inventory, name, runs, tmp_path / "no-legacy-runtime", "zh")
    assert code == 2 and "部署在任何剧本运行前被拒绝" in out and "Deploy refused" not in out, out
    assert not list(runs.glob("*-deploy")), "a play ran"  # refused before any

    legacy = ensure_legacy_runtime()  # the way out, as the refusal words it
    code, out = _deploy(inventory, name, runs, legacy)
    assert code == 0, out
    assert "Runtime: ansible-core 2.16" in out and f"which these hosts need: {name}" in out
    [run] = runs.glob("*-deploy")
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "successful" and record["preflight"]["runtime_kind"] == "legacy"
    assert record["preflight"]["needs_other"] == [name]
    [host] = record["hosts"]
    assert host["changed"] > 0 and host["failed"] == 0
    # Its modules ran on the emulated 3.6 (Ansible's own fact), and the baseline is in place.
    facts = subprocess.run([str(legacy / "bin" / "ansible"), "-i", str(inventory), name, "-m", "setup",
                            "-a", "filter=ansible_python_version"], capture_output=True, text=True, timeout=300)
    assert '"ansible_python_version": "3.6.8"' in facts.stdout, facts.stdout + facts.stderr
    assert lab.ssh(name, "readlink /etc/localtime").stdout.strip() == "/usr/share/zoneinfo/Asia/Shanghai"
