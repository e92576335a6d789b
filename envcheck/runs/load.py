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

from envcheck.errors import RunDirError, words
from envcheck.runs import inventory_paths, list_runs

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
    inventory: tuple[str, ...] | None = None  # the inventory chosen (None: the run directories named)


def read_json(path: Path) -> dict[str, Any]:
    """A run's JSON object file; missing, unreadable or not an object: RunDirError naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunDirError.of("error.run_file_missing", folder=path.parent, name=path.name) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDirError.of("error.run_file_unreadable", path=path, error=exc) from exc
    if not isinstance(data, dict):
        raise RunDirError.of("error.run_file_not_object", path=path)
    return data


def load_run(path: Path) -> Run:
    if not path.is_dir():
        raise RunDirError.of("error.run_dir_missing", path=path)
    record = read_json(path / "run.json")
    kind = record.get("kind")
    if kind not in REPORTED:
        raise RunDirError.of("error.run_kind", path=path / "run.json", kind=repr(kind), kinds=", ".join(REPORTED))
    if kind == "check":
        result = read_json(path / "result.json")
        if not isinstance(result.get("results"), list) or not isinstance(result.get("hosts"), list):
            raise RunDirError.of("error.run_no_lists", path=path / "result.json")
        facts = tuple(read_json(p) for p in sorted((path / "hosts").glob("*.json")))
        return Run(path, kind, record, result, facts)
    if kind == "verify" and not isinstance(record.get("tests"), list):
        raise RunDirError.of("error.verify_unfinished", path=path / "run.json")
    return Run(path, kind, record)


def run_key(record: dict[str, Any]) -> tuple[str, ...]:
    """The inventory a run was made on, as absolute paths (older runs: their paths as given,
    resolved from here); () for this machine without an inventory."""
    paths = record.get("inventory_paths")
    if not isinstance(paths, list):
        paths = inventory_paths([str(p) for p in record.get("inventory") or ()])
    return tuple(sorted(str(p) for p in paths))


def site_of(record: dict[str, Any]) -> str | None:
    """The site name a check run recorded (the inventory's envcheck_site)."""
    site = (record.get("scope") or {}).get("site") or {}
    return str(site["site"]) if site.get("site") else None


def find_runs(named: Sequence[Path], base: Path, inventory: Sequence[str] = (), site: str | None = None) -> Runs:
    """The runs named (they win: taken as they are), or else the runs of ONE inventory under
    base: the one given (`inventory`, or the check runs of `site`), else the newest run's. Of
    it, the latest check and verify runs and the recent deploys; never another inventory's."""
    if named:
        runs = [load_run(p) for p in named]
        key: tuple[str, ...] | None = None
    else:
        if not base.is_dir():
            raise RunDirError.of("error.no_runs_dir", base=base)
        records = {kind: _records(base, kind) for kind in REPORTED}
        key = _scope_key(records, inventory, site, base)
        runs = []
        for kind in ("check", "verify"):
            mine = [p for p, rec in records[kind] if run_key(rec) == key]
            runs += [load_run(p) for p in mine[:1]]
        deploys = [p for p, rec in records["deploy"] if run_key(rec) == key][:DEPLOY_HISTORY]
        runs += [load_run(p) for p in reversed(deploys)]
        if not runs:
            raise RunDirError.of("error.no_runs", base=base)
    by_kind: dict[str, list[Run]] = {k: [] for k in REPORTED}
    for run in runs:
        by_kind[run.kind].append(run)
    for kind in ("check", "verify"):
        if len(by_kind[kind]) > 1:
            raise RunDirError.of("error.runs_at_most_one", kind=words(f"report.kind_{kind}"), n=len(by_kind[kind]))
    return Runs(next(iter(by_kind["check"]), None), next(iter(by_kind["verify"]), None),
                tuple(sorted(by_kind["deploy"], key=lambda r: str(r.record.get("started")))), key)


def _records(base: Path, kind: str) -> list[tuple[Path, dict[str, Any]]]:
    """run.json of every run of a kind, newest first. The newest must be readable (a broken
    newest run is an error, never passed over in silence); an older broken one is left out."""
    out = []
    for i, path in enumerate(reversed(list_runs(base, kind))):
        try:
            out.append((path, read_json(path / "run.json")))
        except RunDirError:
            if i == 0:
                raise
    return out


def _scope_key(records: dict[str, list[tuple[Path, dict[str, Any]]]], inventory: Sequence[str],
               site: str | None, base: Path) -> tuple[str, ...]:
    if inventory:
        return tuple(sorted(inventory_paths(list(inventory))))
    if site:
        found = next((rec for _, rec in records["check"] if site_of(rec) == site), None)
        if found is None:
            known = sorted({s for _, rec in records["check"] if (s := site_of(rec))})
            raise RunDirError.of("error.no_site_run", base=base, site=repr(site),
                                 known=", ".join(known) or words("value.none"))
        return run_key(found)
    newest = [(p.name.split("-", 2)[:2], rec) for kind in REPORTED for p, rec in records[kind][:1]]
    if not newest:
        raise RunDirError.of("error.no_runs", base=base)
    # The newest check run decides; without one, the newest verify or deploy run.
    check = records["check"][:1]
    return run_key(check[0][1] if check else max(newest, key=lambda item: item[0])[1])
