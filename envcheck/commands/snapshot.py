"""`envcheck snapshot`: options, progress and printing around envcheck.snapshot.run."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from envcheck.audit.run import CheckRequest
from envcheck.commands.check import _Progress, _raise_interrupt
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.exitcodes import of_snapshot
from envcheck.i18n import colon, t
from envcheck.ssh import TRANSPORTS


@click.command()
@connection_options
@click.option("--transport", type=click.Choice(TRANSPORTS), default="openssh", show_default=True,
              help="SSH implementation / SSH 实现")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to keep the evidence (default ./runs)")
@lang_option
def snapshot(**kw: Any) -> None:
    """Keep everything envcheck reads of each host, to compare later (envcheck diff).

    \b
    保存每台主机的全部可读状态,供 envcheck diff 比较。
    One SSH session per host: the check's facts plus packages, services, listening ports,
    sysctl, limits, locales, JVM options, database settings, the sha256 and size of the files
    the playbooks manage and of the inventory's snapshot_paths, the standard's users.
    Examples:
      envcheck snapshot -i hosts.yml
      envcheck snapshot -i hosts.yml -l db
    """
    lang: str = kw["lang"]
    from envcheck.snapshot.run import run_snapshot  # noqa: PLC0415 (the catalogue: not for --help)

    request = CheckRequest(build_connection(kw), transport=kw["transport"],
                           runs_dir=Path(kw["runs_dir"]) if kw["runs_dir"] else None, lang=lang)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    progress = _Progress(lang)
    try:
        run = run_snapshot(request, on_start=progress.start, on_host=progress.advance, stop=stop)
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    report = run.report
    for hf in report.hosts:
        if hf.status.reachable:
            click.echo(t("snapshot.host_kept", lang, host=hf.status.name, probes=len(hf.raw)))
        else:
            click.echo(t("snapshot.host_unreachable", lang, host=hf.status.name, error=hf.status.error))
    click.echo(f"{t('evidence', lang)}{colon(lang)}{run.run_dir}", err=True)
    if not report.complete:
        click.echo(t("check.interrupted", lang), err=True)
    sys.exit(of_snapshot(report))
