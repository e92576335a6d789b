"""`make bench`: envcheck check against ansible-playbook, pytest-testinfra and the SSH floor,
side by side on the same lab hosts; `envcheck --help` start-up; deploy overhead.

    python -m bench [--hosts 1,5,10,20] [--runs 5] [--ways ...] [--keep-lab]

Starts its own lab (bench/lab.py), times whole processes (wall, and CPU of the process and
every descendant, as wait4 reports it), one warm-up round, then rounds in which every way
runs once at every host count (interleaved), and writes bench/results/bench.{md,json}.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import ways
from bench.lab import HostsCPU, bench_config, lab_up
from bench.table import ENVCHECK, Extra, Report, Samples, markdown, rows, to_json
from tests.lab.lab import Lab

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE: list[Path] = [Path("envcheck")]  # --baseline: another version's envcheck
WAYS = ("floor", "envcheck", "envcheck-baseline", "envcheck-fresh", "envcheck-paramiko", "floor-x25519",
        "envcheck-x25519", "envcheck-appview", "envcheck-site200", "envcheck-site200-baseline", "envcheck-snapshot",
        "ansible", "testinfra-ssh", "testinfra-paramiko")
BASELINE_WAYS = ("envcheck-baseline", "envcheck-site200-baseline")


def _subreaper() -> None:
    """Orphans (ControlPersist masters) become our children, so that their CPU is counted."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


