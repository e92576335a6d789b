"""Faults a test can inject into a lab host, each with its undo. Every value that reaches
a shell goes through shlex.quote."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.lab import files
from tests.lab.host import sh
from tests.lab.lab import Lab

FAKETIME_LIBS = (
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
)
HOST_FAKETIME = "/usr/local/lib/envcheck-lab/libfaketime.so.1"


def run(lab: Lab, name: str, command: str, input: str | None = None) -> str:
    result = lab.ssh(name, command, input=input)
    if result.returncode != 0:
        raise RuntimeError(f"{name}: {command!r} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def put_file(lab: Lab, name: str, remote_path: str, data: bytes) -> None:
    import subprocess

    target = shlex.quote(remote_path)
    parent = shlex.quote(str(Path(remote_path).parent))
    result = subprocess.run(["ssh", "-F", str(lab.ssh_config_path), name,
                             f"mkdir -p {parent} && cat > {target}"],
                            input=data, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"{name}: cannot write {remote_path}: {result.stderr.decode(errors='replace')}")


# -- time ------------------------------------------------------------------------------
def set_timezone(lab: Lab, name: str, zone: str) -> None:
    """/etc/localtime as a symlink to the zone, /etc/timezone to match (as timedatectl does)."""
    z = shlex.quote(f"/usr/share/zoneinfo/{zone}")
    run(lab, name, f"test -f {z} && ln -sfn {z} /etc/localtime && echo {shlex.quote(zone)} > /etc/timezone")


def set_timezone_copied(lab: Lab, name: str, zone: str) -> None:
    """/etc/localtime as a plain copy of the zone file (hand-built servers often have this)."""
    z = shlex.quote(f"/usr/share/zoneinfo/{zone}")
    run(lab, name, f"rm -f /etc/localtime && cp {z} /etc/localtime && echo {shlex.quote(zone)} > /etc/timezone")


def skew_clock(lab: Lab, name: str, seconds: int) -> None:
    """Every SSH session on the host (and all it starts) sees its clock moved by `seconds`:
    libfaketime preloaded through pam_env's /etc/environment. sshd itself is left alone
    (its seccomp sandbox does not survive the preload)."""
    lib = next((p for p in FAKETIME_LIBS if p.exists()), None)
    if lib is None:
        raise RuntimeError("libfaketime is not installed on the controller (apt-get install faketime)")
    put_file(lab, name, HOST_FAKETIME, lib.read_bytes())
    unskew_clock(lab, name)
    lines = f"LD_PRELOAD={HOST_FAKETIME}\nFAKETIME={seconds:+d}s\n"
    run(lab, name, "cat >> /etc/environment", input=lines)
    _drop_master(lab, name)


def unskew_clock(lab: Lab, name: str) -> None:
    pattern = "/^LD_PRELOAD=" + HOST_FAKETIME.replace("/", "\\/") + "$/d; /^FAKETIME=/d"
    run(lab, name, f"touch /etc/environment && sed -i {shlex.quote(pattern)} /etc/environment")
    _drop_master(lab, name)


def _restart_sshd(lab: Lab, name: str) -> None:
    # The running session survives a restart; the next connections get the new sshd.
    run(lab, name, "systemctl daemon-reload && systemctl restart ssh")
    _drop_master(lab, name)


def _drop_master(lab: Lab, name: str) -> None:
    """Close the shared ControlMaster connection so the next ssh is a new session."""
    import subprocess

    subprocess.run(["ssh", "-F", str(lab.ssh_config_path), "-O", "exit", name],
                   capture_output=True, timeout=10)


# -- locale ----------------------------------------------------------------------------
def add_locale(lab: Lab, name: str, locale: str) -> None:
    """Generate a locale (e.g. zh_CN.UTF-8)."""
    charset = locale.partition(".")[2]
    line = f"{locale} {charset or 'UTF-8'}"
    run(lab, name, f"grep -qxF {shlex.quote(line)} /etc/locale.gen || echo {shlex.quote(line)} >> /etc/locale.gen; "
                   "locale-gen >/dev/null")


def remove_locale(lab: Lab, name: str, locale: str) -> None:
    charset = locale.partition(".")[2]
    line = f"{locale} {charset or 'UTF-8'}"
    run(lab, name, f"sed -i {shlex.quote('/^' + line.replace('.', '[.]') + '$/d')} /etc/locale.gen; "
                   "locale-gen --purge >/dev/null 2>&1 || locale-gen >/dev/null")


# -- services --------------------------------------------------------------------------
def stop_service(lab: Lab, name: str, unit: str, disable: bool = False) -> None:
    u = shlex.quote(unit)
    run(lab, name, f"systemctl stop {u}" + (f" && systemctl disable -q {u}" if disable else ""))


def start_service(lab: Lab, name: str, unit: str, enable: bool = False) -> None:
    u = shlex.quote(unit)
    run(lab, name, (f"systemctl enable -q {u} && " if enable else "") + f"systemctl start {u}")


# -- network and the host itself -------------------------------------------------------
def cut_link(lab: Lab, name: str) -> None:
    """Cut the host's LAN cable and its SSH path: packets vanish, nothing is refused."""
    sh("ip", "-n", lab.cfg.hub_netns, "link", "set", f"v{lab.host(name).index}", "down")
    sh("ip", "-n", lab.cfg.netns(name), "link", "set", "lo", "down")  # sshd listens via lo


