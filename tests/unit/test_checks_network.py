"""Network and service checks: small fact values in, status out; the commands built from the
inventory quote every value."""

from __future__ import annotations

import shlex
from typing import Any

from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, FACTS, load_catalogue
from envcheck.checks.registry import HostContext
from envcheck.model import ProbeOutput, Status
from envcheck.standard import Standard

load_catalogue()
STD = Standard.from_vars({})
PEERS = {"web": (("web1", "10.99.0.11"),), "app": (("app1", "10.99.0.12"), ("app2", "10.99.0.22")),
         "db": (("db1", "10.99.0.13"),)}
CTX = HostContext("web1", "127.0.0.11", ("web",), "10.99.0.11", PEERS)


def status(check_id: str, std: Standard = STD, ctx: HostContext = CTX, **facts: Any) -> Status:
    values = {k.replace("__", "."): v for k, v in facts.items()}
    values.setdefault("host", ctx)
    return evaluate_check(CHECKS[check_id], "web1", values, std).status


def hostname(first: str | None, *resolves: str, addresses: tuple[str, ...] = ("127.0.0.1", "10.99.0.11")) -> Any:
    return {"hostname": "web1", "first": first, "resolves": list(resolves), "addresses": list(addresses)}


def test_hostname_resolves_to_the_lan_address_first() -> None:
    assert status("network.hostname_resolves", network__hostname=hostname("10.99.0.11", "10.99.0.11")) == Status.PASS
    # Debian's installer default: 127.0.1.1 first, the LAN address behind it.
    assert status("network.hostname_resolves",
                  network__hostname=hostname("127.0.1.1", "127.0.1.1", "10.99.0.11")) == Status.FAIL
    assert status("network.hostname_resolves", network__hostname=hostname("127.0.1.1", "127.0.1.1")) == Status.FAIL
    assert status("network.hostname_resolves", network__hostname=hostname(None)) == Status.FAIL
    assert status("network.hostname_resolves", network__hostname=hostname("10.99.0.99", "10.99.0.99")) == Status.FAIL


def test_hostname_without_lan_address_in_the_inventory_uses_the_interfaces() -> None:
    ctx = HostContext("web1", "127.0.0.11", ("web",), None, PEERS)
    assert status("network.hostname_resolves", ctx=ctx,
                  network__hostname=hostname("10.99.0.11", "10.99.0.11")) == Status.PASS
    assert status("network.hostname_resolves", ctx=ctx,
                  network__hostname=hostname("192.0.2.1", "192.0.2.1")) == Status.FAIL


def svc(units: list[str], active: list[str], enabled: list[str]) -> dict[str, Any]:
    return {"units": units, "active": active, "enabled": enabled}


def test_services_active_and_enabled() -> None:
    good = {"nginx": svc(["nginx.service"], ["nginx.service"], ["nginx.service"])}
    assert status("network.services_active", network__services=good) == Status.PASS
    assert status("network.services_enabled", network__services=good) == Status.PASS
    stopped = {**good, "tomcat": svc(["tomcat10.service"], [], ["tomcat10.service"])}
    assert status("network.services_active", network__services=stopped) == Status.FAIL
    assert status("network.services_enabled", network__services=stopped) == Status.PASS
    missing = {**good, "tomcat": svc([], [], [])}
    assert status("network.services_active", network__services=missing) == Status.FAIL


def test_services_parser_sees_through_debians_postgresql_umbrella() -> None:
    parse = FACTS["network.services"].parse
    head = "want|postgresql|postgresql,postgresql-16\nfile|postgresql.service|enabled\n"
    up = parse(ProbeOutput(head + "unit|postgresql.service|active|exited\n"
                                  "unit|postgresql@15-main.service|active|running\n", 0))
    assert up["postgresql"]["active"] == ["postgresql@15-main.service"]
    assert up["postgresql"]["enabled"] == ["postgresql.service"]
    down = parse(ProbeOutput(head + "unit|postgresql.service|active|exited\n"
                                    "unit|postgresql@15-main.service|failed|failed\n", 0))
    assert down["postgresql"]["active"] == []
    # A oneshot service with no instances counts as active when it ran.
    oneshot = parse(ProbeOutput("want|x|x\nunit|x.service|active|exited\n", 0))
    assert oneshot["x"]["active"] == ["x.service"]


def test_services_command_quotes_and_skips_without_services() -> None:
    fact = FACTS["network.services"]
    assert fact.bind(CTX, STD) is None
    std = Standard.from_vars({"standard_services": ["nginx", "x'; rm -rf / #"]})
    bound = fact.bind(CTX, std)
    assert bound is not None and shlex.quote("x'; rm -rf / #") + ".service" in bound.command


def test_ports() -> None:
    std = Standard.from_vars({"standard_ports": [80, 5432]})
    all_addr = [{"port": 80, "address": "0.0.0.0"}, {"port": 5432, "address": "[::]"}]
    assert status("network.ports_listening", std, network__ports=all_addr) == Status.PASS
    assert status("network.ports_listening", std, network__ports=all_addr[:1]) == Status.FAIL
    local = [all_addr[0], {"port": 5432, "address": "127.0.0.1"}, {"port": 5432, "address": "[::1]"}]
    assert status("network.ports_listening", std, network__ports=local) == Status.WARN
    assert status("network.ports_listening", network__ports=all_addr) == Status.SKIP  # no ports expected


