"""Deployment: our playbooks through ansible-runner's Python API, with evidence.

Secrets never reach a file or a command line: extra variables go to a 0600 file in a
fresh private data dir that is removed after the run (ansible-runner would otherwise put
them on ansible-playbook's command line); passwords reach the playbooks as environment
variables, with runner's env files suppressed (ansible-runner #493, #809, #1440).
Events are handed to a queue and drawn by the caller's thread (ansible-runner #1343).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envcheck.deploy import proctree, rollback_record, stream, sweep
from envcheck.deploy.sweep import Sweep
from envcheck.deploy.worker import Worker
from envcheck.errors import BadInput
from envcheck.paths import PLAYBOOK_DIR
from envcheck.runs import new_run_dir, write_json, write_record
from envcheck.ssh import reasons
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings

PLAYBOOKS = ("site", "server", "database", "middleware")
# Run by envcheck's own commands, never named by a user: `envcheck rollback`'s.
INTERNAL_PLAYBOOKS = ("rollback",)
_BACKUP_SUFFIX = re.compile(r"\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$")
# Event fields kept as evidence; a task's full result may hold what a no_log task hid.
_KEPT_EVENT_FIELDS = ("host", "task", "role", "task_action", "play", "duration", "changed",
                      "start", "end")


@dataclass(frozen=True)
class Part:
    """Hosts of a run and where their job runs: this controller (worker None) or a worker."""

    worker: Worker | None
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class DeployRequest:
    playbook: str
    inventories: tuple[str, ...]
    limit: str | None = None
    tags: tuple[str, ...] = ()
    skip_tags: tuple[str, ...] = ()
    check: bool = False
    diff: bool = False
    extra_vars: Mapping[str, Any] = field(default_factory=dict)
    forks: int = 20
    vault_password_file: str | None = None
    secret_env: Mapping[str, str] = field(default_factory=dict, repr=False)  # never written
    # The ansible-core runtime the preflight chose (envcheck.deploy.gate): its bin directory
    # (None: the one beside this Python) and what the preflight found, kept in run.json.
    runtime_bin: str | None = None
    preflight: Mapping[str, Any] | None = None
    kind: str = "deploy"  # the run directory's kind: deploy, or rollback
    record: Mapping[str, Any] = field(default_factory=dict)  # more fields of run.json
    # Where each group of hosts runs (envcheck.deploy.worker.plan): none, all on this controller.
    parts: tuple[Part, ...] = ()
    ssh: SshSettings = field(default_factory=SshSettings)  # how the workers are reached


@dataclass(frozen=True)
class HostSummary:
    name: str
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    failed_tasks: tuple[str, ...] = ()
    unreachable_reason: str | None = None  # as every command words it (envcheck.ssh.reasons)
    timed_out: bool = False  # a task of it ran past its timeout


@dataclass(frozen=True)
class DeployOutcome:
    status: str  # successful | failed | timeout | canceled
    rc: int
    hosts: tuple[HostSummary, ...]
    run_dir: Path
    complete: bool
    swept: tuple[Sweep, ...] = ()
    # What the rollback role's tasks returned, per host, in the order they ran (docs/rollback.md)
    rollback: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    lost: tuple[tuple[str, str], ...] = ()  # (worker, why) of each worker whose connection ended mid-run


@dataclass(frozen=True)
class TaskEvent:
    """What the progress display needs of one runner event."""

    kind: str  # runner_on_ok, runner_on_failed, playbook_on_task_start, ...
    host: str | None
    task: str | None
    changed: bool
    message: str | None
    diff: str | None = None  # for the terminal with --diff; never written to the evidence


def playbook_path(name: str) -> Path:
    if name not in PLAYBOOKS + INTERNAL_PLAYBOOKS:
        raise BadInput.of("error.unknown_playbook", name=repr(name), known=", ".join(PLAYBOOKS))
    path = PLAYBOOK_DIR / f"{name}.yml"
    if not path.is_file():
        raise BadInput.of("error.playbook_missing", path=path)
    return path


def run_deploy(request: DeployRequest, runs_base: Path | None = None,
               on_event: Callable[[TaskEvent], None] | None = None) -> DeployOutcome:
    """The run: one ansible-runner job per part (this controller, or a zone's worker through
    envcheck.deploy.stream), all at once, their events into one display and one evidence."""
    playbook = playbook_path(request.playbook)
    for inv in request.inventories:
        if not Path(inv).exists():
            raise BadInput.of("error.inventory_missing", path=inv)
    run_dir = new_run_dir(request.kind, runs_base)
    started = datetime.now(UTC)
    write_record(run_dir, request.kind, _record(request, started, None, "running", None, ()))
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()
    cancel = threading.Event()
    parts = request.parts or (Part(None, ()),)
    privates = [Path(tempfile.mkdtemp(prefix="envcheck-deploy-")) for _ in parts]
    previous = _cancel_on_signals(cancel)
    try:
        jobs = [_start(request, playbook, part, private, run_dir, events, cancel)
                for part, private in zip(parts, privates, strict=True)]
        collected = _drain(events, [thread for thread, _job in jobs], on_event)
        for thread, job in jobs:
            thread.join()
            job.finish()
        labels = [p.worker.label if p.worker else "local" for p in parts]
        for label, private in zip(labels, privates, strict=True):
            sub = "" if len(parts) == 1 else label
            _keep_artifacts(private / "artifacts" / "ansible", run_dir / "artifacts" / sub)
        rollback = rollback_record.take(collected)  # out of the events before they are written
        _keep_events(run_dir, collected)
        stats: dict[str, Any] = {}
        for _thread, job in jobs:
            for key, values in (job.runner.stats or {}).items():
                stats.setdefault(key, {}).update(values or {})
        hosts = _summaries(stats, collected)  # read from the artifacts: before rmtree
        lost = tuple((p.worker.label, job.runner.lost) for p, (_t, job) in zip(parts, jobs, strict=True)
                     if p.worker and getattr(job.runner, "lost", None))
        complete = not cancel.is_set()
        statuses = [str(job.runner.status) for _t, job in jobs]
        status = "canceled" if not complete else next((s for s in statuses if s != "successful"), "successful")
        rc = max((int(job.runner.rc or 0) for _t, job in jobs), default=0)
        # What the run started on the hosts and left running (the controller's end of a task
        # is gone; its module and apt-get may not be): ended there too.
        swept = sweep.after_run(request, run_dir.name, hosts, canceled=not complete or bool(lost))
        if request.kind == "deploy":
            rollback_record.write(run_dir, rollback)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # the caller's handlers again (ansible-runner #1075)
        for private in privates:
            shutil.rmtree(private, ignore_errors=True)
    finished = datetime.now(UTC)
    write_record(run_dir, request.kind, _record(request, started, finished, status, rc, hosts, swept, lost))
    return DeployOutcome(status, rc, hosts, run_dir, complete, swept, rollback, lost)


@dataclass
class _Job:
    runner: Any
    private: Path
    cancel: threading.Event
    noted: dict[int, int] = field(default_factory=dict)
    local: bool = True

    def canceled(self) -> bool:
        # Runner kills ansible-playbook's process group once this says yes: note first every
        # process of the run (the private dir names it), for what that misses.
        if self.local and self.cancel.is_set() and not self.noted:
            self.noted.update(proctree.tree(str(self.private).encode()))
        return self.cancel.is_set()

    def finish(self) -> None:
        if self.local and self.cancel.is_set():  # workers started after the note are found again now
            proctree.end_tree(str(self.private).encode(), self.noted)


def _start(request: DeployRequest, playbook: Path, part: Part, private: Path, run_dir: Path,
           events: queue.Queue[dict[str, Any] | None], cancel: threading.Event) -> tuple[threading.Thread, _Job]:
    import ansible_runner  # noqa: PLC0415 (ansible_runner: ~50 ms, not for --help)

    kwargs = _runner_kwargs(request, playbook, private, run_dir)
    if part.targets:
        kwargs["limit"] = ",".join(str(t.name) for t in part.targets)
    job = _Job(None, private, cancel, local=part.worker is None)
    if part.worker is not None:
        thread, job.runner = stream.run_async(part.worker, request.ssh, kwargs, private, part.targets,
                                              lambda event: _enqueue(events, event), job.canceled)
        return thread, job
    kwargs["event_handler"] = lambda event: _enqueue(events, event)
    kwargs["cancel_callback"] = job.canceled
    thread, job.runner = ansible_runner.run_async(**kwargs)
    return thread, job


def _cancel_on_signals(cancel: threading.Event) -> dict[int, Any]:
    """Ctrl+C (SIGINT) and SIGTERM cancel the run instead of raising wherever the main thread
    happens to be: runner sees the flag within a second, kills ansible-playbook's process group
    and the run ends as `canceled` with its evidence written. Returns the handlers to restore."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread receives signals (and may set handlers)
    previous: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.getsignal(number)
        signal.signal(number, lambda _n, _f: cancel.set())
    return previous


