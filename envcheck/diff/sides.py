"""What a side of a diff names, read into items: a run directory (check or snapshot), an
inventory (every host), or a host or group of `-i INV` (read now, as a snapshot run)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from envcheck.audit.run import CheckRequest
from envcheck.errors import BadInput, RunDirError
from envcheck.inventory import Inventory
from envcheck.runs.load import read_json
from envcheck.snapshot.items import HostItems, from_evidence

SNAPSHOT_KINDS = ("check", "snapshot")


@dataclass(frozen=True)
class Side:
    label: str  # as the user wrote it
    hosts: tuple[HostItems, ...]
    by_name: bool = False  # named hosts or groups: paired by order alone
    run_dir: str | None = None  # the run it was read from, or the snapshot run made for it


@dataclass(frozen=True)
class LiveSide:
    """A side to read now: the inventories and the --limit of its snapshot run."""

    label: str
    inventories: tuple[str, ...]
    limit: str | None
    by_name: bool


def classify(arg: str, inventories: Sequence[str], limit: str | None) -> Path | LiveSide:
    """A run directory (a Path), or what to read live."""
    path = Path(arg)
    if path.is_dir() and (path / "run.json").is_file():
        return path
    if path.exists():  # an inventory file or folder
        return LiveSide(arg, (arg,), limit, False)
    if not inventories:
        raise BadInput.of("error.diff_side", side=arg)
    pattern = arg if not limit else f"{arg}:&{limit}"
    return LiveSide(arg, tuple(inventories), pattern, True)


def read_run(path: Path) -> Side:
    try:
        record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError.of("error.run_file_unreadable", path=path / "run.json", error=exc) from exc
    if not isinstance(record, dict) or record.get("kind") not in SNAPSHOT_KINDS:
        kind = record.get("kind") if isinstance(record, dict) else None
        raise RunDirError.of("error.run_kind", path=path / "run.json", kind=repr(kind),
                             kinds=", ".join(SNAPSHOT_KINDS))
    order = [str(h) for h in record.get("hosts") or ()]
    results = _results_by_host(path)
    hosts = []
    for file in sorted((path / "hosts").glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunDirError.of("error.run_file_unreadable", path=file, error=exc) from exc
        hosts.append(from_evidence(data, str(path), results.get(str(data.get("name")), ())))
    hosts.sort(key=lambda h: order.index(h.name) if h.name in order else len(order))
    return Side(str(path), tuple(hosts), False, str(path))


def _results_by_host(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The run's results by host (result.json: its site checks are compared too); none where
    the run has no result.json (interrupted before its end: its host files are still read)."""
    if not (path / "result.json").is_file():
        return {}
    by_host: dict[str, list[dict[str, Any]]] = {}
    for r in read_json(path / "result.json").get("results") or ():
        if isinstance(r, dict) and r.get("host") is not None:
            by_host.setdefault(str(r["host"]), []).append(r)
    return by_host


def load_live(side: LiveSide, request: CheckRequest) -> tuple[CheckRequest, Inventory]:
    """The side's request and inventory (in the main thread: ansible-core's loader is not
    thread-safe); bad input here, before any host is contacted."""
    from envcheck.snapshot.run import snapshot_facts  # noqa: PLC0415 (the catalogue: only for a live side)

    conn = replace(request.connection, inventories=side.inventories, limit=side.limit)
    inventory = conn.load_inventory()
    if not inventory.hosts:
        raise BadInput.of("error.diff_no_hosts", side=side.label)
    snapshot_facts(inventory)
    return replace(request, connection=conn), inventory


def read_live(side: LiveSide, request: CheckRequest, inventory: Inventory) -> Side:
    """A snapshot run of the side's hosts now (its evidence kept as any snapshot's)."""
    from envcheck.snapshot.run import run_snapshot  # noqa: PLC0415 (the catalogue: only for a live side)

    run = run_snapshot(request, inventory=inventory)
    # Read back from its evidence: the values as kept there, secrets masked (a JVM option or a
    # database variable may hold a password), as a later diff of that run shows them.
    return replace(read_run(run.run_dir), label=side.label, by_name=side.by_name)
