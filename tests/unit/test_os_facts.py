"""Fact normalisation (roles/standard/tasks/main.yml) on ansible facts captured for Rocky 9,
openEuler 22.03, Kylin V10, UOS Server 20 and Debian 12 (tests/lab/capture_os_facts.py):
the real tasks run in ansible-playbook, each captured OS a host of the inventory, and the
family, the major version and the vars files a role then loads are what the OS needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from envcheck.paths import PLAYBOOK_DIR

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "os_facts"
CASES = {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}
PLAY = """\
- name: Normalise captured facts
  hosts: all
  gather_facts: false
  tasks:
    - name: The standard role's tasks (the normalisation every role depends on)
      ansible.builtin.include_role:
        name: standard
    - name: What the tomcat role loads for this OS
      ansible.builtin.include_vars: "{{ item }}"
      loop: "{{ envcheck_os_vars_files | map('regex_replace', '^', tomcat_vars ~ '/') | select('file') }}"
      register: loaded
    - name: Record the result
      ansible.builtin.copy:
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
        mode: "0600"
        content: "{{ {'envcheck_os_family': envcheck_os_family, 'envcheck_os_major': envcheck_os_major,
                      'envcheck_os_compat_major': envcheck_os_compat_major,
                      'tomcat_vars_loaded': loaded.results | map(attribute='item') | map('basename') | list,
                      'tomcat_java_packages': __tomcat_java_packages,
                      'tomcat_install': __tomcat_install | trim} | to_json }}"
"""


def test_captured_fixtures_show_the_problem_being_solved() -> None:
    """The raw facts are the trouble: Kylin's major version is not a number and this
    ansible-core puts UOS Server (RPM-based) in the Debian family."""
    assert set(CASES) >= {"rocky_9", "openeuler_22.03", "kylin_v10", "uos_server_20", "debian_12"}
    assert CASES["kylin_v10"]["ansible_facts"]["ansible_distribution_major_version"] == "V10"
    assert CASES["uos_server_20"]["ansible_facts"]["ansible_os_family"] == "Debian"


def test_normalisation_on_captured_facts(tmp_path: Path) -> None:
    hosts = {}
    for name, case in CASES.items():
        hosts[name.replace(".", "_")] = {**case["ansible_facts"], "envcheck_dpkg_present": case["dpkg_status"],
                                        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    # The same UOS facts without the answer: the probe asks the host itself (here this Debian
    # controller, through the local connection), which is dpkg-based.
    hosts["uos_probed_here"] = {k: v for k, v in hosts["uos_server_20"].items() if k != "envcheck_dpkg_present"}
    inv = tmp_path / "hosts.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    out = tmp_path / "out"
    out.mkdir()
    env = {"ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"), "ANSIBLE_ROLES_PATH": str(PLAYBOOK_DIR / "roles"),
           "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), str(play),
         "-e", json.dumps({"out_dir": str(out), "tomcat_vars": str(PLAYBOOK_DIR / "roles/tomcat/vars")})],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    for name, case in CASES.items():
        got = json.loads((out / f"{name.replace('.', '_')}.json").read_text())
        expected = case["expected"]
        assert {k: got[k] for k in expected} == expected, name
        assert got["envcheck_os_major"].isdigit(), name
    assert Path("/var/lib/dpkg/status").exists()
    assert json.loads((out / "uos_probed_here.json").read_text())["envcheck_os_family"] == "Debian"
    # The EL 8 generation (Kylin V10, UOS Server 20) gets the Java its repositories have.
    assert json.loads((out / "kylin_v10.json").read_text())["tomcat_java_packages"] == ["java-11-openjdk-headless"]
    assert json.loads((out / "rocky_9.json").read_text())["tomcat_java_packages"] == ["java-17-openjdk-headless"]
    # Tomcat from the OS's package where there is one, from an archive where there is none (EL 8/9).
    installs = {name: json.loads((out / f"{name.replace('.', '_')}.json").read_text())["tomcat_install"]
                for name in CASES}
    assert installs == {"debian_12": "package", "kylin_v10": "package", "openeuler_22.03": "package",
                        "uos_server_20": "package", "rocky_9": "archive"}
