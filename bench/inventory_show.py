"""`envcheck inventory show` on a generated 10,000-host inventory (issue 17: under 10 s).

    python -m bench.inventory_show [--hosts 10000] [--runs 3]

Writes a YAML inventory of web/app/db groups (loopback addresses, never contacted:
show reads the file only), runs `envcheck inventory show` on it --runs times and prints the
wall and CPU seconds of each run (CPU: the child's user+system time, which a loaded machine
does not inflate), then the best and the median.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ENVCHECK = str(Path(sys.executable).parent / "envcheck")


def inventory(hosts: int) -> dict[str, object]:
    groups = ("web", "app", "db")
    children = {}
    for g_index, group in enumerate(groups):
        count = hosts // 3 + (1 if g_index < hosts % 3 else 0)
        children[group] = {"hosts": {f"{group}{i:05d}": {"ansible_host": f"127.{g_index + 1}.{i // 250}.{i % 250 + 1}",
                                                         "ansible_port": 22} for i in range(count)}}
    return {"all": {"children": children}}


def one_run(path: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([ENVCHECK, "inventory", "show", "-i", str(path)], capture_output=True, text=True,
                          env={**os.environ, "ENVCHECK_NO_RECORD": "1"}, check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.stdout.count("\n") > 1
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.inventory_show")
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hosts.yml"
        path.write_text(yaml.safe_dump(inventory(args.hosts)))
        runs = [one_run(path) for _ in range(args.runs)]
    for i, (wall, cpu) in enumerate(runs, 1):
        print(f"run {i}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    print(f"{args.hosts} hosts: best {min(walls):.2f} s wall (median {statistics.median(walls):.2f}), "
          f"best {min(cpus):.2f} s CPU (median {statistics.median(cpus):.2f})")


if __name__ == "__main__":
    main()
