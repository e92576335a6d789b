"""The offline lab (issue 21): hosts cut off from everything but the controller's SSH, and a
controller with no registry (a network namespace with no route out).

Cutting a host off: its apt proxy setting removed, its default route deleted and the hub's
address (where the apt proxy relay listens) made unreachable by a `prohibit` route; what is
left is its LAN and the SSH that reaches its sshd through a UNIX socket relay (tests/lab/lab.py)."""

from __future__ import annotations

import shlex
import subprocess
import uuid
from pathlib import Path

from tests.lab.config import LabConfig, sublab
from tests.lab.host import daemon, kill_pidfile, sh
from tests.lab.lab import Lab

PROXY_CONF = "/etc/apt/apt.conf.d/01lab-proxy"
HOST_DIR = "/var/cache/envcheck-offline"  # where deploy --offline keeps a host's repository
# What "a host's apt sources" are: its source lists and apt's view of where it reads them from.
APT_SOURCES = (
    "cat /etc/apt/sources.list 2>/dev/null; for f in /etc/apt/sources.list.d/*; do echo \"== $f\"; "
    "cat \"$f\"; done; apt-config dump Dir::Etc Dir::State::Lists Acquire::http::Proxy | LC_ALL=C sort"
)


def offline_config() -> LabConfig:
    return sublab("offline")


def up() -> Lab:
    """Two hosts, web1 and app1 (the baseline, Nginx, Tomcat and its JRE from the bundle; Nginx
    leads to Tomcat, so the proxy checks pass), started fresh."""
    cfg = offline_config()
    if (cfg.state_dir / "lab.json").exists():
        Lab.from_state(cfg.state_dir).down()
    return Lab.up(cfg, 2, ("web", "app"))


def cut_off(lab: Lab, name: str) -> None:
    """No apt proxy, no route out: only the controller's SSH reaches the host."""
    done = lab.ssh(name, f"rm -f {PROXY_CONF}")
    assert done.returncode == 0, done.stderr
    ns = lab.cfg.netns(name)
    sh("ip", "-n", ns, "route", "del", "default", check=False)
    sh("ip", "-n", ns, "route", "replace", "prohibit", f"{lab.cfg.hub_address}/32")


def reaches_out(lab: Lab, name: str) -> str:
    """What the host reaches beyond its LAN: the apt proxy and an outside address (empty: none)."""
    probe = (f"for t in {shlex.quote(lab.cfg.hub_address)}:{lab.cfg.proxy_port} 192.0.2.1:80; do "
             "timeout 3 bash -c \"exec 3<>/dev/tcp/${t%:*}/${t#*:}\" 2>/dev/null && echo \"$t\"; done; true")
    return lab.ssh(name, probe).stdout.strip()


class Isolated:
    """A network namespace with no route out (its loopback only) from which one lab host's
    sshd is reachable at its usual address: a socat there relays to a UNIX socket, and one on
    the controller from that socket to the host. Nothing else gets out."""

    def __init__(self, lab: Lab, name: str, run_dir: Path) -> None:
        self.lab, self.host, self.run = lab, lab.host(name), run_dir
        self.netns = f"eck{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Isolated:
        self.run.mkdir(parents=True, exist_ok=True)
        sh("ip", "netns", "add", self.netns)
        sh("ip", "-n", self.netns, "link", "set", "lo", "up")
        sock = self.run / "ssh.sock"
        daemon(self.run / "relay-out.pid", ["socat", f"UNIX-LISTEN:{sock},fork,unlink-early",
                                             f"TCP:{self.host.ssh_address}:22"])
        daemon(self.run / "relay-in.pid", ["nsenter", f"--net=/run/netns/{self.netns}", "socat",
                                            f"TCP-LISTEN:22,bind={self.host.ssh_address},fork,reuseaddr",
                                            f"UNIX-CONNECT:{sock}"])
        return self

    def run_in(self, argv: list[str], timeout: float = 600, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.netns, *argv], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def __exit__(self, *_exc: object) -> None:
        kill_pidfile(self.run / "relay-in.pid")
        kill_pidfile(self.run / "relay-out.pid")
        sh("ip", "netns", "del", self.netns, check=False)
