"""Resource and kernel checks: small fact values in, status out."""

from __future__ import annotations

from typing import Any

from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, load_catalogue
from envcheck.checks.util.pamlimits import pam_limits
from envcheck.model import Status
from envcheck.standard import Standard

load_catalogue()
STD = Standard.from_vars({})  # nofile/nproc 65535, swappiness 10, somaxconn 1024, THP never


def status(check_id: str, std: Standard = STD, **facts: Any) -> Status:
    values = {k.replace("__", "."): v for k, v in facts.items()}
    return evaluate_check(CHECKS[check_id], "h", values, std).status


def disk(**free: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, pct in free.items():
        p = "/" + path.replace("_", "/") if path != "root" else "/"
        out[p] = {"missing": True} if pct is None else {
            "missing": False, "mount": "/", "space_free_percent": pct, "inodes_free_percent": pct}
    return out


def test_disk_and_inodes() -> None:
    assert status("resources.disk_free", resources__disk=disk(root=40.0, var=20.0)) == Status.PASS
    assert status("resources.disk_free", resources__disk=disk(root=40.0, var=5.0)) == Status.FAIL
    assert status("resources.inodes_free", resources__disk=disk(root=9.0)) == Status.FAIL
    assert status("resources.disk_free", resources__disk=disk(root=40.0, data=None)) == Status.PASS
    assert status("resources.disk_free", resources__disk=disk(data=None)) == Status.SKIP
    no_inodes = {"/": {"missing": False, "mount": "/", "space_free_percent": 50.0, "inodes_free_percent": None}}
    assert status("resources.inodes_free", resources__disk=no_inodes) == Status.SKIP  # btrfs: no inode count


def test_memory_and_swap() -> None:
    assert status("resources.memory", resources__memory={"MemTotal": 8000, "SwapTotal": 0}) == Status.PASS
    assert status("resources.memory", resources__memory={"MemTotal": 512, "SwapTotal": 0}) == Status.WARN
    assert status("resources.swap", resources__memory={"MemTotal": 8000, "SwapTotal": 2048}) == Status.PASS
    assert status("resources.swap", resources__memory={"MemTotal": 8000, "SwapTotal": 0}) == Status.WARN


def kernel(container: str | None = None, **values: Any) -> dict[str, Any]:
    base = {"vm.swappiness": 10, "net.core.somaxconn": 4096, "transparent_hugepage": "never"}
    return {**base, **{k.replace("_", "."): v for k, v in values.items() if k != "thp"},
            "transparent_hugepage": values.get("thp", "never"), "container": container}


def test_sysctls_and_thp() -> None:
    assert status("resources.swappiness", resources__kernel=kernel()) == Status.PASS
    assert status("resources.swappiness", resources__kernel=kernel(vm_swappiness=60)) == Status.FAIL
    assert status("resources.somaxconn", resources__kernel=kernel(net_core_somaxconn=128)) == Status.FAIL
    assert status("resources.transparent_hugepage", resources__kernel=kernel(thp="madvise")) == Status.FAIL
    assert status("resources.transparent_hugepage", resources__kernel=kernel(thp=None)) == Status.SKIP


def test_in_a_container_vm_settings_skip_but_somaxconn_is_its_own() -> None:
    k = kernel("docker", vm_swappiness=60, net_core_somaxconn=128, thp="always")
    assert status("resources.swappiness", resources__kernel=k) == Status.SKIP
    assert status("resources.transparent_hugepage", resources__kernel=k) == Status.SKIP
    assert status("resources.somaxconn", resources__kernel=k) == Status.FAIL  # per network namespace


LIMITS_D = """\
/etc/security/limits.conf:*               soft    nofile          1024
/etc/security/limits.d/20-nproc.conf:*          soft    nproc     4096
/etc/security/limits.d/20-nproc.conf:root       soft    nproc     unlimited
/etc/security/limits.d/90-app.conf:@appgroup soft nofile 65535
/etc/security/limits.d/90-app.conf:appuser - nproc 65535
"""


def test_pam_limits_user_beats_group_beats_wildcard() -> None:
    got = pam_limits(LIMITS_D, "appuser", 1000, ["appuser", "appgroup"])
    assert got["nofile"]["value"] == 65535 and "@appgroup" in got["nofile"]["from"]
    assert got["nproc"]["value"] == 65535
    other = pam_limits(LIMITS_D, "bob", 1001, ["bob"])
    assert other["nofile"]["value"] == 1024 and other["nproc"]["value"] == 4096
    assert pam_limits(LIMITS_D, "root", 0, ["root"])["nproc"]["value"] == "unlimited"
    assert pam_limits("", "appuser", 1000, [])["nofile"] is None
    # A later file at the same rank wins; a uid range counts as the user's own entry.
    later = LIMITS_D + "/etc/security/limits.d/99-z.conf:1000:1999 soft nofile 2048\n"
    assert pam_limits(later, "appuser", 1000, ["appgroup"])["nofile"]["value"] == 2048


def limits(user: dict[str, Any] | None = None, services: dict[str, Any] | None = None,
           units: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"user": user, "services": services or {}, "units": units or {}}


def test_nofile_and_nproc() -> None:
    good_user = {"name": "appuser", "nofile": {"value": 65535, "from": "x"},
                 "nproc": {"value": "unlimited", "from": "y"}}
    assert status("resources.nofile", resources__limits=limits(good_user)) == Status.PASS
    assert status("resources.nproc", resources__limits=limits(good_user)) == Status.PASS
    unset = {"name": "appuser", "nofile": None, "nproc": None}
    assert status("resources.nofile", resources__limits=limits(unset)) == Status.FAIL
    low_service = limits(good_user, {"java": {"nofile": 4096, "nproc": 65535}})
    assert status("resources.nofile", resources__limits=low_service) == Status.FAIL
    assert status("resources.nproc", resources__limits=low_service) == Status.PASS
    # A stopped service is judged by its unit's limit; a running one by its process.
    stopped = {"mariadb.service": {"active": False, "nofile": 1024, "nproc": 65535}}
    assert status("resources.nofile", resources__limits=limits(good_user, units=stopped)) == Status.FAIL
    running = {"mariadb.service": {"active": True, "nofile": 1024, "nproc": 65535}}
    assert status("resources.nofile", resources__limits=limits(good_user, units=running)) == Status.PASS
    assert status("resources.nofile", resources__limits=limits()) == Status.SKIP
    assert status("resources.nofile", Standard.from_vars({"standard_nofile": 4096}),
                  resources__limits=low_service) == Status.PASS


def _run_disk_probe(tmp_path: Any, env: dict[str, str] | None = None) -> dict[str, Any]:
    import subprocess
    from dataclasses import replace

    from envcheck.checks import FACTS
    from envcheck.checks.registry import HostContext
    from envcheck.model import ProbeOutput

    std = replace(Standard.from_vars({}), disk_paths=("/", str(tmp_path / "no such dir"), "/proc", str(tmp_path)))
    command = FACTS["resources.disk"].bind(HostContext("me", "127.0.0.1", (), None, {}), std).command
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30, env=env)
    got: dict[str, Any] = FACTS["resources.disk"].parse(ProbeOutput(proc.stdout, proc.returncode, proc.stderr))
    return got


