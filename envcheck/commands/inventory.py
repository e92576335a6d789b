"""`envcheck inventory import|show|ping`: the customer's host list as an inventory, and a look at it."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml

from envcheck.commands.options import build_connection, connection_options, inventory_only_options, lang_option
from envcheck.errors import BadInput
from envcheck.exitcodes import decide
from envcheck.i18n import t
from envcheck.inventory import load_inventory
from envcheck.inventory.hostsheet import (
    HEADERS,
    MAX_ROWS,
    REQUIRED,
    ROLES,
    inventory_document,
    parse_rows,
    read_rows,
)
from envcheck.inventory.ping import ping_all
from envcheck.output.values import hosts_count
from envcheck.runs import write_atomic
from envcheck.ssh import transport_for
from envcheck.ssh.reasons import in_lang


@click.group()
def inventory() -> None:
    """Host lists: import the customer's sheet, show it, ping every host / 主机清单."""


def _import_help() -> str:
    """The accepted headers and role words, from the tables the parser uses (never drift)."""

    def block(table: dict[str, tuple[str, ...]], note: dict[str, str]) -> str:
        return "\n".join(f"  {k:<12}{', '.join(v)}{note.get(k, '')}" for k, v in table.items())

    optional = {k: "  (optional)" for k in HEADERS if k not in REQUIRED} | {"port": "  (optional, 22)"}
    return f"""Import the customer's host list (.xlsx or .csv) as an Ansible YAML inventory.

\b
把客户的 Excel/CSV 主机清单导入为 Ansible 清单。
Headers (English or Chinese, any order, case and spaces ignored; a title row above is fine):
{block(HEADERS, optional)}
Roles -> groups (several per cell: "web,app" or "应用、数据库"):
{block(ROLES, {})}
CSV encodings: UTF-8, UTF-8 with BOM, UTF-16 (BOM), GBK/GB18030 (detected).
A password column is ignored: passwords never go into the inventory.
Every row is validated first (duplicate names or addresses, invalid addresses or
ports, unknown roles, empty cells); nothing is written when a row is bad, unless
--skip-bad-rows. Exit code 2 when refused.
"""




@inventory.command("import", help=_import_help())
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The inventory to write, e.g. inventories/<site>/hosts.yml")
@click.option("--sheet", help="Worksheet name (default: the first)")
@click.option("--skip-bad-rows", is_flag=True, help="Write the good rows, report the bad ones / 跳过有误的行")
@click.option("--user", "default_user", help="ansible_user for rows without one")
@click.option("--key", type=click.Path(dir_okay=False), help="ansible_ssh_private_key_file for every host")
@click.option("--known-hosts", type=click.Path(dir_okay=False),
              help="known_hosts file the inventory should check host keys against (strict)")
