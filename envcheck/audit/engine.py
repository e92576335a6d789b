"""The audit: gather every host's facts in one exec each, in parallel, then evaluate.

A host that cannot be reached is a value in the report, never an exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from envcheck.audit.probe import build_script, split_output
from envcheck.checks.registry import (
    CHECKS,
    FACTS,
    FLEET_CHECKS,
    Check,
    Fact,
    FleetCheck,
    FleetHost,
    HostContext,
)
from envcheck.errors import BadInput
from envcheck.inventory import Inventory, InventoryHost
from envcheck.model import (
    Absent,
    FactError,
    HostFacts,
    HostStatus,
    Outcome,
    ProbeOutput,
    Result,
    Status,
    Text,
)
from envcheck.sitechecks import AREA as SITE
from envcheck.sitechecks import of_host as site_checks
from envcheck.ssh import Transport
from envcheck.standard import Standard
from envcheck.verdict import Scope

HOST_FACT = "host"  # pseudo fact: the HostContext of the host, from the inventory


@dataclass(frozen=True)
class AuditReport:
    started: datetime
    finished: datetime
    hosts: tuple[HostFacts, ...]
    results: tuple[Result, ...]
    complete: bool = True  # False when interrupted: the hosts gathered so far are kept
    pending: tuple[str, ...] = ()  # hosts an interruption left unfinished
    scope: Scope = field(default_factory=Scope)  # what the run was asked to cover (envcheck.audit.run)


def select_checks(ids: Sequence[str] | None) -> tuple[list[Check], list[FleetCheck]]:
    """Checks by id or area prefix (`time`, `mysql.charset_server`); all by default."""
    if not ids:
        return list(CHECKS.values()), list(FLEET_CHECKS.values())

    host_checks: list[Check] = []
    fleet: list[FleetCheck] = []
    for wanted in ids:
        if wanted == SITE or wanted.startswith(SITE + "."):
            continue  # the inventory's site checks: chosen per host (envcheck.sitechecks)
        found = [c for c in CHECKS.values() if c.id == wanted or c.area == wanted]
        found_fleet = [c for c in FLEET_CHECKS.values() if c.id == wanted or c.id.split(".")[0] == wanted]
        if not found and not found_fleet:
            raise BadInput.of("error.unknown_check", name=repr(wanted))
        host_checks += [c for c in found if c not in host_checks]
        fleet += [c for c in found_fleet if c not in fleet]
    return host_checks, fleet


def host_context(host: InventoryHost, inventory: Inventory,
                 peers: Mapping[str, tuple[tuple[str, str], ...]] | None = None) -> HostContext:
    """`peers`: fleet_peers(inventory), built once for all hosts (else here, for one)."""
    return HostContext(host.name, host.target.address, host.groups, host.lan_address,
                       fleet_peers(inventory) if peers is None else peers)


def fleet_peers(inventory: Inventory) -> Mapping[str, tuple[tuple[str, str], ...]]:
    """group -> ((name, LAN address), ...): one mapping every host's context shares (built per
    host, it made the controller's work grow with n²)."""
    return inventory.peers or {
        group: tuple(
            (name, inventory.host(name).lan_address or inventory.host(name).target.address)
            for name in names
        )
        for group, names in inventory.groups.items()
    }


def facts_needed(checks: Iterable[Check], fleet: Iterable[FleetCheck] = ()) -> list[Fact]:
    ids: list[str] = []
    for fact_ids in [c.facts for c in checks] + [c.facts for c in fleet]:
        ids += [f for f in fact_ids if f != HOST_FACT and f not in ids and f in FACTS]
    return [FACTS[i] for i in ids]


def share_sessions(inventory: Inventory, transport: Transport, only: Sequence[str] | None) -> None:
    """The hosts whose datasource sessions will be read through them (`gather` facts: the area
    app, with datasources declared) get a session the channels share (Transport.share): one SSH
    connection per host, not one more per channel. Before any session starts."""
    if only and not any(o.split(".")[0] == "app" for o in only):
        return
    for h in inventory.hosts:
        if h.standard.app_datasources and not h.target.local:
            transport.share(h.target)


