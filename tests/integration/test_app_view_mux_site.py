"""The datasource channels through an app host ride its probe session's SSH connection (a
ControlMaster kept with ControlPersist, envcheck.appview.mux): the sessions read through it are
those of the clean site, and once `envcheck check` has exited no master process of the run and
no socket folder is left. The run is told apart by its own TMPDIR and a marker in its
environment (tests/procscan.py), which the masters inherit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests import procscan
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def test_no_master_and_no_socket_outlive_a_check_run(site: Site, tmp_path: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="ec-", dir="/tmp"))  # short: a unix socket's path is at most 108 bytes
    marker = procscan.new_marker()
    env = procscan.marked_env(marker, {**os.environ, **site.env, "TMPDIR": str(base)})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "envcheck", "check", "-i", str(site.inventory), "-c", "app.datasource_session",
             "-c", "app.roundtrip", "--runs-dir", str(tmp_path / "runs"), "--format", "json"],
            env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        results = {(r["host"], r["check"]): r for r in json.loads(done.stdout)["results"]}
        app = site.host("app")
        for check in ("app.datasource_session", "app.roundtrip"):
            assert results[(app, check)]["status"] == "pass", results[(app, check)]["message"]
        assert procscan.alive_with(marker) == [], "a process of the run outlived it"
        assert list(base.iterdir()) == [], "a socket folder of the run was left"
    finally:
        shutil.rmtree(base, ignore_errors=True)
