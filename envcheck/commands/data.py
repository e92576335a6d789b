"""`envcheck data`: profile a database; compare a migrated one with its source and sign the
migration off against a checklist. Read only on both databases."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from envcheck.commands.options import lang_option
from envcheck.data.connect import CONNECT_TIMEOUT
from envcheck.data.db import open_db
from envcheck.data.evidence import Evidence
from envcheck.data.profile import profile_table
from envcheck.data.progress import RowProgress
from envcheck.data.run import run_compare
from envcheck.data.schema import table_names
from envcheck.data.via import Via
from envcheck.errors import BadInput
from envcheck.exitcodes import ExitCode, decide
from envcheck.i18n import colon, t
from envcheck.ssh.settings import Connection, SshSettings

F = TypeVar("F", bound=Callable[..., Any])


def via_options(func: F) -> F:
    """-i and the SSH options of an inventory host the databases are reached through (--via)."""
    options = [
        click.option("-i", "--inventory", "inventories", multiple=True, type=click.Path(),
                     help="Ansible inventory holding the --via hosts / 清单"),
        click.option("--ssh-config", type=click.Path(dir_okay=False), help="ssh_config file (ssh -F)"),
        click.option("--known-hosts", type=click.Path(dir_okay=False), help="known_hosts file"),
        click.option("--accept-new-host-keys", is_flag=True, help="Trust a host key never seen before"),
        click.option("--vault-password-file", type=click.Path(exists=True, dir_okay=False),
                     help="Opens a password file encrypted with ansible-vault / Ansible Vault 密码文件"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def via_of(host: str | None, kw: dict[str, Any]) -> Via | None:
    if not host:
        return None
    if not kw["inventories"]:
        raise BadInput.of("error.via_needs_inventory")
    ssh = SshSettings(kw["ssh_config"], kw["known_hosts"], kw["accept_new_host_keys"], CONNECT_TIMEOUT)
    return Via(host, Connection(inventories=tuple(kw["inventories"]), ssh=ssh))


@click.group()
def data() -> None:
    """Data migration: profile a database, compare a migrated one with its source.

    \b
    数据迁移核对:源库画像、迁移前后逐块校验比对、抽样比对、乱码识别与验收清单。
    URLs: mysql://USER@HOST:PORT/DB (MariaDB too), postgresql://USER@HOST:PORT/DB; with
    --via HOST -i INVENTORY the database is reached through that host over SSH.
    Both databases are only read: each session is a read-only repeatable-read snapshot.
    Evidence in runs/<timestamp>-data/. Exit codes: 0 every item passed, 1 an item failed,
    2 bad input or a database refused us, 130 interrupted (what was compared is kept).
    """


@data.command()
@click.argument("url")
@click.option("--tables", help="Comma-separated tables (default: all) / 表名,逗号分隔")
@click.option("--key", "keys", multiple=True, metavar="TABLE=COL[,COL]",
              help="Business key of a table for duplicates (default: its primary key); repeatable")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False), help="File holding the password")
@click.option("--via", help="Reach the database through this inventory host (SSH) / 经由清单中的主机连接")
@via_options
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to write (default ./runs)")
@lang_option
def profile(url: str, tables: str | None, keys: tuple[str, ...], password_file: str | None, via: str | None,
            runs_dir: str | None, lang: str, **kw: Any) -> None:
    """Profile a database: counts, NULLs, duplicates, and text quality per column.

    \b
    源库画像:记录数、空值、重复、乱码(二次编码、GBK 乱码、U+FFFD、问号)、控制字符、首尾空白、全角字符。
    """
    db = open_db(url, password_file, via=via_of(via, kw), vault_password_file=kw["vault_password_file"])
    declared = _keys(keys)
    names = [n.strip() for n in tables.split(",") if n.strip()] if tables else table_names(db)
    ev = Evidence(Path(runs_dir) if runs_dir else None, "profile", {"database": db.where})
    out: list[dict[str, Any]] = []
    interrupted = False
    with RowProgress(lang) as bar:
        try:
            for name in names:
                out.append(profile_table(db, name, declared.get(name, ()), bar.ticker(name)))
        except KeyboardInterrupt:
            interrupted = True
    db.close()
    ev.write("profile.json", {"database": db.where, "tables": out, "complete": not interrupted})
    for p in out:
        issues = ", ".join(f"{k} {v}" for k, v in p.get("text_issues", {}).items()) or t("data.clean", lang)
        dup = p.get("duplicates", {}).get("count", 0)
        line = p.get("problem") or t("data.profile_line", lang, rows=p["rows"], dup=dup)
        click.echo(f"{p['table']}{colon(lang)}{line}; {issues}")
    code = decide(interrupted=interrupted)
    ev.finish(not interrupted, int(code))
    click.echo(f"{t('evidence', lang)}{colon(lang)}{ev.path}", err=True)
    sys.exit(code)


def _keys(specs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out = {}
    for spec in specs:
        table, _, cols = spec.partition("=")
        if not table or not cols:
            raise BadInput.of("error.data_key", spec=repr(spec))
        out[table] = tuple(c.strip() for c in cols.split(",") if c.strip())
    return out


@data.command()
@click.argument("source")
@click.argument("target")
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False), help="mapping.yml (docs/data.md)")
@click.option("--checklist", type=click.Path(exists=True, dir_okay=False), help="Checklist YAML (default: shipped)")
@click.option("--source-tz", help="Zone of the source's zone-less timestamps, e.g. +08:00 (default +00:00)")
@click.option("--target-tz", help="The same for the target (default: the source's)")
@click.option("--since", nargs=2, metavar="COLUMN VALUE",
              help="Delta check: only rows with COLUMN >= VALUE, in every table that has COLUMN / 增量核对")
@click.option("--chunk-rows", type=click.IntRange(100, 10_000_000), default=10_000, show_default=True,
              help="Rows per checksum chunk")
@click.option("--sample", type=click.IntRange(0, 100_000), default=200, show_default=True,
              help="Random rows compared value by value per table / 每表抽样行数")
@click.option("--seed", type=int, help="Seed of the random sample (to repeat one)")
@click.option("--source-password-file", type=click.Path(exists=True, dir_okay=False),
              help="File holding the source's password / 源库密码文件")
@click.option("--target-password-file", type=click.Path(exists=True, dir_okay=False),
              help="File holding the target's password / 目标库密码文件")
@click.option("--source-via", help="Reach the source through this inventory host (SSH)")
@click.option("--target-via", help="Reach the target through this inventory host (SSH)")
@via_options
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to write (default ./runs)")
@lang_option
def compare(source: str, target: str, **kw: Any) -> None:
    """Compare a migrated database with its source, inside both, and run the checklist.

    \b
    迁移比对:库内分块校验和、差异块二分到主键、随机抽样逐值比对、差异分类,生成验收清单。
    Passwords: --source-password-file / --target-password-file, else ENVCHECK_SOURCE_PASSWORD /
    ENVCHECK_TARGET_PASSWORD, else ENVCHECK_DB_PASSWORD, else PGPASSWORD / MYSQL_PWD.
    """
    code = run_compare(source, target, kw, via_of(kw["source_via"], kw), via_of(kw["target_via"], kw))
    sys.exit(code)


__all__ = ["ExitCode", "data"]
