"""The `envcheck` command. Subcommands are imported only when they run (fast --help)."""

from __future__ import annotations

import importlib
from typing import Any

import click

from envcheck import __version__, exitcodes

# name -> (module, attribute, one-line help); loaded on use.
_COMMANDS = {
    "check": ("envcheck.commands.check", "check", "Audit hosts against the standard (one SSH session per host)."),
    "checks": ("envcheck.commands.catalogue", "checks", "The check catalogue."),
    "deploy": ("envcheck.commands.deploy", "deploy", "Build hosts to the standard with the bundled playbooks."),
    "report": ("envcheck.commands.report", "report", "The pre-go-live report (HTML or Markdown) from the runs."),
    "verify": ("envcheck.commands.verify", "verify", "Verify hosts with the testinfra suites of their roles."),
    "inventory": ("envcheck.commands.inventory", "inventory", "Import a host list; show or ping it."),
    "fix": ("envcheck.commands.fix", "fix", "Fix the failures of the last check run the standard way, then re-check."),
    "exec": ("envcheck.commands.exec_cmd", "exec_", "Run one command on every host in parallel."),
    "collect": ("envcheck.commands.collect", "collect", "Gather configs and recent logs, secrets masked."),
    "data": ("envcheck.commands.data", "data", "Data migration: profile a database, compare it with its source."),
    # issue 20 (helper I2): undo a deploy run (docs/rollback.md)
    "rollback": ("envcheck.commands.rollback", "rollback", "Undo a deploy run: files, units, services put back."),
    "snapshot": ("envcheck.commands.snapshot", "snapshot", "Keep everything envcheck reads of each host (for diff)."),
    "diff": ("envcheck.commands.diff", "diff_", "Compare hosts, groups, inventories or runs, area by area."),
    # issue 23 (helper J2): the audit for Prometheus (docs/monitoring.md)
    # issue 21 (helper K): the offline bundle (docs/offline.md)
    "bundle": ("envcheck.commands.bundle", "bundle", "The offline bundle: build, verify, restore apt sources."),
    "serve": ("envcheck.commands.serve", "serve", "Serve the audit to Prometheus: /metrics and /healthz."),
    # issue 23 (helper J1): the site's own checks (docs/site-checks.md)
    "spec": ("envcheck.commands.spec", "spec", "The site's own checks: draft site_checks from a known-good host."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command: click.Command = getattr(module, spec[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help lists the commands without importing them.
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


HELP = f"""envcheck: deploy, check, verify and report standard environments before a go-live.

\b
部署、检查、验证服务器环境,生成上线前验收报告。

{exitcodes.HELP}

{exitcodes.HELP_ZH}
"""


@click.group(cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envcheck")
def cli() -> None:
    pass


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="envcheck")
