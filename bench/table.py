"""The results table: medians, ratios to envcheck and to the floor, growth with hosts,
as Markdown and JSON. Pure functions (tests/unit/test_bench_table.py)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENVCHECK = "envcheck check"
FLOOR = "floor: ssh true per host"


@dataclass(frozen=True)
class Samples:
    """Every run of one way at one host count: wall and CPU seconds (CPU = the process and
    all its descendants, user + system, as wait4 reports them)."""

    way: str
    hosts: int
    wall: tuple[float, ...]
    cpu: tuple[float, ...]
    failures: int = 0  # runs whose exit status said the tool itself broke
    host_cpu: tuple[float, ...] = ()  # CPU the lab hosts used meanwhile (their cgroup)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


@dataclass(frozen=True)
class Row:
    way: str
    hosts: int
    runs: int
    wall: float
    cpu: float
    wall_vs_envcheck: float | None
    wall_vs_floor: float | None
    cpu_vs_envcheck: float | None
    cpu_vs_floor: float | None
    growth: float | None  # wall at this host count / wall of the same way at the fewest hosts
    failures: int = 0
    host_cpu: float | None = None  # median CPU seconds of the lab hosts (sshd, shells, probes)


@dataclass(frozen=True)
class Extra:
    """A pairwise figure outside the host grid: start-up, deploy overhead."""

    name: str
    way: str
    base: str
    wall: float
    base_wall: float
    cpu: float
    base_cpu: float
    runs: int
    note: str = ""

    @property
    def overhead(self) -> float:
        return self.wall / self.base_wall - 1 if self.base_wall else float("nan")


@dataclass(frozen=True)
class Report:
    taken: str  # ISO date and time (UTC)
    machine: Mapping[str, Any]  # cores, load before/after, kernel, python
    rows: tuple[Row, ...]
    extras: tuple[Extra, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ratio(a: float, b: float | None) -> float | None:
    return a / b if b else None


def rows(samples: Sequence[Samples]) -> list[Row]:
    """One row per (way, hosts), host counts ascending, envcheck and the floor first."""
    by_key = {(s.way, s.hosts): s for s in samples}
    counts = sorted({s.hosts for s in samples})
    ways = _way_order([s.way for s in samples])
    out = []
    for n in counts:
        env = by_key.get((ENVCHECK, n))
        flo = by_key.get((FLOOR, n))
        for way in ways:
            s = by_key.get((way, n))
            if s is None:
                continue
            first = next(by_key[(way, c)] for c in counts if (way, c) in by_key)
            out.append(Row(
                way=way, hosts=n, runs=len(s.wall), wall=s.wall_median, cpu=s.cpu_median,
                wall_vs_envcheck=_ratio(s.wall_median, env.wall_median if env else None),
                wall_vs_floor=_ratio(s.wall_median, flo.wall_median if flo else None),
                cpu_vs_envcheck=_ratio(s.cpu_median, env.cpu_median if env else None),
                cpu_vs_floor=_ratio(s.cpu_median, flo.cpu_median if flo else None),
                growth=None if first.hosts == n else _ratio(s.wall_median, first.wall_median),
                failures=s.failures,
                host_cpu=statistics.median(s.host_cpu) if s.host_cpu else None,
            ))
    return out


def _way_order(ways: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for w in [FLOOR, ENVCHECK, *ways]:
        if w in ways and w not in seen:
            seen.append(w)
    return seen


def _x(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def markdown(report: Report) -> str:
    m = report.machine
    lines = [
        f"Taken {report.taken} on {m.get('cores', '?')} cores, load average {m.get('load_before', '?')} "
        f"before and {m.get('load_after', '?')} after; medians of {_runs(report)} runs after a warm-up, "
        "the ways interleaved within each round.",
        "",
        "| hosts | way | wall s | x envcheck | x floor | CPU s | CPU x envcheck | CPU x floor | wall growth "
        "| hosts' CPU s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report.rows:
        failed = f" ({r.failures} runs failed)" if r.failures else ""
        lines.append(
            f"| {r.hosts} | {r.way}{failed} | {r.wall:.3f} | {_x(r.wall_vs_envcheck)} | {_x(r.wall_vs_floor)} "
            f"| {r.cpu:.3f} | {_x(r.cpu_vs_envcheck)} | {_x(r.cpu_vs_floor)} | {_x(r.growth)} "
            f"| {'' if r.host_cpu is None else f'{r.host_cpu:.3f}'} |"
        )
    if report.extras:
        lines += ["", "| figure | way | wall s | against | its wall s | overhead | CPU s | its CPU s | runs |",
                  "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
        for e in report.extras:
            lines.append(f"| {e.name} | {e.way} | {e.wall:.3f} | {e.base} | {e.base_wall:.3f} "
                         f"| {e.overhead * 100:+.1f}% | {e.cpu:.3f} | {e.base_cpu:.3f} | {e.runs} |")
    if report.notes:
        lines += ["", *[f"- {n}" for n in report.notes]]
    return "\n".join(lines) + "\n"


def _runs(report: Report) -> str:
    counts = sorted({r.runs for r in report.rows})
    return "/".join(str(c) for c in counts) or "0"


def to_json(report: Report) -> dict[str, Any]:
    return {
        "taken": report.taken,
        "machine": dict(report.machine),
        "rows": [r.__dict__ for r in report.rows],
        "extras": [{**e.__dict__, "overhead": e.overhead} for e in report.extras],
        "notes": list(report.notes),
    }
