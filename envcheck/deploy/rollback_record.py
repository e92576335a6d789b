"""What a deploy recorded for `envcheck rollback`: taken from the rollback role's task results
and kept as evidence, runs/<started>-deploy/rollback/<host>.json and the previous version of
each changed file under rollback/<host>/files/<its path>, secrets masked (envcheck.masking).
The unmasked copies stay on the host only, root-only (docs/rollback.md)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envcheck.masking import mask_text
from envcheck.runs import safe_name, write_atomic, write_json

RESULT_KEY = "envcheck_rollback"  # the module's result (roles/rollback/library/envcheck_rollback.py)
FOLDER = "rollback"


def take(events: Sequence[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], ...]]:
    """The rollback role's results per host, in the order they ran, taken out of the events
    (a previous file's content never reaches events.jsonl)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        result = event.pop(RESULT_KEY, None)
        if isinstance(result, dict) and event.get("host"):
            found.setdefault(str(event["host"]), []).append(result)
    return {host: tuple(results) for host, results in found.items()}


def write(run_dir: Path, results: Mapping[str, Sequence[dict[str, Any]]]) -> None:
    """rollback/<host>.json for every host that recorded something (a --check records nothing)."""
    for host, items in sorted(results.items()):
        roles = [evidence_of(run_dir, host, item) for item in items if item.get("action") == "after"]
        begun = [str(item.get("role")) for item in items if item.get("action") == "before"]
        if not roles and not begun:
            continue
        folder = run_dir / FOLDER
        folder.mkdir(mode=0o700, exist_ok=True)
        done = {str(r["role"]) for r in roles}
        write_json(folder / f"{safe_name(host)}.json", {
            "host": host, "roles": roles,
            # A role that failed half-way: recorded before it ran, its changes unknown here.
            "unfinished": [r for r in begun if r not in done],
        })


def evidence_of(run_dir: Path, host: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """One role's changes on one host, each changed file's previous text written masked."""
    files = []
    for f in item.get("files") or ():
        entry = {k: v for k, v in f.items() if k != "content_b64"}
        if "content_b64" in f:
            entry.update(_keep(run_dir, host, str(f["path"]), str(f["content_b64"])))
        files.append(entry)
    return {**{k: v for k, v in item.items() if k not in ("files", "action")}, "files": files}


def _keep(run_dir: Path, host: str, path: str, content: str) -> dict[str, Any]:
    try:
        text = base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return {"evidence": None, "evidence_note": "binary: kept on the host only"}
    masked, count = mask_text(text)
    relative = Path(FOLDER, safe_name(host), "files", *[safe_name(p) for p in Path(path).parts[1:]])
    target = run_dir / relative
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(target, masked)
    return {"evidence": str(relative), "secrets_masked": count}
