"""Read the run directories of every kind (check, verify, deploy, collect): what `report` and
`fix` build from.

Every problem with a run directory (missing, not a run, corrupt or incomplete JSON) is a
RunDirError naming the directory and the file: exit 2, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envcheck.errors import RunDirError
from envcheck.runs import list_runs

REPORTED = ("check", "verify", "deploy")  # the kinds a report is built from
DEPLOY_HISTORY = 20  # deploy runs listed when none are named


@dataclass(frozen=True)
class Run:
    path: Path
    kind: str
    record: dict[str, Any]  # run.json
    result: dict[str, Any] | None = None  # result.json of a check run
    hosts: tuple[dict[str, Any], ...] = ()  # hosts/<host>.json of a check run


@dataclass(frozen=True)
class Runs:
    check: Run | None
    verify: Run | None
    deploys: tuple[Run, ...]


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunDirError(f"{path.parent}: {path.name} is missing: not a complete envcheck run / "
                          f"缺少 {path.name},不是完整的运行记录") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: cannot be read ({exc}) / 文件损坏,无法读取") from exc
    if not isinstance(data, dict):
        raise RunDirError(f"{path}: not a JSON object / 不是 JSON 对象")
    return data


def load_run(path: Path) -> Run:
    if not path.is_dir():
        raise RunDirError(f"{path}: no such run directory / 运行目录不存在")
    record = _json(path / "run.json")
    kind = record.get("kind")
    if kind not in REPORTED:
        raise RunDirError(f"{path / 'run.json'}: kind {kind!r} is not one of {', '.join(REPORTED)} / 未知的运行类型")
    if kind == "check":
        result = _json(path / "result.json")
        if not isinstance(result.get("results"), list) or not isinstance(result.get("hosts"), list):
            raise RunDirError(f"{path / 'result.json'}: no results/hosts lists / 缺少 results 或 hosts")
        facts = tuple(_json(p) for p in sorted((path / "hosts").glob("*.json")))
        return Run(path, kind, record, result, facts)
    if kind == "verify" and not isinstance(record.get("tests"), list):
        raise RunDirError(f"{path / 'run.json'}: the verify run did not finish (no tests) / 验证未完成")
    return Run(path, kind, record)


def find_runs(named: Sequence[Path], base: Path) -> Runs:
    """The runs named, or else the latest check and verify runs and the recent deploys under base."""
    if named:
        runs = [load_run(p) for p in named]
    else:
        if not base.is_dir():
            raise RunDirError(f"{base}: no runs directory; run envcheck check/verify first, or name "
                              "run directories / 没有运行记录目录")
        runs = []
        for kind in ("check", "verify"):
            latest = list_runs(base, kind)[-1:]
            runs += [load_run(p) for p in latest]
        runs += [load_run(p) for p in list_runs(base, "deploy")[-DEPLOY_HISTORY:]]
        if not runs:
            raise RunDirError(f"{base}: holds no check, verify or deploy run / 没有任何运行记录")
    by_kind: dict[str, list[Run]] = {k: [] for k in REPORTED}
    for run in runs:
        by_kind[run.kind].append(run)
    for kind in ("check", "verify"):
        if len(by_kind[kind]) > 1:
            raise RunDirError(f"name at most one {kind} run (got {len(by_kind[kind])}) / 每类最多一个运行目录")
    return Runs(next(iter(by_kind["check"]), None), next(iter(by_kind["verify"]), None),
                tuple(sorted(by_kind["deploy"], key=lambda r: str(r.record.get("started")))))
