"""Options shared by the commands that reach hosts, and the settings they build."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from envcheck.i18n import LANGS, default_lang
from envcheck.ssh.command import CONNECT_TIMEOUT
from envcheck.ssh.settings import CHECK_FORKS_PER_CORE, DEFAULT_FORKS, DEFAULT_TIMEOUT, Connection, SshSettings

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(func: F) -> F:
    options = [
        click.option("-i", "--inventory", "inventories", multiple=True, type=click.Path(),
                     help="Ansible inventory (YAML, INI or directory); repeatable / Ansible 清单"),
        click.option("-l", "--limit", help="Ansible host pattern, e.g. 'db:&beijing' / 主机范围"),
        click.option("-f", "--forks", type=click.IntRange(1, 500), default=None,
                     help=f"Hosts worked on at once (default {DEFAULT_FORKS}; check: {CHECK_FORKS_PER_CORE} a "
                          f"CPU core, at least {DEFAULT_FORKS}) / 并发主机数(默认 {DEFAULT_FORKS};check:每个 CPU 核 "
                          f"{CHECK_FORKS_PER_CORE} 台,至少 {DEFAULT_FORKS} 台)"),
        click.option("--timeout", type=click.FloatRange(1, 3600), default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds per host / 每台主机超时秒数"),
        click.option("--ssh-config", type=click.Path(dir_okay=False), help="ssh_config file (ssh -F)"),
        click.option("--known-hosts", type=click.Path(dir_okay=False),
                     help="known_hosts file to check host keys against"),
        click.option("--accept-new-host-keys", is_flag=True,
                     help="Trust a host key never seen before (a changed key is still refused)"),
        click.option("--vault-password-file", type=click.Path(exists=True, dir_okay=False),
                     help="Ansible Vault password file for vaulted inventory variables"),
        click.option("-K", "--ask-become-pass", is_flag=True,
                     help="Prompt for the sudo password (or set ENVCHECK_BECOME_PASSWORD)"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_connection(kw: dict[str, Any], forks: int = DEFAULT_FORKS) -> Connection:
    """`forks`: the command's default when -f is not given."""
    password = os.environ.get("ENVCHECK_BECOME_PASSWORD") or None
    if kw.pop("ask_become_pass"):
        password = click.prompt("BECOME password / sudo 密码", hide_input=True, err=True)
    timeout = kw.pop("timeout")
    return Connection(
        inventories=tuple(kw.pop("inventories")),
        limit=kw.pop("limit"),
        forks=kw.pop("forks") or forks,
        timeout=timeout,
        # The handshake's own limit never outlasts the host's (--timeout 5: a hung sshd is left at 5 s).
        ssh=SshSettings(kw.pop("ssh_config"), kw.pop("known_hosts"), kw.pop("accept_new_host_keys"),
                        min(CONNECT_TIMEOUT, max(1, int(timeout)))),
        vault_password_file=kw.pop("vault_password_file"),
        become_password=password,
    )


def playbook_options(*, inventory_required: bool = True, inventory_help: str = "Ansible inventory; repeatable / 清单",
                     check_help: str = "Dry run: change nothing / 只检查不修改") -> Callable[[F], F]:
    """The options of the commands that run a bundled playbook (deploy, rollback), with --lang."""
    options = [
        click.option("-i", "--inventory", "inventories", multiple=True, required=inventory_required,
                     type=click.Path(), help=inventory_help),
        click.option("-l", "--limit", help="Ansible host pattern / 主机范围"),
        click.option("-C", "--check", "check_mode", is_flag=True, help=check_help),
        click.option("-f", "--forks", type=click.IntRange(1, 500), default=20, show_default=True,
                     help="Hosts worked on at once / 并发主机数"),
        click.option("--vault-password-file", type=click.Path(exists=True, dir_okay=False),
                     help="Ansible Vault password file for vaulted inventory variables / Vault 密码文件"),
        click.option("--runs-dir", type=click.Path(file_okay=False),
                     help="Where to keep the evidence (default ./runs)"),
        lang_option,
    ]

    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def inventory_only_options(func: F) -> F:
    """-i (required), -l and --vault-password-file: for the commands that read the inventory
    and contact no host (inventory show, spec list)."""
    options = [
        click.option("-i", "--inventory", "inventories", multiple=True, required=True, type=click.Path(),
                     help="Ansible inventory; repeatable / 清单"),
        click.option("-l", "--limit", help="Ansible host pattern / 主机范围"),
        click.option("--vault-password-file", type=click.Path(exists=True, dir_okay=False),
                     help="Ansible Vault password file for vaulted inventory variables / Vault 密码文件"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def lang_option(func: F) -> F:
    return click.option("--lang", type=click.Choice(LANGS), default=default_lang,
                        show_default="from your locale", help="Language of the output / 输出语言")(func)
