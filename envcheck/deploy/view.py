"""The live display of a deployment: one line per host, fed from runner events."""

from __future__ import annotations

import sys
from typing import Any

import click

from envcheck.i18n import t


class DeployView:
    def __init__(self, lang: str, show_diff: bool = False) -> None:
        self.lang = lang
        self.hosts: dict[str, dict[str, Any]] = {}
        self.live: Any = None
        self.tty = sys.stdout.isatty()
        self.show_diff = show_diff

    def __enter__(self) -> DeployView:
        if self.tty:
            from rich.live import Live  # noqa: PLC0415 (rich: ~17 ms, not for --help)

            self.live = Live(self._table(), refresh_per_second=4, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(None, None, None)

    def on_event(self, event: Any) -> None:
        if not event.host:
            return
        h = self.hosts.setdefault(event.host, {"task": "", "ok": 0, "changed": 0, "failed": 0,
                                                "unreachable": 0})
        kind = event.kind
        if kind == "runner_on_start":
            h["task"] = event.task or ""
        elif kind == "runner_on_ok":
            h["changed" if event.changed else "ok"] += 1
        elif kind == "runner_on_failed":
            h["failed"] += 1
        elif kind == "runner_on_unreachable":
            h["unreachable"] += 1
        if kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable") and not self.tty:
            state = ("changed" if event.changed else "ok") if kind == "runner_on_ok" else kind[10:]
            tail = f": {event.message}" if event.message else ""
            click.echo(f"[{event.host}] {event.task}: {state}{tail}")
        if self.show_diff and event.diff and kind == "runner_on_ok":
            text = f"[{event.host}] {event.task}:\n{event.diff}"
            if self.live is not None:
                self.live.console.print(text, markup=False, highlight=False)
            else:
                click.echo(text)
        if self.live is not None:
            self.live.update(self._table())

    def _table(self) -> Any:
        from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)

        table = Table()
        for key in ("host", "deploy.task", "deploy.ok", "deploy.changed", "deploy.failed", "deploy.unreachable"):
            table.add_column(t(key, self.lang))
        for name, h in sorted(self.hosts.items()):
            table.add_row(name, h["task"], str(h["ok"]), str(h["changed"]),
                          str(h["failed"]), str(h["unreachable"]))
        return table

    def summary(self, outcome: Any) -> None:
        for h in outcome.hosts:
            state = "FAILED" if h.failed or h.unreachable else "OK"
            click.echo(f"{h.name}: {state} ok={h.ok} changed={h.changed} failed={h.failed} "
                       f"unreachable={h.unreachable} skipped={h.skipped}")
            for task in h.failed_tasks:
                click.echo(f"    {task}")
        click.echo(f"{t('deploy.result', self.lang)}: {outcome.status}")
        click.echo(f"{t('evidence', self.lang)}: {outcome.run_dir}", err=True)
