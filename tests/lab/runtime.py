"""The legacy ansible-core runtime (docs/platforms.md) for the lab tests: installed once per
machine, exactly as the docs and envcheck's refusal tell an engineer to, in the lab's cache
dir (kept across labs), one build at a time."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

from tests.lab.config import CACHE_DIR

HOME = CACHE_DIR / "ansible-2.16"
REQUIREMENT = "ansible-core>=2.16,<2.17"


def ensure_legacy_runtime(home: Path = HOME) -> Path:
    """The runtime's venv (python3 -m venv, then pip install the pinned ansible-core)."""
    home.parent.mkdir(parents=True, exist_ok=True)
    with (home.parent / ".ansible-2.16.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "bin" / "ansible-playbook").is_file():
            subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
            subprocess.run([str(home / "bin" / "pip"), "install", "-q", REQUIREMENT], check=True)
    return home
