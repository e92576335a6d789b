"""One SSH layer (issue 16): `exec` and `collect` reach lab hosts with the default key, an ssh
agent or through a ProxyJump host, never with a password prompt; and a host that cannot be
reached (a name that does not resolve, a refused port, an sshd that never speaks) reads the
same in check, inventory ping, exec, collect, verify and deploy."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from envcheck.cli import cli
from envcheck.ssh import reasons
from envcheck.ssh.reasons import Reason
from tests.lab import faults
from tests.lab.lab import Lab
from tests.reliability.labkit import host_vars, lab_inventory, silent_address, silent_host, write_inventory

pytestmark = pytest.mark.lab

# A name the resolver turns down itself ("/" is no host name character): no DNS query leaves
# the machine, and every client says it does not resolve.
UNRESOLVABLE = "no-such-host/envcheck"


def _keyless(lab: Lab, folder: Path) -> Path:
    """The lab's inventory without ansible_ssh_private_key_file (as `inventory import` writes it
    without --key)."""
    inv = lab_inventory(lab)
    for group in inv["all"]["children"].values():
        for hvars in group["hosts"].values():
            del hvars["ansible_ssh_private_key_file"]
    return write_inventory(lab, folder, inv)


def _home(tmp_path: Path, with_key: Path | None = None) -> Path:
    """A HOME of its own: empty, or with `with_key` as the default key ~/.ssh/id_ed25519."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    if with_key is not None:
        shutil.copyfile(with_key, home / ".ssh" / "id_ed25519")
        (home / ".ssh" / "id_ed25519").chmod(0o600)
    return home


def _exec(inv: Path, env: dict[str, str | None], *args: str) -> tuple[Result, list[dict[str, Any]]]:
    result = CliRunner(env=env).invoke(cli, ["exec", "-i", str(inv), "--timeout", "20", "--format", "json",
                                             *args], input="")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result, json.loads(result.stdout)


def _collect(inv: Path, env: dict[str, str | None], runs: Path) -> tuple[Result, dict[str, dict[str, Any]]]:
    result = CliRunner(env=env).invoke(cli, ["collect", "-i", str(inv), "--what", "system", "--max-file-size", "4k",
                                             "--timeout", "30", "--runs-dir", str(runs)], input="")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    [run] = list(runs.glob("*-collect"))
    return result, {h["host"]: h for h in json.loads((run / "run.json").read_text())["hosts"]}


