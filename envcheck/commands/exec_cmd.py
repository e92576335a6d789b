"""`envcheck exec`: one ad-hoc command on every host in parallel, output grouped by host."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.errors import BadInput
from envcheck.exitcodes import of_hosts
from envcheck.i18n import t
from envcheck.masking import mask_data, mask_text
from envcheck.ssh.group import for_command, run_on_hosts
from envcheck.ssh.reasons import in_lang


@click.command("exec")
@connection_options
@click.option("--sudo", is_flag=True, help="Run the command as root through sudo (-K for a password)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: grouped by host; json: for scripts / 输出格式")
@lang_option
@click.argument("command")
def exec_(command: str, **kw: Any) -> None:
    """Run COMMAND on every host of the inventory in parallel, output grouped by host.

    \b
    在所有主机上并行执行同一条命令,按主机分组显示输出。
    COMMAND is yours, run by `sh -c` as one argument: nothing from the inventory is put
    into it. A host that cannot be reached is reported with the reason; the others run.
    Hosts are reached as by check: the inventory's key file, else the ssh agent and
    ~/.ssh/id_* (never a password prompt), ProxyJump honoured, host keys checked strictly.
    What it prints has passwords, tokens and keys masked, as everything envcheck prints.
    Exit code: 0 every host ran it with status 0; 1 a host's command failed;
    3 a host could not be reached (wins over 1).
      envcheck exec -i hosts.yml --limit db 'df -h /var/lib'
      envcheck exec -i hosts.yml --sudo 'systemctl is-active tomcat10'
    """
    if not command.strip():
        raise BadInput.of("error.empty_command")
    conn = build_connection(kw)
    inv, settings = for_command(conn, "exec")
    runs = run_on_hosts(list(inv.hosts), command, settings, sudo=kw["sudo"], forks=conn.forks)
    if kw["fmt"] == "json":
        click.echo(json.dumps(mask_data([r.__dict__ for r in runs]), ensure_ascii=False, indent=2))
    else:
        _print_text(runs, kw["lang"])
    sys.exit(of_hosts(runs))


def _print_text(runs: list[Any], lang: str) -> None:
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.rule import Rule  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.text import Text  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    console = Console(highlight=False, soft_wrap=True)
    for r in runs:
        if r.error:
            state = Text(t("exec.unreachable", lang), style="bold red")
        else:
            state = Text(t("exec.exit", lang, code=r.exit_code), style="green" if r.exit_code == 0 else "bold red")
        console.print(Rule(Text.assemble((f"{r.host} ", "bold"), (f"({r.address}) ", "dim"), state),
                           align="left"))
        if r.error:
            console.print(Text(in_lang(r.error, lang), style="red"))
        if r.stdout:
            console.print(Text(mask_text(r.stdout.rstrip("\n"))[0]))
        if r.stderr.strip():
            console.print(Text(mask_text(r.stderr.rstrip("\n"))[0], style="yellow"))
    ok = sum(1 for r in runs if r.ok)
    down = sum(1 for r in runs if r.error)
    failed = len(runs) - ok - down
    console.print(Text(t("exec.summary", lang, ok=ok, failed=failed, down=down), style="bold"))
