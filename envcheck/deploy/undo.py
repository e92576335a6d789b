"""`envcheck rollback`'s use case around the playbook: which deploy run, which hosts, and what
the hosts said they put back and did not (docs/rollback.md). Printing is commands/rollback.py's."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envcheck.deploy.rollback_record import FOLDER
from envcheck.errors import BadInput, RunDirError
from envcheck.i18n import t
from envcheck.runs.load import load_run

# The roles that record what they change (roles/rollback, docs/rollback.md); every other role a
# deploy ran is listed as not undone, whole.
RECORDING_ROLES = ("baseline", "nginx")
_HELPER_ROLES = ("standard", "rollback")


@dataclass(frozen=True)
class DeployRun:
    path: Path
    record: Mapping[str, Any]  # its run.json
    hosts: Mapping[str, Mapping[str, Any]]  # rollback/<host>.json
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)  # roles run per host (events)


def load_deploy(path: Path) -> DeployRun:
    run = load_run(path)
    if run.kind != "deploy":
        raise RunDirError.of("error.run_kind", path=path / "run.json", kind=repr(run.kind), kinds="deploy")
    hosts = {}
    for item in sorted((path / FOLDER).glob("*.json")):
        data = json.loads(item.read_text(encoding="utf-8"))
        hosts[str(data["host"])] = data
    if not hosts:
        raise BadInput.of("error.rollback_nothing", path=path)
    return DeployRun(path, run.record, hosts, _roles(path / "events.jsonl"))


def _roles(events: Path) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    if events.is_file():
        for line in events.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event.get("host") and event.get("role") and event.get("event") in ("runner_on_ok", "runner_on_failed"):
                found.setdefault(str(event["host"]), set()).add(str(event["role"]))
    return {h: frozenset(r) for h, r in found.items()}


def limit_for(run: DeployRun, pattern: str | None) -> str:
    """The hosts that recorded the run, narrowed by the user's --limit."""
    hosts = ":".join(sorted(run.hosts))
    return f"{hosts}:&{pattern}" if pattern else hosts


@dataclass(frozen=True)
class HostRollback:
    host: str
    hand_edited: tuple[str, ...] = ()
    files: tuple[Mapping[str, Any], ...] = ()
    services: tuple[Mapping[str, Any], ...] = ()
    packages: tuple[str, ...] = ()
    not_undone: tuple[Mapping[str, Any], ...] = ()
    restored: bool = False  # the restore step ran (not refused, not failed before)


def results(run: DeployRun, returned: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[HostRollback]:
    """Each host's verify and restore answers, plus the roles it ran that record nothing."""
    out = []
    for host in sorted(returned):
        edited: tuple[str, ...] = ()
        restore: Mapping[str, Any] = {}
        for item in returned[host]:
            if item.get("action") == "verify":
                edited = tuple(item.get("hand_edited") or ())
            elif item.get("action") == "restore":
                restore = item
        left = [dict(x, host=host) for x in restore.get("not_undone") or ()]
        unrecorded = sorted(run.roles.get(host, frozenset()) - set(RECORDING_ROLES) - set(_HELPER_ROLES))
        left += [{"host": host, "area": "role", "key": r, "value": "not recorded"} for r in unrecorded]
        left += [{"host": host, "area": "role", "key": r, "value": "unfinished"}
                 for r in (run.hosts.get(host) or {}).get("unfinished") or ()]
        out.append(HostRollback(host, edited, tuple(restore.get("files") or ()), tuple(restore.get("services") or ()),
                                tuple(restore.get("packages") or ()), tuple(left), bool(restore)))
    return out


def describe(item: Mapping[str, Any], lang: str) -> str:
    """One not-undone item in words."""
    value = item.get("value")
    variant = "_needed" if value == "needed" else "_unfinished" if value == "unfinished" else ""
    return t(f"rollback.left.{item['area']}{variant}", lang, item=item["key"], value=value)


def as_record(hosts: Sequence[HostRollback]) -> dict[str, Any]:
    """The fields run.json of a rollback run adds: per host what was done, and `not_undone`, one
    {host, area, key, value} per item (area: packages, files, users, groups, locales, sysctl,
    role), for a diff to ignore (docs/rollback.md)."""
    return {
        "results": [{"host": h.host, "hand_edited": list(h.hand_edited), "restored": h.restored,
                     "files": list(h.files), "services": list(h.services), "packages": list(h.packages)}
                    for h in hosts],
        "not_undone": [dict(x) for h in hosts for x in h.not_undone],
    }