def test_the_disk_probe_reads_every_path_with_one_df_and_names_missing_ones(tmp_path: Any) -> None:
    """Run for real with this machine's df: a path per line in order, a missing path named."""
    got = _run_disk_probe(tmp_path)
    assert got[str(tmp_path / "no such dir")] == {"missing": True}
    assert got["/"]["mount"] == "/" and got["/proc"]["mount"] == "/proc"
    assert got[str(tmp_path)]["space_free_percent"] is not None


def test_the_disk_probe_falls_back_where_df_has_no_output_option(tmp_path: Any) -> None:
    """A df that refuses --output (coreutils before 8.21, busybox): the same paths, mounts and
    inode counts through df -P and df -Pi."""
    import os
    import shutil

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    real_df = shutil.which("df")
    log = tmp_path / "df.log"
    (fake_bin / "df").write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        'case " $* " in *" --output="*) echo "df: unrecognized option" >&2; exit 1;; esac\n'
        f'exec {real_df} "$@"\n')
    (fake_bin / "df").chmod(0o755)
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    fast = _run_disk_probe(probe_dir)
    slow = _run_disk_probe(probe_dir, env={**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"})
    calls = log.read_text().splitlines()
    assert calls[0].startswith("-k --output=") and {c.split()[0] for c in calls[1:]} == {"-P", "-Pi"}
    assert slow.keys() == fast.keys()
    for path, entry in fast.items():
        assert slow[path]["missing"] == entry["missing"]
        assert slow[path].get("mount") == entry.get("mount")
        assert slow[path].get("inodes_free_percent") is not None or entry.get("inodes_free_percent") is None
        if entry.get("space_free_percent") is not None:
            assert abs(slow[path]["space_free_percent"] - entry["space_free_percent"]) < 1.0
