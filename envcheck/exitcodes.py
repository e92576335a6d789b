"""The exit codes of every command, decided here and nowhere else.

    0    nothing failed
    1    a check, a test, a task or a command on a host failed
    2    bad input or usage (the message names the file, option or value)
    3    a host could not be reached (wins over 1); for deploy, also a worker whose connection
         ended mid-run (docs/zones.md)
    4    refused: `rollback` found a file changed since the deploy (a hand edit); --force overrides
    130  interrupted (Ctrl+C or SIGTERM): what was gathered so far is kept, marked incomplete

Each command states what happened (interrupted, unreachable, failed) and `decide` ranks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    UNREACHABLE = 3
    REFUSED = 4
    INTERRUPTED = 130


HELP = ("Exit codes: 0 nothing failed, 1 a check or task failed, 2 bad input or usage, "
        "3 a host was unreachable (wins over 1), 4 refused (rollback: a file changed since the deploy), "
        "130 interrupted (results so far kept).")
HELP_ZH = ("退出码:0 全部通过,1 有检查或任务失败,2 输入或用法错误,3 有主机无法连接(优先于 1),"
           "4 已拒绝(回滚:部署后文件被改动过),130 已中断(已收集的结果保留)。")


def decide(*, interrupted: bool = False, unreachable: bool = False, failed: bool = False) -> ExitCode:
    """Interrupted wins over unreachable, which wins over failed."""
    if interrupted:
        return ExitCode.INTERRUPTED
    if unreachable:
        return ExitCode.UNREACHABLE
    if failed:
        return ExitCode.FAILED
    return ExitCode.OK


_RANK = {ExitCode.OK: 0, ExitCode.FAILED: 1, ExitCode.UNREACHABLE: 2, ExitCode.REFUSED: 3,
         ExitCode.BAD_INPUT: 4, ExitCode.INTERRUPTED: 5}


def worst(codes: Iterable[int]) -> ExitCode:
    """The code of several steps run in turn (fix: previews, applies, the re-check)."""
    return max((ExitCode(c) for c in codes), key=_RANK.__getitem__, default=ExitCode.OK)


def of_audit(report: Any) -> ExitCode:
    """A check run (envcheck.audit.engine.AuditReport)."""
    return decide(interrupted=not report.complete,
                  unreachable=any(not h.status.reachable for h in report.hosts),
                  failed=any(r.status in ("fail", "error") for r in report.results))


def of_snapshot(report: Any) -> ExitCode:
    """A snapshot run: what it read is kept whatever the checks say (failed checks: 0)."""
    return decide(interrupted=not report.complete,
                  unreachable=any(not h.status.reachable for h in report.hosts))


def of_diff(result: Any) -> ExitCode:
    """A diff (envcheck.diff.compare.DiffResult): 1 when a pair differs or a host is on one
    side only; an unreachable host wins."""
    return decide(unreachable=bool(result.unreachable),
                  failed=bool(result.only_a or result.only_b) or any(p.differences for p in result.pairs))


def of_deploy(outcome: Any) -> ExitCode:
    """A playbook run (envcheck.deploy.runner.DeployOutcome)."""
    return decide(interrupted=not outcome.complete,
                  # a worker whose connection ended mid-run: its hosts' outcome is unknown
                  unreachable=any(h.unreachable for h in outcome.hosts) or bool(getattr(outcome, "lost", ())),
                  failed=outcome.status != "successful" or any(h.failed for h in outcome.hosts))


def of_verify(run: Any) -> ExitCode:
    """A verify run (envcheck.verify.runner.VerifyRun); pytest's 5 is "no tests collected"."""
    return decide(interrupted=not run.complete,
                  unreachable=any(not h.reachable for h in run.hosts),
                  failed=any(t.outcome in ("failed", "error") for t in run.tests) or run.pytest_exit not in (0, 5))


def of_hosts(runs: Iterable[Any]) -> ExitCode:
    """Commands run on hosts (exec, collect, ping): each with `error` (could not run) and,
    where a command ran, `exit_code`."""
    items = list(runs)
    return decide(unreachable=any(r.error for r in items),
                  failed=any(getattr(r, "exit_code", 0) not in (0, None) for r in items))


def of_verdict(verdict: Any) -> ExitCode:
    """`report` (envcheck.verdict.Verdict): 0 only when Ready; 3 when a host was unreachable."""
    return decide(unreachable=verdict.unreachable, failed=not verdict.ready)
