"""A second lab beside the session's: 12 hosts that answer SSH as themselves, a check of them
with the fleet's progress line and the sampled network checks (issue 22), and a down that
leaves no namespace, mount, relay or container process behind. Its own loopback range,
namespace prefix and state dir (the `scale` sub-lab of this checkout's slot): the session lab
stays untouched."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from envcheck.deploy.proctree import descendants
from envcheck.exitcodes import ExitCode
from tests.lab.config import sublab
from tests.lab.host import read_pid
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _start_time(pid: int) -> str | None:
    """When the process started; None once it has ended (gone, or a zombie not reaped yet)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def _describe(pid: int) -> str:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[:2]
        return f"{' '.join(state)} {Path(f'/proc/{pid}/cmdline').read_bytes()[:120]!r}"
    except OSError:
        return "gone"


def _processes(lab: Lab) -> dict[int, str]:
    """Every process this lab started (its pid files) and their descendants, each with its
    start time: the same PID later is another process."""
    pidfiles = [*lab.cfg.run_dir.glob("*.pid"), *lab.cfg.hosts_dir.glob("*/*.pid")]
    roots = [pid for pid in map(read_pid, pidfiles) if pid is not None]
    found = {pid: _start_time(pid) for pid in descendants(roots)}
    return {pid: start for pid, start in found.items() if start is not None}


@pytest.fixture(scope="module")
def twelve(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    cfg = sublab("scale", tmp_path_factory.mktemp("scale") / "lab12")
    assert cfg.prefix != lab.cfg.prefix and cfg.loopback_start != lab.cfg.loopback_start
    up = Lab.up(cfg, count=12, groups=("web", "app", "db"))
    try:
        yield up
    finally:
        if cfg.state_dir.exists():  # the last test takes it down itself
            up.down()


SAMPLE = 3  # standard_peer_sample: each host resolves 3 of its 11 peers and connects to 3 of the 4 next-tier hosts


def test_check_of_twelve_hosts_samples_the_network_probes_and_shows_the_fleets_progress(
        twelve: Lab, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(twelve.inventory_path.read_text())
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump({"standard_peer_sample": SAMPLE}))
    runs = tmp_path / "runs"
    argv = [sys.executable, "-m", "envcheck", "check", "-i", str(inventory), "--known-hosts",
            str(twelve.known_hosts_path), "-c", "network.tiers", "-c", "network.peers_resolve",
            "-c", "fleet.name_resolution", "--progress", "lines", "--progress-hosts", "2",
            "--format", "json", "--runs-dir", str(runs), "--lang", "en"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    # Nothing listens on the tiers' ports in the bare lab: refused, so the check fails (1), no host unreachable.
    assert done.returncode == ExitCode.FAILED, done.stderr
    progress = [line for line in done.stderr.splitlines() if "hosts checked" in line]
    assert progress and progress[-1] == "12/12 hosts checked", done.stderr
    for line in progress:  # one short line whatever the fleet: counts, at most 2 hosts named
        assert re.fullmatch(r"\d+/12 hosts checked( · \d+ running(, slowest: .*)?)?", line), line
        assert len(line.partition("slowest: ")[2].split(", ")) <= 2, line
    report = json.loads(done.stdout)
    results = {(r["host"], r["check"]): r for r in report["results"]}
    names = {h.name for h in twelve.hosts}
    resolved: set[str] = set()
    for host in names:
        peers = results[(host, "network.peers_resolve")]
        assert peers["status"] == "pass", peers
        assert peers["found"]["sampled"] == SAMPLE and peers["found"]["inferred"] == 11 - SAMPLE, peers
        assert "inferred" in peers["message"]
        resolved |= set(peers["found"]["resolved"])
    assert resolved == names  # every host's name resolved by some other host
    for source, target in (("web", "app"), ("app", "db")):
        reached: set[str] = set()
        for h in (h for h in twelve.hosts if source in h.groups):
            tiers = results[(h.name, "network.tiers")]
            closed = tiers["found"]["closed"]
            assert len(closed) == SAMPLE and tiers["found"]["inferred"] == 4 - SAMPLE, tiers
            assert all("refused" in c for c in closed), closed
            reached |= {c.split()[0] for c in closed}
        assert reached == {h.name for h in twelve.hosts if target in h.groups}
    assert results[(None, "fleet.name_resolution")]["status"] == "pass"
    (run,) = runs.iterdir()  # evidence: every host's raw output written as it finished
    assert {p.stem for p in (run / "hosts").glob("*.json")} == names
    asked = json.loads((run / "hosts" / "web1.json").read_text())["probes"]["network.peers"]["stdout"]
    assert len(asked.splitlines()[0].removeprefix("names:").split()) == SAMPLE, asked


def test_twelve_hosts_answer_and_down_leaves_nothing(twelve: Lab, lab: Lab) -> None:
    cfg = twelve.cfg
    for h in twelve.hosts:
        result = subprocess.run(["ssh", "-F", str(twelve.ssh_config_path), h.name, "hostname"],
                                capture_output=True, text=True, timeout=60)
        assert result.stdout.strip() == h.name, result.stderr
    started = _processes(twelve)
    assert len(started) > 12 * 3, started  # nspawn, the relays and the hosts' own processes
    assert lab.answering()  # the session lab is untouched
    twelve.down()
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    assert not [n for n in names if n.startswith(cfg.prefix)]
    left = {pid: _describe(pid) for pid, start in started.items() if _start_time(pid) == start}
    assert not left, left
    assert str(cfg.hosts_dir) not in Path("/proc/mounts").read_text()
    assert not cfg.state_dir.exists() and not cfg.hosts_dir.exists()
    assert lab.answering()
