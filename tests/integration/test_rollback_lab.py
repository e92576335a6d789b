"""`envcheck rollback` on a bare lab host after `envcheck deploy server`: a dry run changes
nothing, a hand edit since the deploy is refused (exit 4, the file named, nothing changed),
--force --packages puts every managed file, the services and the packages back as they were
before the deploy, and what it does not undo is printed and kept in run.json (docs/rollback.md).
Issue 20's round trip: `snapshot` before the deploy and after the rollback, and `diff` of the
two shows nothing but what the rollback listed as not undone."""

from __future__ import annotations

import fnmatch
import json
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.exitcodes import ExitCode
from tests.clirunner import crash
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
# What the baseline manages on Debian (roles/baseline/vars/Debian.yml and the chrony and locale
# files), read before the deploy and after the rollback.
MANAGED = ["/etc/apt/apt.conf.d/80envcheck-network", "/etc/locale.gen", "/etc/localtime", "/etc/timezone",
           "/etc/security/limits.d/90-envcheck.conf", "/etc/systemd/system.conf.d/60-envcheck-limits.conf",
           "/etc/sysctl.d/60-envcheck.conf", "/etc/hostname", "/etc/hosts", "/etc/chrony/chrony.conf",
           "/etc/default/locale"]
STATE = ("for f in {paths}; do if [ -L \"$f\" ]; then echo \"$f link $(readlink \"$f\")\"; "
         "elif [ -e \"$f\" ]; then echo \"$f $(stat -c %a:%u:%g \"$f\") $(sha256sum < \"$f\")\"; "
         "else echo \"$f absent\"; fi; done; "
         "echo \"chrony $(systemctl is-enabled chrony 2>&1 | tail -n1) $(systemctl is-active chrony)\"; "
         "echo \"packages $(dpkg-query -W -f='${{Package}}\\n' | sha256sum)\"; "
         "[ -d /etc/systemd/system.conf.d ] && echo 'system.conf.d present'; "
         "echo \"backups $(for f in {paths}; do ls -d \"$f\".*~ 2>/dev/null; done | wc -l)\"")


def _state(lab: Lab, name: str) -> dict[str, str]:
    out = lab.ssh(name, STATE.format(paths=" ".join(shlex.quote(p) for p in MANAGED))).stdout
    return {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in out.splitlines()}


def _rollback(lab: Lab, deploy: Path, runs: Path, *args: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["rollback", str(deploy), "--runs-dir", str(runs), "--lang", "en", *args])
    assert crash(result) is None, crash(result)
    record = json.loads((max(runs.glob("*-rollback")) / "run.json").read_text())
    return result.exit_code, result.output, record


def test_rollback_puts_a_deployed_host_back_and_refuses_a_hand_edit(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[-1].name
    lab.reset(name)
    try:
        _deploy_and_roll_back(lab, name, tmp_path / "runs")
    finally:
        lab.reset(name)  # the other tests expect a clean host


def _snapshot(lab: Lab, name: str, runs: Path) -> Path:
    result = CliRunner().invoke(cli, ["snapshot", "-i", str(lab.inventory_path), "--limit", name,
                                      "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    return max(runs.glob("*-snapshot"))


# What a rollback lists as not undone (run.json's `not_undone`, by area), as diff items.
NOT_UNDONE_ITEMS = {
    "users": ["users/user/{key}", "users/limits/{key}/*"],
    "groups": ["users/group/{key}"],
    "locales": ["locales/installed/{key}"],
    "sysctl": ["sysctl/{key}"],
    "packages": ["packages/{key}"],
    "files": ["files{key}"],
}


def _diff(before: Path, after: Path, ignore: Path | None = None) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    args = ["diff", str(before), str(after), "--format", "json"]
    result = CliRunner().invoke(cli, args + (["--ignore", str(ignore)] if ignore else []))
    assert crash(result) is None, crash(result)
    [pair] = json.loads(result.output)["pairs"]
    return result.exit_code, pair["differences"]


def _deploy_and_roll_back(lab: Lab, name: str, runs: Path) -> None:
    before = _state(lab, name)
    snapshot_before = _snapshot(lab, name, runs)
    result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(lab.inventory_path), "--limit", name,
                                      "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    deploy = max(runs.glob("*-deploy"))
    deployed = _state(lab, name)
    assert deployed != before
    # Evidence: the previous version of each changed file, and the record on the host, root-only.
    recorded = json.loads((deploy / "rollback" / f"{name}.json").read_text())
    [baseline] = recorded["roles"]
    assert "/etc/hosts" in {f["path"] for f in baseline["files"]} and "chrony" in baseline["packages"]
    assert (deploy / "rollback" / name / "files" / "etc" / "hosts").is_file()
    assert lab.ssh(name, f"stat -c %a /var/lib/envcheck/rollback/{deploy.name}").stdout.strip() == "700"

    code, out, record = _rollback(lab, deploy, runs, "--check")
    assert code == ExitCode.OK, out
    assert "restored /etc/hosts" in out and "package chrony installed by the deploy" in out
    assert _state(lab, name) == deployed  # a dry run changes nothing

    lab.ssh(name, "echo '10.0.0.99 by-hand' >> /etc/hosts")
    edited = _state(lab, name)
    code, out, record = _rollback(lab, deploy, runs)
    assert code == ExitCode.REFUSED == 4, out
    assert "/etc/hosts" in out and "--force" in out
    assert record["results"][0]["hand_edited"] == ["/etc/hosts"] and not record["results"][0]["restored"]
    assert _state(lab, name) == edited  # refused: nothing was changed

    code, out, record = _rollback(lab, deploy, runs, "--force", "--packages")
    assert code == ExitCode.OK, out
    assert _state(lab, name) == before  # files, modes, owners, links, chrony, packages, folders, backups
    left = {(x["area"], x["key"]) for x in record["not_undone"]}
    assert {("users", "appuser"), ("locales", "zh_CN.utf8")} <= left, left
    assert not any(area == "packages" for area, _ in left), left
    assert "Not undone:" in out and "user appuser created" in out

    # Snapshot again: the diff shows only what the rollback listed as not undone.
    snapshot_after = _snapshot(lab, name, runs)
    globs = [pattern.format(key=x["key"]) for x in record["not_undone"]
             for pattern in NOT_UNDONE_ITEMS.get(x["area"], [])]
    code, differences = _diff(snapshot_before, snapshot_after)
    assert code == (ExitCode.FAILED if differences else ExitCode.OK), differences
    unexplained = [d for d in differences if not any(fnmatch.fnmatch(d["item"], g) for g in globs)]
    assert unexplained == [], unexplained
    assert not any(d["area"] in ("files", "services", "sysctl") for d in differences), differences
    ignore = runs / "not-undone.yml"
    ignore.write_text(yaml.safe_dump({"ignore": [{"item": g, "why": "not undone"} for g in globs]}))
    assert _diff(snapshot_before, snapshot_after, ignore) == (ExitCode.OK, [])
