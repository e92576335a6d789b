"""`envcheck serve`: options, the audit it runs and the clean stop around envcheck.serve."""

from __future__ import annotations

import errno
import signal
import threading
from pathlib import Path
from typing import Any

import click

from envcheck.audit.run import CheckRequest, refuse_bad_input, run_check
from envcheck.commands.check import _raise_interrupt
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import BadInput
from envcheck.i18n import t
from envcheck.serve import Exporter, Snapshot, failed_snapshot, listen, snapshot_of
from envcheck.ssh import TRANSPORTS
from envcheck.waivers import load_file

DEFAULT_LISTEN = "127.0.0.1:9816"  # loopback only unless told otherwise
RULES = Path(__file__).resolve().parents[1] / "monitoring" / "envcheck-rules.yml"


@click.command()
@connection_options
@click.option("-c", "--only", "only", multiple=True, metavar="ID",
              help="Only these checks or areas (repeatable), as for check / 只检查这些项")
@click.option("--listen", default=DEFAULT_LISTEN, show_default=True, metavar="HOST:PORT",
              help="Address to serve /metrics and /healthz on / 监听地址")
@click.option("--interval", type=click.FloatRange(1, 86400), default=60, show_default=True,
              help="Seconds between two audits at least; scrapes in between get the last one / 两次检查的最短间隔秒数")
@click.option("--waivers", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file of accepted deviations, as for check / 豁免清单")
@click.option("--transport", type=click.Choice(TRANSPORTS), default="openssh", show_default=True,
              help="SSH implementation / SSH 实现")
@click.option("--runs-dir", type=click.Path(file_okay=False),
              help="Where to keep the last audit's evidence (default ./runs); older ones are removed / 证据目录")
@click.option("--print-rules", is_flag=True,
              help="Print the shipped Prometheus alert rules (docs/monitoring.md) and exit / 输出告警规则")
@lang_option
def serve(**kw: Any) -> None:
    """Serve the audit to Prometheus: /metrics (text exposition) and /healthz (200 when Ready,
    503 otherwise). A scrape runs the audit when the last one is --interval seconds old or
    more, one audit at a time.

    \b
    为 Prometheus 提供检查结果:/metrics 和 /healthz(可上线 200,否则 503)。
    Examples:
      envcheck serve -i inventories/site/hosts.yml
      envcheck serve -i hosts.yml --listen 127.0.0.1:9816 --interval 300
    """
    lang: str = kw["lang"]
    if kw["print_rules"]:
        click.echo(RULES.read_text(encoding="utf-8"), nl=False)
        return
    host, port = parse_listen(kw["listen"])
    waivers = load_file(kw["waivers"]) if kw["waivers"] else ()
    request = CheckRequest(build_connection(kw), tuple(kw["only"]), kw["transport"],
                           Path(kw["runs_dir"]) if kw["runs_dir"] else None, lang, waivers)
    _refuse_bad_input(request)
    stop = threading.Event()
    exporter = Exporter(lambda: audit_once(request, stop), kw["interval"], lang)
    try:
        server = listen(host, port, exporter)
    except OSError as exc:
        key = "error.serve_port_in_use" if exc.errno == errno.EADDRINUSE else "error.serve_cannot_listen"
        raise BadInput.of(key, address=kw["listen"], error=exc.strerror) from exc
    inventory = ", ".join(request.connection.inventories) or t("serve.this_machine", lang)
    click.echo(t("serve.listening", lang, inventory=inventory, address=kw["listen"],
                 interval=f"{kw['interval']:g}"), err=True)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()  # an audit under way ends at its next host
        server.server_close()
        exporter.wait_idle(timeout=request.connection.timeout + 5)
    click.echo(t("serve.stopped", lang, audits=exporter.audits), err=True)


def parse_listen(value: str) -> tuple[str, int]:
    """HOST:PORT ([::1]:PORT for IPv6) -> (host, port)."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput.of("error.serve_listen", value=value)
    return host, int(port)


def _refuse_bad_input(request: CheckRequest) -> None:
    """A bad inventory, check id, waiver or site check: refused before the port is opened (exit
    2), as check refuses it before any host is contacted. Each audit reads the inventory again."""
    from envcheck.audit.engine import select_checks  # noqa: PLC0415
    from envcheck.checks import load_catalogue  # noqa: PLC0415

    if request.only:
        load_catalogue()
        select_checks(request.only)
    refuse_bad_input(request, request.connection.load_inventory())


def audit_once(request: CheckRequest, stop: threading.Event) -> Snapshot:
    """One audit, as `check` runs it; an audit that cannot run (the inventory turned bad) is a
    snapshot saying why, and the exporter goes on."""
    try:
        run = run_check(request, stop=stop)
    except click.ClickException as exc:
        return failed_snapshot(exc.format_message(), request.lang)
    except Exception as exc:  # the exporter outlives one audit's trouble; the scrape says it
        return failed_snapshot(f"{type(exc).__name__}: {exc}", request.lang)
    return snapshot_of(run.result_json, run.run_dir)