def _works_everywhere(lab: Lab, inv: Path, env: dict[str, str | None], tmp_path: Path) -> None:
    result, runs = _exec(inv, env, "uptime")
    assert result.exit_code == 0, result.output
    assert sorted(r["host"] for r in runs) == sorted(h.name for h in lab.hosts)
    assert all("load average" in r["stdout"] and r["error"] is None for r in runs), runs
    result, hosts = _collect(inv, env, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    for h in lab.hosts:
        assert hosts[h.name]["error"] is None and hosts[h.name]["files"] > 5, hosts[h.name]


def test_exec_and_collect_with_the_default_key_and_no_key_file(lab: Lab, tmp_path: Path) -> None:
    inv = _keyless(lab, tmp_path / "inv")
    home = _home(tmp_path, with_key=lab.key_path)
    _works_everywhere(lab, inv, {"HOME": str(home), "SSH_AUTH_SOCK": None}, tmp_path)


@pytest.fixture
def agent(lab: Lab, tmp_path: Path) -> Iterator[str]:
    """An ssh-agent of this test holding the lab's key; its socket path. Ended by its PID."""
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        added = subprocess.run(["ssh-add", str(lab.key_path)], env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
                               capture_output=True, text=True, check=False)
        assert added.returncode == 0, added.stderr
        yield str(sock)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_exec_and_collect_with_the_key_in_an_ssh_agent(lab: Lab, agent: str, tmp_path: Path) -> None:
    inv = _keyless(lab, tmp_path / "inv")
    home = _home(tmp_path)  # no key on disk: the agent is the only way in
    _works_everywhere(lab, inv, {"HOME": str(home), "SSH_AUTH_SOCK": agent}, tmp_path)


PASSWORD_USER = "envcheck-pw"


@pytest.fixture
def password_login(lab: Lab) -> Iterator[str]:
    """A user on the first lab host whom sshd lets in with a password only (the lab's sshd
    takes keys only, for everyone else); its host name."""
    name = lab.hosts[0].name
    setup = (f"id {PASSWORD_USER} >/dev/null 2>&1 || useradd -m -s /bin/sh {PASSWORD_USER}; "
             f"echo '{PASSWORD_USER}:Pw-5512-x' | chpasswd; "
             f"printf 'Match User {PASSWORD_USER}\\n    PasswordAuthentication yes\\n' "
             "> /etc/ssh/sshd_config.d/90-envcheck-pw.conf && sshd -t && systemctl reload ssh")
    assert lab.ssh(name, setup).returncode == 0
    try:
        yield name
    finally:
        lab.ssh(name, "rm -f /etc/ssh/sshd_config.d/90-envcheck-pw.conf; systemctl reload ssh; "
                      f"userdel -r {PASSWORD_USER}")


def test_a_host_that_wants_a_password_is_refused_with_the_reason_never_a_prompt(
        lab: Lab, password_login: str, tmp_path: Path) -> None:
    """No key is to be had (an empty HOME, no agent, no key file): where sshd would take a
    password, envcheck says so and never asks; where it takes keys only, authentication failed."""
    inv = lab_inventory(lab)
    hvars = host_vars(inv, password_login)
    del hvars["ansible_ssh_private_key_file"]
    hosts = {"wants-password": {**hvars, "ansible_user": PASSWORD_USER}, "keys-only": hvars}
    inv_path = write_inventory(lab, tmp_path / "inv", {"all": {"children": {"web": {"hosts": hosts}}}})
    env: dict[str, str | None] = {"HOME": str(_home(tmp_path)), "SSH_AUTH_SOCK": None}
    where = f"{lab.host(password_login).ssh_address}:22"
    expected = {"wants-password": reasons.PASSWORD_NEEDED.say(where), "keys-only": reasons.AUTH_FAILED.say(where)}
    result, runs = _exec(inv_path, env, "true")  # fabric over paramiko
    assert result.exit_code == 3 and {r["host"]: r["error"] for r in runs} == expected, result.output
    ping = CliRunner(env=env).invoke(cli, ["inventory", "ping", "-i", str(inv_path), "--format", "json"],
                                     input="")  # OpenSSH, in BatchMode
    assert ping.exit_code == 3 and {a["host"]: a["reason"] for a in json.loads(ping.stdout)} == expected, ping.output


def _known_hosts_with_lan(lab: Lab, path: Path, names: list[str]) -> Path:
    """The lab's known_hosts plus these hosts' keys under their LAN addresses (as seen through
    a jump host)."""
    lines = lab.known_hosts_path.read_text().splitlines()
    extra = []
    for name in names:
        [own] = [line for line in lines if line.split()[0].split(",")[-1] == name]
        _, kind, key = own.split()
        extra.append(f"{lab.host(name).lan_address} {kind} {key}")
    path.write_text("\n".join([*lines, *extra]) + "\n")
    return path


def _through_jumps(lab: Lab, folder: Path, known_hosts: Path, hops: int) -> tuple[Path, str, str]:
    """An inventory of the second lab host, reached at its LAN address (unreachable from here)
    through the first lab host, and with two hops through the third one's LAN address after it.
    Returns it, the LAN address the host sees the connection come from, and the host's name."""
    first, target, second = lab.hosts[0], lab.hosts[1], lab.hosts[2]
    chain = [f"root@{first.ssh_address}"] + ([f"root@{second.lan_address}:22"] if hops == 2 else [])
    inv = lab_inventory(lab)
    hvars = copy.deepcopy(host_vars(inv, target.name))
    hvars["ansible_host"] = target.lan_address
    hvars["ansible_ssh_common_args"] = (f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes "
                                        f"-o ProxyJump={','.join(chain)}")
    only = {"all": {"children": {target.groups[0]: {"hosts": {target.name: hvars}}}}}
    last = second if hops == 2 else first
    return write_inventory(lab, folder, only), last.lan_address, target.name


@pytest.mark.parametrize("hops", [1, 2])
def test_exec_collect_and_ping_through_proxyjump_hosts(lab: Lab, tmp_path: Path, own_tmp: Path, hops: int) -> None:
    known = _known_hosts_with_lan(lab, tmp_path / "known_hosts", [h.name for h in lab.hosts[1:]])
    inv, last_jump, name = _through_jumps(lab, tmp_path / "inv", known, hops)
    result, [run] = _exec(inv, {}, "hostname; echo \"$SSH_CONNECTION\"")  # fabric: gateway connections
    assert result.exit_code == 0, result.output
    host_name, connection = run["stdout"].splitlines()
    assert host_name == name and connection.split()[0] == last_jump  # it came from the (last) jump host
    result, hosts = _collect(inv, {}, tmp_path / "runs")
    assert result.exit_code == 0 and hosts[name]["files"] > 5, result.output
    ping = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(inv), "--format", "json"])  # OpenSSH
    assert ping.exit_code == 0 and json.loads(ping.stdout)[0]["login"] == "root", ping.output
    assert not list(own_tmp.glob("ecj-*"))  # ping's connection to the jump host ended with it
    suggest = CliRunner().invoke(cli, ["spec", "suggest", "-i", str(inv), "--limit", name, "-o",
                                      str(tmp_path / "suggested.yml")])
    assert suggest.exit_code == 0 and (tmp_path / "suggested.yml").exists(), suggest.output
    assert not list(own_tmp.glob("ecj-*"))  # and spec suggest's
    # The host's key is checked behind the jumps too: under its LAN address it is unknown here.
    jumps_only = _known_hosts_with_lan(lab, tmp_path / "kh", [lab.hosts[2].name])
    bare, _, _ = _through_jumps(lab, tmp_path / "bare", jumps_only, hops)
    unknown = reasons.HOST_KEY_UNKNOWN.say(f"{lab.hosts[1].lan_address}:22")
    result, [run] = _exec(bare, {}, "true")
    assert result.exit_code == 3 and run["error"] == unknown, run
    ping = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(bare), "--format", "json"])
    assert ping.exit_code == 3 and json.loads(ping.stdout)[0]["reason"] == unknown, ping.output


