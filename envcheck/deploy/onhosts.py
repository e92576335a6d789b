"""One small probe per host, over the SSH layer and probe machinery of `envcheck check`:
the deploy preflight (what Python a host has) and the sweep after a canceled run (what the
run left running there) each send one script per host, one exec each, all hosts at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from envcheck.audit.probe import build_script, split_output
from envcheck.checks.registry import Fact
from envcheck.inventory import InventoryHost
from envcheck.model import ProbeOutput
from envcheck.ssh import SshSettings, transport_for

# ansible_connection values that reach a host over SSH (or this machine) as envcheck does.
_SSH_CONNECTIONS = (None, "", "ssh", "smart", "paramiko", "paramiko_ssh", "local")


@dataclass(frozen=True)
class HostAnswer:
    host: str
    output: ProbeOutput | None  # None: the probe did not run (error says why)
    error: str | None = None


def reachable_by_ssh(host: InventoryHost) -> bool:
    """Whether the SSH layer reaches this host as Ansible does (not docker, winrm...)."""
    return host.variables.get("ansible_connection") in _SSH_CONNECTIONS


def probe_hosts(hosts: Sequence[InventoryHost], fact_for: Callable[[InventoryHost], Fact],
                timeout: float, forks: int = 20, ssh: SshSettings | None = None) -> list[HostAnswer]:
    """Run each host's fact (sudo'd where the fact says so) and return its output, in host order."""
    if not hosts:
        return []
    transport = transport_for("openssh", ssh or SshSettings(), [h.target for h in hosts])

    def one(host: InventoryHost) -> HostAnswer:
        fact = fact_for(host)
        script = build_script([fact])
        try:
            session = transport.run(host.target, script.text, timeout)
        except Exception as exc:  # one host's trouble is that host's answer
            return HostAnswer(host.name, None, f"{type(exc).__name__}: {exc}")
        if session.error is not None:
            return HostAnswer(host.name, None, session.error)
        output = split_output(script.marker, session.stdout).get(fact.id)
        if output is None:
            tail = session.stderr.decode("utf-8", "replace").strip()[-300:]
            return HostAnswer(host.name, None, "probe did not finish" + (f": {tail}" if tail else ""))
        return HostAnswer(host.name, output)

    with transport, ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts))),
                                       thread_name_prefix="envcheck-onhost") as pool:
        return list(pool.map(one, hosts))
