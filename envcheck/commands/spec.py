"""`envcheck spec`: the site's own checks. `list` shows what the inventory declares for each host
(validated, no host contacted); `suggest` drafts site_checks from a known-good host
(envcheck.sitechecks.suggest), written to a file for the engineer to review, never applied."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml

from envcheck.audit.engine import gather_host, host_context
from envcheck.commands.options import build_connection, connection_options, inventory_only_options, lang_option
from envcheck.errors import BadInput
from envcheck.exitcodes import ExitCode
from envcheck.i18n import colon, t
from envcheck.inventory import load_inventory
from envcheck.output.values import hosts_count, severity_word
from envcheck.sitechecks import for_host, of_host
from envcheck.sitechecks.spec import Entry, declaring_file
from envcheck.sitechecks.suggest import draft, fact, header
from envcheck.ssh import transport_for
from envcheck.ssh.reasons import in_lang


@click.group()
def spec() -> None:
    """The site's own checks (site_checks in the inventory; docs/site-checks.md).

    \b
    站点自定义检查项(清单中的 site_checks)。
    """


@spec.command()
@connection_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The draft's file (default site-checks-HOST.yml); never overwritten / 草稿文件,不会覆盖已有文件")
@lang_option
def suggest(**kw: Any) -> None:
    """Draft site_checks from a known-good host: what runs there that the standard does not cover.

    \b
    根据一台已知正常的主机起草 site_checks:列出其上运行而标准未涵盖的内容。
    The draft is written to a file for you to review; nothing is applied.
    Example:
      envcheck spec suggest -i hosts.yml --limit app1 -o site-checks-app.yml
    """
    lang, output = kw.pop("lang"), kw.pop("output")
    conn = build_connection(kw)
    if not conn.inventories or not conn.limit:
        raise BadInput.of("error.spec_needs_host")
    inventory = conn.load_inventory()
    if len(inventory.hosts) != 1:
        raise BadInput.of("error.spec_one_host", limit=conn.limit, count=len(inventory.hosts))
    host = inventory.hosts[0]
    declared = for_host(host.variables, inventory.sources).entries  # malformed: bad input before the host
    path = output or Path(f"site-checks-{host.name}.yml")
    if path.exists():
        raise BadInput.of("error.spec_exists", path=str(path))
    if not path.parent.is_dir():
        raise BadInput.of("error.output_no_folder", option="-o", path=str(path), folder=str(path.parent))
    with transport_for("openssh", conn.ssh, [host.target]) as transport:
        hf = gather_host(host, host_context(host, inventory), [fact()], transport, conn.timeout)
    if not hf.status.reachable:
        click.echo(f"{host.name}{colon(lang)}{in_lang(str(hf.status.error), lang)}", err=True)
        sys.exit(ExitCode.UNREACHABLE)
    entries = draft(hf.raw["site:suggest"], declared, host.standard)
    note = header(host.name, datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"))
    text = "".join(f"# {line}\n" for line in (note["en"], note["zh"]))
    text += yaml.safe_dump({"site_checks_suggested": entries}, allow_unicode=True, sort_keys=False, width=110)
    path.write_text(text, encoding="utf-8")
    click.echo(t("spec.suggested", lang, count=len(entries), host=host.name, path=str(path)))


@spec.command("list")
@inventory_only_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: for people; json: for scripts / 输出格式")
@lang_option
def list_(inventories: tuple[str, ...], limit: str | None, vault_password_file: str | None, fmt: str,
          lang: str) -> None:
    """The site checks the inventory declares, each with its hosts and where it is declared.

    \b
    列出清单中声明的站点检查项及其主机和声明位置。
    Nothing is contacted: a malformed spec is told as `check` tells it (exit 2), so a checklist
    is proofread before the go-live run.
    Example:
      envcheck spec list -i inventories/site/hosts.yml --limit db
    """
    inv = load_inventory(inventories, limit, vault_password_file)
    rows: dict[tuple[str, str], tuple[Entry, list[str]]] = {}  # (id, where declared) -> entry, hosts
    files: dict[str, str] = {}  # variable -> the file declaring it (found once: it reads the inventory's files)
    without = []
    for h in inv.hosts:
        entries = of_host(h, inv.sources).entries
        if not entries:
            without.append(h.name)
        for e in entries:
            if e.variable not in files:
                files[e.variable] = declaring_file(inv.sources, e.variable)
            where = f"{files[e.variable]}: {e.variable}[{e.position}]"
            rows.setdefault((e.id, where), (e, []))[1].append(h.name)
    if fmt == "json":
        click.echo(json.dumps([{"id": e.id, "type": e.type, "severity": e.severity.value,
                                "title": {"en": e.title.en, "zh": e.title.zh}, "hosts": hosts,
                                "declared": where, "fields": e.fields}
                               for (_, where), (e, hosts) in rows.items()], ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        click.echo(t("spec.list_none", lang))
        return
    table = [(e.id, e.type, severity_word(e.severity.value, lang), e.title.get(lang), ", ".join(hosts), where)
             for (_, where), (e, hosts) in rows.items()]
    from rich.cells import cell_len  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    widths = [max(cell_len(r[i]) for r in table) for i in range(4)]  # a Chinese character is two columns
    lines = [t("spec.list_head", lang, inventory=", ".join(inventories), checks=len(table),
               hosts=hosts_count(len(inv.hosts) - len(without), lang))]
    lines += ["  ".join([*(c + " " * (w - cell_len(c)) for c, w in zip(r[:4], widths, strict=True)), r[4], r[5]])
              for r in table]
    if without:
        lines.append(t("spec.list_without", lang, hosts=", ".join(without)))
    click.echo("\n".join(lines))