def _reap(spared: set[int], wait: float = 3.0) -> None:
    """Wait for our children that are not `spared` (the lab's daemons) to end."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        left = [p for p in _children() if p not in spared]
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not [p for p in _children() if p not in spared]:
            return
        time.sleep(0.02)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(way: ways.Way, spared: set[int],
            hosts: HostsCPU | None = None) -> tuple[float, float, bool, float | None]:
    """(wall, CPU, complete, hosts' CPU) of one run; the masters' shutdown is counted in CPU,
    not wall; the hosts' CPU until the run's processes are reaped (their sessions ended)."""
    cpu0 = _cpu()
    host0 = hosts.read() if hosts else None
    started = time.perf_counter()
    statuses = way.run()
    wall = time.perf_counter() - started
    way.cleanup()
    _reap(spared)
    host1 = hosts.read() if hosts else None
    host_cpu = host1 - host0 if host0 is not None and host1 is not None else None
    return wall, _cpu() - cpu0, all(way.ok(s) for s in statuses), host_cpu


def _build(name: str, f: ways.Fleet, logs: Path) -> ways.Way:
    if name == "floor":
        return ways.floor(f)
    if name == "envcheck":
        return ways.envcheck(f, logs)
    if name == "envcheck-fresh":  # as on the first run after an inventory edit
        return ways.envcheck(f, logs, label="inventory read afresh", env={"ENVCHECK_NO_RECORD": "1"})
    if name == "envcheck-baseline":  # another version, interleaved with this one (--baseline)
        return ways.envcheck(f, logs, label="baseline", binary=BASELINE[0])
    if name == "envcheck-paramiko":
        return ways.envcheck(f, logs, ("--transport", "paramiko"))
    if name == "floor-x25519":
        return ways.floor(f, ways.KEX_X25519)
    if name == "envcheck-x25519":
        return ways.envcheck(f, logs, inventory=ways.kex_inventory(f), label="kex curve25519")
    if name == "envcheck-appview":  # 2 datasources and 2 endpoints declared on every host (issue 18)
        return ways.envcheck(f, logs, inventory=ways.appview_inventory(f), label="app view",
                             env={"BENCH_DB_PASSWORD": "bench"})
    if name == "envcheck-site200":  # 200 site_checks entries on every host (issue 23)
        return ways.envcheck(f, logs, inventory=ways.site_inventory(f), label="200 site checks")
    if name == "envcheck-site200-baseline":  # the same with another version (--baseline)
        return ways.envcheck(f, logs, inventory=ways.site_inventory(f), label="200 site checks, baseline",
                             binary=BASELINE[0])
    if name == "ansible":
        return ways.ansible(f, logs)
    if name == "envcheck-snapshot":  # issue 20: envcheck snapshot (the check's facts and more)
        return ways.snapshot(f, logs)
    return ways.testinfra(f, logs, name.split("-", 1)[1])


def grid(lab: Lab, counts: list[int], names: list[str], runs: int, work: Path,
         peers_max: int, spared: set[int], hosts: HostsCPU | None,
         on_round: Callable[[list[Samples]], object] = lambda s: None) -> list[Samples]:
    plan = [(n, _build(w, ways.fleet(lab, n, work), work))
            for n in counts for w in names if w.startswith(("floor", "envcheck")) or n <= peers_max]
    # The warm-up: every way once on the fewest hosts (the lab's hosts share one base
    # image, so its files are then cached for all of them), and envcheck once at every
    # count: as on an engineer's second run, the inventory's record exists (bench/README.md).
    warm = [way for n, way in plan if n == counts[0] or way.name.startswith(ENVCHECK)]
    print(f"warm-up: {len(warm)} runs", flush=True)
    for way in warm:
        measure(way, spared)
    wall: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    host_cpu: dict[tuple[str, int], list[float]] = {}
    failed: dict[tuple[str, int], int] = {}
    for r in range(runs):
        for n, way in plan:
            w, c, complete, h = measure(way, spared, hosts)
            key = (way.name, n)
            if h is not None:
                host_cpu.setdefault(key, []).append(h)
            wall.setdefault(key, []).append(w)
            cpu.setdefault(key, []).append(c)
            failed[key] = failed.get(key, 0) + (not complete)
            print(f"round {r + 1}/{runs} {n:>2} hosts  {way.name:<26} {w:7.2f} s wall {c:7.2f} s CPU"
                  + (f" {h:7.2f} s hosts' CPU" if h is not None else "")
                  + ("" if complete else "  INCOMPLETE (see the log under the work dir)"), flush=True)
        on_round(_samples(wall, cpu, failed, host_cpu))
    return _samples(wall, cpu, failed, host_cpu)


def _samples(wall: dict[tuple[str, int], list[float]], cpu: dict[tuple[str, int], list[float]],
             failed: dict[tuple[str, int], int], host_cpu: dict[tuple[str, int], list[float]]) -> list[Samples]:
    return [Samples(k[0], k[1], tuple(wall[k]), tuple(cpu[k]), failed[k], tuple(host_cpu.get(k, ())))
            for k in wall]


def _pair(name: str, a: tuple[str, ways.Way], b: tuple[str, ways.Way], runs: int,
          spared: set[int], warm_up: bool = True) -> Extra:
    if warm_up:
        measure(a[1], spared)
        measure(b[1], spared)
    got: dict[str, list[tuple[float, float]]] = {a[0]: [], b[0]: []}
    for _ in range(runs):
        for label, way in (a, b):
            w, c, complete, _ = measure(way, spared)
            if not complete:
                raise SystemExit(f"{label} failed: see its log under the work dir")
            got[label].append((w, c))
            print(f"{name}: {label:<40} {w:7.3f} s wall {c:7.3f} s CPU", flush=True)

    def med(label: str, i: int) -> float:
        return statistics.median(v[i] for v in got[label])

    return Extra(name, a[0], b[0], med(a[0], 0), med(b[0], 0), med(a[0], 1), med(b[0], 1), runs)


def _simple(name: str, argv: list[str], env: dict[str, str] | None = None,
            ok: Callable[[int], bool] = lambda rc: rc == 0, log: Path | None = None) -> ways.Way:
    return ways.Way(name, lambda: [ways.run_logged(argv, env, log)], ok)


def startup(runs: int, spared: set[int]) -> Extra:
    envcheck = str(ways.BIN / "envcheck")
    return _pair("start-up", ("envcheck --help", _simple("help", [envcheck, "--help"])),
                 ("python3 -c pass", _simple("python", [sys.executable, "-c", "pass"])), runs, spared)


def deploy(lab: Lab, count: int, runs: int, work: Path, spared: set[int]) -> Extra:
    f = ways.fleet(lab, count, work / "deploy")
    logs = work / "deploy"
    print(f"deploy: first (changing) run of the server playbook on {count} host(s)", flush=True)
    first = ways.deploy_envcheck(f, logs)
    if not all(first.ok(s) for s in first.run()):
        raise SystemExit(f"the first deploy failed: see {logs}")
    first.cleanup()
    extra = _pair(f"deploy, no-change run, {count} host(s)",
                  ("envcheck deploy server", ways.deploy_envcheck(f, logs)),
                  ("ansible-playbook server.yml", ways.deploy_ansible(f, logs)), runs, spared,
                  warm_up=False)  # the first, changing run was the warm-up
    return extra


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", default="1,5,10,20", help="host counts (default 1,5,10,20)")
    ap.add_argument("--runs", type=int, default=5, help="measured runs per figure (>= 5 for results)")
    ap.add_argument("--ways", default=",".join(WAYS), help=f"subset of {','.join(WAYS)}")
    ap.add_argument("--peers-max-hosts", type=int, default=1000,
                    help="run ansible/testinfra only up to this many hosts (the rest: floor and envcheck)")
    ap.add_argument("--no-extras", action="store_true", help="skip start-up and deploy figures")
    ap.add_argument("--deploy-hosts", type=int, default=1)
    ap.add_argument("--keep-lab", action="store_true", help="leave the lab up (and reuse a running one)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--baseline", type=Path,
                    help="the envcheck executable of another version (e.g. a checkout's .venv/bin/envcheck), "
                         "measured as the way envcheck-baseline, interleaved with this one")
    args = ap.parse_args()
    counts = sorted({int(c) for c in args.hosts.split(",")})
    names = [w for w in args.ways.split(",") if w]
    for w in names:
        if w not in WAYS:
            ap.error(f"unknown way {w!r}")
    if args.baseline is not None:
        BASELINE[0] = args.baseline.resolve()
    elif any(w in names for w in BASELINE_WAYS):
        if args.ways != ap.get_default("ways"):
            ap.error("the ways envcheck-baseline and envcheck-site200-baseline need --baseline PATH")
        names = [w for w in names if w not in BASELINE_WAYS]
    _subreaper()
    work = Path("/tmp") / f"envcheck-bench-{os.getpid()}"
    work.mkdir(parents=True)
    load_before = os.getloadavg()
    taken = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lab = lab_up(bench_config(), max(counts))
    hosts_cpu = HostsCPU(lab)
    spared = set(_children())

    def save(samples: list[Samples], extras: list[Extra], partial: str = "") -> str:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        machine = {"cores": os.cpu_count(), "load_before": " ".join(f"{v:.2f}" for v in load_before),
                   "load_after": load, "kernel": platform.release(), "python": platform.python_version()}
        notes = (
            f"envcheck runs its whole catalogue; the peers run the {ways.PEER_CHECKS} checks of "
            "bench/peers (audit.yml, test_audit.py).",
            "envcheck check: its inventory's record kept by an earlier run with the same files (the "
            "warm-up), so ansible-core is not loaded; \"inventory read afresh\": ENVCHECK_NO_RECORD=1, "
            "as on the first run after an inventory edit (ansible-core loads it).",
            "CPU is the controller's: the process and all its descendants (ControlPersist masters "
            "included, reaped as a subreaper). Hosts' CPU: every process of the lab hosts (sshd, "
            "shells, probes; one cgroup), on the same cores here, so it shows in wall time too.",
            *([partial] if partial else []),
        )
        report = Report(taken, machine, tuple(rows(samples)), tuple(extras), notes)
        args.out.mkdir(parents=True, exist_ok=True)
        text = markdown(report)
        (args.out / "bench.md").write_text(text)
        (args.out / "bench.json").write_text(json.dumps(to_json(report), indent=2) + "\n")
        return text

    try:
        samples = grid(lab, counts, names, args.runs, work, args.peers_max_hosts, spared, hosts_cpu,
                       on_round=lambda s: save(s, [], "PARTIAL: the run was still going"))
        extras = []
        if not args.no_extras:
            extras.append(startup(max(args.runs, 10), spared))
            save(samples, extras, "PARTIAL: deploy figure still to come")
            extras.append(deploy(lab, args.deploy_hosts, args.runs, work, spared))
    finally:
        if not args.keep_lab:
            lab.down()
            hosts_cpu.remove()
    text = save(samples, extras)
    print(text)
    print(f"written: {args.out / 'bench.md'}, {args.out / 'bench.json'} (logs: {work})")
    shutil.rmtree(work / "deploy" / "runs", ignore_errors=True)


if __name__ == "__main__":
    main()
