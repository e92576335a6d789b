"""Debian packages unpacked into a folder of the checkout, never installed (apt-get download,
dpkg -x): the lab's own MariaDB (tests/lab/dbservers.py) and Prometheus (tests/lab/prom.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path


def unpacked(cache: Path, name: str, packages: tuple[str, ...], marker: str,
             vet: Callable[[Path], None] | None = None) -> Path:
    """cache/<name>, the packages' files unpacked there on first use (`marker`, a path inside
    it, tells it is done); `vet` may refuse the staging folder before it is put in place."""
    root = cache / name
    if (root / marker).exists():
        return root
    debs, staging = cache / "debs", cache / f"{name}.tmp"
    debs.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    wanted = [p for p in packages if not list(debs.glob(f"{p}_*.deb"))]
    if wanted:
        got = subprocess.run(["apt-get", "download", *wanted], cwd=debs, capture_output=True, text=True)
        if got.returncode != 0:
            raise RuntimeError(f"apt-get download {' '.join(wanted)} failed (apt-get update first?):\n"
                               f"{got.stderr[-2000:]}")
    for package in packages:
        for deb in sorted(debs.glob(f"{package}_*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(staging)], check=True, capture_output=True)
    if vet is not None:
        vet(staging)
    os.replace(staging, root)
    return root
