"""User errors and the exit codes, decided in one place."""

from __future__ import annotations

from enum import IntEnum

import click


class ExitCode(IntEnum):
    OK = 0  # nothing failed
    FAILED = 1  # at least one check failed
    BAD_INPUT = 2  # bad input or usage
    UNREACHABLE = 3  # a host could not be reached (wins over FAILED)
    INTERRUPTED = 130  # Ctrl+C


class BadInput(click.ClickException):
    """Bad inventory, options or files: the user can fix it; exit 2."""

    exit_code = ExitCode.BAD_INPUT


class InventoryError(BadInput):
    pass


class RunDirError(BadInput):
    pass
