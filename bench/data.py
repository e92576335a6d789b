"""`make bench-data`: `envcheck data compare` against the naive way on 1,000,000 rows x 10
columns, MariaDB to PostgreSQL, in the same run (bench/README.md, "Data compare").

Both servers are the bench's own (tests/lab/dbservers.py: Debian's packages on free loopback
ports); the fee table of tests/lab/hisdata.py (10 columns) is generated in MariaDB and
migrated to PostgreSQL by the same script as the tests. Then, each in its own process:
- envcheck: `envcheck data compare` of that table (chunked checksums in both databases);
- naive: `SELECT * ... ORDER BY id` of both tables with the drivers, every row normalised
  and compared in Python (dicts by key: the way hand-written migration checks do it).
Measured: wall time, rows/s, the process's peak RSS (VmHWM, read by the process as it exits:
wait4's ru_maxrss would count the bench's own memory, which a fork-and-exec inherits into the
figure), bytes on the wire (the kernel's TCP counters of each session), against the table's
size in each database."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.lab import hisdata
from tests.lab.dbservers import PASSWORD, Server, servers

RESULTS = Path(__file__).resolve().parent / "results"
NAIVE = r'''
import json, sys
from decimal import Decimal
from envcheck.data.db import open_db
from envcheck.data.dialect import Frag
src, tgt = open_db(sys.argv[1]), open_db(sys.argv[2])
def dump(db):
    rows = {}
    for r in db.rows(Frag("SELECT * FROM fee ORDER BY id")):
        rows[r[0]] = tuple(None if v is None else str(v.replace(tzinfo=None) if hasattr(v, "tzinfo") else v)
                           for v in r)
    return rows
a, b = dump(src), dump(tgt)
differ = sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))
wire = [db.wire_bytes() for db in (src, tgt)]
print(json.dumps({"rows": len(a), "differ": differ, "bytes": sum(w["sent"] + w["received"] for w in wire)}))
'''


# Run first in each measured process: at exit it writes its peak RSS (kB) on standard error.
PEAK = ("import atexit, sys\n"
        "def _peak():\n"
        "    hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "    print('PEAK_KB', hwm.split()[1], file=sys.stderr, flush=True)\n"
        "atexit.register(_peak)\n")
ENVCHECK = PEAK + "import runpy\nsys.argv[0] = 'envcheck'\nrunpy.run_module('envcheck', run_name='__main__')\n"


def timed(code: str, args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes and standard output of `python -c code args`."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, check=False)
    wall = time.monotonic() - started
    peak = [int(line.split()[1]) for line in proc.stderr.decode(errors="replace").splitlines()
            if line.startswith("PEAK_KB ")]
    if not peak:
        raise RuntimeError(f"no peak reported (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return wall, peak[-1] * 1024, proc.stdout.decode()


def table_bytes(my: Server, pg: Server) -> dict[str, int]:
    with my.admin("src") as conn, conn.cursor() as cur:
        cur.execute("ANALYZE TABLE fee")
        cur.execute("SELECT data_length FROM information_schema.tables WHERE table_schema='src' AND table_name='fee'")
        mysql = int(cur.fetchone()[0])
    with pg.admin("dst") as conn:
        postgres = int(conn.execute("SELECT pg_relation_size('fee')").fetchone()[0])
    return {"mariadb": mysql, "postgresql": postgres}


def run(rows: int, runs_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "ENVCHECK_DB_PASSWORD": PASSWORD}
    with servers() as (my, pg):
        t0 = time.monotonic()
        hisdata.generate(my, "src", rows)
        hisdata.migrate(my, "src", pg, "dst")
        setup = time.monotonic() - t0
        sizes = table_bytes(my, pg)
        mapping = runs_dir / "fee.yml"
        mapping.write_text("tables:\n  fee: {key: [id]}\n")
        wall, rss, _ = timed(ENVCHECK, ["data", "compare", my.url("src"), pg.url("dst"),
                                        "--map", str(mapping), "--runs-dir", str(runs_dir)], env)
        run_dir = max(runs_dir.glob("*-data"))
        doc = json.loads((run_dir / "compare.json").read_text())
        checklist = json.loads((run_dir / "checklist.json").read_text())
        wire = sum(v for side in doc["wire_bytes"].values() for v in side.values())
        n_wall, n_rss, n_out = timed(PEAK + NAIVE, [my.url("src"), pg.url("dst")], env)
        naive = json.loads(n_out)
    return {
        "rows": rows, "columns": 10, "setup_seconds": round(setup, 1), "table_bytes": sizes,
        "envcheck": {"wall": round(wall, 2), "rows_per_s": round(rows / wall), "peak_rss": rss, "wire_bytes": wire,
                     "failed_items": sum(1 for i in checklist["items"] if i["status"] != "pass")},
        "naive": {"wall": round(n_wall, 2), "rows_per_s": round(rows / n_wall), "peak_rss": n_rss,
                  "wire_bytes": naive["bytes"], "rows_differing": naive["differ"]},
    }


def table(r: dict[str, Any]) -> str:
    e, n = r["envcheck"], r["naive"]
    mib = 1024 * 1024
    lines = [f"{r['rows']:,} rows x {r['columns']} columns, MariaDB -> PostgreSQL; table size "
             f"{r['table_bytes']['mariadb'] / mib:.0f} MiB (MariaDB), {r['table_bytes']['postgresql'] / mib:.0f} MiB "
             "(PostgreSQL)", "",
             "| way | wall s | rows/s | peak RSS MiB | bytes on the wire |", "|---|---:|---:|---:|---:|"]
    for name, m in (("envcheck data compare", e), ("naive SELECT * + Python", n)):
        rss = m["peak_rss"] / mib
        lines.append(f"| {name} | {m['wall']} | {m['rows_per_s']:,} | {rss:.0f} | {m['wire_bytes']:,} |")
    lines += ["", f"envcheck: {n['wall'] / e['wall']:.1f}x faster, {n['wire_bytes'] / max(e['wire_bytes'], 1):.0f}x "
              f"fewer bytes, {n['peak_rss'] / e['peak_rss']:.1f}x less memory; checklist items failed on the clean "
              f"migration: {e['failed_items']}; naive rows differing: {n['rows_differing']}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envcheck-bench-data-") as runs:
        result = run(args.rows, Path(runs))
    (RESULTS / "data.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "data.md").write_text(table(result))
    print(table(result))


if __name__ == "__main__":
    main()
