"""The `envcheck` console command: a repeated check's SSH sessions first (envcheck.early),
then the click application (envcheck.cli)."""

from __future__ import annotations

import sys
from typing import Any


def main() -> Any:
    from envcheck.early import start  # noqa: PLC0415

    start(sys.argv[1:])
    from envcheck.cli import main as cli_main  # noqa: PLC0415

    return cli_main()
