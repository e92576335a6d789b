"""`make bench-scale`: `envcheck check` at 50, 100 and 200 lab hosts against the floor (one
plain `ssh host true` per host, all at once) in the same run (issue 22). Per figure: wall time,
its ratio to the floor, the controller's CPU per host (envcheck and its ssh clients), envcheck's
peak RSS, its peak of open files and of ssh clients at once. Growth from the fewest hosts to the
most against linear. Writes bench/results/scale.md and scale.json; takes the lab down unless
--keep-lab. The 200-host lab: tests/lab/limits.py raises the kernel's limits first."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench import ways
from bench.__main__ import _children, _reap, _subreaper, measure
from bench.lab import bench_config, lab_up
from tests.lab import limits

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Run:
    way: str
    hosts: int
    wall: float
    cpu: float  # controller CPU seconds: the process and every descendant it waited for
    ok: bool
    rss_mb: float | None = None  # peak resident set of envcheck (or its largest descendant)
    open_files: int | None = None  # peak of envcheck's open file descriptors
    ssh_clients: int | None = None  # peak of ssh clients running at once under envcheck


class _Watch:
    """Samples a process's open files and its ssh children while it runs (every 0.2 s)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.files, self.clients = pid, 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.wait(0.2):
            try:
                self.files = max(self.files, len(os.listdir(f"/proc/{self.pid}/fd")))
                kids = [int(p) for t in os.listdir(f"/proc/{self.pid}/task")
                        for p in Path(f"/proc/{self.pid}/task/{t}/children").read_text().split()]
            except OSError:
                continue
            self.clients = max(self.clients, sum(1 for k in kids if _comm(k) == "ssh"))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def run_envcheck(f: ways.Fleet, work: Path, extra: tuple[str, ...], spared: set[int]) -> Run:
    runs = work / "runs"
    argv = [str(ways.BIN / "envcheck"), "check", "-i", str(f.inventory), "--format", "json", "-o", "/dev/null",
            "--runs-dir", str(runs), "--known-hosts", str(f.lab.known_hosts_path), "--progress", "none", *extra]
    log = (work / f"envcheck-{len(f.hosts)}{''.join(extra)}.log").open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ways.BENCH.parent)
    watch = _Watch(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    watch.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    _reap(spared)
    shutil.rmtree(runs, ignore_errors=True)
    name = "envcheck check" + (f" {' '.join(extra)}" if extra else "")
    return Run(name, len(f.hosts), wall, usage.ru_utime + usage.ru_stime, proc.returncode in (0, 1),
               usage.ru_maxrss / 1024, watch.files, watch.clients)


def run_floor(f: ways.Fleet, spared: set[int]) -> Run:
    wall, cpu, ok, _ = measure(ways.floor(f), spared)
    return Run("floor: ssh true per host", len(f.hosts), wall, cpu, ok)


def summary(runs: list[Run], counts: list[int]) -> list[dict[str, object]]:
    """Medians per (way, hosts), with the ratio to the floor and the growth over the fewest hosts."""
    rows = []
    first: dict[str, float] = {}
    for n in counts:
        floor = [r.wall for r in runs if r.hosts == n and r.way.startswith("floor")]
        for way in dict.fromkeys(r.way for r in runs):
            mine = [r for r in runs if r.way == way and r.hosts == n]
            if not mine:
                continue
            wall = statistics.median(r.wall for r in mine)
            first.setdefault(way, wall / n)
            rss = [r.rss_mb for r in mine if r.rss_mb is not None]
            rows.append({
                "way": way, "hosts": n, "runs": len(mine), "failed": sum(not r.ok for r in mine),
                "wall": round(wall, 2),
                "vs_floor": round(wall / statistics.median(floor), 2) if floor else None,
                "growth_vs_linear": round(wall / n / first[way], 2),
                "cpu_ms_per_host": round(statistics.median(r.cpu for r in mine) / n * 1000, 1),
                "peak_rss_mb": round(max(rss), 1) if rss else None,
                "open_files": max((r.open_files or 0) for r in mine) or None,
                "ssh_at_once": max((r.ssh_clients or 0) for r in mine) or None,
            })
    return rows


def markdown(rows: list[dict[str, object]], machine: dict[str, object]) -> str:
    head = ["way", "hosts", "runs", "failed", "wall", "vs_floor", "growth_vs_linear", "cpu_ms_per_host",
            "peak_rss_mb", "open_files", "ssh_at_once"]
    lines = [f"# check at scale ({machine['taken']})", "",
             "machine: " + ", ".join(f"{k} {v}" for k, v in machine.items() if k != "taken"), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join("" if r[h] is None else str(r[h]) for h in head) + " |" for r in rows]
    lines += ["", "growth_vs_linear: wall per host against the same way's at the fewest hosts (1.0 = linear, "
              "below 1 = better than linear). CPU: the process and its ssh clients (wait4)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", default="50,100,200")
    ap.add_argument("--runs", type=int, default=3, help="rounds; every way at every count once a round")
    ap.add_argument("--forks", default="", help="also time envcheck with these -f values, e.g. 20,100")
    ap.add_argument("--keep-lab", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    counts = sorted({int(c) for c in args.hosts.split(",")})
    extras = [("-f", f) for f in args.forks.split(",") if f]
    problems = limits.prepare(max(counts))
    for p in problems:
        print(f"warning: {p}", flush=True)
    cfg = bench_config()
    running = 0
    if (cfg.state_dir / "lab.json").exists():
        running = len(json.loads((cfg.state_dir / "lab.json").read_text()).get("hosts", []))
    if (why := limits.memory_problem(max(counts), started=min(running, max(counts)))) is not None:
        raise SystemExit(why)
    _subreaper()
    work = Path("/tmp") / f"envcheck-bench-scale-{os.getpid()}"
    work.mkdir(parents=True)
    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    taken = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    started = time.monotonic()
    lab = lab_up(cfg, max(counts), parallel=6)
    print(f"{len(lab.hosts)} lab hosts up in {time.monotonic() - started:.0f} s", flush=True)
    spared = set(_children())
    fleets = {n: ways.fleet(lab, n, work) for n in counts}
    runs: list[Run] = []
    try:
        for n in counts:  # warm-up: each inventory's record written once, not timed
            run_envcheck(fleets[n], work, (), spared)
        for rnd in range(args.runs):
            for n in counts:
                f = fleets[n]
                timed = [partial(run_floor, f, spared),
                         *(partial(run_envcheck, f, work, e, spared) for e in [(), *extras])]
                for one in timed:
                    r = one()
                    runs.append(r)
                    print(f"round {rnd + 1}: {r.way} at {n}: {r.wall:.1f} s, CPU {r.cpu:.1f} s", flush=True)
    finally:
        machine: dict[str, object] = {
            "taken": taken, "cores": os.cpu_count(), "load_before": load_before,
            "load_after": " ".join(f"{v:.2f}" for v in os.getloadavg()), "kernel": platform.release(),
            "python": platform.python_version(), "limits_not_raised": "; ".join(problems) or "none"}
        rows = summary(runs, counts)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "scale.md").write_text(markdown(rows, machine))
        (args.out / "scale.json").write_text(json.dumps({"machine": machine, "rows": rows,
                                                         "runs": [asdict(r) for r in runs]}, indent=2) + "\n")
        if not args.keep_lab:
            lab.down()
    print(markdown(rows, machine))
    print(f"written: {args.out / 'scale.md'}, {args.out / 'scale.json'} (logs: {work})")


if __name__ == "__main__":
    main()
