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


class TargetPythonError(BadInput):
    """A host whose Python (or package-manager bindings) no installed ansible-core runtime can
    run modules on, found by the deploy preflight before any play: exit 2."""


__all__ = ["BadInput", "ExitCode", "InventoryError", "RunDirError", "TargetPythonError"]
