"""A zone's worker: the host (a jump host) that runs `ansible-runner worker` for the hosts of
its zone, reached over SSH as every envcheck command reaches a host (envcheck.ssh).

Its runtime is a venv at WORKER_HOME holding the controller's own ansible-core and
ansible-runner versions, installed from wheels the controller sends over the same SSH
connection (`--worker-wheels DIR` / ENVCHECK_WORKER_WHEELS, else fetched once into envcheck's
cache with the controller's own pip and its configured index): the worker needs python3 and
no package registry. A stamp file names the versions; a worker that has them is left alone."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import tarfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from envcheck.errors import BadInput, WorkerUnreachable
from envcheck.ssh.command import ssh_argv, ssh_options
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings, hops_of

WORKER_HOME = "/var/lib/envcheck-worker"
WORKER_VARIABLE = "envcheck_worker"  # an inventory group's (or host's) worker
WHEELS_ENV = "ENVCHECK_WORKER_WHEELS"
STAMP = f"{WORKER_HOME}/envcheck-worker.json"
PACKAGES = ("ansible-core", "ansible-runner")
SETUP_TIMEOUT = 900.0
_DOWNLOAD = threading.Lock()


@dataclass(frozen=True)
class Worker:
    name: str  # as the inventory or --via names it
    target: Target

    @property
    def label(self) -> str:
        return self.name


def resolve(name: str, known: Mapping[str, Target]) -> Worker:
    """A worker named by an inventory host (reached as that host) or by [user@]host[:port]."""
    if name in known:
        return Worker(name, known[name])
    hops = hops_of(name)
    if len(hops) != 1 or not hops[0].host or hops[0].host.startswith("-"):
        raise BadInput.of("error.worker_name", name=repr(name))
    hop = hops[0]
    return Worker(name, Target(name=name, address=hop.host, port=hop.port or 22, user=hop.user))


def plan(hosts: Sequence[tuple[str, Mapping[str, object]]], via: str | None) -> dict[str | None, list[str]]:
    """Hosts by the worker that deploys them (None: this controller): --via for every host,
    else each host's envcheck_worker."""
    out: dict[str | None, list[str]] = {}
    for name, variables in hosts:
        worker = via or variables.get(WORKER_VARIABLE) or None
        out.setdefault(str(worker) if worker else None, []).append(name)
    return out


def argv(worker: Worker, ssh: SshSettings, command: str) -> list[str]:
    """The ssh command line that runs `command` on the worker (no ControlMaster: the job's own
    connection, whose end the worker sees as the end of its stdin)."""
    t = worker.target
    options = ssh_options(ssh.ssh_config, ssh.connect_timeout, None)
    return ssh_argv(options, ssh.openssh_options(t), t.address, t.port, t.user, t.key_file, t.ssh_args, command)


def versions() -> dict[str, str]:
    return {p: metadata.version(p) for p in PACKAGES}


def ensure(worker: Worker, ssh: SshSettings, wheels: str | None) -> None:
    """The worker's venv with this controller's versions: installed when its stamp differs."""
    stamp = json.dumps(versions(), sort_keys=True)
    probe = _run(worker, ssh, f"cat {STAMP} 2>/dev/null; echo; python3 -c "
                 + shlex.quote("import sys; print('%d.%d' % sys.version_info[:2])"), None, 60)
    lines = probe.stdout.decode("utf-8", "replace").splitlines()
    if probe.returncode != 0 or not lines:
        raise WorkerUnreachable.of("error.worker_unreachable", worker=worker.name, detail=_tail(probe.stderr))
    if lines[0].strip() == stamp:
        return
    folder = wheel_dir(wheels, lines[-1].strip())
    pins = " ".join(shlex.quote(f"{p}=={v}") for p, v in versions().items())
    script = (
        "set -e; umask 077; tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT; tar -xf - -C \"$tmp\"; "
        f"rm -rf {WORKER_HOME}; python3 -m venv --without-pip {WORKER_HOME}; "
        'pip=$(ls "$tmp"/pip-*.whl | head -n 1); '
        f'{WORKER_HOME}/bin/python "$pip/pip" install -q --no-index --find-links "$tmp" {pins}; '
        f"printf '%s\\n' {shlex.quote(stamp)} > {STAMP}"
    )
    done = _run(worker, ssh, f"mkdir -p {WORKER_HOME}.d && flock {WORKER_HOME}.d/lock sh -c {shlex.quote(script)}",
                _tar(folder), SETUP_TIMEOUT)
    if done.returncode != 0:
        raise BadInput.of("error.worker_setup", worker=worker.name, detail=_tail(done.stderr))


def wheel_dir(given: str | None, python: str) -> Path:
    """The wheels for a worker's Python X.Y: the folder given, else envcheck's cache, filled
    once with `pip download` (the controller's pip, its own index settings)."""
    given = given or os.environ.get(WHEELS_ENV) or None
    if given:
        folder = Path(given)
        if not any(folder.glob("pip-*.whl")) or not any(folder.glob("ansible_runner-*.whl")):
            raise BadInput.of("error.worker_wheels", path=folder)
        return folder
    pins = [f"{p}=={v}" for p, v in versions().items()]
    folder = Path.home() / ".cache" / "envcheck" / "worker-wheels" / "-".join([python, *pins])
    with _DOWNLOAD:  # two workers made ready at once fetch the wheels once
        _download(folder, python, pins)
    return folder


def _download(folder: Path, python: str, pins: Sequence[str]) -> None:
    if not (folder / "complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        got = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(folder), "--only-binary=:all:",
                              "--python-version", python, "pip", *pins], capture_output=True, timeout=SETUP_TIMEOUT)
        if got.returncode != 0:
            raise BadInput.of("error.worker_download", detail=_tail(got.stderr))
        (folder / "complete").touch()


def _tar(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for whl in sorted(folder.glob("*.whl")):
            tar.add(whl, arcname=whl.name)
    return buffer.getvalue()


def _run(worker: Worker, ssh: SshSettings, command: str, data: bytes | None,
         timeout: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv(worker, ssh, command), input=data or b"", capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise WorkerUnreachable.of("error.worker_unreachable", worker=worker.name,
                                   detail=f"timed out after {timeout:.0f} s") from exc


def _tail(stderr: bytes) -> str:
    return stderr.decode("utf-8", "replace").strip()[-400:]
