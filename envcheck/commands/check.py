"""`envcheck check`: the audit."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import ExitCode


@click.command()
@connection_options
@click.option("-c", "--only", "only", multiple=True, metavar="ID",
              help="Only these checks or areas (repeatable), e.g. -c time -c mysql.charset_server")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "junit", "markdown"]),
              default="table", show_default=True, help="Output format / 输出格式")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the output to FILE")
@click.option("--show-passed", is_flag=True, help="List passed checks in the table too")
@click.option("--show-skipped", is_flag=True,
              help="List skipped checks in the terminal table too (they are always in -o files and the evidence)")
@click.option("--transport", type=click.Choice(["openssh", "paramiko"]), default="openssh",
              show_default=True, help="SSH implementation (see README: chosen by measurement)")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to keep the evidence (default ./runs)")
@lang_option
def check(**kw: Any) -> None:
    """Audit hosts against the standard: timezone, charsets, clocks, limits, services.

    \b
    按标准检查主机:时区、字符集、时钟、限制、服务。
    Examples:
      envcheck check                       # this machine
      envcheck check -i inventories/site/hosts.yml --limit db
      envcheck check -i hosts.yml --format json -o result.json
    """
    from envcheck.checks import load_catalogue  # noqa: PLC0415

    conn = build_connection(kw)
    lang: str = kw["lang"]
    if kw["only"]:  # unknown ids are bad input before anything runs
        from envcheck.audit import select_checks  # noqa: PLC0415

        load_catalogue()
        select_checks(kw["only"])
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    from envcheck.prefetch import inventory_key  # noqa: PLC0415

    key = inventory_key(conn.inventories, conn.limit)  # of the files as this run reads them
    early = _prefetch(kw["transport"], conn, key)
    try:
        inventory = conn.load_inventory(key)
    except BaseException:
        if early is not None:
            early.close_prepared()
        signal.signal(signal.SIGTERM, previous)
        raise
    transport = _transport(kw["transport"], conn, inventory, early)
    # The SSH handshakes of the first `forks` hosts run while the catalogue loads and
    # the probe scripts are built (README: "Where the time goes").
    transport.prepare([h.target for h in inventory.hosts[: conn.forks]], conn.timeout)
    progress: _Progress | None = None
    try:
        from envcheck.audit import run_audit  # noqa: PLC0415
        from envcheck.evidence import CheckEvidence  # noqa: PLC0415

        load_catalogue()
        evidence = CheckEvidence.create(Path(kw["runs_dir"]) if kw["runs_dir"] else None, inventory)
        progress = _Progress(len(inventory.hosts), lang)
        report = run_audit(inventory, transport, kw["only"], conn.forks, conn.timeout,
                           on_host=lambda hf: _on_host(hf, evidence, progress),
                           stop=stop)
    finally:
        transport.close_prepared()
        if progress is not None:
            progress.close()
        signal.signal(signal.SIGTERM, previous)
    result_json = evidence.finish(report, lang)
    from envcheck.output import FORMATS  # noqa: PLC0415

    if kw["fmt"] == "table" and not kw["output"]:
        from rich.console import Console  # noqa: PLC0415

        from envcheck.output.table import render  # noqa: PLC0415

        Console().print(render(report, lang, kw["show_passed"], kw["show_skipped"]))
    else:  # rendered once: to the file, or to standard output
        text = result_json if kw["fmt"] == "json" else FORMATS[kw["fmt"]](report, lang)
        if kw["output"]:
            Path(kw["output"]).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    from envcheck.i18n import t  # noqa: PLC0415

    click.echo(f"{t('evidence', lang)}: {evidence.path}", err=True)
    if not report.complete:
        click.echo(t("interrupted", lang), err=True)
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(exit_code(report))


def exit_code(report: Any) -> int:
    """The one place that decides the exit code of an audit."""
    if any(not h.status.reachable for h in report.hosts):
        return ExitCode.UNREACHABLE
    if any(r.status in ("fail", "error") for r in report.results):
        return ExitCode.FAILED
    return ExitCode.OK


def _on_host(hf: Any, evidence: Any, progress: _Progress | None) -> None:
    evidence.host_done(hf)
    if progress is not None:
        progress.advance(hf)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _prefetch(name: str, conn: Any, key: str | None) -> Any:
    """The OpenSSH transport with the sessions of the previous run's hosts already
    starting, when the inventory is unchanged since (envcheck.prefetch); else None."""
    if name != "openssh":
        return None  # paramiko opens in the foreground: nothing to overlap
    from envcheck.early import Settings, take  # noqa: PLC0415

    early = take(Settings.of(conn, key))
    if early is not None:  # started by the console entry point, before click and the catalogue
        return early
    from envcheck.prefetch import remembered  # noqa: PLC0415

    targets = [t for t in remembered(key) if not t.local]
    if not targets:
        return None
    transport = _openssh(conn)
    transport.prepare(targets[: conn.forks], conn.timeout)
    return transport


def _transport(name: str, conn: Any, inventory: Any, early: Any) -> Any:
    from envcheck.transport import LocalTransport  # noqa: PLC0415

    targets = [h.target for h in inventory.hosts]
    if early is not None:
        early.keep_prepared(targets)
    if all(h.target.local for h in inventory.hosts):
        if early is not None:
            early.close_prepared()
        return LocalTransport()
    if name == "paramiko":
        from envcheck.transport.paramiko_transport import ParamikoTransport  # noqa: PLC0415

        return ParamikoTransport(conn.ssh_config, conn.known_hosts, conn.accept_new_host_keys)
    return early if early is not None else _openssh(conn)


def _openssh(conn: Any) -> Any:
    from envcheck.transport import OpenSSHTransport  # noqa: PLC0415

    return OpenSSHTransport(conn.ssh_config, conn.known_hosts, conn.accept_new_host_keys)


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, lang: str) -> None:
        self._bar: Any = None
        if sys.stderr.isatty() and total > 1:
            from rich.progress import Progress  # noqa: PLC0415

            from envcheck.i18n import t  # noqa: PLC0415

            self._bar = Progress(transient=True, console=None)
            self._task = self._bar.add_task(t("hosts_done", lang), total=total)
            self._bar.start()

    def advance(self, hf: Any) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
