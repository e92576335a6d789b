"""`envcheck deploy` machinery through ansible-runner for real, on this machine (local
connection): events reach the caller, evidence is kept, secrets reach no file."""

from __future__ import annotations

from pathlib import Path

import pytest

import envcheck.deploy as deploy
from envcheck.deploy import DeployRequest, TaskEvent, run_deploy
from envcheck.errors import BadInput

PLAYBOOK = """\
- name: Local test play
  hosts: all
  gather_facts: false
  tasks:
    - name: Write a marker file
      ansible.builtin.copy:
        dest: "{{ marker_path }}"
        content: "{{ lookup('env', 'ENVCHECK_TEST_DB_PASSWORD') | length }}\\n"
        mode: "0600"
    - name: Use the secret without logging it
      ansible.builtin.command: "echo {{ lookup('env', 'ENVCHECK_TEST_DB_PASSWORD') }}"
      changed_when: false
      no_log: true
"""


@pytest.fixture
def playbook_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pdir = tmp_path / "playbooks"
    pdir.mkdir()
    (pdir / "server.yml").write_text(PLAYBOOK)
    (pdir / "ansible.cfg").write_text("[defaults]\nstdout_callback = default\n")
    monkeypatch.setattr(deploy, "PLAYBOOK_DIR", pdir)
    return pdir


def test_a_deploy_runs_reports_events_and_keeps_no_secret(
        tmp_path: Path, playbook_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "Zz-s3cret-4711"
    monkeypatch.setenv("ENVCHECK_TEST_DB_PASSWORD", secret)
    inv = tmp_path / "hosts.ini"
    inv.write_text("localhost ansible_connection=local ansible_python_interpreter=" +
                   __import__("sys").executable + "\n")
    marker = tmp_path / "marker.txt"
    seen: list[TaskEvent] = []
    request = DeployRequest("server", (str(inv),), extra_vars={"marker_path": str(marker)})
    outcome = run_deploy(request, tmp_path / "runs", seen.append)
    assert outcome.status == "successful" and outcome.complete
    assert marker.read_text().strip() == str(len(secret))
    [host] = outcome.hosts
    assert host.name == "localhost" and host.changed == 1 and host.failed == 0
    assert any(e.kind == "runner_on_ok" and e.task == "Write a marker file" for e in seen)
    # Second run: nothing changes (what idempotence looks like in the summary).
    again = run_deploy(request, tmp_path / "runs", None)
    assert again.hosts[0].changed == 0
    files = [p for p in (tmp_path / "runs").rglob("*") if p.is_file()]
    assert any(p.name == "run.json" for p in files) and len(files) > 3
    for p in files:
        assert secret.encode() not in p.read_bytes(), p
    # Extra variables went through a file, not ansible-playbook's command line.
    command = next(p for p in files if p.name == "command.json").read_text()
    assert str(marker) not in command


def test_unknown_playbook_and_missing_inventory_are_bad_input(tmp_path: Path, playbook_dir: Path) -> None:
    with pytest.raises(BadInput):
        run_deploy(DeployRequest("nope", (str(tmp_path / "x.ini"),)), tmp_path)
    with pytest.raises(BadInput, match="does not exist"):
        run_deploy(DeployRequest("server", (str(tmp_path / "missing.ini"),)), tmp_path)
