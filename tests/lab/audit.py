"""`envcheck check` run in-process on lab hosts, for the integration tests: the report and
one result of it."""

from __future__ import annotations

from pathlib import Path

from envcheck.audit.engine import AuditReport, run_audit
from envcheck.checks import load_catalogue
from envcheck.inventory import load_inventory
from envcheck.model import Result, Status
from envcheck.ssh import OpenSSHTransport

load_catalogue()


def audit(inventory: Path, only: list[str], limit: str | None = None, timeout: float = 60) -> AuditReport:
    """The checks `only` on the inventory's hosts (those of `limit`), over OpenSSH."""
    return run_audit(load_inventory([str(inventory)], limit), OpenSSHTransport(), only, forks=10, timeout=timeout)


def result(report: AuditReport, host: str | None, check: str) -> Result:
    """The one result of `check` on `host` (None: a fleet check)."""
    [found] = [r for r in report.results if r.host == host and r.check == check]
    return found


def status(report: AuditReport, host: str | None, check: str) -> Status:
    return result(report, host, check).status
