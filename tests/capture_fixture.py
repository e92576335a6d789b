"""Capture a fact's real output from a host as a parser fixture, with the command it ran.

    python -m tests.capture_fixture --host web1 FACT_ID CASE_NAME [-i .lab/inventory.yml]
    python -m tests.capture_fixture --local FACT_ID CASE_NAME
    python -m tests.capture_fixture --record FACT_ID CASE_NAME   (a hand-written case)

Writes tests/fixtures/facts/<FACT_ID>/<CASE_NAME>.out (the raw stdout) and .json ({"rc",
"command", ["context",] "expected"}) with what the parser reads today: review "expected"
against the .out by hand before committing. "command" is the sha256 of the command the host
ran; its text is kept beside the cases as command-<first 12 hex digits>.sh. For a fact whose
command is built from the inventory (command_for), "context" is what it was built from: the
host as the inventory shows it and its standard_* values that differ from the defaults.

--record writes only the command record of an existing case, for the command the fact has
now, keeping its context: for hand-written cases (handmade-*, rhel9-*), once their output has
been checked against the new command by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from envcheck.audit.engine import gather_through, host_context
from envcheck.audit.probe import build_script, split_output
from envcheck.checks import FACTS, load_catalogue
from envcheck.checks.registry import Fact, HostContext
from envcheck.inventory import load_inventory, local_inventory
from envcheck.ssh import LocalTransport, OpenSSHTransport
from envcheck.standard import Standard, Tier

FIXTURES = Path(__file__).parent / "fixtures" / "facts"


def digest(command: str) -> str:
    return hashlib.sha256(command.encode("utf-8")).hexdigest()


def command_file(folder: Path, sha256: str) -> Path:
    """Where the text of a recorded command is kept (one file per command, shared by the
    cases of a fact captured with it)."""
    return folder / f"command-{sha256[:12]}.sh"


def context_record(ctx: HostContext, std: Standard) -> dict[str, Any]:
    """What a dynamic fact's command was built from, as JSON."""
    default = Standard.from_vars({})
    return {
        "host": {"name": ctx.name, "address": ctx.address, "groups": list(ctx.groups),
                 "lan_address": ctx.lan_address,
                 "peers": {g: [list(p) for p in members] for g, members in ctx.peers.items()}},
        "standard": {"standard_" + f.name: _plain(getattr(std, f.name)) for f in fields(Standard)
                     if getattr(std, f.name) != getattr(default, f.name)},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Tier):
        return {"from": value.source, "to": value.target, "ports": list(value.ports)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "declaration"):  # an app datasource or endpoint, as declared (no password)
        return value.declaration()
    return value


def command_now(fact: Fact, context: Mapping[str, Any] | None) -> str | None:
    """The command the fact has now: its own, or the one it builds for the recorded context
    (None where it does not apply there)."""
    if fact.command_for is None:
        return fact.command
    if context is None:
        raise ValueError(f"{fact.id} builds its command from the inventory: its fixtures record a context")
    host = context["host"]
    ctx = HostContext(host["name"], host["address"], tuple(host["groups"]), host["lan_address"],
                      {g: tuple((n, a) for n, a in members) for g, members in host["peers"].items()})
    bound = fact.bind(ctx, Standard.from_vars(context["standard"], "fixture context"))
    return None if bound is None else bound.command


def record_text(rc: int, command: str, context: Mapping[str, Any] | None) -> str:
    """The lines of a case's .json before "expected": its exit code and command record (a
    context's host and standard one line each)."""
    lines = [f'  "rc": {json.dumps(rc)}', f'  "command": "{digest(command)}"']
    if context is not None:
        lines.append('  "context": {\n' + ",\n".join(
            f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in context.items()) + "\n  }")
    return ",\n".join(lines)


def fixture_json(rc: int, command: str, context: Mapping[str, Any] | None, expected: Any,
                 unreviewed: bool = False) -> str:
    """A case's .json. A fresh capture is marked "unreviewed": the parser wrote its
    "expected", and tests/unit/test_fact_fixtures.py fails until a person has checked it
    against the .out and deleted that line (expected values are reviewed, not regenerated)."""
    value = json.dumps(expected, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")
    mark = ',\n  "unreviewed": true' if unreviewed else ""
    return "{\n" + record_text(rc, command, context) + mark + f',\n  "expected": {value}\n}}\n'


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("fact")
    ap.add_argument("case")
    ap.add_argument("--host")
    ap.add_argument("--local", action="store_true")
    ap.add_argument("--record", action="store_true", help="only record the command of an existing case")
    ap.add_argument("-i", "--inventory", default=".lab/inventory.yml")
    args = ap.parse_args()
    load_catalogue()
    fact = FACTS[args.fact]
    folder = FIXTURES / args.fact
    if args.record:
        record(fact, folder, args.case)
        return
    # The whole inventory, so that facts about peers (tiers, name resolution) have them.
    inventory = local_inventory() if args.local else load_inventory([args.inventory])
    host = inventory.hosts[0] if args.local else inventory.host(args.host)
    ctx = host_context(host, inventory)
    bound = fact.bind(ctx, host.standard)
    if bound is None:
        raise SystemExit(f"{args.fact} does not apply to {host.name}")
    transport = LocalTransport() if args.local else OpenSSHTransport()
    folder.mkdir(parents=True, exist_ok=True)
    if bound.gather is not None:  # read by the controller through the host (a datasource session)
        out = gather_through(host, ctx, [bound], transport, 60)[args.fact]
        (folder / f"{args.case}.out").write_bytes(out.stdout.encode("utf-8"))
    else:
        script = build_script([bound])
        session = transport.run(host.target, script.text, 60)
        if session.error:
            raise SystemExit(session.error)
        raw_all = session.stdout
        out = split_output(script.marker, raw_all)[args.fact]
        # Keep the exact bytes between the markers (non-UTF-8 output included).
        (folder / f"{args.case}.out").write_bytes(_raw_section(raw_all, script.marker, args.fact))
    parsed = fact.parse(out)
    if hasattr(parsed, "reason"):
        value = {"absent": True}
    elif type(parsed).__name__ == "FactError":
        value = {"error": parsed.message}
    else:
        value = parsed
    context = None if fact.command_for is None else context_record(ctx, host.standard)
    command_file(folder, digest(bound.command)).write_text(bound.command, encoding="utf-8")
    case_json = fixture_json(out.rc, bound.command, context, value, unreviewed=True)
    (folder / f"{args.case}.json").write_text(case_json, encoding="utf-8")
    print(f"wrote {folder}/{args.case}.out and .json (rc={out.rc}): review its \"expected\" against the "
          "output by hand, then delete its \"unreviewed\" line")


def record(fact: Fact, folder: Path, case: str) -> None:
    path = folder / f"{case}.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    command = command_now(fact, spec.get("context"))
    if command is None:
        raise SystemExit(f"{fact.id} does not apply in the context of {case}")
    command_file(folder, digest(command)).write_text(command, encoding="utf-8")
    path.write_text(fixture_json(spec["rc"], command, spec.get("context"), spec["expected"],
                                        unreviewed=spec.get("unreviewed", False)), encoding="utf-8")
    print(f"recorded the command of {fact.id} in {path}")


def _raw_section(stdout: bytes, marker: str, fact_id: str) -> bytes:
    start = stdout.index(f"\n{marker} B {fact_id}\n".encode()) + len(f"\n{marker} B {fact_id}\n")
    end = stdout.index(f"\n{marker} E {fact_id}\n".encode(), start)
    return stdout[start:end]


if __name__ == "__main__":
    main()
