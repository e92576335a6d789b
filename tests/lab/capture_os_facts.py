"""Capture ansible facts for RHEL-family OSes the lab does not run (Rocky, openEuler, Kylin, UOS).

    python -m tests.lab.capture_os_facts [HOST]   (a bare lab host; the lab must be up)

The distribution facts come from the release files alone (/etc/os-release and friends): each
OS's files, as they ship, are put on a lab host and ansible-core's own `setup` module is run
there, so the fixtures hold what this ansible-core really reports (Kylin's "V10", UOS Server
in the Debian family). The host's Debian files are put back afterwards. The fixture also
records whether the real OS is dpkg-based (`dpkg_status`): the one probe the normalisation
makes on UOS and Kylin, whose editions differ; that value is the OS's, not the lab host's.
Writes tests/fixtures/os_facts/<name>.json; review the `expected` block before committing.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from tests.lab.config import LabConfig
from tests.lab.lab import Lab

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "os_facts"
FILTER = ["ansible_distribution*", "ansible_os_family", "ansible_pkg_mgr"]
RELEASES: dict[str, dict[str, object]] = {
    "rocky_9": {"dpkg_status": False, "files": {
        "/etc/os-release": 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
                           'VERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n'
                           'ANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:rocky:rocky:9::baseos"\n',
        "/etc/redhat-release": "Rocky Linux release 9.4 (Blue Onyx)\n",
        "/etc/rocky-release": "Rocky Linux release 9.4 (Blue Onyx)\n",
        "/etc/system-release": "Rocky Linux release 9.4 (Blue Onyx)\n"}},
    "openeuler_22.03": {"dpkg_status": False, "files": {
        "/etc/os-release": 'NAME="openEuler"\nVERSION="22.03 (LTS-SP3)"\nID="openEuler"\nVERSION_ID="22.03"\n'
                           'PRETTY_NAME="openEuler 22.03 (LTS-SP3)"\nANSI_COLOR="0;31"\n\n',
        "/etc/openEuler-release": "openEuler release 22.03 (LTS-SP3)\n",
        "/etc/system-release": "openEuler release 22.03 (LTS-SP3)\n"}},
    "kylin_v10": {"dpkg_status": False, "files": {
        "/etc/os-release": 'NAME="Kylin Linux Advanced Server"\nVERSION="V10 (Sword)"\nID="kylin"\nVERSION_ID="V10"\n'
                           'PRETTY_NAME="Kylin Linux Advanced Server V10 (Sword)"\nANSI_COLOR="0;31"\n\n',
        "/etc/kylin-release": "Kylin Linux Advanced Server release V10 (Sword)\n",
        "/etc/system-release": "Kylin Linux Advanced Server release V10 (Sword)\n",
        "/etc/lsb-release": 'DISTRIB_ID=Kylin\nDISTRIB_RELEASE=V10\nDISTRIB_CODENAME=juniper\n'
                            'DISTRIB_DESCRIPTION="Kylin V10"\nDISTRIB_KYLIN_RELEASE=V10\n'}},
    "uos_server_20": {"dpkg_status": False, "files": {
        "/etc/os-release": 'PRETTY_NAME="UOS Server 20"\nNAME="UOS Server 20"\nVERSION_ID="20"\nVERSION="20"\nID=uos\n'
                           'VERSION_CODENAME=fuyu\nPLATFORM_ID="platform:uel20"\n',
        "/etc/lsb-release": 'DISTRIB_ID=Uos\nDISTRIB_RELEASE=20\nDISTRIB_DESCRIPTION="UOS Server 20"\n'
                            'DISTRIB_CODENAME=fuyu\n',
        "/etc/system-release": "uos release 20 (fuyu)\n"}},
    "debian_12": {"dpkg_status": True, "files": {}},  # the lab host as it is
}
SPOOFED = sorted({p for r in RELEASES.values() for p in r["files"]})  # type: ignore[attr-defined]


def _restore(lab: Lab, host: str) -> None:
    others = " ".join(shlex.quote(p) for p in SPOOFED if p != "/etc/os-release")
    lab.ssh(host, f"rm -f /etc/os-release {others}; ln -s ../usr/lib/os-release /etc/os-release")


def _facts(lab: Lab, host: str) -> dict[str, object]:
    ansible = Path(sys.executable).parent / "ansible"
    out = subprocess.run([str(ansible), "-i", str(lab.inventory_path), host, "-m", "ansible.builtin.setup",
                          "-a", f"gather_subset=min filter={','.join(FILTER)}", "-o"],
                         capture_output=True, text=True, check=True).stdout
    facts = json.loads(out.split("=>", 1)[1])["ansible_facts"]
    return {k: facts[k] for k in sorted(facts) if k != "ansible_distribution_file_path"}


def main() -> None:
    lab = Lab.from_state(LabConfig.from_env().state_dir)
    host = sys.argv[1] if len(sys.argv) > 1 else "web1"
    FIXTURES.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([str(Path(sys.executable).parent / "ansible"), "--version"],
                             capture_output=True, text=True).stdout.splitlines()[0]
    try:
        for name, release in RELEASES.items():
            _restore(lab, host)
            for path, text in release["files"].items():  # type: ignore[attr-defined]
                lab.ssh(host, f"rm -f {shlex.quote(path)}; cat > {shlex.quote(path)}", input=text)
            target = FIXTURES / f"{name}.json"
            old = json.loads(target.read_text()) if target.exists() else {}
            record = {"captured_with": version, "release_files": release["files"],
                      "dpkg_status": release["dpkg_status"], "ansible_facts": _facts(lab, host),
                      "expected": old.get("expected", {})}
            target.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
            print(target, record["ansible_facts"])
    finally:
        _restore(lab, host)


if __name__ == "__main__":
    main()