def _enqueue(events: queue.Queue[dict[str, Any] | None], event: dict[str, Any]) -> bool:
    events.put(event)
    return True  # keep the event in runner's artifacts too


def _runner_kwargs(request: DeployRequest, playbook: Path, private: Path, run_dir: Path) -> dict[str, Any]:
    cmdline = []
    if request.check:
        cmdline.append("--check")
    if request.diff:
        cmdline.append("--diff")
    if request.skip_tags:
        cmdline += ["--skip-tags", ",".join(request.skip_tags)]
    if request.vault_password_file:
        cmdline += ["--vault-password-file", str(Path(request.vault_password_file).resolve())]
    # How often runner looks at the cancel flag (s); runner reads it from env/settings only.
    (private / "env").mkdir(exist_ok=True)
    (private / "env" / "settings").write_text('{"pexpect_timeout": 1}\n', encoding="utf-8")
    extravars_file = private / "extravars.json"
    extravars_file.touch(mode=0o600)
    # envcheck_run marks every process the plays start on a host (their `environment:`), so
    # what a canceled run leaves there can be found and ended (envcheck.deploy.sweep).
    extra = {**request.extra_vars, sweep.RUN_VARIABLE: run_dir.name}
    extravars_file.write_text(json.dumps(extra), encoding="utf-8")
    env = {
        # The ansible-playbook installed beside this Python, whether or not the venv is active.
        # Or the runtime the preflight chose (envcheck.deploy.runtimes).
        "PATH": os.pathsep.join((request.runtime_bin or str(Path(sys.executable).parent),
                                 os.environ.get("PATH", ""))),
        # ansible-runner turns host key checking off unless told otherwise: keep it on.
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(PLAYBOOK_DIR / "roles"),
        "ANSIBLE_NOCOLOR": "1",
        **request.secret_env,
    }
    return {
        "private_data_dir": str(private),
        "project_dir": str(PLAYBOOK_DIR),
        "playbook": str(playbook),
        "inventory": [str(Path(i).resolve()) for i in request.inventories],
        "limit": request.limit,
        "tags": ",".join(request.tags) or None,
        "forks": request.forks,
        "extravars": str(extravars_file),
        "cmdline": " ".join(_quote(c) for c in cmdline) or None,
        "envvars": env,
        "suppress_env_files": True,
        # Runner writes the whole environment into artifacts/command: keep its artifacts in
        # the private dir and copy a sanitised set into the run dir (_keep_artifacts).
        "artifact_dir": str(private / "artifacts"),
        "ident": "ansible",
        "quiet": True,
        "omit_event_data": False,
    }


