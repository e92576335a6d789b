"""`envcheck serve` under scrapes (issue 23): 100 scrapes at 10 per second against the lab, the
whole catalogue on every host. Counts the audits (envcheck_serve_audits_total against the
`--interval`: at most one per interval) and samples the exporter's resident memory (VmRSS) at
every scrape: it should stay flat, as only the last result is kept.

    python -m bench.serve [--scrapes 100] [--rate 10] [--interval 2] [--rounds 3]

Uses the checkout's lab (tests/lab) when it is up, else brings it up (3 hosts) and takes it
down at the end. Each scrape is its own thread, sent on schedule whether or not the ones
before have been answered (a scrape that arrives during an audit waits for it). Writes
bench/results/serve.md and serve.json (--name changes the name).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.lab.config import LabConfig
from tests.lab.dbservers import free_port
from tests.lab.lab import Lab
from tests.lab.prom import http_get

ENVCHECK = str(Path(sys.executable).parent / "envcheck")
RESULTS = Path(__file__).resolve().parent / "results"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def one_round(inventory: Path, scrapes: int, rate: float, interval: float) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory() as runs:
        proc = subprocess.Popen([ENVCHECK, "serve", "-i", str(inventory), "--listen", f"127.0.0.1:{port}",
                                 "--interval", str(interval), "--runs-dir", runs], stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None and "Serving" in proc.stderr.readline()
            return _scrape(proc.pid, port, scrapes, rate, interval, Path(runs))
        finally:
            proc.terminate()
            proc.communicate(timeout=120)


def _scrape(pid: int, port: int, scrapes: int, rate: float, interval: float, runs: Path) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/metrics"
    latencies: list[float] = []
    audits_seen: list[int] = []
    rss: list[int] = [rss_kib(pid)]
    lock = threading.Lock()

    def scrape() -> None:
        started = time.monotonic()
        code, body = http_get(url)
        took = time.monotonic() - started
        m = re.search(r"^envcheck_serve_audits_total (\d+)$", body, re.M)
        with lock:
            latencies.append(took)
            audits_seen.append(int(m.group(1)) if code == 200 and m else -1)

    threads = []
    began = time.monotonic()
    for i in range(scrapes):
        time.sleep(max(0.0, began + i / rate - time.monotonic()))
        th = threading.Thread(target=scrape)
        th.start()
        threads.append(th)
        rss.append(rss_kib(pid))
    for th in threads:
        th.join()
    elapsed = time.monotonic() - began
    rss.append(rss_kib(pid))
    audits = max(audits_seen)
    return {"scrapes": scrapes, "rate": rate, "interval": interval, "elapsed_s": round(elapsed, 2),
            "answered": sum(1 for a in audits_seen if a >= 0), "audits": audits,
            "audits_allowed": math.floor(elapsed / interval) + 1,
            "run_dirs_left": len(list(runs.iterdir())),
            "latency_p50_s": round(statistics.median(latencies), 3),
            "latency_max_s": round(max(latencies), 3),
            "rss_kib": {"start": rss[0], "after_first_audit": rss[len(rss) // 10], "max": max(rss),
                        "end": rss[-1]}}


def lab_inventory() -> tuple[Path, Lab | None]:
    cfg = LabConfig.from_env()
    if (cfg.state_dir / "lab.json").exists():
        existing = Lab.from_state(cfg.state_dir)
        if existing.answering():
            return existing.inventory_path, None
        existing.down()
    started = Lab.up(cfg)
    return started.inventory_path, started


def table(rounds: list[dict[str, Any]]) -> str:
    lines = ["| round | scrapes answered | seconds | audits (allowed) | run dirs left | latency p50 / max s "
             "| RSS MiB start / after 1st audit / max / end |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, r in enumerate(rounds, 1):
        m = {k: f"{v / 1024:.1f}" for k, v in r["rss_kib"].items()}
        lines.append(f"| {i} | {r['answered']} of {r['scrapes']} | {r['elapsed_s']} | {r['audits']} "
                     f"({r['audits_allowed']}) | {r['run_dirs_left']} | {r['latency_p50_s']} / {r['latency_max_s']} "
                     f"| {m['start']} / {m['after_first_audit']} / {m['max']} / {m['end']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.serve")
    ap.add_argument("--scrapes", type=int, default=100)
    ap.add_argument("--rate", type=float, default=10.0, help="scrapes per second")
    ap.add_argument("--interval", type=float, default=2.0, help="envcheck serve --interval")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--name", default="serve", help="results file name: bench/results/NAME.md and NAME.json")
    args = ap.parse_args()
    inventory, started = lab_inventory()
    try:
        rounds = [one_round(inventory, args.scrapes, args.rate, args.interval) for _ in range(args.rounds)]
    finally:
        if started is not None:
            started.down()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(rounds, indent=2) + "\n")
    text = table(rounds)
    (RESULTS / f"{args.name}.md").write_text(text)
    print(text, end="")
    bad = [r for r in rounds if r["audits"] > r["audits_allowed"] or r["answered"] != r["scrapes"]]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
