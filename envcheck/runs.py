"""Run directories: the evidence of every run, kept under runs/<timestamp>-<kind>/."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from envcheck.paths import runs_dir


def new_run_dir(kind: str, base: Path | None = None) -> Path:
    base = base or runs_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        path = base / (f"{stamp}-{kind}" if n == 0 else f"{stamp}-{n}-{kind}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise RuntimeError("cannot create a run directory")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file, then rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    with open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def safe_name(name: str) -> str:
    """A host name as a file name (inventory names may hold anything)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return cleaned or "_"