def gather_host(host: InventoryHost, ctx: HostContext, facts: Sequence[Fact],
                transport: Transport, timeout: float) -> HostFacts:
    try:
        return _gather_host(host, ctx, facts, transport, timeout)
    except Exception as exc:  # one host's trouble must not end the run for the others
        status = HostStatus(host.name, host.target.address, False,
                            f"internal error: {type(exc).__name__}: {exc}")
        return HostFacts(status, host.groups)


def _gather_host(host: InventoryHost, ctx: HostContext, facts: Sequence[Fact],
                 transport: Transport, timeout: float) -> HostFacts:
    bound = {f.id: f.bind(ctx, host.standard) for f in facts}
    script = build_script(f for f in bound.values() if f is not None and f.gather is None)
    # The facts read through the host (datasource sessions) run beside its probe script.
    through = [f for f in bound.values() if f is not None and f.gather]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="envcheck-through") as beside:
        read_through = beside.submit(gather_through, host, ctx, through, transport, timeout) if through else None
        session = transport.run(host.target, script.text, timeout)
        gathered = read_through.result() if read_through is not None else {}
    status = HostStatus(
        name=host.name,
        address=host.target.address,
        reachable=session.error is None,
        error=session.error,
        clock_offset_ms=session.clock_offset_ms,
        clock_rtt_ms=session.clock_rtt_ms,
        seconds=session.seconds,
    )
    if session.error is not None:
        return HostFacts(status, host.groups)
    raw = split_output(script.marker, session.stdout)
    raw.update(gathered)
    values: dict[str, Any] = {HOST_FACT: ctx}
    stderr_tail = session.stderr.decode("utf-8", "replace").strip()[-300:]
    for fact_id, fact in bound.items():
        if fact is None:
            values[fact_id] = Absent(Text("does not apply to this host", "不适用于此主机"))
        elif fact_id not in raw:
            why = "probe did not finish" + (": " + stderr_tail if stderr_tail else "")
            values[fact_id] = FactError(why)
        else:
            values[fact_id] = parse_fact(fact, raw[fact_id])
    return HostFacts(status, host.groups, values, raw)


