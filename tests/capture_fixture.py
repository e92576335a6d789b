"""Capture a fact's real output from a host as a parser fixture.

    python -m tests.capture_fixture --host web FACT_ID CASE_NAME [-i .lab/inventory.yml]
    python -m tests.capture_fixture --local FACT_ID CASE_NAME

Writes tests/fixtures/facts/<FACT_ID>/<CASE_NAME>.out (the raw stdout) and .json
({"rc", "expected"}). The expected value is a person's, never the parser's: a recaptured case
keeps its reviewed value (the test then says whether the parser still reads the new output
so); a new case gets UNREVIEWED, which fails the test until someone writes the value the
parser must return, from reading the .out. What the parser reads today is printed, to compare.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from envcheck.audit.engine import host_context
from envcheck.audit.probe import build_script, split_output
from envcheck.checks import FACTS, load_catalogue
from envcheck.inventory import load_inventory, local_inventory
from envcheck.ssh import LocalTransport, OpenSSHTransport

FIXTURES = Path(__file__).parent / "fixtures" / "facts"
UNREVIEWED = "UNREVIEWED: the value the parser must return, written by hand from the .out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("fact")
    ap.add_argument("case")
    ap.add_argument("--host")
    ap.add_argument("--local", action="store_true")
    ap.add_argument("-i", "--inventory", default=".lab/inventory.yml")
    args = ap.parse_args()
    load_catalogue()
    fact = FACTS[args.fact]
    # The whole inventory, so that facts about peers (tiers, name resolution) have them.
    inventory = local_inventory() if args.local else load_inventory([args.inventory])
    host = inventory.hosts[0] if args.local else inventory.host(args.host)
    bound = fact.bind(host_context(host, inventory), host.standard)
    if bound is None:
        raise SystemExit(f"{args.fact} does not apply to {host.name}")
    script = build_script([bound])
    transport = LocalTransport() if args.local else OpenSSHTransport()
    session = transport.run(host.target, script.text, 60)
    if session.error:
        raise SystemExit(session.error)
    raw_all = session.stdout
    out = split_output(script.marker, raw_all)[args.fact]
    folder = FIXTURES / args.fact
    folder.mkdir(parents=True, exist_ok=True)
    # Keep the exact bytes between the markers (non-UTF-8 output included).
    (folder / f"{args.case}.out").write_bytes(_raw_section(raw_all, script.marker, args.fact))
    spec_file = folder / f"{args.case}.json"
    reviewed = json.loads(spec_file.read_text(encoding="utf-8"))["expected"] if spec_file.exists() else UNREVIEWED
    spec_file.write_text(
        json.dumps({"rc": out.rc, "expected": reviewed}, ensure_ascii=False, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {folder}/{args.case}.out and .json (rc={out.rc}); the parser reads today:")
    print(json.dumps(fact.parse(out), ensure_ascii=False, indent=2, default=str))
    if reviewed == UNREVIEWED:
        print(f"write the expected value in {spec_file} by hand, from the .out")


def _raw_section(stdout: bytes, marker: str, fact_id: str) -> bytes:
    start = stdout.index(f"\n{marker} B {fact_id}\n".encode()) + len(f"\n{marker} B {fact_id}\n")
    end = stdout.index(f"\n{marker} E {fact_id}\n".encode(), start)
    return stdout[start:end]


if __name__ == "__main__":
    main()
