"""`envcheck collect`: configs and recent logs from every host, for the vendor, secrets masked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from envcheck.collect import AREAS
from envcheck.collect import collect as run_collect
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import BadInput, words
from envcheck.exitcodes import of_hosts
from envcheck.i18n import colon, t
from envcheck.output.values import status_word
from envcheck.ssh.group import for_command
from envcheck.ssh.reasons import in_lang


def _size(text: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024 ** 2}
    number, unit = text.strip().lower().rstrip("ib"), ""
    if number and number[-1] in units:
        number, unit = number[:-1], number[-1]
    if not number.isdigit() or int(number) == 0:
        raise BadInput.of("error.bad_size", value=repr(text))
    return int(number) * units[unit]


@click.command()
@connection_options
@click.option("-w", "--what", default="system,nginx,apache,tomcat,postgresql,mysql", show_default=True,
              help="Areas to collect, comma separated / 收集范围")
@click.option("--max-file-size", default="1M", show_default=True,
              help="Cap per file: configs keep their head, logs their tail (the recent part)")
@click.option("--sudo", is_flag=True, help="Read as root through sudo (-K for a password)")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to write (default ./runs)")
@lang_option
def collect(**kw: Any) -> None:
    """Gather the standard configs and recent logs of every host into one bundle.

    \b
    收集每台主机的标准配置文件和近期日志,打包发给厂商;配置中的密码和密钥已脱敏。
    Areas: system, nginx, apache, tomcat, postgresql, mysql (absent ones are skipped).
    Written to runs/<timestamp>-collect/<host>/ (files/, commands/, manifest.tsv), with
    run.json and runs/<timestamp>-collect/<timestamp>-collect.tar.gz.
    Masked: password=, PGPASSWORD, MYSQL_PWD, IDENTIFIED BY, password="..." attributes,
    credentials in URLs, PEM private keys; key files and keystores are never copied.
    Hosts are reached as by exec (key file, else ssh agent and ~/.ssh/id_*; ProxyJump).
    Exit code 0 all hosts collected, 3 a host could not be reached (the others complete).
    """
    areas = [a.strip() for a in kw["what"].split(",") if a.strip()]
    unknown = [a for a in areas if a not in AREAS]
    if unknown or not areas:
        raise BadInput.of("error.collect_what", unknown=", ".join(unknown) or words("error.empty"),
                           known=", ".join(AREAS))
    cap = _size(kw["max_file_size"])
    conn = build_connection(kw)
    inv, settings = for_command(conn, "collect")
    outcome = run_collect(list(inv.hosts), areas, settings, cap, kw["sudo"], conn.forks,
                          Path(kw["runs_dir"]) if kw["runs_dir"] else None)
    lang = kw["lang"]
    for h in outcome.hosts:
        if h.error:
            click.echo(f"{h.host} ({h.address}){colon(lang)}{status_word('fail', lang)} {in_lang(h.error or '', lang)}")
        else:
            click.echo(t("collect.host", lang, host=h.host, files=h.files, cut=len(h.truncated), masked=h.masked))
    click.echo(f"{t('collect.bundle', lang)}{colon(lang)}{outcome.bundle}")
    sys.exit(of_hosts(outcome.hosts))
