"""The run directory contract (envcheck.runs): runs sort by the time they started, however
many start in one second, and `report` and `fix` take the later of two runs started in the
same second. Real check runs on this machine (no inventory: the local shell, no SSH)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.runs import latest_run, list_runs, new_run_dir

STAMP = re.compile(r"^(\d{8}-\d{6})\.\d{6}-check$")


def test_names_sort_by_start_within_one_second(tmp_path: Path) -> None:
    made = [new_run_dir("check", tmp_path) for _ in range(50)]
    assert list_runs(tmp_path, "check") == made  # the order they were made in
    assert len({STAMP.match(p.name).group(1) for p in made}) <= 2  # type: ignore[union-attr]


def _check(runs: Path) -> Path:
    argv = ["check", "-c", "time.timezone_consistent", "--format", "json", "--runs-dir", str(runs)]
    result = CliRunner().invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
    return list_runs(runs, "check")[-1]


def test_report_and_fix_take_the_later_of_two_runs_started_in_the_same_second(tmp_path: Path) -> None:
    for attempt in range(10):  # until two runs start within one second (a check here takes ~0.1 s)
        runs = tmp_path / f"runs{attempt}"
        first, second = _check(runs), _check(runs)
        if STAMP.match(first.name).group(1) == STAMP.match(second.name).group(1):  # type: ignore[union-attr]
            break
    else:
        raise AssertionError("no two runs started in the same second in 10 attempts")
    assert first != second and latest_run(runs, "check", "result.json") == second
    report = CliRunner().invoke(cli, ["report", "--format", "markdown", "--runs-dir", str(runs)])
    assert report.exception is None or isinstance(report.exception, SystemExit), report.exception
    assert second.name in report.output and first.name not in report.output
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("here ansible_connection=local\n")
    fix = CliRunner().invoke(cli, ["fix", "-i", str(inventory), "--check", "--runs-dir", str(runs)])
    assert fix.exception is None or isinstance(fix.exception, SystemExit), fix.exception
    assert f"{second}" in fix.output and f"{first}" not in fix.output, fix.output