def _keep_artifacts(source: Path, dest: Path) -> None:
    """Evidence: ansible's output, the rc and the command line with the names of its
    environment, not values."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("stdout", "rc", "status"):
        if (source / name).is_file():
            shutil.copyfile(source / name, dest / name)
    if (source / "command").is_file():
        command = json.loads((source / "command").read_text(encoding="utf-8"))
        command["env"] = sorted(command.get("env") or {})
        write_json(dest / "command.json", command)


def _keep_events(run_dir: Path, events: Sequence[dict[str, Any]]) -> None:
    """Evidence: the task events (no_log results are censored by Ansible itself)."""
    with open(run_dir / "events.jsonl", "w", encoding="utf-8") as fh:
        for event in events:
            fh.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
    # Every configuration file the run replaced, and where its previous version is kept on
    # the host (the roles' backup: true), for a rollback by hand or by a later run.
    write_json(run_dir / "backups.json", [
        {"host": e.get("host"), "task": e.get("task"), **b} for e in events for b in e.get("backups") or ()])


def backup_files(res: Mapping[str, Any]) -> list[dict[str, str]]:
    """{"path", "backup"} of each file a task result replaced with backup: true (loops too)."""
    results = res.get("results")
    items = [r for r in results if isinstance(r, dict)] if isinstance(results, list) else [res]
    # Ansible names a backup <file>.<pid>.<date>@<time>~ (blockinfile's result has no path)
    return [{"path": str(r.get("dest") or r.get("path") or _BACKUP_SUFFIX.sub("", str(r["backup_file"]))),
             "backup": str(r["backup_file"])} for r in items if r.get("backup_file")]


def _quote(value: str) -> str:
    return shlex.quote(value)


def _drain(events: queue.Queue[dict[str, Any] | None], threads: Sequence[threading.Thread],
           on_event: Callable[[TaskEvent], None] | None) -> list[dict[str, Any]]:
    """Consume events on the caller's thread until the run ends (or is canceled)."""
    kept: list[dict[str, Any]] = []
    while any(t.is_alive() for t in threads) or not events.empty():
        try:
            event = events.get(timeout=0.2)
        except queue.Empty:
            continue
        if not event:
            continue
        data = event.get("event_data") or {}
        record = {"event": event.get("event"), "time": event.get("created"),
                  **{k: data.get(k) for k in _KEPT_EVENT_FIELDS if k in data}}
        if event.get("event") == "runner_on_failed":
            record["msg"] = _failure_message(data)
        elif event.get("event") == "runner_on_unreachable":
            record["detail"] = _failure_message(data)  # Ansible's words, kept as evidence
            record["msg"] = unreachable_reason(str(record["detail"]))
        raw_res = data.get("res")
        res: dict[str, Any] = raw_res if isinstance(raw_res, dict) else {}
        if event.get("event") == "runner_on_ok":
            record["changed"] = bool(res.get("changed"))
            backups = backup_files(res)
            if backups:
                record["backups"] = backups  # where the previous versions are (rollback)
        if isinstance(res.get(rollback_record.RESULT_KEY), dict):
            record[rollback_record.RESULT_KEY] = res[rollback_record.RESULT_KEY]  # taken out: take()
        kept.append(record)
        if on_event:
            on_event(TaskEvent(str(event.get("event")), data.get("host"), data.get("task"),
                               bool(res.get("changed")), record.get("msg"), _diff_text(res)))
    return kept


