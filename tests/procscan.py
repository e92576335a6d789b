"""Processes of one test's own run, told apart from every other process of the machine (a
lab's hosts, a second suite, a bench) by a marker in their environment: a variable the test
gives the process it starts, which every process under it inherits, even once re-parented."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

VARIABLE = "ENVCHECK_TEST_RUN"


def new_marker() -> str:
    return uuid.uuid4().hex


def marked_env(marker: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a process of this run: `base` (else this process's) plus the marker."""
    return {**(os.environ if base is None else base), VARIABLE: marker}


def alive_with(marker: str) -> list[int]:
    """Live (not zombie) processes that carry the marker."""
    needle = f"{VARIABLE}={marker}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (proc / "environ").read_bytes().split(b"\0") and \
                    (proc / "stat").read_text().rpartition(")")[2].split()[0] != "Z":
                found.append(int(proc.name))
        except OSError:
            continue
    return found
