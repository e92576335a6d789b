"""Run the verify suites in-process (pytest.main), hosts in parallel (pytest-xdist, one
group per host), and keep JUnit XML and a summary in runs/<timestamp>-verify/."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from envcheck.exitcodes import of_verify
from envcheck.runs import new_run_dir, write_record
from envcheck.ssh import reasons
from envcheck.verify.plan import SUITE_DIR, Plan


@dataclass(frozen=True)
class TestOutcome:
    host: str
    role: str
    test: str
    outcome: str  # passed | failed | skipped | error
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class HostOutcome:
    name: str
    suites: tuple[str, ...]
    reachable: bool
    error: str | None = None
    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class VerifyRun:
    path: Path
    hosts: tuple[HostOutcome, ...]
    tests: tuple[TestOutcome, ...]
    pytest_exit: int
    complete: bool = True

    @property
    def exit_code(self) -> int:
        return of_verify(self)


@dataclass
class Collector:
    """The in-process plugin object: every test report (from the xdist workers too)."""

    tests: list[TestOutcome] = field(default_factory=list)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        failed = report.failed
        if report.when == "call" or (report.when == "setup" and (failed or report.skipped)) or (
                report.when == "teardown" and failed):
            outcome = "error" if failed and report.when != "call" else report.outcome
            self.tests.append(TestOutcome(
                str(props.get("host", "")), str(props.get("role", "")), report.nodeid.split("::", 1)[-1],
                outcome, _message(report) if failed or report.skipped else "", round(report.duration, 3)))


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        text = str(report.longrepr[2])
    first = text.strip().split("\nassert ")[0]
    return first.removeprefix("AssertionError: ").strip()


def reachable(plan: Plan, names: Sequence[str]) -> dict[str, str | None]:
    """name -> None when `ssh host true` works, else the reason (envcheck.ssh.reasons, as every
    command gives it). Also opens each master connection that the tests then reuse."""
    def probe(name: str) -> tuple[str, str | None]:
        host = plan.host(name)
        if host.local:
            return name, None
        cmd = ["ssh", "-F", str(plan.ssh_config), "--", name, "true"]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=plan.timeout + 5, check=False)
        except subprocess.TimeoutExpired:
            return name, reasons.TIMED_OUT.say(host.address)
        if out.returncode == 0:
            return name, None
        reason = reasons.from_openssh(out.stderr)
        if reason is None:
            return name, reasons.OTHER.say(host.address, reasons.last_line(out.stderr) or None)
        return name, reason.say(host.address)

    with ThreadPoolExecutor(max_workers=max(1, min(32, len(names)))) as pool:
        return dict(pool.map(probe, names))


def run_verify(plan: Plan, base: Path | None, inventory: Sequence[str], forks: int) -> VerifyRun:
    path = new_run_dir("verify", base)
    started = datetime.now(UTC)
    record: dict[str, Any] = {"started": started.isoformat(), "complete": False, "inventory": list(inventory),
                              "hosts": [h.name for h in plan.hosts]}
    write_record(path, "verify", record)
    down = {k: v for k, v in reachable(plan, [h.name for h in plan.hosts]).items() if v}
    live = Plan(plan.ssh_config, plan.timeout, tuple(h for h in plan.hosts if h.name not in down))
    collector = Collector()
    code: int = 5
    roles = sorted({s for h in live.hosts for s in h.suites})
    if roles:
        try:
            code = _pytest(live, roles, path, forks, collector)
        except KeyboardInterrupt:
            code = pytest.ExitCode.INTERRUPTED
    complete = code != pytest.ExitCode.INTERRUPTED  # pytest turns Ctrl+C into this code
    hosts = tuple(_host_outcome(h.name, h.suites, down.get(h.name), collector.tests) for h in plan.hosts)
    result = VerifyRun(path, hosts, tuple(collector.tests), int(code), complete)
    write_record(path, "verify", record | {
        "finished": datetime.now(UTC).isoformat(), "complete": complete, "pytest_exit": int(code),
        "exit_code": int(result.exit_code), "junit": "junit.xml" if roles else None,
        "hosts": [asdict(h) for h in hosts], "tests": [asdict(t) for t in result.tests]})
    return result


def _pytest(plan: Plan, roles: Sequence[str], path: Path, forks: int, collector: Collector) -> int:
    plan_file = path / "plan.json"
    plan.write(plan_file)
    workers = min(forks, len(plan.hosts))
    with tempfile.TemporaryDirectory(prefix="envcheck-verify-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n", encoding="utf-8")
        args = [*(str(SUITE_DIR / f"test_{r}.py") for r in roles),
                "-c", str(ini), "--rootdir", str(SUITE_DIR), "-p", "envcheck.verify.plugin",
                "-p", "no:pytest11.testinfra", "-p", "no:cacheprovider", "-p", "no:randomly",
                "--envcheck-plan", str(plan_file), "--junitxml", str(path / "junit.xml"),
                "-o", "junit_family=xunit2", "-o", "junit_suite_name=envcheck-verify",
                "-q", "--tb=no", "--no-header", "-rN", "--import-mode=importlib"]
        if workers > 1:
            args += ["-n", str(workers), "--dist", "loadgroup"]
        os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        return int(pytest.main(args, plugins=[collector]))


def _host_outcome(name: str, suites: tuple[str, ...], error: str | None,
                  tests: Sequence[TestOutcome]) -> HostOutcome:
    mine = [t for t in tests if t.host == name]
    return HostOutcome(name, suites, error is None, error,
                       passed=sum(t.outcome == "passed" for t in mine),
                       failed=sum(t.outcome in ("failed", "error") for t in mine),
                       skipped=sum(t.outcome == "skipped" for t in mine))