def _diff_text(res: Mapping[str, Any]) -> str | None:
    """Ansible's --diff of a task as unified-diff-like text (a no_log task has none)."""
    diffs = res.get("diff")
    if not diffs or res.get("censored"):
        return None
    lines: list[str] = []
    for d in diffs if isinstance(diffs, list) else [diffs]:
        if not isinstance(d, dict):
            continue
        if d.get("prepared"):
            lines.append(str(d["prepared"]))
            continue
        before, after = d.get("before"), d.get("after")
        if before == after:
            continue
        header = d.get("before_header") or d.get("after_header") or ""
        lines.append(f"--- before {header}".rstrip())
        lines.append(f"+++ after {header}".rstrip())
        lines += [f"-{x}" for x in _lines(before)] + [f"+{x}" for x in _lines(after)]
    return "\n".join(lines) or None


def _lines(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return str(value or "").splitlines()


def _failure_message(data: Mapping[str, Any]) -> str:
    res = data.get("res")
    if not isinstance(res, dict):
        return ""
    if res.get("censored"):
        return str(res["censored"])  # a no_log task: its output is hidden on purpose
    msg, stderr = str(res.get("msg") or ""), str(res.get("stderr") or "").strip()
    if stderr and (not msg or msg == "non-zero return code"):  # a command's own words say why
        msg = f"{msg}: {stderr[-400:]}" if msg else stderr
    return msg[:500]


def unreachable_reason(message: str) -> str:
    """An Ansible "UNREACHABLE!" message as the reason every command gives (envcheck.ssh.reasons)."""
    reason = reasons.from_ansible(message)
    return reason.say(None, reasons.last_line(message) if reason is reasons.OTHER else None)


def _summaries(stats: Mapping[str, Any], events: Sequence[dict[str, Any]]) -> tuple[HostSummary, ...]:
    if not stats:  # a cancelled run ends before Ansible's recap: count what the events say
        stats = _stats_from_events(events)
    names = sorted({h for key in ("ok", "changed", "failures", "dark", "skipped", "processed")
                    for h in (stats.get(key) or {})})
    failed_tasks: dict[str, list[str]] = {}
    unreachable: dict[str, str] = {}
    timed_out: set[str] = set()
    for e in events:
        if e.get("event") in ("runner_on_failed", "runner_on_unreachable") and e.get("host"):
            failed_tasks.setdefault(e["host"], []).append(f"{e.get('task')}: {e.get('msg', '')}")
            if sweep.is_timeout(str(e.get("msg") or "")):
                timed_out.add(e["host"])
        if e.get("event") == "runner_on_unreachable" and e.get("host"):
            unreachable.setdefault(e["host"], str(e.get("msg") or ""))
    return tuple(
        HostSummary(
            name=h,
            ok=(stats.get("ok") or {}).get(h, 0),
            changed=(stats.get("changed") or {}).get(h, 0),
            failed=(stats.get("failures") or {}).get(h, 0),
            unreachable=(stats.get("dark") or {}).get(h, 0),
            skipped=(stats.get("skipped") or {}).get(h, 0),
            failed_tasks=tuple(failed_tasks.get(h, ())),
            unreachable_reason=unreachable.get(h),
            timed_out=h in timed_out,
        )
        for h in names
    )


_EVENT_STATS = {"runner_on_ok": "ok", "runner_on_failed": "failures", "runner_on_unreachable": "dark",
                "runner_on_skipped": "skipped", "runner_on_start": "processed"}


def _stats_from_events(events: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Ansible's recap counters, rebuilt from the task events received so far."""
    stats: dict[str, dict[str, int]] = {key: {} for key in (*_EVENT_STATS.values(), "changed")}
    for e in events:
        key, host = _EVENT_STATS.get(str(e.get("event"))), e.get("host")
        if key is None or not host:
            continue
        counters = stats[key]
        counters[host] = counters.get(host, 0) + (0 if key == "processed" else 1)
        if key == "ok" and e.get("changed"):
            stats["changed"][host] = stats["changed"].get(host, 0) + 1
    return stats


def _record(request: DeployRequest, started: datetime, finished: datetime | None, status: str,
            rc: int | None, hosts: Sequence[HostSummary], swept: Sequence[Sweep] = (),
            lost: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    return {
        "workers": {(p.worker.label if p.worker else "local"): [t.name for t in p.targets] for p in request.parts},
        "workers_lost": [{"worker": w, "reason": r} for w, r in lost],
        "preflight": dict(request.preflight) if request.preflight is not None else None,
        "swept": [{"host": s.host, "ended": list(s.ended), "error": s.error} for s in swept],
        "playbook": request.playbook, "inventory": list(request.inventories),
        "limit": request.limit, "tags": list(request.tags), "check_mode": request.check,
        # Names only: values of extra variables may be secrets.
        "extra_vars": sorted(request.extra_vars), "secret_env": sorted(request.secret_env),
        "started": started.isoformat(), "finished": finished.isoformat() if finished else None,
        "status": status, "rc": rc, "complete": finished is not None and status != "canceled",
        "hosts": [h.__dict__ | {"failed_tasks": list(h.failed_tasks)} for h in hosts],
        "operator": os.environ.get("SUDO_USER") or os.environ.get("USER") or "",
        **request.record,
    }
