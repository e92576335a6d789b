"""`envcheck deploy` machinery through ansible-runner for real, on this machine (local
connection): events reach the caller, evidence is kept, secrets reach no file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import envcheck.deploy.runner as deploy
from envcheck.deploy.runner import DeployRequest, TaskEvent, run_deploy
from envcheck.errors import BadInput
from tests.procscan import alive_with, new_marker

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


BACKUP_PLAYBOOK = """\
- name: Local test play
  hosts: all
  gather_facts: false
  tasks:
    - name: A configuration file, its previous version kept
      ansible.builtin.copy:
        dest: "{{ conf_path }}"
        content: "{{ value }}\\n"
        mode: "0600"
        backup: true
"""


def test_the_previous_versions_of_replaced_files_are_recorded_for_rollback(
        tmp_path: Path, playbook_dir: Path) -> None:
    (playbook_dir / "server.yml").write_text(BACKUP_PLAYBOOK)
    inv = tmp_path / "hosts.ini"
    inv.write_text("localhost ansible_connection=local ansible_python_interpreter=" +
                   __import__("sys").executable + "\n")
    conf = tmp_path / "app.conf"
    for value in ("first", "second"):
        outcome = run_deploy(DeployRequest("server", (str(inv),), extra_vars={"conf_path": str(conf), "value": value}),
                             tmp_path / "runs", None)
        assert outcome.status == "successful"
    first_run, second_run = sorted((tmp_path / "runs").glob("*-deploy"))
    assert json.loads((first_run / "backups.json").read_text()) == []  # a new file: nothing to keep
    [kept] = json.loads((second_run / "backups.json").read_text())
    assert kept["host"] == "localhost" and kept["path"] == str(conf)
    assert Path(kept["backup"]).read_text() == "first\n" and conf.read_text() == "second\n"


SLOW_PLAYBOOK = """\
- name: Local test play
  hosts: all
  gather_facts: false
  tasks:
    - name: Wait
      ansible.builtin.command: sleep 600
      environment:
        ENVCHECK_TEST_RUN: "{{ run_marker }}"
      changed_when: false
    - name: Never reached
      ansible.builtin.file:
        path: "{{ never_path }}"
        state: touch
        mode: "0600"
"""


def test_ctrl_c_cancels_the_run_and_restores_the_signal_handlers(
        tmp_path: Path, playbook_dir: Path) -> None:
    """A real SIGINT, as Ctrl+C sends it, in the middle of a task: the run stops before the
    task would have ended, ansible-playbook and its task are gone, the evidence says
    `canceled`, and the caller's own SIGINT/SIGTERM handlers are back in place."""
    import os
    import signal
    import time

    from envcheck.errors import ExitCode
    from envcheck.exitcodes import of_deploy as deploy_exit_code

    (playbook_dir / "server.yml").write_text(SLOW_PLAYBOOK)
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"localhost ansible_connection=local ansible_python_interpreter={__import__('sys').executable}\n")
    run = new_marker()  # in the environment of the task: its processes, whoever their parent
    never = tmp_path / "never"

    def own_int(_n: int, _f: object) -> None:
        raise AssertionError("the caller's SIGINT handler ran during the deploy")

    def own_term(_n: int, _f: object) -> None:
        raise AssertionError("the caller's SIGTERM handler ran during the deploy")

    running: list[int] = []

    def interrupt(event: TaskEvent) -> None:
        if event.kind == "playbook_on_task_start" and event.task == "Wait":
            deadline = time.monotonic() + 60
            while not running and time.monotonic() < deadline:  # until the task's sleep runs
                running.extend(alive_with(run))
                time.sleep(0.1)
            os.kill(os.getpid(), signal.SIGINT)  # what the terminal does on Ctrl+C

    before = (signal.signal(signal.SIGINT, own_int), signal.signal(signal.SIGTERM, own_term))
    try:
        outcome = run_deploy(DeployRequest("server", (str(inv),),
                                           extra_vars={"run_marker": run, "never_path": str(never)}),
                             tmp_path / "runs", interrupt)
        assert signal.getsignal(signal.SIGINT) is own_int and signal.getsignal(signal.SIGTERM) is own_term
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
    assert outcome.status == "canceled" and not outcome.complete
    assert deploy_exit_code(outcome) == ExitCode.INTERRUPTED
    assert not never.exists()
    assert running, "the task never ran"
    deadline = time.monotonic() + 30
    while alive_with(run) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive_with(run), "the task's process outlived the canceled run"
    record = json.loads((outcome.run_dir / "run.json").read_text())
    assert record["status"] == "canceled" and record["complete"] is False and record["finished"]
    events = [json.loads(line) for line in (outcome.run_dir / "events.jsonl").read_text().splitlines()]
    assert any(e.get("task") == "Wait" for e in events)
    # The task was cut: it neither ended nor failed by itself (the sleep takes ten minutes).
    assert not [e for e in events if e.get("task") == "Wait" and e.get("event") in ("runner_on_ok", "runner_on_failed")]
