"""The check as one use case: connection settings, a selection of checks and a runs folder in;
the report and its evidence out. `envcheck check`, the re-check of `envcheck fix` and every
later caller go through run_check(); the click commands keep only options, progress and printing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from envcheck.audit.engine import AuditReport, run_audit, select_checks
from envcheck.checks import load_catalogue
from envcheck.inventory import Inventory
from envcheck.masking import mask_record
from envcheck.model import HostFacts
from envcheck.runs.check import CheckEvidence
from envcheck.ssh import Connection, transport_for


@dataclass(frozen=True)
class CheckRequest:
    connection: Connection
    only: tuple[str, ...] = ()  # check ids or areas; () is the whole catalogue
    transport: str = "openssh"
    runs_dir: Path | None = None  # default ./runs
    lang: str = "en"  # of the messages kept in result.json


@dataclass(frozen=True)
class CheckRun:
    report: AuditReport
    run_dir: Path
    result_json: str  # result.json's text, also the `--format json` output


def run_check(request: CheckRequest, *, inventory: Inventory | None = None,
              on_start: Callable[[int], None] | None = None,
              on_host: Callable[[HostFacts], None] | None = None,
              stop: threading.Event | None = None) -> CheckRun:
    """Audit the selected hosts; bad input (an unknown check id, a bad inventory) is raised
    before any host is contacted. Each host's evidence is written as it answers, so an
    interrupted run (`stop` set, or KeyboardInterrupt) keeps what it gathered. `on_start` is
    told the number of hosts once the inventory is read; `on_host` each host as it answers."""
    if request.only:  # unknown ids are bad input before any host is contacted
        load_catalogue()
        select_checks(request.only)
    conn = request.connection
    inventory = inventory or conn.load_inventory()
    targets = [h.target for h in inventory.hosts]
    if on_start is not None:
        on_start(len(targets))
    transport = transport_for(request.transport, conn.ssh, targets)
    # The SSH handshakes of the first `forks` hosts run while the
    # catalogue loads and the probe scripts are built.
    transport.prepare(targets[: conn.forks], conn.timeout)
    try:
        load_catalogue()
        evidence = CheckEvidence.create(request.runs_dir, inventory)

        def host_done(hf: HostFacts) -> None:
            evidence.host_done(hf)
            if on_host is not None:
                on_host(hf)

        report = run_audit(inventory, transport, request.only, conn.forks, conn.timeout,
                           on_host=host_done, stop=stop)
    finally:
        transport.close_prepared()
    report = masked(report)
    return CheckRun(report, evidence.path, evidence.finish(report, request.lang))


def masked(report: AuditReport) -> AuditReport:
    """The report with the secrets of its results and host messages masked: every output
    (terminal, JSON, JUnit, Markdown, the report built from result.json) is rendered from it."""
    hosts = tuple(replace(h, status=mask_record(h.status)) for h in report.hosts)
    return replace(report, hosts=hosts, results=tuple(mask_record(r) for r in report.results))
