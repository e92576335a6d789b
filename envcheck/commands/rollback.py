"""`envcheck rollback`: a deploy run's recorded changes put back (docs/rollback.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from envcheck.commands.deploy import _validate_inventory
from envcheck.commands.options import playbook_options
from envcheck.deploy import undo
from envcheck.deploy.gate import preflight_runtime
from envcheck.deploy.runner import DeployRequest, run_deploy
from envcheck.deploy.view import DeployView
from envcheck.errors import BadInput, Refused
from envcheck.exitcodes import of_deploy
from envcheck.i18n import colon, t
from envcheck.runs import write_json


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@playbook_options(inventory_required=False,
                  inventory_help="Ansible inventory (default: the deploy run's) / 清单(默认为部署时的清单)",
                  check_help="Dry run: say what would be put back, change nothing / 只预览不修改")
@click.option("--force", is_flag=True,
              help="Put files back even if they changed since the deploy / 部署后被改动的文件也恢复")
@click.option("--packages", is_flag=True,
              help="Remove the packages the deploy installed too / 同时卸载部署安装的软件包")
def rollback(**kw: Any) -> None:
    """Undo a deploy run on the hosts that recorded it: files, units, services.

    \b
    回滚一次部署:恢复文件、服务的启用与运行状态,列出未撤销的内容。
    RUN_DIR: runs/<timestamp>-deploy/ of the deploy to undo. A file changed since that deploy
    (by hand) stops the rollback on every host, exit 4, unless --force. What it does not undo
    (packages unless --packages, users, generated locales, runtime kernel settings, databases
    and data of roles that record nothing) is listed, and kept in run.json (not_undone).
    """
    run = undo.load_deploy(kw["run_dir"])
    recorded = run.record.get("inventory_paths") or run.record.get("inventory") or ()
    inventories = tuple(kw["inventories"]) or tuple(recorded)
    if not inventories:
        raise BadInput.of("error.needs_inventory", command="rollback")
    limit = undo.limit_for(run, kw["limit"])
    inventory = _validate_inventory(inventories, limit, kw["vault_password_file"])
    runtime = preflight_runtime(inventory.hosts, kw["forks"], kw["lang"])
    request = DeployRequest(
        playbook="rollback", inventories=inventories, limit=limit, check=kw["check_mode"], forks=kw["forks"],
        vault_password_file=kw["vault_password_file"], kind="rollback",
        extra_vars={"envcheck_rollback_of": run.path.name, "envcheck_rollback_force": kw["force"],
                    "envcheck_rollback_packages": kw["packages"]},
        record={"rollback_of": str(run.path.resolve()), "force": kw["force"], "packages": kw["packages"]}, **runtime,
    )
    view = DeployView(kw["lang"])
    with view:
        outcome = run_deploy(request, Path(kw["runs_dir"]) if kw["runs_dir"] else None, view.on_event)
    view.summary(outcome)
    hosts = undo.results(run, outcome.rollback)
    _keep(outcome.run_dir, undo.as_record(hosts))
    _show(hosts, kw["lang"], kw["check_mode"])
    refused = [h for h in hosts if h.hand_edited and not kw["force"]]
    if refused:
        raise Refused.of("error.rollback_refused", files="; ".join(
            f"{h.host}: {', '.join(h.hand_edited)}" for h in refused))
    sys.exit(of_deploy(outcome))


def _keep(run_dir: Path, fields: dict[str, Any]) -> None:
    path = run_dir / "run.json"
    write_json(path, {**json.loads(path.read_text(encoding="utf-8")), **fields})


def _show(hosts: list[undo.HostRollback], lang: str, preview: bool) -> None:
    if preview:
        click.echo(t("rollback.preview", lang))
    for h in hosts:
        if not h.restored:
            continue
        nothing = "" if h.files or h.services else t("rollback.nothing", lang)
        click.echo(f"{h.host}{colon(lang).rstrip()}{nothing}")
        for f in h.files:
            click.echo(f"  {t('rollback.file_' + str(f['action']), lang)} {f['path']}")
        for s in h.services:
            action = t(f"rollback.action.{s['action']}", lang)
            click.echo(f"  {t('rollback.service', lang, name=s['name'], action=action)}")
        if h.packages:
            click.echo(f"  {t('rollback.packages_removed', lang)} {' '.join(h.packages)}")
    left = [x for h in hosts for x in h.not_undone]
    if left:
        click.echo(t("rollback.not_undone", lang) + colon(lang).rstrip())
        for x in left:
            click.echo(f"  {x['host']}  {undo.describe(x, lang)}")
