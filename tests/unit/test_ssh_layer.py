"""The SSH layer without a lab: which known_hosts applies and how strictly, ProxyJump hops, and
the same reason from OpenSSH's client and from paramiko for the same failure (real processes
and sockets on loopback)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from envcheck.ssh import Target, reasons
from envcheck.ssh.client import KeysOnly, apply_host_keys
from envcheck.ssh.command import ssh_argv, ssh_options
from envcheck.ssh.settings import Hop, SshSettings, hops_of, jump_hops


def test_the_known_hosts_file_chosen_in_order() -> None:
    args = ("-o", "UserKnownHostsFile=/inv/kh", "-o", "StrictHostKeyChecking=no")
    assert SshSettings(known_hosts="/opt/kh").host_keys(args).files == ("/opt/kh",)
    assert SshSettings().host_keys(args).files == ("/inv/kh",)
    assert SshSettings().host_keys((), "/cfg/kh /cfg/kh2").files == ("/cfg/kh", "/cfg/kh2")
    default = SshSettings().host_keys(())
    assert default.files == (os.path.expanduser("~/.ssh/known_hosts"),)
    # Named nowhere: OpenSSH is given no option, and reads its ssh_config's or that same default.
    assert "UserKnownHostsFile" not in default.ssh_options()


def test_host_keys_are_always_strict_and_accept_new_is_only_for_new_keys() -> None:
    args = ("-o", "StrictHostKeyChecking=no")  # the inventory cannot turn checking off
    assert SshSettings().host_keys(args).ssh_options()["StrictHostKeyChecking"] == "yes"
    assert SshSettings(accept_new_host_keys=True).host_keys(args).strict == "accept-new"
    target = Target("h", "10.0.0.5", 22, "root", None, args)
    argv = ssh_argv(ssh_options(None, 5, None), SshSettings().openssh_options(target), target.address,
                    target.port, target.user, None, target.ssh_args, "true")
    # ours before the inventory's: ssh takes the first value it reads
    assert argv.index("StrictHostKeyChecking=yes") < argv.index("StrictHostKeyChecking=no")


def test_proxyjump_hops_and_the_first_proxy_option_wins() -> None:
    assert hops_of("admin@bastion:2200,[fe80::1]:22,inner") == (
        Hop("bastion", "admin", 2200), Hop("fe80::1", None, 22), Hop("inner"))
    assert hops_of("none") == ()
    assert jump_hops(("-o", "ProxyCommand=nc %h %p", "-o", "ProxyJump=b")) == ()
    assert jump_hops(("-oProxyJump=root@b",)) == (Hop("b", "root"),)


def test_a_proxyjump_becomes_a_proxycommand_with_the_runs_host_keys() -> None:
    target = Target("h", "10.9.0.5", 2222, "root", "/k/id", ("-o", "ProxyJump=a@j1,j2:23",
                                                           "-o", "UserKnownHostsFile=/inv/kh"))
    proxy = SshSettings(accept_new_host_keys=True).openssh_options(target)["ProxyCommand"]
    # The outer ssh expands %-tokens once; the nested command (for j1) is expanded once more.
    assert "-W '[10.9.0.5]:2222' -- j2" in proxy and "-p 23" in proxy and "-i /k/id" in proxy
    assert "UserKnownHostsFile=/inv/kh" in proxy and "StrictHostKeyChecking=accept-new" in proxy
    assert "ProxyCommand=ssh" in proxy and "[j2]:23" in proxy and "-l a" in proxy


@pytest.fixture
def silent() -> Iterator[tuple[str, int]]:
    """A port that accepts and never says a word: an sshd that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield "127.0.0.1", int(sock.getsockname()[1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssh(address: str, port: int) -> reasons.Reason | None:
    argv = ssh_argv(ssh_options(None, 1, None), SshSettings(known_hosts=os.devnull).openssh_options(
        Target("h", address, port)), address, port, "root", None, (), "true")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    return reasons.from_openssh(out.stderr)


def _paramiko(address: str, port: int, tmp_path: Path) -> reasons.Reason:
    client = paramiko.SSHClient()
    apply_host_keys(client, SshSettings(known_hosts=str(tmp_path / "kh")).host_keys())
    try:
        client.connect(address, port=port, timeout=1, banner_timeout=1, auth_timeout=1,
                       auth_strategy=KeysOnly(username="root"))
    except Exception as exc:  # whatever paramiko raises is classified
        return reasons.from_exception(exc)
    finally:
        client.close()
    raise AssertionError("connected")


def test_openssh_and_paramiko_give_the_same_reason(silent: tuple[str, int], tmp_path: Path) -> None:
    refused = _closed_port()
    assert _openssh("127.0.0.1", refused) is _paramiko("127.0.0.1", refused, tmp_path) is reasons.REFUSED
    assert _openssh(*silent) is _paramiko(*silent, tmp_path) is reasons.TIMED_OUT
    name = "no-such-host/envcheck"  # the resolver refuses it itself: no DNS query leaves
    assert _openssh(name, 22) is _paramiko(name, 22, tmp_path) is reasons.UNRESOLVABLE


def test_ansible_unreachable_messages_give_the_reason_of_the_ssh_words_in_them() -> None:
    said = ("Task failed: Failed to connect to the host via ssh: ssh: connect to host 127.1.0.1 port 1: "
            "Connection refused")
    assert reasons.from_ansible(said) is reasons.REFUSED
    assert reasons.from_ansible("root@h: Permission denied (publickey,password).") is reasons.PASSWORD_NEEDED
    assert reasons.from_ansible("root@h: Permission denied (publickey).") is reasons.AUTH_FAILED
    assert reasons.from_ansible("Data could not be sent to remote host") is reasons.OTHER
    # ssh ended before Ansible wrote to it, its words lost (seen in CI for a host that does not
    # resolve, where the same run usually gets "Could not resolve hostname"): the name is
    # resolved again; the resolver refuses this one itself, no DNS query leaves.
    lost = ("Task failed: Data could not be sent to remote host '{}'. Make sure this host can be reached over "
            "SSH: [Errno 32] Broken pipe")
    assert reasons.from_ansible(lost.format("no-such-host/envcheck")) is reasons.UNRESOLVABLE
    assert reasons.from_ansible(lost.format("127.0.0.1")) is reasons.OTHER  # it resolves: the cause is unknown
