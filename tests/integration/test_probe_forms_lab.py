"""The cheap forms of the probes read what the usual tools read, on a real lab host.

Some probes read the kernel's or systemd's own files instead of running a tool (one exec
less on every audited host): listening ports from /proc/net/tcp{,6} instead of ss, the
container from /run/systemd/container instead of systemd-detect-virt, memory from
/proc/meminfo by the shell instead of grep. Each is compared here with the tool's answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from envcheck.audit import gather_host, host_context
from envcheck.checks import FACTS, load_catalogue
from envcheck.inventory import load_inventory
from envcheck.model import ProbeOutput
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
load_catalogue()

# Listeners of each kind ss tells apart: IPv4 and IPv6 loopback, IPv4 any, IPv6 any.
LISTENERS = (("127.0.0.1", 18081), ("::1", 18082), ("::", 18083), ("0.0.0.0", 18084))


def gather(lab: Lab, name: str, fact_ids: list[str]) -> dict[str, Any]:
    from envcheck.transport import OpenSSHTransport

    inventory = load_inventory([str(lab.inventory_path)], name)
    [host] = inventory.hosts
    facts = [FACTS[i] for i in fact_ids]
    gathered = gather_host(host, host_context(host, inventory), facts, OpenSSHTransport(), 60)
    assert gathered.status.reachable, gathered.status.error
    return gathered.facts


@pytest.fixture()
def listeners(lab: Lab) -> Iterator[str]:
    name = lab.hosts[0].name
    start = " ".join(f"setsid python3 -m http.server --bind {a} {p} >/dev/null 2>&1 </dev/null &"
                      for a, p in LISTENERS)
    lab.ssh(name, f"{start} sleep 0.2")
    for _ in range(50):  # until all four listen
        listening = lab.ssh(name, "ss -Hltn").stdout
        if all(f":{p} " in listening for _, p in LISTENERS):
            break
        time.sleep(0.1)
    try:
        yield name
    finally:
        lab.ssh(name, "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | "
                f"grep -qE 'http.server --bind [^ ]+ ({'|'.join(str(p) for _, p in LISTENERS)}) ?$' "
                "&& kill ${p#/proc/}; done; true")


def test_listening_ports_from_proc_match_ss(lab: Lab, listeners: str) -> None:
    facts = gather(lab, listeners, ["network.ports"])
    assert "byteorder=" in lab.ssh(listeners, "echo byteorder=$(cat /sys/kernel/cpu_byteorder)").stdout
    ss = lab.ssh(listeners, "ss -Hltn")
    from_ss = FACTS["network.ports"].parse(ProbeOutput(ss.stdout, ss.returncode, ""))
    # ss writes an IPv6 socket that also takes IPv4 as "*"; the kernel's table has no such
    # flag, so envcheck names it [::], which is_loopback reads alike.
    expected = [{**e, "address": "[::]"} if e["address"] == "*" else e for e in from_ss]
    assert sorted(facts["network.ports"], key=str) == sorted(expected, key=str)
    got = {(e["port"], e["address"]) for e in facts["network.ports"]}
    assert {(18081, "127.0.0.1"), (18082, "[::1]"), (18083, "[::]"), (18084, "0.0.0.0")} <= got


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
