"""The live display of a deployment: one line per host, fed from runner events, and the
hosts that have been on one task longer than a threshold named below it (a stalled package
source shows there, not as silence)."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from typing import Any

import click

from envcheck.i18n import colon, t, t_or
from envcheck.masking import mask_text

SLOW_ENV = "ENVCHECK_SLOW_TASK_SECONDS"
# The task Ansible adds to each role with meta/argument_specs.yml: a failure still shows (its
# message names the variable), a pass is noise in the live lines.
SPEC_CHECK = "Validating arguments against arg spec"
SLOW_AFTER = 60.0  # seconds on one task before a host is named


def slow_after() -> float:
    try:
        return max(1.0, float(os.environ.get(SLOW_ENV) or SLOW_AFTER))
    except ValueError:
        return SLOW_AFTER


class DeployView:
    def __init__(self, lang: str, show_diff: bool = False) -> None:
        self.lang = lang
        self.hosts: dict[str, dict[str, Any]] = {}
        self.live: Any = None
        self.tty = sys.stdout.isatty()
        self.show_diff = show_diff
        self.slow_after = slow_after()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> DeployView:
        if self.tty:
            from rich.live import Live  # noqa: PLC0415 (rich: ~17 ms, not for --help)

            self.live = Live(get_renderable=self._render, refresh_per_second=4, transient=False)
            self.live.__enter__()
        else:  # no live table: a line names each host once it has been on a task too long
            self._ticker = threading.Thread(target=self._tick, name="envcheck-slow-tasks", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.live is not None:
            self.live.update(self._render())
            self.live.__exit__(None, None, None)

    def slow_hosts(self, now: float | None = None) -> list[tuple[str, str, int]]:
        """(host, task, seconds) of each host on one task for longer than the threshold."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return [(name, h["task"], int(now - h["since"])) for name, h in sorted(self.hosts.items())
                    if h.get("since") is not None and now - h["since"] >= self.slow_after]

    def _tick(self) -> None:
        told: set[tuple[str, str, float]] = set()
        while not self._stop.wait(1.0):
            for host, task, seconds in self.slow_hosts():
                key = (host, task, self.hosts[host]["since"])
                if key not in told:
                    told.add(key)
                    click.echo(f"[{host}] " + t("deploy.slow", self.lang, host=host, task=task, seconds=seconds))

    def on_event(self, event: Any) -> None:
        if not event.host or _is_spec_check(event):
            return
        with self._lock:
            h = self.hosts.setdefault(event.host, {"task": "", "ok": 0, "changed": 0, "failed": 0,
                                                    "unreachable": 0, "since": None})
            if event.kind == "runner_on_start":
                h["task"], h["since"] = event.task or "", time.monotonic()
            elif event.kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped"):
                h["since"] = None
            kind = event.kind
            if kind == "runner_on_ok":
                h["changed" if event.changed else "ok"] += 1
            elif kind in ("runner_on_failed", "runner_on_unreachable"):
                h[kind[10:]] += 1
        if kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable") and not self.tty:
            key = {"runner_on_failed": "deploy.failed", "runner_on_unreachable": "deploy.unreachable"}.get(
                kind, "deploy.changed" if event.changed else "deploy.ok")
            state = t(key, self.lang)
            tail = f": {mask_text(event.message)[0]}" if event.message else ""
            click.echo(f"[{event.host}] {event.task}: {state}{tail}")
        if self.show_diff and event.diff and kind == "runner_on_ok":
            text = f"[{event.host}] {event.task}:\n{event.diff}"
            if self.live is not None:
                self.live.console.print(text, markup=False, highlight=False)
            else:
                click.echo(text)
        if self.live is not None:
            self.live.refresh()

    def _render(self) -> Any:
        from rich.console import Group  # noqa: PLC0415 (rich: ~17 ms, not for --help)
        from rich.text import Text  # noqa: PLC0415 (rich: ~17 ms, not for --help)

        slow = [Text(t("deploy.slow", self.lang, host=h, task=task, seconds=s), style="yellow")
                for h, task, s in self.slow_hosts()]
        return Group(self._table(), *slow)

    def _table(self) -> Any:
        from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)

        table = Table()
        for key in ("host", "deploy.task", "deploy.ok", "deploy.changed", "deploy.failed", "deploy.unreachable"):
            table.add_column(t(key, self.lang))
        with self._lock:
            rows = sorted((name, dict(h)) for name, h in self.hosts.items())
        for name, h in rows:
            table.add_row(name, h["task"], str(h["ok"]), str(h["changed"]),
                          str(h["failed"]), str(h["unreachable"]))
        return table

    def summary(self, outcome: Any) -> None:
        lang = self.lang
        for s in getattr(outcome, "swept", ()):
            if s.error:
                click.echo(t("deploy.sweep_failed", self.lang, host=s.host, error=s.error), err=True)
            elif s.ended:
                click.echo(t("deploy.swept", self.lang, host=s.host, processes=", ".join(s.ended)), err=True)
        for name, why in getattr(outcome, "lost", ()):
            click.echo(t("deploy.worker_lost", lang, worker=name, reason=why), err=True)
        for h in outcome.hosts:
            state = t("status.fail" if h.failed or h.unreachable else "deploy.ok", lang)
            counts = ", ".join(f"{t(key, lang)} {getattr(h, key[7:])}" for key in (
                "deploy.ok", "deploy.changed", "deploy.failed", "deploy.unreachable", "deploy.skipped"))
            click.echo(f"{h.name}: {state} ({counts})")
            for task in h.failed_tasks:
                click.echo(f"    {mask_text(task)[0]}")
        status = t_or(f"deploy.status_{outcome.status}", lang, outcome.status)
        click.echo(f"{t('deploy.result', lang)}{colon(lang)}{status}")
        cause = failure_cause(outcome)
        if cause:
            click.echo(f"{t('fix.cause', lang)}{colon(lang).strip()}", err=True)
            for line in cause:
                click.echo(f"    {line}", err=True)
        click.echo(f"{t('evidence', lang)}{colon(lang)}{outcome.run_dir}", err=True)


def failure_cause(outcome: Any, lines: int = 6) -> list[str]:
    """Why a playbook run failed when no host's task says it (a bad host pattern, a syntax
    error, a missing variable): Ansible's own ERROR lines from the run's stdout, else its last
    lines; secrets masked. Empty for a run that succeeded or whose failed tasks are listed."""
    if outcome.status == "successful" or any(h.failed_tasks for h in outcome.hosts):
        return []
    stdout = outcome.run_dir / "artifacts" / "stdout"
    try:
        text = stdout.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    kept = [" ".join(x.split()) for x in _ANSI.sub("", text).splitlines() if x.strip()]
    errors = [x for x in kept if x.startswith(("ERROR", "[ERROR]", "fatal:", "[WARNING]: Could not match"))]
    return [mask_text(x)[0][:300] for x in (errors or kept)[-lines:]]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_spec_check(event: Any) -> bool:
    return str(event.task or "").startswith(SPEC_CHECK) and event.kind != "runner_on_failed"
