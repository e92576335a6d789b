"""Where envcheck finds its playbooks and templates, and keeps its runs."""

from __future__ import annotations

import os
from pathlib import Path

# The repository (or install) root holds playbooks/ and templates/ beside the package.
HOME = Path(os.environ.get("ENVCHECK_HOME", Path(__file__).resolve().parent.parent))
PLAYBOOK_DIR = HOME / "playbooks"
TEMPLATE_DIR = HOME / "templates"


def runs_dir() -> Path:
    """Evidence of every run is kept here (override with ENVCHECK_RUNS_DIR)."""
    return Path(os.environ.get("ENVCHECK_RUNS_DIR", "runs"))


def shell_text(relative: str) -> str:
    """A fixed shell file shipped in the package (envcheck/<relative>, shellcheck'd by
    `make lint`), as it is sent to hosts."""
    return (Path(__file__).parent / relative).read_text(encoding="utf-8")
