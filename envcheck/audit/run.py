"""The check as one use case: connection settings, a selection of checks and a runs folder in;
the report and its evidence out. `envcheck check`, the re-check of `envcheck fix` and every
later caller go through run_check(); the click commands keep only options, progress and printing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from envcheck import waivers
from envcheck.audit.engine import AuditReport, run_audit, select_checks, share_sessions
from envcheck.checks import load_catalogue
from envcheck.checks.registry import Fact
from envcheck.errors import BadInput
from envcheck.inventory import Inventory
from envcheck.masking import mask_record
from envcheck.model import HostFacts, Result, Waiver
from envcheck.runs import inventory_paths
from envcheck.runs.check import CheckEvidence
from envcheck.sitechecks import AREA as SITE
from envcheck.sitechecks import of_host as site_checks
from envcheck.ssh import Connection, transport_for
from envcheck.verdict import Scope

# Inventory variables a site describes itself with (the report's heading), besides the standard.
SITE_VARS = ("customer", "project", "site", "environment", "engineer")


@dataclass(frozen=True)
class CheckRequest:
    connection: Connection
    only: tuple[str, ...] = ()  # check ids or areas; () is the whole catalogue
    transport: str = "openssh"
    runs_dir: Path | None = None  # default ./runs
    lang: str = "en"  # of the messages kept in result.json
    waivers: tuple[Waiver, ...] = ()  # from --waivers FILE; the inventory's envcheck_waivers are added
    kind: str = "check"  # of the run directory: "snapshot" gathers more (envcheck.snapshot.run)
    more_facts: Callable[[Inventory], tuple[Fact, ...]] | None = None  # those facts, for the inventory


@dataclass(frozen=True)
class CheckRun:
    report: AuditReport
    run_dir: Path
    result_json: str  # result.json's text, also the `--format json` output


def run_check(request: CheckRequest, *, inventory: Inventory | None = None,
              on_start: Callable[[int], None] | None = None,
              on_host: Callable[[HostFacts], None] | None = None,
              stop: threading.Event | None = None,
              on_begin: Callable[[str], None] | None = None) -> CheckRun:
    """Audit the selected hosts; bad input (an unknown check id, a bad inventory) is raised
    before any host is contacted. Each host's evidence is written as it answers, so an
    interrupted run (`stop` set, or KeyboardInterrupt) keeps what it gathered. `on_start` is
    told the number of hosts once the inventory is read; `on_begin` each host's name as its session
    starts; `on_host` each host as it answers."""
    if request.only:  # unknown ids are bad input before any host is contacted
        load_catalogue()
        select_checks(request.only)
    conn = request.connection
    inventory = inventory or conn.load_inventory()
    found, declared = refuse_bad_input(request, inventory)
    targets = [h.target for h in inventory.hosts]
    if on_start is not None:
        on_start(len(targets))
    transport = transport_for(request.transport, conn.ssh, targets)
    share_sessions(inventory, transport, request.only)  # before the sessions below start
    # The SSH handshakes of the first `forks` hosts run while the
    # catalogue loads and the probe scripts are built.
    transport.prepare(targets[: conn.forks], conn.timeout)
    with transport:  # then sessions never taken and what they started end (Transport.__exit__)
        load_catalogue()
        scope = scope_of(request, inventory, declared, found)
        extra = request.more_facts(inventory) if request.more_facts is not None else ()
        evidence = CheckEvidence.create(request.runs_dir, inventory, request.kind,
                                        frozenset(f.id for f in extra if not f.masked), request.lang)

        def host_done(hf: HostFacts) -> None:
            evidence.host_done(hf)
            if on_host is not None:
                on_host(hf)

        today = datetime.now(ZoneInfo(scope.site["timezone"])).date()

        def settle(results: Sequence[Result]) -> tuple[Result, ...]:
            """Waived and masked: what every output is rendered from (result.json's lines now)."""
            settled = tuple(mask_record(r) for r in waivers.apply(results, scope.waivers, today))
            evidence.results_settled(settled)
            return settled

        report = run_audit(inventory, transport, request.only, conn.forks, conn.timeout,
                           on_host=host_done, stop=stop, on_begin=on_begin, extra=extra, settle=settle)
    report = masked_hosts(replace(report, scope=scope))
    return CheckRun(report, evidence.path, evidence.finish(report, request.lang))


def refuse_bad_input(request: CheckRequest, inventory: Inventory) -> tuple[tuple[Waiver, ...], tuple[str, ...]]:
    """What the inventory declares, read before any host is contacted, where a fault is bad input
    (exit 2): the waivers, the site checks (and any `site.<name>` asked for), the site's declared
    selection (`envcheck_checks`). Returns the waivers and the declared selection."""
    found = _waivers(request, inventory)
    _site_ids(request.only, inventory)
    declared = _declared(inventory)
    if declared:
        load_catalogue()
        select_checks(declared)
    return found, declared


def scope_of(request: CheckRequest, inventory: Inventory, declared: tuple[str, ...],
             found: tuple[Waiver, ...]) -> Scope:
    """What the run covers: the inventory, the selection against the site's declared one (the
    inventory's `envcheck_checks`) or the whole catalogue, the site's description and waivers.
    Needs the catalogue loaded."""
    first = inventory.hosts[0].variables if inventory.hosts else {}
    host_checks, fleet = select_checks(request.only)
    required_host, required_fleet = select_checks(declared)
    several = len(inventory.hosts) > 1  # the checks across hosts need two hosts to compare
    run = [c.id for c in host_checks] + ([c.id for c in fleet] if several else []) + _site_ids(request.only, inventory)
    required = [c.id for c in required_host] + ([c.id for c in required_fleet] if several else []) \
        + _site_ids((), inventory)
    site = {k: str(first[f"envcheck_{k}"]) for k in SITE_VARS if first.get(f"envcheck_{k}")}
    std = inventory.hosts[0].standard if inventory.hosts else None
    site["timezone"] = std.timezone if std else "UTC"
    if std:
        site["max_clock_offset_ms"] = str(std.max_clock_offset_ms)
    return Scope(tuple(inventory.sources), tuple(inventory_paths(inventory.sources)),
                 request.connection.limit, request.only, tuple(run), tuple(required), bool(declared),
                 site, found)


def _site_ids(only: tuple[str, ...], inventory: Inventory) -> list[str]:
    """The ids of the site checks (`site_checks` of the inventory) a selection takes, each once;
    a malformed entry, or an unknown `site.<name>` asked for, is bad input."""
    ids: dict[str, None] = {}
    for h in inventory.hosts:
        ids.update(dict.fromkeys(c.id for c in site_checks(h, inventory.sources).selected(only)))
    unknown = [c for c in only if c.startswith(SITE + ".") and c not in ids]
    if unknown:
        raise BadInput.of("error.unknown_check", name=repr(unknown[0]))
    return list(ids)


def _declared(inventory: Inventory) -> tuple[str, ...]:
    """The site's declared selection: `envcheck_checks` (group all)."""
    first = inventory.hosts[0].variables if inventory.hosts else {}
    return tuple(str(c) for c in _as_list(first.get("envcheck_checks")))


def _waivers(request: CheckRequest, inventory: Inventory) -> tuple[Waiver, ...]:
    """The waivers of --waivers and of every host's envcheck_waivers, each once."""
    found = list(request.waivers)
    for h in inventory.hosts:
        found += waivers.parse(h.variables.get(waivers.INVENTORY_VAR), f"inventory ({h.name}): "
                               f"{waivers.INVENTORY_VAR}")
    return waivers.unique(found)


def _as_list(value: object) -> list[object]:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def masked_hosts(report: AuditReport) -> AuditReport:
    """The report with the secrets of its host messages masked (its results are, as each host
    is evaluated): every output (terminal, JSON, JUnit, Markdown, the report built from
    result.json) is rendered from it."""
    return replace(report, hosts=tuple(replace(h, status=mask_record(h.status)) for h in report.hosts))
