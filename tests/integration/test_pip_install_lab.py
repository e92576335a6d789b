"""`pip install .` into a fresh virtual environment outside the repository, then that
envcheck's `deploy server` on a bare lab host: the playbooks, roles and templates come from the
installed package (no ENVCHECK_HOME, no clone on the path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def test_a_plain_pip_install_deploys_from_the_installed_package(lab: Lab, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The machine's own pip configuration (its package mirror) is used as it is.
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(REPO)], capture_output=True, text=True,
                          timeout=1200, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("ENVCHECK_HOME", "PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "ENVCHECK_LANG": "en", "ENVCHECK_NO_RECORD": "1"}
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import envcheck.paths as p; print(p.PLAYBOOK_DIR)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout.strip()
    assert where.startswith(str(venv)) and (Path(where) / "roles" / "nginx" / "templates").is_dir(), where
    name = lab.hosts[0].name
    lab.reset(name)
    try:
        runs = tmp_path / "runs"
        deploy = subprocess.run([str(venv / "bin" / "envcheck"), "deploy", "server", "-i", str(lab.inventory_path),
                                 "--limit", name, "--runs-dir", str(runs)],
                                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1800)
        assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-2000:]
        record = json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())
        [host] = record["hosts"]
        assert record["status"] == "successful" and host["changed"] > 0 and host["failed"] == 0
        command = json.loads((max(runs.glob("*-deploy")) / "artifacts" / "command.json").read_text())
        assert any(str(venv) in str(part) for part in command.get("command", [])), command  # the installed playbook
        assert lab.ssh(name, "readlink /etc/localtime").stdout.strip() == "/usr/share/zoneinfo/Asia/Shanghai"
    finally:
        lab.reset(name)  # the other tests expect a bare host
