"""`envcheck checks list`: the catalogue."""

from __future__ import annotations

import json

import click

from envcheck.checks import CHECKS, FLEET_CHECKS, Check, FleetCheck, load_catalogue
from envcheck.commands.options import lang_option
from envcheck.i18n import t
from envcheck.output.values import severity_word


@click.group()
def checks() -> None:
    """The check catalogue / 检查项目录."""


@checks.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: for people; json: for scripts / 输出格式")
@lang_option
def list_checks(fmt: str, lang: str) -> None:
    """Every check: id, severity and title (--format json: also the fix and its playbook)."""
    load_catalogue()
    entries: list[Check | FleetCheck] = [*CHECKS.values(), *FLEET_CHECKS.values()]
    rows = [(c.id, str(c.severity), c.title.get(lang), c.fix.get(lang),
             c.remediation.playbook or "manual") for c in entries]
    if fmt == "json":
        keys = ("id", "severity", "title", "fix", "remediation")
        click.echo(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], ensure_ascii=False, indent=2))
        return
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)


    table = Table(title=t("checks.count", lang, n=len(rows)))
    for key in ("check", "severity", "checks.title"):
        table.add_column(t(key, lang))
    for r in rows:
        table.add_row(r[0], severity_word(r[1], lang), r[2])
    Console().print(table)
