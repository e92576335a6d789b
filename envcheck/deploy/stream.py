"""A deployment run on a zone's worker: ansible-runner's remote job streaming over SSH.

    controller: transmit ──ssh stdin──▶ worker: ansible-runner worker ──ssh stdout──▶ controller: process

The job is the local run's (envcheck.deploy.runner._runner_kwargs), its files (playbooks,
inventories, extra variables, the hosts' keys and known_hosts) in a private data dir whose
paths are those of the job's folder on the worker. An overlay inventory, read last, points each
host's key and known_hosts at their copies there and drops the ProxyJump through the worker
itself (the worker is inside the zone). `process` hands every event to the same handler as a
local run, so the live display, the evidence and the summary do not know where it ran.

The controller keeps the SSH session's stdin open for the whole job: its end (a cancel, or the
connection cut) makes the worker's shim (worker_shim.py) end every process of the job and
remove its folder. A connection lost before the result stream's end is `lost` with ssh's words.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from envcheck.deploy import worker_shim
from envcheck.deploy.worker import WORKER_HOME, Worker, argv
from envcheck.paths import PLAYBOOK_DIR
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings, jump_hops, ssh_option_pairs

CANCEL_GRACE = 30.0  # seconds for the worker to end its job once told to


class StreamJob:
    """What runner.run_deploy reads of a run (as of ansible_runner's Runner)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.status = "unstarted"
        self.rc: int | None = None
        self.stats: dict[str, Any] = {}
        self.lost: str | None = None  # the worker's connection ended before the job did
        self.canceled = False


def job_files(kwargs: dict[str, Any], private: Path, job: str, targets: Sequence[Target], worker: Worker,
              ssh: SshSettings) -> dict[str, Any]:
    """Fill `private` for the worker and return the kwargs for `transmit`: every path one under
    `job`, the worker's folder for this run."""
    shutil.copytree(PLAYBOOK_DIR, private / "project", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    options: list[str] = []
    for n, source in enumerate(kwargs.get("inventory") or []):
        src, dest = Path(source), private / "inventory" / str(n)
        dest.mkdir(parents=True)
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
            options += ["-i", f"{job}/inventory/{n}"]
            continue
        shutil.copy(src, dest / src.name)
        for side in ("group_vars", "host_vars"):
            if (src.parent / side).is_dir():
                shutil.copytree(src.parent / side, dest / side)
        options += ["-i", f"{job}/inventory/{n}/{src.name}"]
    overlay = {"all": {"hosts": _overlay(private, job, targets, worker, ssh)}}
    (private / "overlay.yml").write_text(yaml.safe_dump(overlay), encoding="utf-8")
    options += ["-i", f"{job}/overlay.yml"]
    shutil.copy(kwargs["extravars"], private / "extravars.json")
    out = {k: v for k, v in kwargs.items() if k not in ("private_data_dir", "artifact_dir", "inventory")}
    out["project_dir"] = f"{job}/project"
    out["playbook"] = f"{job}/project/{Path(kwargs['playbook']).name}"
    out["extravars"] = f"{job}/extravars.json"
    cmdline = shlex.split(kwargs.get("cmdline") or "")
    if "--vault-password-file" in cmdline:
        at = cmdline.index("--vault-password-file") + 1
        shutil.copy(cmdline[at], private / "vault-pass")
        cmdline[at] = f"{job}/vault-pass"
    out["cmdline"] = shlex.join([*options, *cmdline])
    env = dict(kwargs.get("envvars") or {})
    # What the inventory reads from the environment (passwords: lookup('env', ...)) is read on the
    # worker: the controller's values go with the job (in the stream, as a local run's environment).
    env.update({n: os.environ[n] for n in env_lookups(kwargs.get("inventory") or []) if n in os.environ})
    env.update(PATH=f"{WORKER_HOME}/bin:/usr/local/bin:/usr/bin:/bin", ANSIBLE_CONFIG=f"{job}/project/ansible.cfg",
               ANSIBLE_ROLES_PATH=f"{job}/project/roles")
    out["envvars"] = env
    return out


# lookup('env', 'NAME'), also as YAML's single-quoted form writes it: lookup(''env'', ''NAME'')
_ENV_LOOKUP = re.compile(r"""lookup\(\s*['"]+(?:ansible\.builtin\.)?env['"]+\s*,\s*['"]+([A-Za-z_]\w*)['"]""")


def env_lookups(sources: Sequence[str]) -> set[str]:
    """The environment variables the inventory's files (their group_vars and host_vars too) read
    with lookup('env', NAME)."""
    names: set[str] = set()
    for source in sources:
        path = Path(source)
        folders = [path] if path.is_dir() else [path.parent / "group_vars", path.parent / "host_vars"]
        files = [f for d in folders if d.is_dir() for f in d.rglob("*") if f.is_file()]
        for f in [*files, *([path] if path.is_file() else [])]:
            try:
                names.update(_ENV_LOOKUP.findall(f.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    return names


def _overlay(private: Path, job: str, targets: Sequence[Target], worker: Worker,
             ssh: SshSettings) -> dict[str, dict[str, str]]:
    """Each host's key and known_hosts as copies in the job's folder; ProxyJump through the
    worker itself dropped."""
    copies: dict[str, str] = {}

    def ship(path: str, kind: str) -> str:
        if path not in copies:
            name = f"{kind}{len(copies)}"
            (private / "ssh").mkdir(mode=0o700, exist_ok=True)
            if Path(path).is_file():
                shutil.copy(path, private / "ssh" / name)
            else:
                (private / "ssh" / name).touch()
            (private / "ssh" / name).chmod(0o600)
            copies[path] = f"{job}/ssh/{name}"
        return copies[path]

    here = {worker.name, worker.target.address}
    out: dict[str, dict[str, str]] = {}
    for t in targets:
        keys = ssh.host_keys(t.ssh_args)
        hops = jump_hops(t.ssh_args)
        args = [f"-o {k}={v}" for k, v in ssh_option_pairs(t.ssh_args)
                if k.lower() not in ("userknownhostsfile", "stricthostkeychecking", "globalknownhostsfile")
                and not (k.lower() == "proxyjump" and hops and hops[0].host in here)]
        if hops and hops[0].host in here and len(hops) > 1:
            args.append("-o ProxyJump=" + ",".join(f"{h.user + '@' if h.user else ''}{h.host}"
                                                   f"{':' + str(h.port) if h.port else ''}" for h in hops[1:]))
        args += [f"-o UserKnownHostsFile={' '.join(ship(f, 'known_hosts') for f in keys.files)}",
                 f"-o StrictHostKeyChecking={keys.strict}"]
        host = {"ansible_ssh_common_args": " ".join(args), "ansible_ssh_extra_args": ""}
        if t.key_file:
            host["ansible_ssh_private_key_file"] = ship(t.key_file, "key")
        out[str(t.name)] = host
    return out


def shim_command(job: str, mark: str) -> str:
    source = Path(worker_shim.__file__).read_text(encoding="utf-8")
    return shlex.join([f"{WORKER_HOME}/bin/python", "-c", source, job, mark])


def run_async(worker: Worker, ssh: SshSettings, kwargs: dict[str, Any], private: Path, targets: Sequence[Target],
              event_handler: Callable[[dict[str, Any]], bool],
              cancel_callback: Callable[[], bool]) -> tuple[threading.Thread, StreamJob]:
    """Start the job on the worker; the thread ends when its result stream has been processed."""
    job_id = uuid.uuid4().hex
    job_dir = f"{WORKER_HOME}.d/jobs/{job_id}"
    send = private / "send"
    send.mkdir()
    transmit = job_files(kwargs, send, job_dir, targets, worker, ssh)
    state = StreamJob(worker)
    thread = threading.Thread(target=_run, name=f"envcheck-worker-{worker.label}",
                              args=(state, ssh, transmit, send, private, job_dir, job_id, event_handler,
                                    cancel_callback), daemon=True)
    thread.start()
    return thread, state


def _run(state: StreamJob, ssh: SshSettings, transmit: dict[str, Any], send: Path, private: Path, job_dir: str,
         mark: str, event_handler: Callable[[dict[str, Any]], bool], cancel_callback: Callable[[], bool]) -> None:
    from ansible_runner.streaming import Processor, Transmitter  # noqa: PLC0415 (ansible_runner: ~50 ms, not for --help)

    proc = subprocess.Popen(argv(state.worker, ssh, shim_command(job_dir, mark)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stdin and proc.stdout and proc.stderr
    stdin, stderr = proc.stdin, proc.stderr
    finished = threading.Event()
    ended_stream = threading.Event()

    def sender() -> None:
        try:
            Transmitter(_output=stdin, private_data_dir=str(send), **transmit).run()
        except OSError:
            pass  # the connection went: the result stream says so
        shutil.rmtree(send, ignore_errors=True)  # its secrets are not kept longer than sent

    def watch_cancel() -> None:
        while not finished.wait(0.5):
            if cancel_callback():
                state.canceled = True
                _close(stdin)  # the worker ends the job
                if not finished.wait(CANCEL_GRACE):
                    proc.kill()
                return

    def handle(event: dict[str, Any]) -> bool:
        if event.get("event") == "playbook_on_stats":
            data = event.get("event_data") or {}
            state.stats = {k: data.get(k) or {} for k in ("ok", "changed", "failures", "dark", "skipped",
                                                         "processed", "ignored", "rescued")}
        return event_handler(event)

    def finished_callback(_processor: Any) -> None:
        ended_stream.set()

    threading.Thread(target=sender, name="envcheck-transmit", daemon=True).start()
    threading.Thread(target=watch_cancel, name="envcheck-worker-cancel", daemon=True).start()
    processor = Processor(_input=proc.stdout, private_data_dir=str(private), artifact_dir=str(private / "artifacts"
                                                                                             / "ansible"),
                          event_handler=handle, finished_callback=finished_callback, quiet=True)
    processor.run()
    result_status = processor.status
    _close(stdin)  # the job is over: the shim may go
    try:
        code = proc.wait(timeout=CANCEL_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    finished.set()
    words = stderr.read().decode("utf-8", "replace").strip()
    rc_file = private / "artifacts" / "ansible" / "rc"
    state.rc = int(rc_file.read_text().strip()) if rc_file.is_file() and rc_file.read_text().strip() else None
    if state.canceled:
        state.status = "canceled"
    elif result_status in ("successful", "failed", "timeout", "canceled"):
        state.status = result_status
    else:
        state.status = "failed"
        state.lost = words.splitlines()[-1] if words else f"ssh exit {code}"


def _close(stream: Any) -> None:
    try:
        stream.close()
    except OSError:
        pass
