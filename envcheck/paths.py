"""Where envcheck finds its playbooks and roles, and keeps its runs."""

from __future__ import annotations

import os
from pathlib import Path

# The playbooks and roles (each role with its templates) ship inside the package, so a plain
# `pip install` can deploy; ENVCHECK_HOME=<folder holding playbooks/> still points elsewhere
# (a site's own copy of the roles).
_HOME = os.environ.get("ENVCHECK_HOME")
PLAYBOOK_DIR = Path(_HOME) / "playbooks" if _HOME else Path(__file__).resolve().parent / "playbooks"
ROLES_DIR = PLAYBOOK_DIR / "roles"


def runs_dir() -> Path:
    """Evidence of every run is kept here (override with ENVCHECK_RUNS_DIR)."""
    return Path(os.environ.get("ENVCHECK_RUNS_DIR", "runs"))


def shell_text(relative: str) -> str:
    """A fixed shell file shipped in the package (envcheck/<relative>, shellcheck'd by
    `make lint`), as it is sent to hosts."""
    return (Path(__file__).parent / relative).read_text(encoding="utf-8")
