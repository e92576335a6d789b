"""The console command ends a check without tearing the interpreter down: the exit code,
the output and the atexit functions are those a normal exit gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_ENTRY = """\
import atexit, sys
atexit.register(lambda: sys.stderr.write("ATEXIT RAN\\n"))
from envcheck.entry import main
main()
"""


def _console(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True, timeout=120)


def test_bad_input_keeps_its_exit_code_and_message() -> None:
    run = _console("check", "-i", "/nonexistent/hosts.yml")
    assert run.returncode == 2, run.stderr
    assert "does not exist" in run.stderr and "ATEXIT RAN" in run.stderr


def test_a_local_check_prints_its_whole_document_and_runs_atexit(tmp_path: Path) -> None:
    run = _console("check", "-c", "time.timezone", "--format", "json", "--runs-dir", str(tmp_path))
    assert run.returncode in (0, 1), run.stderr
    doc = json.loads(run.stdout)  # flushed before the process ended
    assert [r["check"] for r in doc["results"]] == ["time.timezone"]
    assert "ATEXIT RAN" in run.stderr
    assert (next(tmp_path.iterdir()) / "result.json").read_text(encoding="utf-8") == run.stdout


def test_other_commands_exit_as_usual() -> None:
    run = _console("--version")
    assert run.returncode == 0 and run.stdout.strip() and "ATEXIT RAN" in run.stderr
