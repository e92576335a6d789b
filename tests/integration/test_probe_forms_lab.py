"""The cheap forms of the probes read what the usual tools read, on a real lab host.

Some probes read systemd's or the kernel's own files instead of running a tool (one exec
less on every audited host): the container from /run/systemd/container instead of
systemd-detect-virt, memory from /proc/meminfo by the shell instead of grep. Each is
compared here with the tool's answer.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from envcheck.audit.engine import gather_host, host_context
from envcheck.checks import FACTS, load_catalogue
from envcheck.inventory import load_inventory
from envcheck.model import ProbeOutput
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
load_catalogue()


def gather(lab: Lab, name: str, fact_ids: list[str]) -> dict[str, Any]:
    from envcheck.ssh import OpenSSHTransport

    inventory = load_inventory([str(lab.inventory_path)], name)
    [host] = inventory.hosts
    facts = [FACTS[i] for i in fact_ids]
    gathered = gather_host(host, host_context(host, inventory), facts, OpenSSHTransport(), 60)
    assert gathered.status.reachable, gathered.status.error
    return gathered.facts


def test_container_and_memory_read_by_the_shell_match_the_tools(lab: Lab) -> None:
    name = lab.hosts[0].name
    facts = gather(lab, name, ["resources.kernel", "time.sync", "resources.memory"])
    detected = lab.ssh(name, "systemd-detect-virt -c").stdout.strip()
    assert detected == "systemd-nspawn"
    assert facts["resources.kernel"]["container"] == detected
    assert facts["time.sync"]["container"] == detected
    grep = lab.ssh(name, "grep -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo")
    from_grep = FACTS["resources.memory"].parse(ProbeOutput(grep.stdout, grep.returncode, ""))
    assert facts["resources.memory"].keys() == from_grep.keys() == {"MemTotal", "MemAvailable", "SwapTotal",
                                                                    "SwapFree"}
    assert facts["resources.memory"]["MemTotal"] == from_grep["MemTotal"]
    assert facts["resources.memory"]["SwapTotal"] == from_grep["SwapTotal"]


def test_listening_ports_asked_by_state_match_ss_l(lab: Lab) -> None:
    """`ss state listening` (the kernel's table of listeners only) finds what `ss -l` does."""
    name = lab.hosts[0].name
    listener = ("python3 -c 'import socket, sys\n"
                "s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()\n"
                "print(s.getsockname()[1], flush=True); sys.stdin.read()'")
    held = subprocess.Popen(["ssh", "-F", str(lab.ssh_config_path), name, listener],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert held.stdout is not None
        port = int(held.stdout.readline())
        facts = gather(lab, name, ["network.ports"])
        full = lab.ssh(name, "ss -Hltn")
    finally:
        held.communicate(timeout=30)  # end of input ends the listener
    from_ss_l = FACTS["network.ports"].parse(ProbeOutput(full.stdout, full.returncode, ""))
    assert {"port": port, "address": "127.0.0.1"} in facts["network.ports"]
    assert {"port": 22, "address": "0.0.0.0"} in facts["network.ports"]
    assert facts["network.ports"] == from_ss_l
