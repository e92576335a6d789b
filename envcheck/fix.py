"""`envcheck fix`: the failures of a check run, mapped to how each check declares it is fixed
(a playbook and tags, or by hand), grouped into as few deploy runs as possible."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envcheck.errors import BadInput, RunDirError
from envcheck.runs import latest_run


@dataclass(frozen=True)
class Failure:
    host: str | None  # None: a fleet check
    check: str
    status: str
    found: Any
    expected: Any
    fix: str


@dataclass(frozen=True)
class FixPlan:
    """One deploy run: a playbook with tags on a set of hosts, and the checks it fixes."""

    playbook: str
    tags: tuple[str, ...]
    hosts: tuple[str, ...]
    checks: tuple[str, ...]

    @property
    def limit(self) -> str:
        return ",".join(self.hosts)


@dataclass(frozen=True)
class Plans:
    plans: tuple[FixPlan, ...]
    manual: tuple[Failure, ...]
    failures: tuple[Failure, ...]
    run_hosts: tuple[str, ...]  # the hosts the check run reached


def find_check_run(runs_base: Path, explicit: str | None) -> Path:
    """The named run dir, or the newest runs/<ts>-check with a result.json."""
    if explicit:
        path = Path(explicit)
        if not (path / "result.json").is_file():
            raise RunDirError.of("error.fix_no_result", path=path)
        return path
    latest = latest_run(runs_base, "check", "result.json")
    if latest is None:
        raise RunDirError.of("error.fix_no_check_run", base=runs_base)
    return latest


def read_failures(run_dir: Path, lang: str = "en") -> tuple[list[Failure], list[str]]:
    """The failures of a check run, each with its fix in `lang` where the run kept both
    languages (a site check's own fix text; the run may have been in the other)."""
    try:
        doc = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError.of("error.file_unreadable", path=run_dir / "result.json", error=exc) from exc
    hosts = [h["name"] for h in doc.get("hosts", []) if h.get("reachable")]
    failures = [Failure(r.get("host"), r["check"], r["status"], r.get("found"), r.get("expected"),
                        (r.get("fixes") or {}).get(lang) or r.get("fix") or "")
                for r in doc.get("results", []) if r.get("status") == "fail"]
    return failures, hosts


def unreachable_hosts(run_dir: Path) -> list[str]:
    """The hosts of the check run that could not be reached: nothing is known of them."""
    try:
        doc = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError.of("error.file_unreadable", path=run_dir / "result.json", error=exc) from exc
    return [h["name"] for h in doc.get("hosts", []) if not h.get("reachable")]


def plan(failures: Sequence[Failure], run_hosts: Sequence[str],
         remediations: Mapping[str, Any]) -> Plans:
    """Group fixable failures by (playbook, tags) and then by the set of hosts they touch."""
    needed: dict[tuple[str, tuple[str, ...]], tuple[set[str], set[str]]] = {}
    manual: list[Failure] = []
    for f in failures:
        rem = remediations.get(f.check)
        if rem is None:
            raise BadInput.of("error.fix_unknown_check", check=f.check)
        if rem.manual:
            manual.append(f)
            continue
        hosts, checks = needed.setdefault((rem.playbook, tuple(rem.tags)), (set(), set()))
        hosts.update([f.host] if f.host else run_hosts)
        checks.add(f.check)
    by_hosts: dict[tuple[str, tuple[str, ...]], tuple[list[str], set[str]]] = {}
    order = {h: i for i, h in enumerate(run_hosts)}
    for (playbook, tags), (hosts, checks) in sorted(needed.items()):
        key = (playbook, tuple(sorted(hosts, key=lambda h: (order.get(h, len(order)), h))))
        merged_tags, merged_checks = by_hosts.setdefault(key, ([], set()))
        merged_tags += [t for t in tags if t not in merged_tags]
        merged_checks.update(checks)
    plans = tuple(FixPlan(pb, tuple(tags), hosts, tuple(sorted(checks)))
                  for (pb, hosts), (tags, checks) in by_hosts.items())
    return Plans(plans, tuple(manual), tuple(failures), tuple(run_hosts))


def recheck_hosts(plans: Iterable[FixPlan]) -> list[str]:
    out: list[str] = []
    for p in plans:
        out += [h for h in p.hosts if h not in out]
    return out


def before_after(failures: Sequence[Failure], after: Iterable[Any]) -> list[tuple[str, str, str, str, str]]:
    """(host, check, before, after status, after found) for every failure that was re-checked."""
    now = {(r.host, r.check): r for r in after}
    rows = []
    for f in failures:
        r = now.get((f.host, f.check))
        if r is None:
            continue
        rows.append((f.host or "(fleet)", f.check, f"{f.status}: {_short(f.found)}", str(r.status),
                     _short(r.found)))
    return rows


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