def test_firewall_and_selinux_are_reported() -> None:
    sec = {"selinux": "absent", "firewall": "none", "nft_rules": 0, "iptables_rules": 0, "input_policy": None}
    assert status("network.firewall", network__security=sec) == Status.PASS
    assert status("network.selinux", network__security=sec) == Status.SKIP
    assert status("network.selinux", network__security={**sec, "selinux": "enforcing"}) == Status.PASS


def test_tiers() -> None:
    def probe(port: int, state: str) -> dict[str, Any]:
        return {"target": "app1", "address": "10.99.0.12", "port": port, "ok": state == "open", "state": state}

    assert status("network.tiers", network__tiers=[probe(8080, "open")]) == Status.PASS
    assert status("network.tiers", network__tiers=[probe(8080, "open"), probe(8443, "timeout")]) == Status.FAIL


def test_tiers_command_from_the_source_group_only_and_quoted() -> None:
    fact = FACTS["network.tiers"]
    bound = fact.bind(CTX, STD)  # web -> app on 8080
    assert bound is not None
    assert bound.command.endswith("\nectiers app1 10.99.0.12 8080 app2 10.99.0.22 8080")
    db = HostContext("db1", "127.0.0.13", ("db",), "10.99.0.13", PEERS)
    assert fact.bind(db, STD) is None  # no tier starts at db: skipped
    evil = HostContext("web1", "x", ("web",), None, {"app": (("a$(reboot)", "10.0.0.1;reboot"),)})
    cmd = fact.bind(evil, STD)
    assert cmd is not None and cmd.command.endswith("\nectiers 'a$(reboot)' '10.0.0.1;reboot' 8080")


def test_tiers_parser_tells_refused_from_timeout() -> None:
    out = ProbeOutput("app1|10.99.0.12|8080|0\napp2|10.99.0.22|8080|124\ndb1|10.99.0.13|5432|1\n", 0)
    states = {(p["target"], p["state"]) for p in FACTS["network.tiers"].parse(out)}
    assert states == {("app1", "open"), ("app2", "timeout"), ("db1", "refused")}


def test_peers_resolve() -> None:
    good = {"app1": "10.99.0.12", "app2": "10.99.0.22", "db1": "10.99.0.13"}
    assert status("network.peers_resolve", network__peers=good) == Status.PASS
    assert status("network.peers_resolve", network__peers={**good, "db1": ""}) == Status.FAIL
    assert status("network.peers_resolve", network__peers={**good, "db1": "10.99.0.99"}) == Status.FAIL


def _run_here(command: str) -> ProbeOutput:
    import subprocess

    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30)
    return ProbeOutput(proc.stdout, proc.returncode, proc.stderr)


def test_the_peers_probe_asks_once_and_falls_back_to_one_name_at_a_time_on_this_machine() -> None:
    """Run for real with this machine's resolver: every name known (one getent for all),
    and a name that does not resolve among them (its answer is missing, so one by one)."""
    fact = FACTS["network.peers"]
    known = HostContext("me", "127.0.0.1", (), None, {"a": (("localhost", "127.0.0.1"), ("127.0.0.7", "x"))})
    command = fact.bind(known, STD).command
    assert command.count("getent ahostsv4 \"$@\"") == 1
    assert fact.parse(_run_here(command)) == {"localhost": "127.0.0.1", "127.0.0.7": "127.0.0.7"}
    mixed = HostContext("me", "127.0.0.1", (), None,
                        {"a": (("localhost", "127.0.0.1"), ("no-such-peer.invalid", "x"), ("127.0.0.7", "x"))})
    got = fact.parse(_run_here(fact.bind(mixed, STD).command))
    assert got == {"localhost": "127.0.0.1", "no-such-peer.invalid": "", "127.0.0.7": "127.0.0.7"}


def test_the_tiers_probe_tells_open_refused_and_silent_ports_apart_on_this_machine() -> None:
    """Real connects on loopback: a listening port, a closed one, and one whose listener's
    queue is full (the kernel drops the SYN: no answer at all, like a firewall's DROP)."""
    import socket
    import time

    from envcheck.standard import Tier

    listening = socket.create_server(("127.0.0.1", 0))
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    fillers = []
    for _ in range(4):  # fill the accept queue: later SYNs go unanswered
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(silent.getsockname())
        fillers.append(s)
    time.sleep(0.2)
    ports = (listening.getsockname()[1], closed_port, silent.getsockname()[1])
    std = Standard.from_vars({})
    std = type(std)(**{**std.__dict__, "tiers": (Tier("web", "app", ports),)})
    ctx = HostContext("web1", "127.0.0.1", ("web",), None, {"app": (("app1", "127.0.0.1"),)})
    command = FACTS["network.tiers"].bind(ctx, std).command
    try:
        got = FACTS["network.tiers"].parse(_run_here(command))
    finally:
        for s in (listening, silent, *fillers):
            s.close()
    states = {r["port"]: r["state"] for r in got}
    assert states == {ports[0]: "open", ports[1]: "refused", ports[2]: "timeout"}, got


def test_the_hostname_probe_reads_the_hosts_addresses_only_without_a_lan_address() -> None:
    """With the inventory's LAN address the evaluation never looks at the host's own
    addresses: no `ip` on that host."""
    with_lan = FACTS["network.hostname"].bind(CTX, STD)
    without = FACTS["network.hostname"].bind(HostContext("web1", "127.0.0.11", ("web",), None, PEERS), STD)
    assert with_lan is not None and without is not None
    assert "ip -o addr" not in with_lan.command and "ip -o addr" in without.command
    assert "getent hosts" in with_lan.command and "getent ahostsv4" in with_lan.command