def _free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable(lab: Lab, tmp_path: Path) -> Iterator[tuple[Path, dict[str, tuple[Reason, str]]]]:
    """An inventory of three hosts nobody reaches: a name that does not resolve, a port
    nothing listens on, and an sshd that accepts and never speaks; each with its reason and
    its address:port."""
    address = silent_address(lab)
    refused_port = _free_port(address)  # bound, then closed: nothing listens there
    with silent_host(address) as (_, silent_port):
        like = host_vars(lab_inventory(lab), lab.hosts[0].name)
        faults = {"unresolvable": ({"ansible_host": UNRESOLVABLE}, reasons.UNRESOLVABLE),
                  "refused": ({"ansible_host": address, "ansible_port": refused_port}, reasons.REFUSED),
                  "silent": ({"ansible_host": address, "ansible_port": silent_port}, reasons.TIMED_OUT)}
        # ansible_ssh_timeout: deploy's ssh waits as long as the others (--timeout 3).
        hosts = {name: {**copy.deepcopy(like), **overrides, "ansible_ssh_timeout": 3}
                 for name, (overrides, _) in faults.items()}
        inv = write_inventory(lab, tmp_path / "inv", {"all": {"children": {"web": {"hosts": hosts}}}})
        yield inv, {name: (reason, f"{hosts[name]['ansible_host']}:{hosts[name]['ansible_port']}")
                    for name, (_, reason) in faults.items()}


def _check(inv: Path, runs: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["check", "-i", str(inv), "--timeout", "3", "--runs-dir", str(runs)])
    assert result.exit_code == 3, result.output
    [run] = list(runs.glob("*-check"))
    return {h["name"]: h["error"] for h in json.loads((run / "result.json").read_text())["hosts"]}


def _ping(inv: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(inv), "--timeout", "3", "--format", "json"])
    assert result.exit_code == 3, result.output
    answers = json.loads(result.stdout)
    assert not any(a["reachable"] for a in answers), answers
    return {a["host"]: a["reason"] for a in answers}


def _exec_reasons(inv: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["exec", "-i", str(inv), "--timeout", "3", "--format", "json", "true"])
    assert result.exit_code == 3, result.output
    return {r["host"]: r["error"] for r in json.loads(result.stdout)}


