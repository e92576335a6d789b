"""The site package probe reads dpkg's status file with awk (envcheck/sitechecks/probes.py): it must
print what dpkg-query prints for the same database, package states of every kind included."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from envcheck.sitechecks.probes import _DPKG_QUERY, READER

STATUS = """\
Package: bash
Essential: yes
Status: install ok installed
Priority: required
Maintainer: M <m@example.org>
Description: d
Architecture: amd64
Version: 5.2.15-2+b13

Package: less
Status: deinstall ok config-files
Maintainer: M <m@example.org>
Description: d
Architecture: amd64
Version: 590-2.1~deb12u2
Conffiles:
 /etc/lesskey 0123456789abcdef0123456789abcdef

Package: libc6
Status: hold ok installed
Multi-Arch: same
Maintainer: M <m@example.org>
Description: d
Architecture: amd64
Version: 2.36-9+deb12u14

Package: libc6
Status: install ok installed
Multi-Arch: same
Maintainer: M <m@example.org>
Description: d
Architecture: i386
Version: 2.36-9+deb12u14

Package: broken
Status: install reinstreq half-installed
Maintainer: M <m@example.org>
Description: d
Architecture: all
Version: 1:0.1

Package: unpacked
Status: install ok unpacked
Maintainer: M <m@example.org>
Description: d
Architecture: all
Version: 2.0

Package: purged
Status: purge ok not-installed
Maintainer: M <m@example.org>
Description: d
Architecture: all

Package: last
Status: install ok half-configured
Maintainer: M <m@example.org>
Description: d
Architecture: all
Version: 3"""

NAMES = ["bash", "less", "libc6:i386", "broken", "unpacked", "purged", "last", "absent"]


def test_the_awk_reading_of_the_status_file_prints_what_dpkg_query_prints(tmp_path: Path) -> None:
    (tmp_path / "updates").mkdir()
    (tmp_path / "status").write_text(STATUS + "\n")
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    program, *args = shlex.split(_DPKG_QUERY)  # the probe's own fallback, on this database
    query = subprocess.run([program, f"--admindir={tmp_path}", *args, *NAMES], capture_output=True, text=True,
                           env=env, check=False, timeout=60)
    for status in (STATUS + "\n", STATUS):  # the last record ended by a blank line or by the end of the file
        (tmp_path / "status").write_text(status)
        awk = subprocess.run(["awk", READER, "@dpkg", str(tmp_path / "status")], capture_output=True, text=True,
                             env=env | {"ECP": "\n".join(NAMES)}, check=True, timeout=60)
        assert sorted(set(awk.stdout.splitlines())) == sorted(query.stdout.splitlines())
    assert {"ii |2.36-9+deb12u14|libc6", "iHR|1:0.1|broken", "rc |590-2.1~deb12u2|less", "un ||purged"} \
        <= set(query.stdout.splitlines())
