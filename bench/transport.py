"""Which SSH implementation for `envcheck check`? Measured on lab hosts, interleaved:
the whole `envcheck check` process with each transport, and the floor (one plain
`ssh host true` per host, in parallel). Prints medians of wall time.

    python -m bench.transport --hosts 10 --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.lab.config import sublab
from tests.lab.lab import Lab


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def floor(lab: Lab) -> float:
    started = time.perf_counter()
    procs = [subprocess.Popen(["ssh", "-F", str(lab.ssh_config_path), "-o", "ControlMaster=no", h.name, "true"])
             for h in lab.hosts]
    for p in procs:
        p.wait()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = sublab("transport", Path(tmp) / "lab")
        lab = Lab.up(cfg, args.hosts)
        try:
            envcheck = str(Path(sys.executable).parent / "envcheck")
            base = [envcheck, "check", "-i", str(lab.inventory_path), "--format", "json", "-o", "/dev/null",
                    "--runs-dir", str(Path(tmp) / "runs"), "--known-hosts", str(lab.known_hosts_path)]
            ways = {
                "floor: ssh true per host": lambda: floor(lab),
                "envcheck check, openssh": lambda: timed([*base, "--transport", "openssh"]),
                "envcheck check, paramiko": lambda: timed([*base, "--transport", "paramiko"]),
            }
            for way in ways.values():
                way()  # warm-up
            samples: dict[str, list[float]] = {k: [] for k in ways}
            for _ in range(args.runs):
                for name, way in ways.items():
                    samples[name].append(way())
        finally:
            lab.down()
    floor_median = statistics.median(samples["floor: ssh true per host"])
    print(f"{args.hosts} hosts, median of {args.runs} runs (wall seconds, ratio to the floor)")
    for name, values in samples.items():
        m = statistics.median(values)
        print(f"  {name:<28} {m:6.3f} s  x{m / floor_median:4.2f}")


if __name__ == "__main__":
    main()
