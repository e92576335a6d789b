"""The bench's own lab: started a few hosts at a time (a 2-core machine does not boot 20
containers at once within the lab's 60 s), reused when one is already up at the state dir."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from envcheck.deploy.proctree import descendants
from tests.lab import files
from tests.lab.base import ensure_base
from tests.lab.config import LabConfig, sublab
from tests.lab.host import alive, read_pid, wait_for_banner
from tests.lab.lab import Lab, LabHost, layout


def bench_config(state_dir: Path | None = None) -> LabConfig:
    """The bench's lab: a sub-lab of the checkout's slot (tests/lab/config.py), in .lab-bench/;
    ENVCHECK_BENCH_LOOPBACK / _PREFIX / _SUBNET still move it by hand."""
    return sublab("bench", state_dir)


def lab_up(cfg: LabConfig, count: int, parallel: int = 4, timeout: float = 240) -> Lab:
    """A lab of `count` hosts (web1, app1, db1, web2, ...); hosts already answering are kept."""
    if (cfg.state_dir / "lab.json").exists():
        old = Lab.from_state(cfg.state_dir)
        if len(old.hosts) < count or old.cfg != cfg:
            old.down()
        else:
            count = len(old.hosts)  # a larger lab serves: the bench takes its first hosts
    base = ensure_base(cfg)
    hosts = [LabHost(name, i, g, cfg.lan_address(i), cfg.ssh_address(i))
             for i, (name, g) in enumerate(layout(count, ["web", "app", "db"]), start=1)]
    lab = Lab(cfg, hosts, base)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    lab._save()
    lab._hub_up()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(lambda h: _ensure_host(lab, h, timeout), hosts))
    files.write_access_files(lab)
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        list(pool.map(lambda h: _wait_booted(lab, h, timeout), hosts))
    return lab


def _wait_booted(lab: Lab, h: LabHost, timeout: float) -> None:
    """Until the host's systemd has finished starting up (running or degraded): sshd answers
    long before, and hosts still booting spend the CPU the first rounds are timed on."""
    argv = ["ssh", "-F", str(lab.ssh_config_path), "-o", "ControlMaster=no", "-o", "ControlPath=none",
            h.name, "systemctl is-system-running --wait"]
    try:
        subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"warning: {h.name} still starting up after {timeout:.0f} s", flush=True)


def _ensure_host(lab: Lab, h: LabHost, timeout: float) -> None:
    if alive(read_pid(lab.host_dir(h.name) / "nspawn.pid")):
        if wait_for_banner(h.ssh_address, 22, 30):  # up, or still booting
            return
        lab.stop(h.name, grace=10)
    lab.start(h.name, timeout=timeout)


class HostsCPU:
    """CPU time of every process of the lab's hosts (sshd, the shells and probes a session
    runs), read from one cgroup they are all moved into; their children stay in it. cgroup v2
    (cpu.stat usage_usec) or v1 (cpuacct.usage, ns). Unavailable: read() gives None."""

    def __init__(self, lab: Lab, name: str = "envcheck-bench-hosts") -> None:
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        group = Path("/sys/fs/cgroup" if v2 else "/sys/fs/cgroup/cpuacct") / name
        self.dir: Path | None = group
        self.v2 = v2
        try:
            group.mkdir(exist_ok=True)
            roots = [read_pid(lab.host_dir(h.name) / "nspawn.pid") for h in lab.hosts]
            for pid in sorted(descendants([p for p in roots if p])):
                try:
                    (group / "cgroup.procs").write_text(f"{pid}\n")
                except OSError:
                    pass  # ended meanwhile
        except OSError:
            self.dir = None  # no cgroup here: the column stays empty

    def read(self) -> float | None:
        if self.dir is None:
            return None
        try:
            if self.v2:
                stat = dict(line.split() for line in (self.dir / "cpu.stat").read_text().splitlines())
                return int(stat["usage_usec"]) / 1e6
            return int((self.dir / "cpuacct.usage").read_text()) / 1e9
        except (OSError, KeyError, ValueError):
            return None

    def remove(self) -> None:
        """After the lab is down (the group must be empty)."""
        try:
            if self.dir is not None:
                self.dir.rmdir()
        except OSError:
            pass

