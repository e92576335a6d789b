"""What a canceled or timed-out run left running on its hosts, found and ended there.

Ending ansible-playbook on the controller ends a task's SSH session, not the module it started
on the host: its python3 and apt-get would run on and hold the package lock for the next run.
Every play sets ENVCHECK_RUN=<run id> in the environment of what it starts (its
`environment:` keyword, from the extra variable envcheck_run), which every child inherits; after
a canceled run (every host of it) or a task timeout (that host), one script per host, over the
SSH layer of `envcheck check` and as root, stops every process carrying that run's mark, with
its descendants, and kills them (the probe prelude's eckill).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.checks.registry import Fact
from envcheck.deploy.onhosts import probe_hosts, reachable_by_ssh
from envcheck.inventory.record import load
from envcheck.model import ProbeOutput

RUN_VARIABLE = "envcheck_run"  # the extra variable the plays put in ENVCHECK_RUN
MARK = "ENVCHECK_RUN"
FACT_ID = "deploy.sweep"
TIMEOUT = 60.0
# Ansible's words when a task's `timeout:` ends it (2.19: "Task failed: Timed out after 30
# second(s)."; 2.16: "The task action did not complete within the requested time - 30s").
_TIMEOUT_WORDS = ("timed out after", "did not complete within the requested time")


@dataclass(frozen=True)
class Sweep:
    """What a canceled or timed-out run left running on a host, ended after the run."""

    host: str
    ended: tuple[str, ...] = ()  # "pid command" of each process ended
    error: str | None = None  # the host could not be looked at


def is_timeout(message: str) -> bool:
    lowered = message.lower()
    return any(w in lowered for w in _TIMEOUT_WORDS)


def command(run_id: str) -> str:
    """POSIX sh, as root: print "pid command" of each process marked with this run, then end
    each with its descendants (eckill of envcheck/audit/prelude.sh)."""
    mark = shlex.quote(f"{MARK}={run_id}")
    return (
        f"ecmk={mark}; ecfound=\n"
        "for ecd in /proc/[0-9]*; do\n"
        "  ecp=${ecd#/proc/}; [ \"$ecp\" = \"$$\" ] && continue\n"
        "  grep -qzxF -e \"$ecmk\" \"$ecd/environ\" 2>/dev/null || continue\n"
        "  ecc=; { IFS= read -r ecc <\"$ecd/comm\"; } 2>/dev/null; echo \"$ecp $ecc\"; ecfound=\"$ecfound $ecp\"\n"
        "done\n"
        "for ecp in $ecfound; do eckill \"$ecp\"; done; true"
    )


def parse(out: ProbeOutput) -> tuple[str, ...]:
    return tuple(line.strip() for line in out.stdout.splitlines() if line.strip())


def fact(run_id: str) -> Fact:
    return Fact(FACT_ID, command(run_id), parse, sudo=True, timeout=TIMEOUT)


def hosts_to_sweep(hosts: Sequence[Any], canceled: bool, all_hosts: Sequence[str]) -> list[str]:
    """Every host of a canceled run; else those where a task ran past its timeout."""
    if canceled:
        return list(all_hosts)
    return [h.name for h in hosts if h.timed_out]


def after_run(request: Any, run_id: str, hosts: Sequence[Any], canceled: bool) -> tuple[Sweep, ...]:
    """Sweep the hosts that need it (see hosts_to_sweep); never raises."""
    if not canceled and not any(h.timed_out for h in hosts):
        return ()
    try:
        inventory = load(request.inventories, request.limit, request.vault_password_file, None)
        names = hosts_to_sweep(hosts, canceled, [h.name for h in inventory.hosts])
        targets = [h for h in inventory.hosts if h.name in names and reachable_by_ssh(h)]
        answers = probe_hosts(targets, lambda _h: fact(run_id), TIMEOUT, request.forks)
    except Exception as exc:  # the run's own outcome stands; the sweep says what it could not do
        return (Sweep("*", (), f"{type(exc).__name__}: {exc}"),)
    return tuple(Sweep(a.host, parse(a.output) if a.output else (), a.error) for a in answers)
