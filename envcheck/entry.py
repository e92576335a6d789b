"""The `envcheck` console command: a repeated check's SSH sessions first (envcheck.early),
then the click application (envcheck.cli)."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import Any, NoReturn


def main() -> Any:
    argv = sys.argv[1:]
    check = argv[:1] == ["check"]
    if check:
        # A check is a short process that makes few reference cycles: the cyclic collector's
        # passes (~10 ms of CPU in a 10-host run, timed with gc.callbacks) are left out.
        gc.disable()
    from envcheck.early import start  # noqa: PLC0415

    start(argv)
    from envcheck.cli import main as cli_main  # noqa: PLC0415

    try:
        return cli_main()
    except SystemExit as exc:
        if not check:
            raise
        leave(exc.code)


def leave(code: object) -> NoReturn:
    """End the process as SystemExit would, atexit functions and flushed output included,
    without tearing the interpreter down module by module: after a check that took ~20 ms
    (from the last atexit function to the process's end, measured), only to free memory the
    process is about to give back. Console use only: never under a test runner."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away (`| head`): nothing left to say to it
    os._exit(code or 0)
