"""The deploy preflight's pure parts on probe outputs (tests/fixtures/preflight): which Python
Ansible would use, which runtime deploys which host, and the runtimes' own limits read from
ansible-core's files. The sweep's script on a real process of this machine."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from envcheck.deploy import preflight, runtimes, sweep
from envcheck.deploy.onhosts import probe_hosts
from envcheck.inventory import local_inventory
from envcheck.model import ProbeOutput

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "preflight"
# ansible-core 2.16's own lines (module_utils/basic.py, config/base.yml), as the legacy runtime has them.
BASIC_216 = ("_PY3_MIN = sys.version_info >= (3, 6)\n_PY2_MIN = (2, 7) <= sys.version_info < (3,)\n"
             "_PY_MIN = _PY3_MIN or _PY2_MIN\n")
BASE_216 = ("INTERPRETER_PYTHON_FALLBACK:\n  name: Ordered list of Python interpreters\n  default:\n"
            "  - python3.12\n  - python3.11\n  - python3.10\n  - python3.9\n  - python3.8\n  - python3.7\n"
            "  - python3.6\n  - /usr/bin/python3\n  - /usr/libexec/platform-python\n  - python2.7\n"
            "  - /usr/bin/python\n  - python\n  vars:\n    - name: ansible_interpreter_python_fallback\n")
CURRENT = runtimes.current()
minimum, python2 = runtimes.target_support(BASIC_216)
LEGACY = runtimes.Runtime("legacy", (2, 16, 19), Path("/opt/legacy/bin"), minimum, (3, 12), python2,
                          runtimes.discovery_list(BASE_216))


def info(name: str, explicit: str | None = None) -> preflight.TargetInfo:
    out = ProbeOutput((FIXTURES / f"{name}.out").read_text(), 0, "")
    return preflight.target_info(name, out, explicit)


def test_the_runtimes_limits_are_read_from_ansible_core_itself() -> None:
    assert CURRENT.version[:2] == (2, 19) and CURRENT.target_min == (3, 8) and not CURRENT.python2
    assert CURRENT.fallback[0].startswith("python3.") and "/usr/bin/python3" in CURRENT.fallback
    assert (LEGACY.target_min, LEGACY.python2) == ((3, 6), True)
    assert LEGACY.fallback[-3:] == ("python2.7", "/usr/bin/python", "python")
    assert LEGACY.runs_on((2, 7, 5)) and LEGACY.runs_on((3, 6, 8)) and not LEGACY.runs_on((3, 13, 1))
    assert not CURRENT.runs_on((3, 7, 9)) and CURRENT.runs_on((3, 11, 2))


def test_a_missing_legacy_runtime_is_none(tmp_path: Path) -> None:
    assert runtimes.legacy(tmp_path / "nothing") is None


def test_the_lab_host_is_deployed_by_the_current_runtime() -> None:
    lab = info("debian12-lab", explicit="/usr/bin/python3")
    chosen = lab.chosen(CURRENT)
    assert chosen is not None and chosen.path == "/usr/bin/python3" and chosen.version == (3, 11, 2)
    decision = preflight.decide([lab], CURRENT, LEGACY)
    assert decision.runtime == CURRENT and not decision.problems


def test_an_emulated_el8_platform_python_needs_the_legacy_runtime() -> None:
    host = info("debian12-emulated-el8", explicit="/usr/libexec/platform-python")
    refused = preflight.decide([host], CURRENT, None)
    assert refused.runtime is None and refused.needs_other == ("debian12-emulated-el8",)
    [problem] = refused.problems
    assert "Python 3.6.8 at /usr/libexec/platform-python" in problem.en and "3.8-3.13" in problem.en
    assert "Python 3.6.8" in problem.zh
    assert preflight.decide([host], CURRENT, LEGACY).runtime == LEGACY


@pytest.mark.parametrize("name, why", [
    ("handmade-el8-python311", "the dnf bindings are only for Python 3.6.8 at "),
    ("handmade-el7-python2", "no Python found"),
    ("handmade-kylin-v10", "Python 3.7.9 at /usr/bin/python3"),
])
def test_el7_el8_generation_hosts_go_to_the_legacy_runtime(name: str, why: str) -> None:
    host = info(name)
    refused = preflight.decide([host], CURRENT, None)
    assert refused.runtime is None and any(why in p.en for p in refused.problems), refused.problems
    chosen = host.chosen(LEGACY)
    assert chosen is not None and LEGACY.runs_on(chosen.version or ())
    assert preflight.decide([host], CURRENT, LEGACY).runtime == LEGACY


def test_a_run_no_single_runtime_deploys_is_refused_with_both_hosts_problems() -> None:
    old, new = info("handmade-kylin-v10"), info("handmade-debian13")
    decision = preflight.decide([old, new], CURRENT, LEGACY)
    assert decision.runtime is None and decision.needs_other == ("handmade-kylin-v10",)
    assert {p.host for p in decision.problems} == {"handmade-kylin-v10", "handmade-debian13"}


def test_the_probe_asks_every_runtime_s_candidates_and_the_respawn_interpreters() -> None:
    [host] = local_inventory().hosts
    discovery, extra = preflight.candidates(host, [CURRENT.fallback, LEGACY.fallback])
    assert discovery[0] == CURRENT.fallback[0] and "python2.7" in discovery
    assert "/usr/libexec/platform-python" in discovery and "/usr/libexec/platform-python" not in extra


def test_the_probe_reads_this_machine() -> None:
    [answer] = probe_hosts(list(local_inventory().hosts), lambda h: preflight.fact_for(h), 30)
    assert answer.output is not None, answer.error
    _, manager, interpreters = preflight.parse_probe(answer.output)
    assert manager == "apt" and any(i.version and i.version[:1] == (3,) for i in interpreters)


def test_the_sweep_ends_the_marked_processes_and_nothing_else() -> None:
    run_id = uuid.uuid4().hex
    marked = subprocess.Popen(["sh", "-c", "sleep 300 & wait"], env={**os.environ, sweep.MARK: run_id})
    other = subprocess.Popen(["sleep", "300"], env={**os.environ, sweep.MARK: "another-run"})
    try:
        [answer] = probe_hosts(list(local_inventory().hosts), lambda h: sweep.fact(run_id), 30)
        assert answer.output is not None, answer.error
        ended = sweep.parse(answer.output)
        assert f"{marked.pid} sh" in ended and any(e.endswith(" sleep") for e in ended), ended
        assert marked.wait(timeout=10) == -9 and other.poll() is None
    finally:
        for p in (marked, other):
            p.kill()
            p.wait()


@pytest.mark.parametrize("message, timed_out", [
    ("Task failed: Timed out after 30 second(s).", True),
    ("The task action did not complete within the requested time - 30s", True),
    ("non-zero return code: E: Unable to locate package chrony", False),
])
def test_task_timeouts_are_told_apart(message: str, timed_out: bool) -> None:
    assert sweep.is_timeout(message) is timed_out
