"""`envcheck diff`: options and printing around envcheck.diff."""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from envcheck.audit.run import CheckRequest
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.diff.compare import SHIPPED_RULES, diff, load_map, load_rules
from envcheck.diff.render import FORMATS, RENDER
from envcheck.diff.sides import LiveSide, Side, classify, load_live, read_live, read_run
from envcheck.exitcodes import ExitCode, of_diff
from envcheck.i18n import colon, t
from envcheck.runs import write_atomic
from envcheck.ssh import TRANSPORTS


@click.command()
@connection_options
@click.argument("side_a", metavar="A")
@click.argument("side_b", metavar="B")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format / 输出格式")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the output to FILE too / 同时写入文件")
@click.option("--ignore", "ignores", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="YAML rules of items expected to differ, added to the shipped ones; repeatable / 忽略规则")
@click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML mapping of A's host names to B's (pairs not found by group and order) / 主机对应表")
@click.option("--transport", type=click.Choice(TRANSPORTS), default="openssh", show_default=True,
              help="SSH implementation / SSH 实现")
@click.option("--runs-dir", type=click.Path(file_okay=False),
              help="Where the snapshots of live sides are kept (default ./runs)")
@lang_option
def diff_(**kw: Any) -> None:
    """Compare two hosts, groups, inventories or snapshot/check runs, area by area.

    \b
    比较两台主机、两个组、两套清单或两次快照/检查的差异。
    A and B: a run directory (snapshot or check), an inventory (every host), or a host or
    group of -i INV (read now, as a snapshot). Hosts are paired by group and order, or by
    --map. Exit 0: no difference, 1: differences, 2: bad input, 3: a host unreachable.
    Examples:
      envcheck diff runs/20261203-101500.000000-snapshot runs/20261203-111500.000000-snapshot
      envcheck diff inventories/uat/hosts.yml inventories/prod/hosts.yml --format markdown
      envcheck diff -i hosts.yml web1 web2 --ignore my-rules.yml
    """
    lang: str = kw["lang"]
    rules = load_rules(SHIPPED_RULES, "ignore.yml")
    for path in kw["ignores"]:
        rules += load_rules(path)
    mapping = load_map(kw["map_file"]) if kw["map_file"] else {}
    side_a, side_b, fmt, output = kw.pop("side_a"), kw.pop("side_b"), kw.pop("fmt"), kw.pop("output")
    request = CheckRequest(build_connection(kw), transport=kw["transport"],
                           runs_dir=Path(kw["runs_dir"]) if kw["runs_dir"] else None, lang=lang)
    conn = request.connection
    named = [classify(s, conn.inventories, conn.limit) for s in (side_a, side_b)]
    if output is not None and not output.parent.is_dir():
        from envcheck.errors import BadInput  # noqa: PLC0415 (only on this error)

        raise BadInput.of("error.output_no_folder", option="-o", path=output, folder=output.parent)
    sides = _read(named, request)
    result = diff(sides[0], sides[1], rules, mapping)
    text = RENDER[fmt](result, lang)
    click.echo(text, nl=False)
    if output is not None:
        write_atomic(output, text)
        click.echo(f"{t('output.written', lang)}{colon(lang)}{output}", err=True)
    for side in sides:
        if side.run_dir and not Path(side.label).is_dir():
            click.echo(f"{t('evidence', lang)}{colon(lang)}{side.run_dir}", err=True)
    sys.exit(of_diff(result))


def _read(named: list[Path | LiveSide], request: CheckRequest) -> list[Side]:
    """Both sides; the live ones read at once (two snapshot runs side by side)."""
    loaded = [load_live(n, request) if isinstance(n, LiveSide) else None for n in named]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures: list[Future[Side] | Path] = [
                pool.submit(read_live, n, *ld) if isinstance(n, LiveSide) and ld else Path(str(n))
                for n, ld in zip(named, loaded, strict=True)]
            return [read_run(f) if isinstance(f, Path) else f.result() for f in futures]
    except KeyboardInterrupt:
        click.echo(t("check.interrupted", request.lang), err=True)
        sys.exit(ExitCode.INTERRUPTED)
