"""The rollback role's Ansible module run for real on this machine (as Ansible runs it: a JSON
arguments file), on files of the test's own folder: before/after keep what changed, verify
finds a hand edit, restore refuses it unless forced, a dry run changes nothing, and files,
links, modes and created folders come back as they were."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from envcheck.paths import PLAYBOOK_DIR

MODULE = PLAYBOOK_DIR / "roles" / "rollback" / "library" / "envcheck_rollback.py"


def _run(tmp: Path, check: bool = False, **args: Any) -> dict[str, Any]:
    spec = tmp / "args.json"
    spec.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"run": "r1", "base": str(tmp / "base"),
                                                        "_ansible_check_mode": check, **args}}))
    out = subprocess.run([sys.executable, str(MODULE), str(spec)], capture_output=True, text=True, timeout=120)
    return dict(json.loads(out.stdout))


def _state(paths: list[Path]) -> dict[str, str]:
    out = {}
    for p in paths:
        if p.is_symlink():
            out[str(p)] = "link " + os.readlink(p)
        elif p.exists():
            out[str(p)] = f"{p.stat().st_mode:o} {hashlib.sha256(p.read_bytes()).hexdigest()}"
        else:
            out[str(p)] = "absent" + (" (folder too)" if not p.parent.exists() else "")
    return out


def test_before_after_verify_restore_on_real_files(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    conf, link, new = etc / "app.conf", etc / "localtime", etc / "made" / "new.conf"
    conf.write_text("password = old-secret\nport = 1\n")
    conf.chmod(0o640)
    link.symlink_to("/usr/share/zoneinfo/Etc/UTC")
    paths = [conf, link, new]
    before = _state(paths)
    files = [str(p) for p in paths]

    assert _run(tmp_path, check=True, action="before", role="app", files=files)["envcheck_rollback"] is None
    assert not (tmp_path / "base").exists()  # a dry run records nothing
    started = _run(tmp_path, action="before", role="app", files=files)
    assert started["changed"] is False
    assert oct((tmp_path / "base").stat().st_mode & 0o777) == "0o700"

    conf.write_text("password = new-secret\nport = 2\n")  # what the role does
    conf.chmod(0o644)
    link.unlink()
    link.symlink_to("/usr/share/zoneinfo/Asia/Shanghai")
    new.parent.mkdir()
    new.write_text("x\n")
    deployed = _state(paths)
    after = _run(tmp_path, action="after", role="app")
    assert after["changed"] is False
    changed = {f["path"]: f for f in after["envcheck_rollback"]["files"]}
    assert set(changed) == set(files)
    assert "old-secret" in __import__("base64").b64decode(changed[str(conf)]["content_b64"]).decode()

    dry = _run(tmp_path, check=True, action="restore")
    assert {f["path"] for f in dry["envcheck_rollback"]["files"]} == set(files)
    assert _state(paths) == deployed  # --check changed nothing

    conf.write_text("by hand\n")
    assert _run(tmp_path, action="verify")["envcheck_rollback"]["hand_edited"] == [str(conf)]
    refused = _run(tmp_path, action="restore")
    assert refused.get("failed") and refused["hand_edited"] == [str(conf)]
    assert conf.read_text() == "by hand\n"  # refused: nothing changed

    done = _run(tmp_path, action="restore", force=True)
    assert not done.get("failed"), done
    assert _state(paths) == before  # content, mode, link target, the created file and folder gone
    again = _run(tmp_path, action="restore")  # nothing left to put back, nothing refused
    assert again["changed"] is False and again["envcheck_rollback"]["files"] == []


def test_a_run_with_no_record_here_fails_with_its_name(tmp_path: Path) -> None:
    result = _run(tmp_path, action="verify")
    assert result.get("failed") and "no rollback record of run r1" in result["msg"]
    assert _run(tmp_path, action="verify", run="../x").get("failed")