def _collect_reasons(inv: Path, runs: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["collect", "-i", str(inv), "--timeout", "3", "--what", "system",
                                      "--runs-dir", str(runs)])
    assert result.exit_code == 3, result.output
    [run] = list(runs.glob("*-collect"))
    hosts = {h["host"]: h["error"] for h in json.loads((run / "run.json").read_text())["hosts"]}
    # the record keeps both languages; the terminal says it in the reader's (en here)
    assert all(f"{name} (" in result.output and reasons.in_lang(error, "en") in result.output
               for name, error in hosts.items()), result.output
    return hosts


def _verify(inv: Path, runs: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["verify", "-i", str(inv), "--timeout", "3", "--runs-dir", str(runs)])
    assert result.exit_code == 3, result.output
    [run] = list(runs.glob("*-verify"))
    hosts = {h["name"]: h["error"] for h in json.loads((run / "run.json").read_text())["hosts"]}
    assert all(error in result.output for error in hosts.values()), result.output
    return hosts


def _deploy(inv: Path, runs: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(inv), "--runs-dir", str(runs)])
    assert result.exit_code == 3, result.output
    [run] = list(runs.glob("*-deploy"))
    hosts = {h["name"]: h["unreachable_reason"] for h in json.loads((run / "run.json").read_text())["hosts"]}
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    for event in (e for e in events if e["event"] == "runner_on_unreachable"):
        assert event["msg"] == hosts[event["host"]] and event["detail"], event  # Ansible's own words kept
    assert all(reason in result.output for reason in hosts.values()), result.output
    return hosts


def test_an_unreachable_host_reads_the_same_in_every_command(
        unreachable: tuple[Path, dict[str, tuple[Reason, str]]], tmp_path: Path) -> None:
    inv, expected = unreachable
    said = {
        "check": _check(inv, tmp_path / "check"),
        "inventory ping": _ping(inv),
        "exec": _exec_reasons(inv),
        "collect": _collect_reasons(inv, tmp_path / "collect"),
        "verify": _verify(inv, tmp_path / "verify"),
        "deploy": _deploy(inv, tmp_path / "deploy"),  # Ansible's summary has no address
    }
    for command, messages in said.items():
        assert set(messages) == set(expected), (command, messages)
        for host, (reason, where) in expected.items():
            assert messages[host] in (reason.words, f"{reason.words} ({where})"), (command, host, messages[host])


def _with_known_hosts(lab: Lab, folder: Path, known_hosts: Path) -> Path:
    inv = lab_inventory(lab)
    for group in inv["all"]["children"].values():
        for hvars in group["hosts"].values():
            hvars["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={known_hosts}"
    return write_inventory(lab, folder, inv)


def test_exec_keeps_the_host_key_policy_of_check(lab: Lab, tmp_path: Path) -> None:
    """fabric's connections take the inventory's known_hosts, strictly: an unknown key is refused,
    --accept-new-host-keys records it (where OpenSSH finds it: check then needs no flag), a
    changed key is refused even then, with check's words."""
    known = tmp_path / "known_hosts"
    known.write_text("")
    inv = _with_known_hosts(lab, tmp_path / "inv", known)
    result, runs = _exec(inv, {}, "true")
    assert result.exit_code == 3 and all(r["error"].startswith(reasons.HOST_KEY_UNKNOWN.words) for r in runs), runs
    result, runs = _exec(inv, {}, "--accept-new-host-keys", "true")
    assert result.exit_code == 0, result.output
    for h in lab.hosts:  # hashed, as OpenSSH's accept-new records them here
        found = subprocess.run(["ssh-keygen", "-F", h.ssh_address, "-f", str(known)], capture_output=True, text=True)
        assert found.returncode == 0 and "|1|" in found.stdout, h.name
    name = lab.hosts[1].name
    check = CliRunner().invoke(cli, ["check", "-i", str(inv), "-c", "time.timezone", "--limit", name,
                                     "--runs-dir", str(tmp_path / "runs")])
    assert check.exit_code != 3, check.output
    faults.change_host_key(lab, name)
    try:
        result, runs = _exec(inv, {}, "--accept-new-host-keys", "--limit", name, "true")
        ping = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(inv), "--limit", name, "--accept-new-host-keys",
                                        "--format", "json"])
    finally:
        faults.restore_host_key(lab, name)
    where = f"{lab.host(name).ssh_address}:22"
    assert result.exit_code == 3 and runs[0]["error"] == reasons.HOST_KEY_CHANGED.say(where), runs
    assert json.loads(ping.stdout)[0]["reason"] == reasons.HOST_KEY_CHANGED.say(where), ping.output
