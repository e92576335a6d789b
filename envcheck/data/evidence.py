"""The evidence of a data run, runs/<started>-data/: run.json (what ran, against which
databases, complete or not, the exit code), compare.json or profile.json (every figure and
key), checklist.json (the signed-off list). No password is ever in them: URLs carry none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envcheck.runs import new_run_dir, write_json, write_record


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Evidence:
    def __init__(self, base: Path | None, command: str, databases: dict[str, str]) -> None:
        self.path = new_run_dir("data", base)
        self.fields: dict[str, Any] = {"command": command, "databases": databases, "started": now(),
                                       "complete": False}
        write_record(self.path, "data", self.fields)

    def write(self, name: str, value: Any) -> None:
        write_json(self.path / name, value)

    def finish(self, complete: bool, exit_code: int, **more: Any) -> None:
        self.fields.update(complete=complete, exit_code=exit_code, finished=now(), **more)
        write_record(self.path, "data", self.fields)
