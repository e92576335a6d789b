"""`envcheck fix`: fix what the last audit found, the standard way, and prove it by re-checking."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from envcheck.audit.run import CheckRequest, run_check
from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.checks.registry import MANUAL
from envcheck.commands.options import build_connection, connection_options, lang_option
from envcheck.deploy.gate import preflight_runtime
from envcheck.deploy.runner import DeployRequest, run_deploy
from envcheck.deploy.view import DeployView
from envcheck.errors import BadInput, ExitCode
from envcheck.exitcodes import of_audit, of_deploy
from envcheck.exitcodes import worst as worst_of
from envcheck.fix import before_after, find_check_run, plan, read_failures, recheck_hosts, unreachable_hosts
from envcheck.i18n import colon, t
from envcheck.output.values import say
from envcheck.paths import runs_dir


@click.command()
@connection_options
@click.option("--from", "from_run", type=click.Path(file_okay=False),
              help="The check run to fix (default: the newest runs/*-check)")
@click.option("-C", "--check", "preview_only", is_flag=True,
              help="Preview only: check mode with diff, change nothing / 只预览不修改")
@click.option("--runs-dir", type=click.Path(file_okay=False), help="Where runs are kept (default ./runs)")
@lang_option
def fix(**kw: Any) -> None:
    """Fix the failures of a check run with the playbooks that set them, then re-check.

    \b
    按标准剧本修复检查发现的问题,并重新检查。
    Each check declares its remediation (a playbook and tags, see `envcheck checks list`)
    or that it is fixed by hand. fix reads the failures of the newest check run (or
    --from RUN_DIR), groups them by playbook, tags and hosts, previews each change in
    check mode with diff, applies it through the same machinery as `envcheck deploy`,
    re-runs exactly those checks and prints before/after. Manual ones are listed with
    their fix hints. Passwords the playbooks need come from the environment, as for deploy.
    Hosts the check run could not reach are listed: nothing is known of them, so fix
    exits 3 even when it has nothing else to do.
    Exit code: 0 all fixed (or, with --check, the preview ran); 1 something still fails
    or is manual; 3 a host was unreachable (in the check run or now).
    """
    conn = build_connection(kw)
    if not conn.inventories:
        raise BadInput.of("error.needs_inventory", command="fix")
    lang: str = kw["lang"]
    runs_base = Path(kw["runs_dir"]) if kw["runs_dir"] else runs_dir()
    run_dir = find_check_run(runs_base, kw["from_run"])
    load_catalogue()
    remediations = {c.id: c.remediation for c in CHECKS.values()}
    remediations.update({c.id: c.remediation for c in FLEET_CHECKS.values()})
    failures, run_hosts = read_failures(run_dir, lang)
    # The inventory's site checks (envcheck.sitechecks) are fixed by hand, with their own fix text.
    remediations.update({f.check: MANUAL for f in failures if f.check.startswith("site.")})
    down = unreachable_hosts(run_dir)
    if conn.limit:  # only the failures of the hosts the pattern selects
        allowed = {h.name for h in conn.load_inventory().hosts}
        failures = [f for f in failures if f.host is None or f.host in allowed]
        run_hosts = [h for h in run_hosts if h in allowed]
        down = [h for h in down if h in allowed]
    plans = plan(failures, run_hosts, remediations)
    sep = colon(lang)
    click.echo(f"{t('fix.check_run', lang)}{sep}{run_dir} — {len(failures)} {t('fix.failures', lang)}")
    if down:  # nothing is known of them: never "nothing to fix"
        click.echo(t("fix.unreachable", lang, n=len(down), hosts=", ".join(down)), err=True)
    _print_plans(plans, lang, quiet=bool(down))
    code: int = ExitCode.UNREACHABLE if down else ExitCode.OK
    if plans.plans:
        runtime = _preflight(plans.plans, conn, lang)  # before any play: exit 2 if too old
        step = _deploy_all(plans.plans, conn, runs_base, lang, check=True, runtime=runtime)
        if not kw["preview_only"] and step == ExitCode.OK:
            step = _deploy_all(plans.plans, conn, runs_base, lang, check=False, runtime=runtime)
            if step == ExitCode.OK:
                step = _recheck(plans, conn, runs_base, lang)
        code = worst_of((code, step))
    if plans.manual:
        fixes = {c.id: c.fix.get(lang) for c in CHECKS.values()}
        fixes.update({c.id: c.fix.get(lang) for c in FLEET_CHECKS.values()})
        _print_manual(plans.manual, fixes, lang)
        if not kw["preview_only"]:
            code = worst_of((code, ExitCode.FAILED))
    sys.exit(code)


def _print_plans(plans: Any, lang: str, quiet: bool = False) -> None:
    if not plans.plans and not quiet:
        click.echo(t("fix.nothing", lang))
    for p in plans.plans:
        click.echo(f"  deploy {p.playbook} --tags {','.join(p.tags)} --limit {p.limit}   "
                   f"# {', '.join(p.checks)}")


def _print_manual(manual: Any, fixes: dict[str, str], lang: str) -> None:
    """Each manual failure with its check's fix in `lang` (the check run may have been in another)."""
    click.echo(t("fix.by_hand", lang))
    for f in manual:
        fix = say(fixes.get(f.check, f.fix), lang)
        click.echo(f"  {f.host or t('fleet', lang)}  {f.check}{colon(lang)}{fix}")