@click.option("--force", is_flag=True, help="Overwrite an existing inventory")
@click.option("--yes", is_flag=True, help="Import a sheet of more than 2,000 rows / 确认导入超过 2000 行的表格")
@lang_option
def import_(source: Path, output: Path, sheet: str | None, skip_bad_rows: bool, default_user: str | None,
            key: str | None, known_hosts: str | None, force: bool, yes: bool, lang: str) -> None:
    rows = read_rows(source, sheet)
    filled = sum(1 for r in rows if any(c not in (None, "") for c in r))
    if filled > MAX_ROWS + 1 and not yes:  # + 1: the header
        raise BadInput.of("sheet.too_big", path=source, n=filled - 1, limit=MAX_ROWS)
    result = parse_rows(rows)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for problem in result.problems:
        click.echo(problem.text(), err=True)
    if result.problems and not skip_bad_rows:
        raise BadInput.of("error.sheet_bad_rows", path=source, n=len(result.bad_rows), rows=_rows(result.bad_rows))
    if result.problems:
        click.echo(f"skipped row(s) {_rows(result.bad_rows)} / 已跳过这些行", err=True)
    if not result.hosts:
        raise BadInput.of("error.sheet_no_hosts", path=source)
    if output.exists() and not force:
        raise BadInput.of("error.output_exists", path=output)
    common: dict[str, Any] = {}
    if default_user:
        common["ansible_user"] = default_user
    if key:
        common["ansible_ssh_private_key_file"] = str(Path(key).expanduser().resolve())
    if known_hosts:
        path = Path(known_hosts).expanduser().resolve()
        common["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={path} -o StrictHostKeyChecking=yes"
    doc = inventory_document(result.hosts, common)
    header = (f"# Imported by `envcheck inventory import` from {source.name} on "
              f"{datetime.now().strftime('%Y-%m-%d %H:%M')}.\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    groups = doc["all"]["children"]
    click.echo(f"{output}: {len(result.hosts)} host(s) in " + ", ".join(
        f"{g} ({len(v['hosts'])})" for g, v in groups.items()) + f" / 已导入 {len(result.hosts)} 台主机")


def _rows(rows: tuple[int, ...]) -> str:
    return ", ".join(str(r) for r in rows)


@inventory.command("show")
@inventory_only_options
@lang_option
def show(inventories: tuple[str, ...], limit: str | None, vault_password_file: str | None, lang: str) -> None:
    """Groups and hosts as a tree, with how each host is reached / 以树形显示分组和主机."""

    inv = load_inventory(inventories, limit, vault_password_file)
    # Plain lines, written in one go: 10,000 hosts print in well under a second (bench/README.md).
    lines = [f"{', '.join(inventories)} ({hosts_count(len(inv.hosts), lang)})"]
    branches = [(group, inv.groups[group]) for group in sorted(inv.groups)]
    grouped = {name for members in inv.groups.values() for name in members}
    loose = [h.name for h in inv.hosts if h.name not in grouped]
    if loose:
        branches.append(("ungrouped", tuple(loose)))
    for b, (group, names) in enumerate(branches):
        last_branch = b == len(branches) - 1
        lines.append(f"{'└── ' if last_branch else '├── '}{group}")
        pad = "    " if last_branch else "│   "
        for i, name in enumerate(names):
            lines.append(f"{pad}{'└── ' if i == len(names) - 1 else '├── '}{_host_label(inv.host(name))}")
    click.echo("\n".join(lines))


def _host_label(host: Any) -> str:
    t = host.target
    where = "local" if t.local else f"{t.user + '@' if t.user else ''}{t.address}:{t.port}"
    lan = f"  lan {host.lan_address}" if host.lan_address else ""
    return f"{host.name}  {where}{lan}"


@inventory.command("ping")
@connection_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: for people (hosts listed as they answer); json: for scripts / 输出格式")
@lang_option
def ping(**kw: Any) -> None:
    """Reachability, authentication and sudo of every host, in parallel.

    \b
    检查每台主机:能否连接、能否登录、sudo 是否可用。
    Exit code 0 when every host answers with working sudo, 3 otherwise.
    """
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)


    conn = build_connection(kw)
    if not conn.inventories:
        raise BadInput.of("error.needs_inventory", command="inventory ping")
    lang: str = kw["lang"]
    inv = conn.load_inventory()
    live = kw["fmt"] == "table"

    def answered(r: Any) -> None:  # each host as it answers, on stderr (the table follows on stdout)
        state = t("ping.ok" if r.ok else "ping.down", lang)
        click.echo(t("ping.answered", lang, host=r.host, state=state, seconds=f"{r.seconds:.2f}"), err=True)

    with transport_for("openssh", conn.ssh, [h.target for h in inv.hosts]) as transport:
        results = ping_all(inv.hosts, transport, conn.forks, conn.timeout, answered if live else None)
    code = decide(unreachable=not all(r.ok for r in results))
    if kw["fmt"] == "json":
        click.echo(json.dumps([dataclasses.asdict(r) | {"ok": r.ok} for r in results], ensure_ascii=False,
                              indent=2))
        sys.exit(code)
    table = Table(title=t("ping.title", lang))
    for head in ("ping.host", "ping.address", "ping.reachable", "ping.login", "ping.sudo", "ping.seconds",
                 "ping.reason"):
        table.add_column(t(head, lang))

    def mark(flag: bool) -> str:
        return f"[green]{t('value.yes', lang)}[/]" if flag else f"[bold red]{t('value.no', lang)}[/]"

    for r in results:
        table.add_row(r.host, r.address, mark(r.reachable),
                      f"[green]{r.login}[/]" if r.authenticated else mark(False), mark(r.sudo),
                      f"{r.seconds:.2f}", in_lang(r.reason or "", lang))
    Console(width=200).print(table)
    sys.exit(code)