def restore_link(lab: Lab, name: str) -> None:
    sh("ip", "-n", lab.cfg.netns(name), "link", "set", "lo", "up")
    sh("ip", "-n", lab.cfg.hub_netns, "link", "set", f"v{lab.host(name).index}", "up")


def kill_host(lab: Lab, name: str) -> None:
    """Power cut. Undo with lab.stop(name) then lab.start(name)."""
    lab.kill(name)


def revive_host(lab: Lab, name: str) -> None:
    lab.stop(name, grace=1)
    lab.start(name)


def change_host_key(lab: Lab, name: str) -> str:
    """A new host key, as after a reinstall: known_hosts no longer matches. Returns the
    old public key; restore_host_key puts the old key pair back."""
    run(lab, name, "cp -p /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.lab-old && "
                   "cp -p /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub.lab-old && "
                   "rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && "
                   "ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key && "
                   "(systemctl restart ssh &)")
    _drop_master(lab, name)
    time.sleep(0.5)
    return files.host_public_key(lab, name)


def restore_host_key(lab: Lab, name: str) -> None:
    """Put the old key back by hand from the controller (ssh itself now refuses the host)."""
    pid = (lab.host_dir(name) / "nspawn.pid").read_text().strip()
    init = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0]
    sh("nsenter", "-t", init, "-m", "-u", "-i", "-n", "-p", "sh", "-c",
       "mv /etc/ssh/ssh_host_ed25519_key.lab-old /etc/ssh/ssh_host_ed25519_key && "
       "mv /etc/ssh/ssh_host_ed25519_key.pub.lab-old /etc/ssh/ssh_host_ed25519_key.pub && "
       "systemctl restart ssh")
    time.sleep(0.3)


# -- disk ------------------------------------------------------------------------------
def fill_disk(lab: Lab, name: str, path: str, percent: int = 95) -> None:
    """A small filesystem (tmpfs, 32 MiB) mounted at path inside the host and filled to
    `percent`: a full disk without filling the controller's real one."""
    p = shlex.quote(path)
    size_kib = 32 * 1024 * percent // 100
    run(lab, name, f"mkdir -p {p} && mount -t tmpfs -o size=32m envcheck-fill {p} && "
                   f"fallocate -l {size_kib}k {p}/envcheck-lab-fill")


def unfill_disk(lab: Lab, name: str, path: str) -> None:
    run(lab, name, f"umount {shlex.quote(path)}")


# -- package source ----------------------------------------------------------------------
# Accepts every connection and never says a word, until killed (run in the lab's hub namespace).
_STALL_LISTENER = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
"""


@contextmanager
def stalled_package_source(lab: Lab, name: str) -> Iterator[int]:
    """Host `name`'s apt goes through a relay of its own that accepts and never answers (the
    shared proxy, and every other host, untouched); the relay's port is yielded. Undone by
    ending the relay; the host keeps the relay's address in its apt proxy file until reset."""
    import subprocess

    relay = subprocess.Popen(["nsenter", f"--net=/run/netns/{lab.cfg.hub_netns}", sys.executable, "-c",
                              _STALL_LISTENER, lab.cfg.hub_address],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        assert relay.stdout is not None
        port = int(relay.stdout.readline())
        proxy = f'Acquire::http::Proxy "http://{lab.cfg.hub_address}:{port}";\n'
        put_file(lab, name, "/etc/apt/apt.conf.d/01lab-proxy", proxy.encode())
        yield port
    finally:
        relay.kill()
        relay.wait()


def marked_processes(lab: Lab, name: str, variable: str, value: str) -> list[str]:
    """"pid command" of the processes on host `name` whose environment has variable=value."""
    mark = shlex.quote(f"{variable}={value}")
    out = run(lab, name, f"for d in /proc/[0-9]*; do grep -qzxF -e {mark} $d/environ 2>/dev/null && "
                         "echo \"${d#/proc/} $(cat $d/comm 2>/dev/null)\"; done; true")
    return [line for line in out.splitlines() if line.strip()]
