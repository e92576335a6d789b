"""A playbook run that failed before any host's task (here: a playbook Ansible refuses) prints
Ansible's own reason, not only "Result: failed"; the reason is read from the run's stdout, as
ansible-runner keeps it (stdout and stderr in one stream)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from envcheck.deploy.view import failure_cause

PLAYBOOK = "- hosts: all\n  tasks:\n    - name: t\n      no_such_module_xyz: {}\n"


def test_failure_cause_is_ansibles_error_line(tmp_path: Path) -> None:
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "artifacts").mkdir()
    ansible = Path(sys.executable).parent / "ansible-playbook"
    done = subprocess.run([str(ansible), "-i", "localhost,", str(tmp_path / "pb.yml")], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    (tmp_path / "artifacts" / "stdout").write_text(done.stdout + done.stderr)
    outcome = SimpleNamespace(status="failed", hosts=(), run_dir=tmp_path)
    cause = failure_cause(outcome)
    assert cause and "no_such_module_xyz" in " ".join(cause), cause
    assert failure_cause(SimpleNamespace(status="successful", hosts=(), run_dir=tmp_path)) == []
