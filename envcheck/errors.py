"""User errors: each a click.ClickException subclass with its exit code (envcheck.exitcodes)."""

from __future__ import annotations

import click

from envcheck.exitcodes import ExitCode


class BadInput(click.ClickException):
    """Bad inventory, options or files: the user can fix it; exit 2."""

    exit_code = ExitCode.BAD_INPUT


class InventoryError(BadInput):
    pass


class RunDirError(BadInput):
    pass


__all__ = ["BadInput", "ExitCode", "InventoryError", "RunDirError"]
