"""Zones without a lab: which worker deploys which host, the job's files for a worker, the shared
jump connection's ssh options, and the worker's shim as a real process on this machine (its
ansible-runner is this venv's): the job's stream in, its result stream out, and the end of its
stdin ending every process of the job."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml
from ansible_runner.streaming import Transmitter

from envcheck.deploy import stream, worker, worker_shim
from envcheck.errors import BadInput
from envcheck.ssh.command import jump_argv, jump_command, jump_exit, jump_master
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings
from tests import procscan

JUMP = Target("jumpa", "127.0.0.9", user="root")


def test_plan_groups_hosts_by_worker_and_via_wins() -> None:
    hosts = [("dmz1", {"envcheck_worker": "jumpa"}), ("core1", {"envcheck_worker": "jumpb"}), ("web1", {})]
    assert worker.plan(hosts, None) == {"jumpa": ["dmz1"], "jumpb": ["core1"], None: ["web1"]}
    assert worker.plan(hosts, "jumpx") == {"jumpx": ["dmz1", "core1", "web1"]}


def test_resolve_an_inventory_host_or_an_address_never_an_option() -> None:
    assert worker.resolve("jumpa", {"jumpa": JUMP}).target is JUMP
    given = worker.resolve("ops@192.0.2.7:2222", {}).target
    assert (given.address, given.user, given.port) == ("192.0.2.7", "ops", 2222)
    with pytest.raises(BadInput):
        worker.resolve("-oProxyCommand=touch /tmp/x", {})


def _kwargs(tmp: Path, inventory: Path, args: tuple[str, ...]) -> dict:  # type: ignore[type-arg]
    extravars = tmp / "extravars.json"
    extravars.write_text("{}")
    return {"inventory": [str(inventory)], "extravars": str(extravars), "playbook": "/x/server.yml",
            "private_data_dir": str(tmp), "artifact_dir": str(tmp / "artifacts"), "cmdline": "--check",
            "envvars": {"PATH": "/controller/bin", "HIS_DB_PASSWORD": "s3cret"}}


def test_env_lookups_found_as_written_by_hand_and_by_yaml(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "db.yml").write_text(yaml.safe_dump({"a": "{{ lookup('env', 'HIS_PW') }}"}))
    (tmp_path / "hosts.yml").write_text('b: "{{ lookup(\'ansible.builtin.env\', \'ERP_PW\') }}"\n')
    assert stream.env_lookups([str(tmp_path / "hosts.yml")]) == {"HIS_PW", "ERP_PW"}


def test_job_files_point_every_path_into_the_workers_job_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "inv" / "group_vars").mkdir(parents=True)
    (tmp_path / "inv" / "group_vars" / "db.yml").write_text("pw: \"{{ lookup('env', 'EC_TEST_PW') }}\"\n")
    monkeypatch.setenv("EC_TEST_PW", "s3cret-pw")
    inventory = tmp_path / "inv" / "hosts.yml"
    inventory.write_text("all: {hosts: {dmz1: {}}}\n")
    known, key = tmp_path / "known_hosts", tmp_path / "key"
    known.write_text("10.0.0.2 ssh-ed25519 AAAA\n")
    key.write_text("KEY")
    args = ("-o", f"UserKnownHostsFile={known}", "-o", "ProxyJump=root@127.0.0.9", "-o", "ServerAliveInterval=5")
    target = Target("dmz1", "10.0.0.2", key_file=str(key), ssh_args=args)
    send = tmp_path / "send"
    job = "/var/lib/envcheck-worker.d/jobs/j1"
    out = stream.job_files(_kwargs(tmp_path, inventory, args), send, job, [target], worker.Worker("jumpa", JUMP),
                           SshSettings())
    assert out["playbook"] == f"{job}/project/server.yml" and "artifact_dir" not in out
    assert out["envvars"]["EC_TEST_PW"] == "s3cret-pw"  # the inventory reads it: read on the worker
    assert "s3cret-pw" not in "".join(p.read_text(errors="replace") for p in send.rglob("*") if p.is_file())
    assert out["cmdline"] == f"-i {job}/inventory/0/hosts.yml -i {job}/overlay.yml --check"
    assert (send / "inventory" / "0" / "group_vars").is_dir() and (send / "project" / "server.yml").is_file()
    assert str(tmp_path) not in json.dumps({k: v for k, v in out.items() if k != "envvars"})
    host = yaml.safe_load((send / "overlay.yml").read_text())["all"]["hosts"]
    common = host["dmz1"]["ansible_ssh_common_args"]
    assert "ProxyJump" not in common and "ServerAliveInterval=5" in common  # the worker is the jump
    assert f"UserKnownHostsFile={job}/ssh/known_hosts" in common and "StrictHostKeyChecking=yes" in common
    copied = host["dmz1"]["ansible_ssh_private_key_file"]
    assert copied.startswith(f"{job}/ssh/") and (send / "ssh" / Path(copied).name).stat().st_mode & 0o077 == 0


def test_the_shared_jump_connection_is_used_never_opened_by_a_target() -> None:
    hops = [("127.0.0.9", "root", None)]
    proxy = jump_command(None, 10, {}, hops, None, "10.0.0.2", 22, "/tmp/ecj-x")
    assert "ControlPath=/tmp/ecj-x/%%C" in proxy and "ControlMaster=no" in proxy
    argv = jump_argv(None, 10, {}, hops, None, "/tmp/ecj-x")
    assert jump_master(argv, "127.0.0.9", 30)[-4:] == ["ControlPersist=30", "--", "127.0.0.9", "true"]
    assert jump_exit(argv, "127.0.0.9")[-4:] == ["-O", "exit", "--", "127.0.0.9"]
    assert "ControlPath" not in jump_command(None, 10, {}, hops, None, "10.0.0.2", 22)


def _transmit(tmp: Path, playbook: str) -> bytes:
    private = tmp / "private"
    (private / "project").mkdir(parents=True)
    (private / "project" / "p.yml").write_text(playbook)
    with open(tmp / "stream", "wb") as out:  # transmit wants a named file
        Transmitter(_output=out, private_data_dir=str(private), playbook="p.yml", inventory=None,
                    envvars={"ANSIBLE_NOCOLOR": "1"}).run()
    return (tmp / "stream").read_bytes()


def test_feed_copies_the_stream_up_to_its_end_only(tmp_path: Path) -> None:
    data = _transmit(tmp_path, "- hosts: localhost\n")
    sink = io.BytesIO()
    assert worker_shim.feed(io.BytesIO(data + b"after"), sink) and sink.getvalue() == data
    assert not worker_shim.feed(io.BytesIO(data[:-20]), io.BytesIO())


PLAY = ("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.command: sleep 300\n")


def test_shim_ends_the_whole_job_when_its_stdin_ends(tmp_path: Path) -> None:
    job, mark, marker = tmp_path / "job", uuid.uuid4().hex, procscan.new_marker()
    source = Path(worker_shim.__file__).read_text(encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", source, str(job), mark], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=procscan.marked_env(marker, _clean_env()))
    assert proc.stdin and proc.stdout
    out = bytearray()
    reader = threading.Thread(target=lambda: out.extend(proc.stdout.read() if proc.stdout else b""), daemon=True)
    reader.start()
    proc.stdin.write(_transmit(tmp_path, PLAY))
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while not any(_comm(p) == "sleep" for p in procscan.alive_with(marker)):  # the task is under way
        assert time.monotonic() < deadline and proc.poll() is None, bytes(out)[-3000:]
        time.sleep(0.2)
    proc.stdin.close()  # the controller is gone
    proc.wait(timeout=60)
    reader.join(timeout=10)
    assert b'"event": "runner_on_start"' in out  # the result stream flowed back while the job ran
    deadline = time.monotonic() + 10
    while procscan.alive_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert procscan.alive_with(marker) == [] and not job.exists()
    assert b"Fatal Python error" not in (proc.stderr.read() if proc.stderr else b"")


def _clean_env() -> dict[str, str]:
    """What a worker's sshd session has: no ANSIBLE_* or other setting an earlier test left."""
    return {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
