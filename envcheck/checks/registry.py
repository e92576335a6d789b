"""Registries of facts (what to read from a host) and checks (what to expect of it).

A fact is a probe command plus a pure parser of its output. A check names the facts
it reads and evaluates them against the standard with a pure function. Adding a check is
one decorated function (and, for a new fact, a parser and a captured-output fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from envcheck.model import Absent, HostFacts, Outcome, ProbeOutput, Severity, Text
from envcheck.standard import Standard

Parser = Callable[[ProbeOutput], Any]
Evaluation = Callable[[Mapping[str, Any], Standard], Outcome]
FleetEvaluation = Callable[[Sequence["FleetHost"], Standard], Outcome]


@dataclass(frozen=True)
class HostContext:
    """What the inventory says of a host and its peers; given to dynamic probes and, as
    the pseudo fact "host", to evaluations."""

    name: str
    address: str
    groups: tuple[str, ...]
    lan_address: str | None
    peers: Mapping[str, tuple[tuple[str, str], ...]]  # group -> ((name, lan address), ...)


CommandFor = Callable[[HostContext, Standard], "str | None"]
# A fact read by the controller through the host rather than by the probe script (a database
# session over an SSH channel from the host's network position): given the host, its standard
# and the host's Tunnels (envcheck.appview.tunnel), it returns what a probe's stdout would be.
Gather = Callable[[HostContext, Standard, Any], str]


@dataclass(frozen=True)
class Fact:
    id: str
    command: str  # POSIX sh, run under LC_ALL=C.UTF-8 with /usr/sbin:/sbin on PATH
    parse: Parser
    sudo: bool = False  # needs root: run through sudo when the user is not root
    timeout: float = 10.0
    # For probes built from the inventory (tier reachability): every value in the
    # command it returns must be shlex.quote()d. None: the fact does not apply here.
    command_for: CommandFor | None = None
    # False for a probe that reads only this host's own files and /proc (never a daemon, DNS,
    # a peer, a mount or another process's memory): it cannot hang, so its subshell runs in
    # the foreground, without the watchdog's bookkeeping (envcheck.audit.probe).
    may_block: bool = True
    # A test made of shell builtins only (command -v, [ ], ecany PATH...), false where the
    # probe's subject is not installed: there the probe is not started (no subshell, on
    # every host without it) and reads as `ABSENT`, which its parser takes for "not here".
    # The command itself then need not test for it again.
    present: str | None = None
    # Read from the controller through the host (see Gather); `command` (or command_for's) is
    # then the record of what is asked, never a secret, and never sent to the host.
    gather: Gather | None = None
    # False for output that is machine data holding no secret (versions, hashes, kernel
    # settings): its evidence is kept without the masking pass (a snapshot's sysctl, packages
    # and services cost 150-200 ms of the controller's time a host to mask, for nothing).
    masked: bool = True

    def bind(self, ctx: HostContext, std: Standard) -> Fact | None:
        if self.command_for is None:
            return self
        command = self.command_for(ctx, std)
        return None if command is None else replace(self, command=command, command_for=None)


@dataclass(frozen=True)
class Remediation:
    """How a failure is fixed: by a playbook role and tags, or by hand."""

    playbook: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def manual(self) -> bool:
        return self.playbook is None


MANUAL = Remediation()


@dataclass(frozen=True)
class Check:
    id: str  # area.name
    title: Text
    fix: Text
    severity: Severity
    facts: tuple[str, ...]
    evaluate: Evaluation
    remediation: Remediation = MANUAL

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class FleetHost:
    """What a fleet check sees of one host."""

    name: str
    groups: tuple[str, ...]
    facts: HostFacts
    standard: Standard


@dataclass(frozen=True)
class FleetCheck:
    id: str
    title: Text
    fix: Text
    severity: Severity
    evaluate: FleetEvaluation
    remediation: Remediation = MANUAL
    facts: tuple[str, ...] = ()  # per-host facts it compares (gathered even when run alone)


FACTS: dict[str, Fact] = {}
CHECKS: dict[str, Check] = {}
FLEET_CHECKS: dict[str, FleetCheck] = {}


def fact(
    fact_id: str,
    command: str = "",
    *,
    sudo: bool = False,
    timeout: float = 10.0,
    command_for: CommandFor | None = None,
    may_block: bool = True,
    present: str | None = None,
    gather: Gather | None = None,
) -> Callable[[Parser], Parser]:
    """Register a parser as the fact `fact_id`, read by `command` (or by the command
    that `command_for` builds per host from the inventory)."""

    def register(parse: Parser) -> Parser:
        if fact_id in FACTS:
            raise ValueError(f"fact {fact_id} registered twice")
        if not command and command_for is None:
            raise ValueError(f"fact {fact_id} has no command")
        FACTS[fact_id] = Fact(fact_id, command, parse, sudo, timeout, command_for, may_block, present, gather)
        return parse

    return register


def check(
    check_id: str,
    *,
    title: tuple[str, str],
    fix: tuple[str, str],
    severity: Severity,
    facts: Sequence[str],
    remediation: Remediation = MANUAL,
) -> Callable[[Evaluation], Evaluation]:
    """Register an evaluation as the check `check_id` (titles and fix hints: en, zh)."""

    def register(evaluate: Evaluation) -> Evaluation:
        if check_id in CHECKS or check_id in FLEET_CHECKS:
            raise ValueError(f"check {check_id} registered twice")
        CHECKS[check_id] = Check(
            check_id, Text(*title), Text(*fix), severity, tuple(facts), evaluate, remediation
        )
        return evaluate

    return register


def fleet_check(
    check_id: str,
    *,
    title: tuple[str, str],
    fix: tuple[str, str],
    severity: Severity,
    remediation: Remediation = MANUAL,
    facts: Sequence[str] = (),
) -> Callable[[FleetEvaluation], FleetEvaluation]:
    def register(evaluate: FleetEvaluation) -> FleetEvaluation:
        if check_id in CHECKS or check_id in FLEET_CHECKS:
            raise ValueError(f"check {check_id} registered twice")
        FLEET_CHECKS[check_id] = FleetCheck(
            check_id, Text(*title), Text(*fix), severity, evaluate, remediation, tuple(facts)
        )
        return evaluate

    return register


def absent(en: str, zh: str) -> Absent:
    return Absent(Text(en, zh))
