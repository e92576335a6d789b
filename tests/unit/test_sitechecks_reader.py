"""The site probes' one awk (envcheck/sitechecks/probes.py, READER): a probe runs awk once however
many parts read files through it, and what it reads is what each part's parser expects. A real
sh, this machine's /proc, accounts and dpkg database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from envcheck.audit.probe import build_script, split_output
from envcheck.model import Status
from envcheck.sitechecks import SiteChecks
from envcheck.sitechecks.spec import parse_host


def _site(*entries: dict[str, Any]) -> SiteChecks:
    declared = [{"title": {"en": e["id"], "zh": e["id"]}, **e} for e in entries]
    return SiteChecks(parse_host({"site_checks": declared}, lambda v: f"group_vars/{v}.yml"))


def _run(site: SiteChecks, tmp_path: Path, tools: dict[str, str]) -> tuple[dict[str, Status], list[str]]:
    """The site's probes run by sh with `tools` (name -> a shell script) first in PATH; each
    check's status, and the awk runs (one line of arguments each)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in tools.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + text)
        (bin_dir / name).chmod(0o755)
    script = build_script(site.facts)
    text = script.text.replace("PATH=/usr/local/sbin", f"PATH={bin_dir}:/usr/local/sbin", 1)
    run = subprocess.run(["sh", "-c", text], capture_output=True, cwd=tmp_path, timeout=60, check=False,
                         env={"PATH": os.environ["PATH"], "ECLOG": str(tmp_path / "awk.log")})
    raw = split_output(script.marker, run.stdout)
    values = {f.id: f.parse(raw[f.id]) for f in site.facts}
    log = tmp_path / "awk.log"
    return ({c.id: c.evaluate(values, None).status for c in site.checks},  # type: ignore[arg-type]
            log.read_text().splitlines() if log.exists() else [])


# awk, noting each run with the marks and modes among its arguments (its program is the first)
_AWK = ('{ printf run; for a; do case $a in --@*|@dpkg) printf " %s" "$a";; esac; done; echo; } >>"$ECLOG"\n'
        f'exec {shutil.which("awk")} "$@"\n')


def test_a_probe_runs_awk_once_for_every_part_that_reads_through_it(tmp_path: Path) -> None:
    comm = Path("/proc/self/comm").read_text().strip()
    site = _site({"id": "bash", "type": "package", "name": "bash"},
                 {"id": "svc", "type": "service", "name": "envcheck-no-such-unit"},
                 {"id": "me", "type": "process", "name": comm, "min_count": 1},
                 {"id": "max", "type": "kernel_param", "name": "kernel.pid_max",
                  "value": Path("/proc/sys/kernel/pid_max").read_text().strip()},
                 {"id": "root", "type": "user", "name": "root"}, {"id": "adm", "type": "group", "name": "root"},
                 {"id": "slash", "type": "mount", "path": "/"})
    got, awk_runs = _run(site, tmp_path, {"awk": _AWK})
    assert got == {"site.bash": Status.PASS, "site.svc": Status.FAIL, "site.me": Status.PASS,
                   "site.max": Status.PASS, "site.root": Status.PASS, "site.adm": Status.PASS,
                   "site.slash": Status.PASS}
    assert sorted(f.id for f in site.facts) == ["site:paths", "site:system"]
    assert len(awk_runs) == 2  # one a probe, not one a part (the system probe's five)
    system = next(run for run in awk_runs if "@dpkg" in run)
    assert all(f"--@{part}" in system for part in ("package", "service", "process", "kernel", "account"))


def test_names_missing_from_the_local_files_are_asked_of_getent(tmp_path: Path) -> None:
    """A directory user (LDAP, sssd) is not in /etc/passwd: getent answers for it, after the awk."""
    getent = ('case "$1" in passwd) echo "ecldap:x:5000:5000::/home/ecldap:/bin/sh";; '
              'group) echo "ecldapg:x:5001:";; esac\n')
    site = _site({"id": "root", "type": "user", "name": "root"},
                 {"id": "ldap", "type": "user", "name": "ecldap"},
                 {"id": "grp", "type": "group", "name": "ecldapg"},
                 {"id": "nobody", "type": "user", "name": "ec-nobody-at-all", "exists": False})
    got, _ = _run(site, tmp_path, {"getent": getent})
    assert got == {"site.root": Status.PASS, "site.ldap": Status.PASS, "site.grp": Status.PASS,
                   "site.nobody": Status.PASS}
    (tmp_path / "plain").mkdir()
    got, _ = _run(site, tmp_path / "plain", {"getent": "exit 2\n"})  # no directory: not found anywhere
    assert got["site.ldap"] == Status.FAIL and got["site.root"] == Status.PASS