def gather_through(host: InventoryHost, ctx: HostContext, facts: Sequence[Fact], transport: Transport,
                   timeout: float) -> dict[str, ProbeOutput]:
    """The facts the controller reads through the host (datasource sessions), once its probe
    script has answered: their output is evidence like any probe's."""
    if not facts:
        return {}
    from envcheck.appview.tunnel import Tunnels  # noqa: PLC0415 (only where such a fact applies)

    tunnels = Tunnels(transport, host.target, timeout)
    out = {}
    try:
        for fact in facts:
            assert fact.gather is not None
            try:
                out[fact.id] = ProbeOutput(fact.gather(ctx, host.standard, tunnels), 0)
            except Exception as exc:  # its parser reads the error as a FactError
                out[fact.id] = ProbeOutput("", 1, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        tunnels.close()  # the host's master connection ends with its sessions
    return out


def parse_fact(fact: Fact, output: Any) -> Any:
    if output.rc == 124:
        return FactError(f"probe timed out after {int(fact.timeout)} s")
    try:
        return fact.parse(output)
    except Exception as exc:  # a parser bug or an output never seen: data, not a crash
        return FactError(f"cannot read the output of {fact.id}: {type(exc).__name__}: {exc}")


def evaluate_host(hf: HostFacts, std: Standard, checks: Sequence[Check]) -> list[Result]:
    if not hf.status.reachable:
        return []
    return [evaluate_check(c, hf.status.name, hf.facts, std) for c in checks]


def evaluate_check(c: Check, host: str | None, facts: Mapping[str, Any], std: Standard) -> Result:
    values = {f: facts.get(f) for f in c.facts}
    outcome: Outcome
    absent = error = None
    for v in values.values():  # the first fact that does not apply, the first that failed
        if absent is None and isinstance(v, Absent):
            absent = v
        elif error is None and isinstance(v, FactError):
            error = v
    if absent is not None:
        outcome = Outcome(Status.SKIP, message=absent.reason)
    elif error is not None:
        outcome = Outcome(Status.ERROR, message=Text(error.message, error.message))
    else:
        try:
            outcome = c.evaluate(values, std)
        except Exception as exc:
            msg = f"evaluation failed: {type(exc).__name__}: {exc}"
            outcome = Outcome(Status.ERROR, message=Text(msg, msg))
    return _result(c, host, outcome)


def _result(c: Check | FleetCheck, host: str | None, o: Outcome) -> Result:
    message = o.message or c.title
    return Result(host, c.id, o.status, c.severity, o.expected, o.found, message, c.fix, c.title)


def evaluate_fleet(hosts: Sequence[FleetHost], fleet: Sequence[FleetCheck], std: Standard) -> list[Result]:
    results = []
    for c in fleet:
        try:
            outcome = c.evaluate(hosts, std)
        except Exception as exc:
            msg = f"evaluation failed: {type(exc).__name__}: {exc}"
            outcome = Outcome(Status.ERROR, message=Text(msg, msg))
        results.append(_result(c, None, outcome))
    return results


def run_audit(
    inventory: Inventory,
    transport: Transport,
    check_ids: Sequence[str] | None = None,
    forks: int = 20,
    timeout: float = 60.0,
    on_host: Callable[[HostFacts], None] | None = None,
    stop: threading.Event | None = None,
    on_begin: Callable[[str], None] | None = None,
    extra: Sequence[Fact] = (),
    settle: Callable[[Sequence[Result]], Sequence[Result]] = tuple,
) -> AuditReport:
    """`on_begin` is told each host's name as its session starts, `on_host` each host as it
    finishes (its raw output, which on_host may write as evidence, is dropped afterwards: a
    large fleet's report holds the parsed facts only). `extra`: facts gathered beside the
    checks' (a snapshot's), kept in the evidence. `settle`: what becomes of each host's results
    once evaluated (waivers, masking: envcheck.audit.run), done while the others still answer,
    and of the fleet's at the end."""
    checks, fleet = select_checks(check_ids)
    facts = facts_needed(checks, fleet) + list(extra)
    site = {h.name: site_checks(h, inventory.sources) for h in inventory.hosts}
    site_facts = {name: [*facts, *s.facts] if s.facts else facts for name, s in site.items()}
    share_sessions(inventory, transport, check_ids)
    started = datetime.now(UTC)
    gathered: dict[str, HostFacts] = {}
    evaluated: dict[str, list[Result]] = {}
    complete = True
    pool = ThreadPoolExecutor(max_workers=max(1, forks), thread_name_prefix="envcheck-host")
    peers = fleet_peers(inventory)

    def gather(h: InventoryHost) -> HostFacts:
        if on_begin is not None:
            on_begin(h.name)
        return gather_host(h, host_context(h, inventory, peers), site_facts[h.name], transport, timeout)

    try:
        futures = {pool.submit(gather, h): h for h in inventory.hosts}
        for future in as_completed(futures):
            hf = future.result()
            gathered[hf.status.name] = hf
            # Evaluated as it arrives, while other hosts still answer: not after the last one.
            name = hf.status.name
            evaluated[name] = list(settle(evaluate_host(hf, inventory.host(name).standard,
                                                        [*checks, *site[name].selected(check_ids or ())])))
            if on_host:
                on_host(hf)
            gathered[hf.status.name] = replace(hf, raw={})
            if stop is not None and stop.is_set():
                complete = False
                break
    except KeyboardInterrupt:
        complete = False
    finally:
        if not complete:  # sessions still open end now, not at their timeout
            transport.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        transport.end_shared()  # the masters kept for the channels through the hosts
    ordered = [gathered[h.name] for h in inventory.hosts if h.name in gathered]
    results: list[Result] = []
    for hf in ordered:
        results += evaluated[hf.status.name]
    fleet_hosts = [
        FleetHost(hf.status.name, hf.groups, hf, inventory.host(hf.status.name).standard)
        for hf in ordered if hf.status.reachable
    ]
    if fleet and len(inventory.hosts) > 1:
        results += settle(evaluate_fleet(fleet_hosts, fleet, _fleet_standard(inventory)))
    pending = tuple(h.name for h in inventory.hosts if h.name not in gathered)
    return AuditReport(started, datetime.now(UTC), tuple(ordered), tuple(results), complete, pending)


def _fleet_standard(inventory: Inventory) -> Standard:
    # Fleet-wide expectations (one timezone, skew limit) come from the group "all":
    # the first host's standard carries them unless a group overrides them.
    return inventory.hosts[0].standard
