"""What click's CliRunner caught: it turns whatever the command raises into `result.exception`
(exit code 1), and the output never shows a traceback; so "no traceback" is read there."""

from __future__ import annotations

import traceback

from click.testing import Result


def crash(result: Result) -> str | None:
    """The traceback of what the command raised, other than click's own exit (SystemExit,
    which every exit code, errors included, goes through); None when it raised nothing else."""
    if result.exception is None or isinstance(result.exception, SystemExit):
        return None
    return "".join(traceback.format_exception(result.exception))
