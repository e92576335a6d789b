"""`envcheck deploy`: the standard environment, through our playbooks."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from envcheck.commands.options import playbook_options
from envcheck.deploy import inputs, offline, worker
from envcheck.deploy.gate import preflight_runtime
from envcheck.deploy.runner import DeployRequest, Part, run_deploy
from envcheck.deploy.view import DeployView
from envcheck.errors import BadInput
from envcheck.exitcodes import of_deploy
from envcheck.inventory.record import load
from envcheck.ssh.settings import SshSettings


def _extra_vars(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise BadInput.of("error.extra_var", item=repr(item))
        out[key.strip()] = value
    return out


@click.command()
@click.argument("playbook", type=click.Choice(["site", "server", "database", "middleware"]),
                default="site")
@playbook_options()
@click.option("-t", "--tags", multiple=True, help="Only tasks with these tags (repeatable)")
@click.option("--skip-tags", multiple=True, help="Skip tasks with these tags")
@click.option("-D", "--diff", is_flag=True, help="Show the changes to files / 显示文件差异")
@click.option("-e", "--extra-vars", multiple=True, metavar="KEY=VALUE", help="Extra variable (repeatable)")
@click.option("--via", metavar="HOST",
              help="Run the job on this worker (a zone's jump host) / 经此工作节点(区域跳板机)执行")
@click.option("--worker-wheels", type=click.Path(file_okay=False, exists=True),
              help="Wheels of ansible-core and ansible-runner for the workers (default: "
                   "$ENVCHECK_WORKER_WHEELS, else fetched once by pip) / 工作节点安装包目录")
@click.option("--offline", metavar="BUNDLE", type=click.Path(exists=True),
              help="Install OS packages from this offline bundle only (envcheck bundle build) / 从离线包安装软件包")
def deploy(**kw: Any) -> None:
    """Build hosts to the standard with the bundled playbooks (ansible-runner).

    \b
    用标准剧本部署:基线(时区、语言、NTP、限制、hosts)、数据库、中间件。
    PLAYBOOK: site (all), server (baseline), database, middleware.
    Passwords: keep them in Ansible Vault or environment variables, never in -e.
    Evidence (events, output, summary) is kept in runs/<timestamp>-deploy/.
    """


    # The inventory is read as `check` reads it before anything runs: a malformed file, a
    # standard value that cannot be right or a --limit matching nothing is bad input (exit 2).
    # A value outside the roles' choices (db_engine, web_server) is refused here, naming it.
    extra_vars = _extra_vars(kw["extra_vars"])
    inventory = _validate_inventory(kw["inventories"], kw["limit"], kw["vault_password_file"], extra_vars)
    # Then every host's Python, before any play: too old for every runtime installed is exit 2.
    runtime = preflight_runtime(inventory.hosts, kw["forks"], kw["lang"])

    parts = _parts(kw["inventories"], kw["vault_password_file"], inventory, kw["via"], kw["worker_wheels"])
    request = DeployRequest(
        playbook=kw["playbook"], inventories=tuple(kw["inventories"]), limit=kw["limit"],
        tags=tuple(kw["tags"]), skip_tags=tuple(kw["skip_tags"]), check=kw["check_mode"],
        diff=kw["diff"], extra_vars=extra_vars, forks=kw["forks"],
        vault_password_file=kw["vault_password_file"], parts=parts, **runtime,
    )
    view = DeployView(kw["lang"], show_diff=kw["diff"])
    bundle = offline.bundle_of(kw["offline"], inventory.hosts)
    with offline.pointed_at(bundle, inventory.hosts, kw["forks"], kw["lang"]):
        with view:
            outcome = run_deploy(request, Path(kw["runs_dir"]) if kw["runs_dir"] else None, view.on_event)
    view.summary(outcome)
    sys.exit(of_deploy(outcome))


def _parts(sources: tuple[str, ...], vault_password_file: str | None, inventory: Any, via: str | None,
           wheels: str | None) -> tuple[Part, ...]:
    """Where each host's job runs (envcheck.deploy.worker.plan), each worker made ready; none
    when every host runs here."""
    planned = worker.plan([(h.name, h.variables) for h in inventory.hosts], via)
    if set(planned) == {None}:
        return ()
    everyone = load(sources, None, vault_password_file, None)  # a worker may lie outside --limit
    known = {h.name: h.target for h in everyone.hosts}
    by_name = {h.name: h.target for h in inventory.hosts}
    ssh = SshSettings()
    chosen = {name: worker.resolve(name, known) for name in planned if name}
    with ThreadPoolExecutor(max_workers=len(chosen)) as pool:  # each worker made ready, all at once
        list(pool.map(lambda w: worker.ensure(w, ssh, wheels), chosen.values()))
    return tuple(Part(chosen[name] if name else None, tuple(by_name[h] for h in hosts))
                 for name, hosts in planned.items())


def _validate_inventory(sources: tuple[str, ...], limit: str | None, vault_password_file: str | None,
                        extra_vars: dict[str, Any] | None = None) -> Any:
    """Read as `check` reads it (envcheck.inventory.record: unchanged files are not resolved again),
    then the play selectors checked against the roles' argument specs (envcheck.deploy.inputs)."""
    inventory = load(sources, limit, vault_password_file, None)
    hosts = [(h.name, h.variables) for h in inventory.hosts]
    inputs.refuse(inputs.bad_choices(hosts, extra_vars or {}, inputs.spec_choices()))
    return inventory
