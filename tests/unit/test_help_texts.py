"""Help texts are true and complete: every option of every command has one, the exit codes
(130 included) are in `envcheck --help`, no implementation word leaks, and the commands that
need an inventory never say that no -i means this machine."""

from __future__ import annotations

import click
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.exitcodes import ExitCode

IMPLEMENTATION_WORDS = ("ThreadingGroup", "fabric", "ansible_runner", "GroupResult")  # paramiko: a --transport choice
NEED_INVENTORY = ("exec", "collect", "fix", "verify", "deploy")


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    out: list[tuple[str, click.Command]] = []
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        assert cmd is not None
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", cmd.get_command(ctx, sub)) for sub in cmd.list_commands(ctx)]  # type: ignore[misc]
        else:
            out.append((name, cmd))
    return out


def test_every_option_has_help() -> None:
    missing = [f"{path} {'/'.join(p.opts)}" for path, cmd in _commands() for p in cmd.params
               if isinstance(p, click.Option) and not p.help]
    assert not missing, missing


def test_main_help_lists_every_exit_code() -> None:
    text = CliRunner().invoke(cli, ["--help"]).output
    for code in ExitCode:
        assert f"{int(code)} " in text, code


def test_no_implementation_words_and_no_false_local_default() -> None:
    for path, _cmd in _commands():
        text = CliRunner().invoke(cli, [*path.split(), "--help"]).output
        leaked = [w for w in IMPLEMENTATION_WORDS if w in text]
        assert not leaked, (path, leaked)
        if path.split()[0] in NEED_INVENTORY or path == "inventory ping":
            assert "this machine" not in text and "本机" not in text, path
