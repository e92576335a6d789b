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
from envcheck.i18n import colon, t
from envcheck.output import FORMATS
from envcheck.output.files import OUTPUT_FORMATS, parse_outputs, write_outputs
from envcheck.output.progress import SLOWEST, FleetProgress
from envcheck.output.summary import verdict_lines
from envcheck.output.table import render
from envcheck.ssh import TRANSPORTS
from envcheck.ssh.settings import check_forks
from envcheck.waivers import load_file


@click.command()
@connection_options
@click.option("-c", "--only", "only", multiple=True, metavar="ID",
              help="Only these checks or areas (repeatable), e.g. -c time -c mysql.character_set_server; "
                   "-c site: the inventory's site checks, -c site.NAME one of them / 只运行这些检查项或领域")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS),
              default="table", show_default=True, help="Output format / 输出格式")
@click.option("-o", "--output", "outputs", multiple=True, metavar="[FORMAT:]FILE",
              help="Write the output to FILE, in --format or in FORMAT (table, json, junit, markdown, prometheus); "
                   "repeatable, e.g. -o junit:check.xml -o json:check.json. The table and the verdict are "
                   "still printed / 输出到文件,可重复")
@click.option("--waivers", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file of accepted deviations (check, hosts, reason, approver, ticket, expires); "
                   "added to the inventory's envcheck_waivers / 豁免清单")
@click.option("--show-passed", is_flag=True, help="List passed checks in the table too")
@click.option("--show-skipped", is_flag=True,
              help="List skipped checks in the terminal table too (they are always in -o files and the evidence)")
@click.option("--transport", type=click.Choice(TRANSPORTS), default="openssh",
              show_default=True, help="SSH implementation (docs/design.md: chosen by measurement)")
@click.option("--progress", type=click.Choice(["auto", "lines", "none"]), default="auto", show_default=True,
              help="auto: a bar and a one-line status on a terminal; lines: the status every 5 s and at the end "
                   "(logs, CI); none / 进度显示")
@click.option("--progress-hosts", type=click.IntRange(0, 50), default=SLOWEST, show_default=True,
              help="How many of the slowest hosts still running the status names / 进度中列出的最慢主机数")
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
      envcheck check -i hosts.yml -o junit:check.xml -o json:check.json --waivers waivers.yml
      envcheck check -i hosts.yml -o prometheus:/var/lib/prometheus/node-exporter/envcheck.prom
    """
    lang: str = kw["lang"]
    outputs = parse_outputs(kw["outputs"], kw["fmt"])  # a missing folder: bad input before any host
    waivers = load_file(kw["waivers"]) if kw["waivers"] else ()
    request = CheckRequest(build_connection(kw, check_forks()), tuple(kw["only"]), kw["transport"],
                           Path(kw["runs_dir"]) if kw["runs_dir"] else None, lang, waivers)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    progress = _Progress(lang, kw["progress"], kw["progress_hosts"])
    try:
        run = run_check(request, on_start=progress.start, on_host=progress.advance, stop=stop,
                        on_begin=progress.begin)
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    report = run.report
    written = write_outputs(outputs, report, lang, run.result_json)
    if kw["fmt"] == "table" or outputs:  # the table (with the verdict) whenever stdout is free
        from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)

        Console().print(render(report, lang, kw["show_passed"], kw["show_skipped"]))
    else:  # the document on standard output; the verdict on standard error
        click.echo(run.result_json if kw["fmt"] == "json" else FORMATS[kw["fmt"]](report, lang), nl=False)
        for line in verdict_lines(report, lang):
            click.echo(line, err=True)
    for path in written:
        click.echo(f"{t('output.written', lang)}{colon(lang)}{path}", err=True)
    click.echo(f"{t('evidence', lang)}{colon(lang)}{run.run_dir}", err=True)
    if not report.complete:
        click.echo(t("check.interrupted", lang), err=True)
    sys.exit(of_audit(report))


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _Progress:
    """The fleet's progress on stderr (envcheck.output.progress): on a terminal, a bar and the
    one-line status; `lines`, the status line every few seconds and at the end (logs, CI);
    silent otherwise."""

    EVERY = 5.0  # seconds between lines in `lines` mode

    def __init__(self, lang: str, mode: str = "auto", hosts: int = SLOWEST) -> None:
        self._lang, self._mode, self._hosts = lang, mode, hosts
        self._bar: Any = None
        self._state = FleetProgress()
        self._closed = threading.Event()
        self._printer: threading.Thread | None = None

    def start(self, total: int) -> None:
        self._state.total = total
        if self._mode == "lines":
            self._printer = threading.Thread(target=self._print_lines, name="envcheck-progress", daemon=True)
            self._printer.start()
        elif self._mode == "auto" and sys.stderr.isatty() and total > 1:
            from rich.progress import (  # noqa: PLC0415 (rich: ~17 ms, not for --help)
                BarColumn,
                Progress,
                ProgressColumn,
                TimeElapsedColumn,
            )
            from rich.text import Text  # noqa: PLC0415

            state, lang, hosts = self._state, self._lang, self._hosts

            class Status(ProgressColumn):
                def render(self, task: Any) -> Text:
                    return Text(state.line(lang, hosts), overflow="ellipsis", no_wrap=True)

            # Refreshed twice a second: the slowest hosts' seconds move without any event.
            self._bar = Progress(BarColumn(bar_width=24), TimeElapsedColumn(), Status(), transient=True,
                                 refresh_per_second=2)
            self._task = self._bar.add_task("", total=total)
            self._bar.start()

    def begin(self, host: str) -> None:
        self._state.begin(host)

    def advance(self, hf: Any) -> None:
        self._state.finish(hf)
        if self._bar is not None:
            self._bar.advance(self._task)

    def _print_lines(self) -> None:
        while not self._closed.wait(self.EVERY):
            click.echo(self._state.line(self._lang, self._hosts), err=True)

    def close(self) -> None:
        self._closed.set()
        if self._printer is not None:
            self._printer.join()
            click.echo(self._state.line(self._lang, self._hosts), err=True)
        if self._bar is not None:
            self._bar.stop()
