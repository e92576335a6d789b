"""The site probes' reader (envcheck/sitechecks/probes.py, READER) on the three awks hosts have:
mawk (Debian, Ubuntu), gawk (RHEL, Kylin, UOS) and busybox's (minimal images). The last two are
unpacked by `make awks` (a prerequisite of `make test` and `make unit`) into .cache/awks."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from envcheck.model import Status
from envcheck.sitechecks.probes import _DPKG_QUERY, READER
from tests.unit.test_sitechecks_dpkg import NAMES, STATUS
from tests.unit.test_sitechecks_reader import _run, _site

ROOT = Path(__file__).resolve().parents[2] / ".cache" / "awks" / "root"
LIBS = ROOT / "usr" / "lib" / "x86_64-linux-gnu"
# name -> the command line that runs it (a shell script's last line: exec ... "$@")
AWKS = {
    "mawk": f'exec {shutil.which("mawk") or "/usr/bin/mawk"} "$@"',
    "gawk": f'LD_LIBRARY_PATH={shlex.quote(str(LIBS))} exec {shlex.quote(str(ROOT / "usr/bin/gawk"))} "$@"',
    "busybox": f'exec {shlex.quote(str(ROOT / "bin/busybox"))} awk "$@"',
}


@pytest.fixture(params=sorted(AWKS))
def awk(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A program named awk that is this implementation (missing: `make awks` was not run)."""
    script = tmp_path / "awk-bin" / "awk"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\n{AWKS[request.param]}\n")
    script.chmod(0o755)
    check = subprocess.run([str(script), "BEGIN { print 1 + 1 }"], capture_output=True, text=True, check=False)
    assert check.stdout == "2\n", f"{request.param} cannot run ({check.stderr.strip()}): run `make awks`"
    return script


def test_every_part_reads_the_same_on_every_awk(awk: Path, tmp_path: Path) -> None:
    comm = Path("/proc/self/comm").read_text().strip()
    site = _site({"id": "bash", "type": "package", "name": "bash"}, {"id": "nopkg", "type": "package", "name": "ec-no"},
                 {"id": "svc", "type": "service", "name": "envcheck-no-such-unit"},
                 {"id": "me", "type": "process", "name": comm, "min_count": 1},
                 {"id": "max", "type": "kernel_param", "name": "kernel.pid_max",
                  "value": Path("/proc/sys/kernel/pid_max").read_text().strip()},
                 {"id": "root", "type": "user", "name": "root", "shell": "/bin/bash"},
                 {"id": "grp", "type": "group", "name": "root"},
                 {"id": "slash", "type": "mount", "path": "/"},
                 {"id": "hosts", "type": "file", "path": "/etc/hosts", "contains": "local[h]ost",
                  "not_contains": "^EV"},
                 {"id": "nope", "type": "file", "path": "/etc/hosts", "contains": "^NO( PE)?$"},
                 {"id": "cron", "type": "cron", "match": "."})
    got, _ = _run(site, tmp_path, {"awk": awk.read_text().removeprefix("#!/bin/sh\n")})
    root_shell = Path("/etc/passwd").read_text().splitlines()[0].endswith(":/bin/bash")
    crontab = any(line.strip() and not line.lstrip().startswith("#")
                  for f in [Path("/etc/crontab"), *sorted(Path("/etc/cron.d").glob("*"))] if f.is_file()
                  for line in f.read_text(errors="replace").splitlines())
    assert got == {"site.bash": Status.PASS, "site.nopkg": Status.FAIL, "site.svc": Status.FAIL,
                   "site.me": Status.PASS, "site.max": Status.PASS,
                   "site.root": Status.PASS if root_shell else Status.FAIL, "site.grp": Status.PASS,
                   "site.slash": Status.PASS, "site.hosts": Status.PASS, "site.nope": Status.FAIL,
                   "site.cron": Status.PASS if crontab else Status.FAIL}


def test_dpkgs_status_file_reads_as_dpkg_query_on_every_awk(awk: Path, tmp_path: Path) -> None:
    (tmp_path / "updates").mkdir()
    (tmp_path / "status").write_text(STATUS + "\n")
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    program, *args = shlex.split(_DPKG_QUERY)
    query = subprocess.run([program, f"--admindir={tmp_path}", *args, *NAMES], capture_output=True, text=True,
                           env=env, check=False, timeout=60)
    read = subprocess.run([str(awk), READER, "@dpkg", str(tmp_path / "status")], capture_output=True, text=True,
                          env=env | {"ECP": "\n".join(NAMES)}, check=True, timeout=60)
    assert sorted(set(read.stdout.splitlines())) == sorted(query.stdout.splitlines()) != []
