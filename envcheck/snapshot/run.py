"""`envcheck snapshot` as a use case: the check run (envcheck.audit.run), its facts and the
snapshot's own gathered in the same one session per host, kept in runs/<started>-snapshot/."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from envcheck.audit.run import CheckRequest, CheckRun, run_check
from envcheck.checks.registry import Fact
from envcheck.inventory import Inventory
from envcheck.model import HostFacts
from envcheck.snapshot import facts, managed

KIND = "snapshot"


def snapshot_facts(inventory: Inventory) -> tuple[Fact, ...]:
    """The snapshot's facts for this inventory: the fixed ones, and those built from each
    host's variables (its managed files and snapshot_paths, the standard's users)."""
    files = {h.name: managed.files_of(h.name, h.groups, h.variables) for h in inventory.hosts}
    users = {h.name: managed.users_of(h.groups, h.variables) for h in inventory.hosts}
    return facts.FIXED + facts.per_host(files, users)


def run_snapshot(request: CheckRequest, *, inventory: Inventory | None = None,
                 on_start: Callable[[int], None] | None = None,
                 on_host: Callable[[HostFacts], None] | None = None,
                 stop: threading.Event | None = None) -> CheckRun:
    """A check run that also reads what envcheck.snapshot.facts reads, kept as a snapshot run;
    bad snapshot_paths are bad input before any host is contacted."""
    inventory = inventory or request.connection.load_inventory()
    snapshot_facts(inventory)  # bad input now, not once the sessions are open
    return run_check(replace(request, kind=KIND, more_facts=snapshot_facts), inventory=inventory,
                     on_start=on_start, on_host=on_host, stop=stop)
