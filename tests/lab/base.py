"""The shared base root filesystem (debootstrap), built once and cached by its package list."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.lab.config import BASE_PACKAGES, CONTROLLER_PACKAGES, SUITE, LabConfig

# Bump when _customise changes, so cached bases are rebuilt.
RECIPE_VERSION = "2"


class LabUnavailable(RuntimeError):
    """This machine cannot run the lab (not root, no network namespaces...)."""


def why_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root"
    if not shutil.which("ip"):
        return "no `ip` command (iproute2)"
    if not Path("/proc/self/ns/net").exists():
        return "no network namespaces"
    return None


def ensure_controller_packages() -> None:
    missing = [p for p in CONTROLLER_PACKAGES
               if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


# Every container's systemd (and its journald, logind, dbus) takes inotify instances of root,
# whose machine-wide limit is 128 by default: labs side by side (two suites, a bench) ran out,
# and a host's PID 1 ended at boot with "Failed to allocate manager object: Too many open
# files". Raised (never lowered) before a lab starts.
KERNEL_MINIMUMS = {"fs/inotify/max_user_instances": 8192, "fs/inotify/max_user_watches": 524288}


def ensure_kernel_limits() -> None:
    for key, minimum in KERNEL_MINIMUMS.items():
        path = Path("/proc/sys") / key
        if int(path.read_text()) < minimum:
            path.write_text(f"{minimum}\n")


def debian_mirror() -> str:
    """The archive this controller's own apt uses (never a name written in the project)."""
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in sources:
        text = path.read_text()
        for block in text.split("\n\n"):
            if re.search(r"^Suites:.*\bbookworm\b(?!-)", block, re.M) or "Suites:" not in block:
                match = re.search(r"^URIs:\s*(\S+)", block, re.M)
                if match and "security" not in match.group(1):
                    return match.group(1)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for line in legacy.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and "security" not in parts[1]:
                return parts[1 if not parts[1].startswith("[") else 2]
    raise LabUnavailable("cannot find the Debian mirror in this machine's apt configuration")


def base_key() -> str:
    return hashlib.sha256(" ".join((RECIPE_VERSION, SUITE, *BASE_PACKAGES)).encode()).hexdigest()[:12]


def base_dir(cfg: LabConfig) -> Path:
    return cfg.cache_dir / f"base-{base_key()}"


def client_key(cfg: LabConfig) -> Path:
    return cfg.cache_dir / f"base-{base_key()}.id_ed25519"


def ensure_base(cfg: LabConfig) -> Path:
    """The base root, built if missing; an interrupted build is never used (atomic rename).
    Every lab start passes here: the controller's kernel limits are checked first."""
    ensure_kernel_limits()
    final = base_dir(cfg)
    if (final / ".complete").exists():
        return final
    cfg.cache_dir.mkdir(parents=True, exist_ok=True)
    with (cfg.cache_dir / ".base.lock").open("a") as lock:
        # One build at a time: a second lab starting meanwhile (another checkout) waits for it
        # and uses it, instead of building its own and replacing the first one's in use.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (final / ".complete").exists():
            _build(cfg, final)
    return final


def _build(cfg: LabConfig, final: Path) -> None:
    ensure_controller_packages()
    key = client_key(cfg)
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "envcheck-lab",
                        "-f", str(key)], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="base-build-", dir=cfg.cache_dir))
    try:
        subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(BASE_PACKAGES),
             SUITE, str(tmp), debian_mirror()],
            check=True, stdout=subprocess.DEVNULL,
        )
        _customise(tmp, key)
        (tmp / ".complete").touch()
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _customise(root: Path, key: Path) -> None:
    ssh = root / "root" / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text(Path(str(key) + ".pub").read_text())
    (ssh / "authorized_keys").chmod(0o600)
    for host_key in (root / "etc" / "ssh").glob("ssh_host_*"):
        host_key.unlink()  # each host makes its own at first start
    (root / "etc" / "machine-id").write_text("")
    (root / "etc" / "ssh" / "sshd_config.d" / "00-lab.conf").write_text(
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n")
    (root / "etc" / "apt" / "sources.list").unlink(missing_ok=True)  # the .sources below replace it
    for src in Path("/etc/apt/sources.list.d").glob("*.sources"):
        shutil.copy(src, root / "etc" / "apt" / "sources.list.d" / src.name)
    (root / "etc" / "resolv.conf").unlink(missing_ok=True)
    (root / "etc" / "resolv.conf").write_text("nameserver 127.0.0.1\n")  # no DNS in the lab
    for unit in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        link = root / "etc" / "systemd" / "system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    subprocess.run(["chroot", str(root), "apt-get", "clean"], check=True)
    shutil.rmtree(root / "var" / "lib" / "apt" / "lists", ignore_errors=True)
    (root / "var" / "lib" / "apt" / "lists" / "partial").mkdir(parents=True)
