"""`envcheck verify`: the testinfra suites of each host's roles, hosts in parallel."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import BadInput
from envcheck.i18n import t
from envcheck.verify.plan import ROLES, build_plan, ssh_config_text


@click.command()
@connection_options
@click.option("-r", "--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="Only these suites (repeatable) / 只运行这些角色的测试")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where to keep the evidence (default ./runs)")
@lang_option
def verify(**kw: Any) -> None:
    """Verify hosts against the standard with pytest-testinfra, one suite per role.

    \b
    用 testinfra 按角色验证主机是否符合标准。
    Suites follow inventory groups: all hosts baseline; db postgresql and/or mysql
    (db_engine, standard_services); app tomcat; web nginx or apache (web_server).
    JUnit XML and a summary are kept in runs/<timestamp>-verify/.
    Example:
      envcheck verify -i inventories/site/hosts.yml --limit db --role postgresql
    """
    from envcheck.verify.runner import run_verify  # noqa: PLC0415 (it imports pytest: not for --help)

    conn = build_connection(kw)
    lang: str = kw["lang"]
    if not conn.inventories:
        raise BadInput.of("error.needs_inventory", command="verify")
    inventory = conn.load_inventory()
    with tempfile.TemporaryDirectory(prefix="envcheck-v-") as tmp:
        config = Path(tmp) / "ssh_config"
        text = ssh_config_text(inventory, tmp, conn.ssh)
        if conn.ssh.ssh_config:  # the user's own file after ours: ssh takes the first value it reads
            text += f"\nHost *\n    Include {Path(conn.ssh.ssh_config).resolve()}\n"
        config.write_text(text, encoding="utf-8")
        plan = build_plan(inventory, kw["roles"], str(config), conn.timeout)
        if not any(h.suites for h in plan.hosts):
            raise BadInput.of("error.role_no_host", roles=", ".join(kw["roles"]))
        run = run_verify(plan, Path(kw["runs_dir"]) if kw["runs_dir"] else None, conn.inventories, conn.forks)
        _close_masters(config, [h.name for h in plan.hosts if not h.local])
    _summary(run, lang)
    sys.exit(run.exit_code)


def _close_masters(config: Path, names: list[str]) -> None:
    for name in names:
        subprocess.run(["ssh", "-F", str(config), "-O", "exit", name],
                       capture_output=True, timeout=10, check=False)


def _summary(run: Any, lang: str) -> None:
    click.echo("")
    for h in run.hosts:
        if not h.reachable:
            click.echo(f"{h.name}: {t('verify.unreachable', lang)}: {h.error}")
            continue
        if not h.suites:
            click.echo(f"{h.name}: {t('verify.no_suite', lang)}")
            continue
        counts = t("verify.counts", lang, p=h.passed, f=h.failed, s=h.skipped)
        click.echo(f"{h.name} [{', '.join(h.suites)}]: {counts}")
    failures = [test for test in run.tests if test.outcome in ("failed", "error")]
    if failures:
        click.echo("\n" + t("verify.failures", lang))
        for test in failures:
            click.echo(f"  {test.host} {test.role}::{test.test}: {test.message}")
    click.echo(f"{t('evidence', lang)}: {run.path}", err=True)
