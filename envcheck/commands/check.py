"""`envcheck check`: options, progress and printing around the use case (envcheck.audit.run)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from envcheck.audit.run import CheckRequest, run_check
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.exitcodes import of_audit
from envcheck.i18n import t
from envcheck.output import FORMATS
from envcheck.output.table import render
from envcheck.output.values import colon
from envcheck.ssh import TRANSPORTS


@click.command()
@connection_options
@click.option("-c", "--only", "only", multiple=True, metavar="ID",
              help="Only these checks or areas (repeatable), e.g. -c time -c mysql.character_set_server")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "junit", "markdown"]),
              default="table", show_default=True, help="Output format / 输出格式")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the output to FILE")
@click.option("--show-passed", is_flag=True, help="List passed checks in the table too")
@click.option("--show-skipped", is_flag=True,
              help="List skipped checks in the terminal table too (they are always in -o files and the evidence)")
@click.option("--transport", type=click.Choice(TRANSPORTS), default="openssh",
              show_default=True, help="SSH implementation (docs/design.md: chosen by measurement)")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to keep the evidence (default ./runs)")
@lang_option
def check(**kw: Any) -> None:
    """Audit hosts against the standard: timezone, charsets, clocks, limits, services.

    \b
    按标准检查主机:时区、字符集、时钟、限制、服务。
    Examples:
      envcheck check                       # no -i: this machine, without SSH
      envcheck check -i inventories/site/hosts.yml --limit db
      envcheck check -i hosts.yml --format json -o result.json
    """
    lang: str = kw["lang"]
    request = CheckRequest(build_connection(kw), tuple(kw["only"]), kw["transport"],
                           Path(kw["runs_dir"]) if kw["runs_dir"] else None, lang)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    progress = _Progress(lang)
    try:
        run = run_check(request, on_start=progress.start, on_host=progress.advance, stop=stop)
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    report = run.report
    if kw["fmt"] == "table" and not kw["output"]:
        from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)


        Console().print(render(report, lang, kw["show_passed"], kw["show_skipped"]))
    else:  # rendered once: to the file, or to standard output

        text = run.result_json if kw["fmt"] == "json" else FORMATS[kw["fmt"]](report, lang)
        if kw["output"]:
            Path(kw["output"]).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    click.echo(f"{t('evidence', lang)}{colon(lang)}{run.run_dir}", err=True)
    if not report.complete:
        click.echo(t("check.interrupted", lang), err=True)
    sys.exit(of_audit(report))


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, lang: str) -> None:
        self._lang = lang
        self._bar: Any = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total > 1:
            from rich.progress import MofNCompleteColumn, Progress  # noqa: PLC0415 (rich: ~17 ms, not for --help)


            self._bar = Progress(*Progress.get_default_columns(), MofNCompleteColumn(), transient=True)
            self._task = self._bar.add_task(t("check.hosts_done", self._lang), total=total)
            self._bar.start()

    def advance(self, hf: Any) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