def _preflight(plans: Any, conn: Any, lang: str) -> dict[str, Any]:
    """The deploy preflight on every host the plans touch (envcheck.commands.deploy)."""
    hosts = conn.load_inventory(limit=",".join(recheck_hosts(plans))).hosts
    return preflight_runtime(hosts, conn.forks, lang)


def _deploy_all(plans: Any, conn: Any, runs_base: Path, lang: str, check: bool,
                runtime: dict[str, Any]) -> int:
    worst: int = ExitCode.OK
    for p in plans:
        title = t("fix.preview" if check else "fix.apply", lang)
        click.echo(f"== {title}: {p.playbook} --tags {','.join(p.tags)} --limit {p.limit}")
        request = DeployRequest(playbook=p.playbook, inventories=conn.inventories, limit=p.limit,
                                tags=p.tags, check=check, diff=True, forks=conn.forks,
                                vault_password_file=conn.vault_password_file, **runtime)
        view = DeployView(lang, show_diff=True)
        with view:
            outcome = run_deploy(request, runs_base, view.on_event)
        view.summary(outcome)
        code = of_deploy(outcome)
        if code == ExitCode.INTERRUPTED:
            return code
        worst = worst_of((worst, code))
    return worst


def _recheck(plans: Any, conn: Any, runs_base: Path, lang: str) -> int:
    """The checks the plans fixed, on their hosts, through the same use case as `envcheck check`."""


    checks = tuple(sorted({c for p in plans.plans for c in p.checks}))
    fixed = [f for f in plans.failures if f.check in checks]
    # The hosts the playbooks touched, chosen by name: --limit of the fix itself is already in them.
    hosts = replace(conn, limit=",".join(recheck_hosts(plans.plans)))
    run = run_check(CheckRequest(hosts, checks, runs_dir=runs_base, lang=lang))
    _print_before_after(before_after(fixed, run.report.results), lang)
    click.echo(f"{t('fix.recheck_kept', lang)}: {run.run_dir}", err=True)
    return of_audit(run.report)


def _print_before_after(rows: list[tuple[str, str, str, str, str]], lang: str) -> None:
    from rich.console import Console  # noqa: PLC0415 (rich: ~17 ms, not for --help)
    from rich.table import Table  # noqa: PLC0415 (rich: ~17 ms, not for --help)

    table = Table(title=t("fix.before_after", lang))
    for key in ("fix.col_host", "fix.col_check", "fix.col_before", "fix.col_after", "fix.col_found_now"):
        table.add_column(t(key, lang))
    for host, check, before, status, found in rows:
        style = "green" if status == "pass" else "bold red"
        table.add_row(host, check, before, f"[{style}]{status}[/]", found)
    Console(width=200).print(table)
