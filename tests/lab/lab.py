"""The lab: N Debian hosts with systemd as PID 1, each in its own network namespace on a
private bridge, sshd reached from the controller on a loopback alias."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.lab import files, proxy
from tests.lab.base import base_dir, ensure_base
from tests.lab.config import LabConfig
from tests.lab.host import (
    alive,
    children,
    daemon,
    kill_pidfile,
    netns_exists,
    port_listening,
    read_pid,
    sh,
    wait_for_banner,
)

MAX_NAME = 13


@dataclass(frozen=True)
class LabHost:
    name: str
    index: int
    groups: tuple[str, ...]
    lan_address: str
    ssh_address: str


def layout(count: int, groups: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Host names and groups: web1, app1, db1, web2, ... (round robin over the groups).
    A name never equals a group's (Ansible patterns would be ambiguous); ssh_config also
    knows the first host of each group by the group's name (`ssh -F .lab/ssh_config web`)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for i in range(count):
        g = groups[i % len(groups)]
        out.append((f"{g}{i // len(groups) + 1}", (g,)))
    return out


class Lab:
    def __init__(self, cfg: LabConfig, hosts: list[LabHost], base: Path) -> None:
        self.cfg = cfg
        self.hosts = hosts
        self.base = base  # every host of a lab runs on the same base, with the same key

    # -- paths -------------------------------------------------------------------------
    @property
    def inventory_path(self) -> Path:
        return self.cfg.state_dir / "inventory.yml"

    @property
    def ssh_config_path(self) -> Path:
        return self.cfg.state_dir / "ssh_config"

    @property
    def known_hosts_path(self) -> Path:
        return self.cfg.state_dir / "known_hosts"

    @property
    def key_path(self) -> Path:
        return self.base.with_name(self.base.name + ".id_ed25519")

    def host(self, name: str) -> LabHost:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def host_dir(self, name: str) -> Path:
        return self.cfg.hosts_dir / name

    # -- life cycle ----------------------------------------------------------------------
    @classmethod
    def up(cls, cfg: LabConfig, count: int = 3, groups: tuple[str, ...] = ("web", "app", "db")) -> Lab:
        base = ensure_base(cfg)
        hosts = [
            LabHost(name, i, g, cfg.lan_address(i), cfg.ssh_address(i))
            for i, (name, g) in enumerate(layout(count, list(groups)), start=1)
        ]
        for h in hosts:
            if len(h.name) > MAX_NAME:
                raise ValueError(f"host name {h.name!r} longer than {MAX_NAME} characters")
        lab = cls(cfg, hosts, base)
        cfg.state_dir.mkdir(parents=True, exist_ok=True)
        cfg.run_dir.mkdir(parents=True, exist_ok=True)
        lab._save()
        try:
            lab._hub_up()
            with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
                list(pool.map(lambda h: lab.start(h.name), hosts))
            files.write_access_files(lab)
        except BaseException:
            lab.down()  # a lab that did not come up leaves nothing behind
            raise
        return lab

    @classmethod
    def from_state(cls, state_dir: Path) -> Lab:
        data = json.loads((state_dir / "lab.json").read_text())
        hosts = [LabHost(h["name"], h["index"], tuple(h["groups"]), h["lan_address"], h["ssh_address"])
                 for h in data["hosts"]]
        cfg = LabConfig.from_json(data["config"])
        return cls(cfg, hosts, Path(data["base"]) if "base" in data else base_dir(cfg))

    def _save(self) -> None:
        data = {"config": self.cfg.to_json(), "base": str(self.base), "hosts": [asdict(h) for h in self.hosts]}
        (self.cfg.state_dir / "lab.json").write_text(json.dumps(data, indent=2) + "\n")

    def answering(self) -> bool:
        return all(port_listening(h.ssh_address, 22) for h in self.hosts)

    def _hub_up(self) -> None:
        cfg, run = self.cfg, self.cfg.run_dir
        hub = cfg.hub_netns
        if not netns_exists(hub):
            sh("ip", "netns", "add", hub)
            sh("ip", "-n", hub, "link", "set", "lo", "up")
            sh("ip", "-n", hub, "link", "add", "br0", "type", "bridge")
            sh("ip", "-n", hub, "addr", "add", f"{cfg.hub_address}/{cfg.prefixlen}", "dev", "br0")
            sh("ip", "-n", hub, "link", "set", "br0", "up")
            # The hub forwards nothing: packets for any other address end there, unanswered.
        proxy.acquire(cfg)  # shared by every lab of the machine
        sock = run / "apt.sock"
        relays = {
            "aptsock": ["socat", f"UNIX-LISTEN:{sock},fork,unlink-early", f"TCP:127.0.0.1:{cfg.proxy_port}"],
            "apthub": ["nsenter", f"--net=/run/netns/{hub}", "socat",
                       f"TCP-LISTEN:{cfg.proxy_port},bind={cfg.hub_address},fork,reuseaddr",
                       f"UNIX-CONNECT:{sock}"],
        }
        for name, argv in relays.items():
            # A lab brought up again over a running one keeps its relays (a second would be
            # orphaned when its pid file is overwritten).
            if not alive(read_pid(run / f"{name}.pid")):
                daemon(run / f"{name}.pid", argv)

    def start(self, name: str, timeout: float = 60) -> None:
        """Start a host; returns when its sshd answers."""
        base = self.base
        h, cfg = self.host(name), self.cfg
        hdir = self.host_dir(name)
        if port_listening(h.ssh_address, 22):  # never answer for another lab's host
            raise RuntimeError(f"{name}: {h.ssh_address}:22 is taken (another lab in this slot?)")
        for sub in ("upper", "work", "root"):
            (hdir / sub).mkdir(parents=True, exist_ok=True)
        if not (hdir / "upper" / "etc" / "hostname").exists():
            files.first_start(self, h, hdir / "upper")
        ns = cfg.netns(name)
        if netns_exists(ns):
            sh("ip", "netns", "del", ns, check=False)
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        veth = f"v{h.index}"
        sh("ip", "-n", cfg.hub_netns, "link", "del", veth, check=False)
        sh("ip", "-n", cfg.hub_netns, "link", "add", veth, "type", "veth", "peer", "name", "eth0",
           "netns", ns)
        sh("ip", "-n", cfg.hub_netns, "link", "set", veth, "master", "br0", "up")
        sh("ip", "-n", ns, "addr", "add", f"{h.lan_address}/{cfg.prefixlen}", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "route", "add", "default", "via", cfg.hub_address)
        root = hdir / "root"
        # The overlay lives in a private mount namespace: it goes away with nspawn.
        boot = (
            f"mount -t overlay overlay -o lowerdir={shlex.quote(str(base))},"
            f"upperdir={shlex.quote(str(hdir / 'upper'))},workdir={shlex.quote(str(hdir / 'work'))} "
            f"{shlex.quote(str(root))} && exec systemd-nspawn --quiet --boot "
            f"--directory={shlex.quote(str(root))} --machine={shlex.quote(ns)} --register=no "
            f"--keep-unit --network-namespace-path=/run/netns/{shlex.quote(ns)} --resolv-conf=off "
            "--timezone=off --link-journal=no --console=read-only "
            # Its own network namespace: a host may set its own firewall (baseline_firewall).
            "--capability=CAP_NET_ADMIN"
        )
        daemon(hdir / "nspawn.pid", ["unshare", "--mount", "--propagation", "private", "sh", "-c", boot])
        sock = hdir / "ssh.sock"
        daemon(hdir / "sock-in.pid", ["nsenter", f"--net=/run/netns/{ns}", "socat",
                                      f"UNIX-LISTEN:{sock},fork,unlink-early", "TCP:127.0.0.1:22"])
        daemon(hdir / "sock-out.pid", ["socat", f"TCP-LISTEN:22,bind={h.ssh_address},fork,reuseaddr",
                                       f"UNIX-CONNECT:{sock}"])
        if not wait_for_banner(h.ssh_address, 22, timeout):
            logs = "".join(f"\n--- {log.name}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                           for log in sorted(hdir.glob("*.log")))  # the host dir goes with the lab
            raise RuntimeError(f"{name}: no ssh after {timeout} s{logs}")

    def stop(self, name: str, grace: float = 30) -> None:
        """Orderly poweroff; SIGKILL to the container's PID 1 past the grace time."""
        hdir = self.host_dir(name)
        kill_pidfile(hdir / "sock-out.pid")
        kill_pidfile(hdir / "sock-in.pid")
        self._end_container(hdir, grace)
        sh("ip", "netns", "del", self.cfg.netns(name), check=False)  # takes its veth pair along
        (hdir / "ssh.sock").unlink(missing_ok=True)

    def _end_container(self, hdir: Path, grace: float) -> None:
        pid = read_pid(hdir / "nspawn.pid")
        if alive(pid):
            assert pid is not None
            init = children(pid)
            signal_pid(pid, signal.SIGTERM)  # nspawn passes SIGRTMIN+3 on: poweroff
            deadline = time.monotonic() + grace
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(pid):
                # SIGKILL to nspawn alone leaves the container running: kill its PID 1 too.
                for p in [*init, pid]:
                    signal_pid(p, signal.SIGKILL)
                while alive(pid):
                    time.sleep(0.05)
        (hdir / "nspawn.pid").unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """Abrupt end of a host (power cut): SIGKILL to its PID 1 and to nspawn."""
        hdir = self.host_dir(name)
        pid = read_pid(hdir / "nspawn.pid")
        if alive(pid):
            assert pid is not None
            init = children(pid)
            for p in [*init, pid]:
                signal_pid(p, signal.SIGKILL)
            deadline = time.monotonic() + 30
            # Wait for the container's init as well: it is what holds its processes.
            while any(alive(p) for p in [*init, pid]) and time.monotonic() < deadline:
                time.sleep(0.05)

    def reset(self, name: str) -> None:
        """Back to a clean host: a fresh overlay, a new host key (known_hosts rewritten)."""
        self.stop(name, grace=10)
        shutil.rmtree(self.host_dir(name), ignore_errors=True)
        self.start(name)
        files.write_access_files(self)

    def down(self) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(self.hosts))) as pool:
            list(pool.map(lambda h: self.stop(h.name, grace=10), self.hosts))
        run = self.cfg.run_dir
        for name in ("apthub", "aptsock"):
            kill_pidfile(run / f"{name}.pid")
        proxy.release(self.cfg)
        sh("ip", "netns", "del", self.cfg.hub_netns, check=False)
        shutil.rmtree(self.cfg.hosts_dir, ignore_errors=True)
        shutil.rmtree(files.control_dir(self.cfg), ignore_errors=True)
        shutil.rmtree(self.cfg.state_dir, ignore_errors=True)

    # -- use -----------------------------------------------------------------------------
    def ssh(self, name: str, command: str, timeout: float = 60,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config_path), name, command],
            capture_output=True, text=True, timeout=timeout, input=input,
        )


def signal_pid(pid: int, sig: int) -> None:
    try:
        import os

        os.kill(pid, sig)
    except ProcessLookupError:
        pass
