"""`envcheck spec suggest`: a draft of site_checks from a known-good host (envcheck.sitechecks.suggest),
written to a file for the engineer to review; never applied."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml

from envcheck.audit.engine import gather_host, host_context
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import BadInput
from envcheck.exitcodes import ExitCode
from envcheck.i18n import colon, t
from envcheck.sitechecks import for_host
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
