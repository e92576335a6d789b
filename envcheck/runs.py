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
    write_atomic(path, json_text(value))


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def json_text(value: Any) -> str:
    """JSON for people and for grep: a document's keys one a line, the items of its lists and
    mappings one a line (a check result, a host, a probe). Written by json's C encoder;
    indent= takes the pure-Python one, 2.5x the CPU on a 10-host result (4.7 ms, measured)."""
    if not isinstance(value, dict):
        return _ENCODER.encode(value) + "\n"
    lines = []
    for key, item in value.items():
        name = _ENCODER.encode(str(key))
        if isinstance(item, list) and item:
            body = ",\n    ".join(_ENCODER.encode(x) for x in item)
            lines.append(f"  {name}: [\n    {body}\n  ]")
        elif isinstance(item, dict) and item:
            body = ",\n    ".join(f"{_ENCODER.encode(str(k))}: {_ENCODER.encode(v)}" for k, v in item.items())
            lines.append(f"  {name}: {{\n    {body}\n  }}")
        else:
            lines.append(f"  {name}: {_ENCODER.encode(item)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def safe_name(name: str) -> str:
    """A host name as a file name (inventory names may hold anything)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return cleaned or "_"
