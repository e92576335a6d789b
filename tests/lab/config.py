"""Lab parameters. Every lab of a checkout lives in that checkout's slot S (1-254): its
sshd addresses are 127.S.<sub-lab>.11 on, its namespaces are named ec<S><tag>-..., its
state is inside the checkout. Two checkouts (their suites, a bench beside them) never share a
name, an address, a socket or a directory; the apt proxy on 127.0.0.1:3142 is shared on
purpose, by reuse (tests/lab/proxy.py).

The slot comes by itself: the first free one from a hash of the checkout's path, claimed in
/var/tmp/envcheck-lab/slots/ (a file per slot naming its checkout; freed when the checkout
is gone). ENVCHECK_LAB_SLOT=S chooses it by hand. The LAN subnets live inside the lab's
namespaces only, so equal subnets in two labs never meet."""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CACHE_DIR = Path("/var/tmp/envcheck-lab")  # bases, apt cache, slots: kept across labs
SLOTS_DIR = CACHE_DIR / "slots"
SLOT_ENV = "ENVCHECK_LAB_SLOT"
# Slots taken automatically; 1-15 stay for hand-chosen ones (ENVCHECK_LAB_SLOT, or addresses
# given with ENVCHECK_LAB_LOOPBACK such as 127.1.0.11).
AUTO_SLOTS = range(16, 255)

# The base root filesystem: Debian bookworm, minbase, plus what a real server has.
SUITE = "bookworm"
BASE_PACKAGES = (
    "systemd-sysv", "dbus", "openssh-server", "python3", "iproute2", "procps",
    "ca-certificates", "sudo", "locales", "tzdata", "less", "iputils-ping", "netcat-openbsd",
    "curl",
)
# What the controller needs to run a lab.
CONTROLLER_PACKAGES = ("debootstrap", "systemd-container", "socat", "apt-cacher-ng", "faketime")


@dataclass(frozen=True)
class LabConfig:
    state_dir: Path  # inventory, ssh_config, known_hosts, lab.json
    loopback_start: str  # host i's sshd is at loopback_start + (i - 1)
    prefix: str  # network namespace names
    subnet: str = "10.99.0.0/24"  # the lab LAN, inside namespaces only
    cache_dir: Path = CACHE_DIR
    proxy_port: int = 3142  # apt-cacher-ng on 127.0.0.1

    @property
    def hub_address(self) -> str:
        return str(ipaddress.ip_network(self.subnet)[1])

    @property
    def prefixlen(self) -> int:
        return ipaddress.ip_network(self.subnet).prefixlen

    def lan_address(self, index: int) -> str:
        return str(ipaddress.ip_network(self.subnet)[10 + index])

    def ssh_address(self, index: int) -> str:
        return str(ipaddress.ip_address(self.loopback_start) + index - 1)

    def netns(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def hub_netns(self) -> str:
        return f"{self.prefix}hub"

    @property
    def key(self) -> str:
        """This lab among all labs of the machine (its state dir)."""
        return hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:10]

    @property
    def hosts_dir(self) -> Path:
        # Overlays live beside the bases but apart per lab (keyed by the state dir).
        return self.cache_dir / f"hosts-{self.prefix}{self.key}"

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    def to_json(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}

    @classmethod
    def from_env(cls) -> LabConfig:
        """The checkout's main lab (the `lab` fixture, `make lab-up`)."""
        return sublab("main")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabConfig:
        return cls(
            state_dir=Path(data["state_dir"]), cache_dir=Path(data["cache_dir"]),
            subnet=data["subnet"], loopback_start=data["loopback_start"],
            prefix=data["prefix"], proxy_port=int(data["proxy_port"]),
        )


@dataclass(frozen=True)
class SubLab:
    octet: int  # the third octet of its loopback range: 127.S.<octet>.11 on
    tag: str  # in its namespace prefix: ec<S><tag>-
    subnet: str
    state: str  # its state dir in the checkout
    env: str  # <env>_LOOPBACK / _PREFIX / _SUBNET still move it by hand


SUBLABS = {
    "main": SubLab(0, "", "10.99.0.0/24", ".lab", "ENVCHECK_LAB"),
    "site": SubLab(2, "s", "10.99.2.0/24", ".lab-site", "ENVCHECK_SITE_LAB"),
    # The site's twin (tests/lab/twin.py): a copy of the deployed site on the site's own subnet.
    "twin": SubLab(5, "w", "10.99.2.0/24", ".lab-twin", "ENVCHECK_TWIN_LAB"),
    "scale": SubLab(7, "t", "10.99.7.0/24", ".lab-scale", "ENVCHECK_SCALE_LAB"),
    "transport": SubLab(8, "p", "10.99.8.0/24", ".lab-transport", "ENVCHECK_TRANSPORT_LAB"),
    "bench": SubLab(9, "b", "10.99.9.0/24", ".lab-bench", "ENVCHECK_BENCH"),
    "zone": SubLab(6, "z", "10.99.6.0/24", ".lab-zone", "ENVCHECK_ZONE_LAB"),
    # issue 21: hosts cut off from everything but the controller's SSH (tests/lab/offline.py)
    "offline": SubLab(12, "o", "10.99.12.0/24", ".lab-offline", "ENVCHECK_OFFLINE_LAB"),
}


def sublab(name: str, state_dir: Path | None = None) -> LabConfig:
    """One lab of this checkout's slot; its variables, where set, override each value."""
    sub = SUBLABS[name]
    env = os.environ

    def given(key: str) -> str | None:
        return env.get(f"{sub.env}_{key}") or None

    loopback, prefix = given("LOOPBACK"), given("PREFIX")
    s = slot() if loopback is None or prefix is None else 0
    return LabConfig(
        state_dir=state_dir or REPO / sub.state,
        loopback_start=loopback or f"127.{s}.{sub.octet}.11",
        prefix=prefix or f"ec{s}{sub.tag}-",
        subnet=given("SUBNET") or sub.subnet,
    )


def slot(repo: Path = REPO, registry: Path = SLOTS_DIR) -> int:
    """This checkout's slot: ENVCHECK_LAB_SLOT, else the one it holds in the registry, else
    the first free one from a hash of its path (claimed there)."""
    given = os.environ.get(SLOT_ENV)
    if given:
        value = int(given)
        if not 1 <= value <= 254:
            raise ValueError(f"{SLOT_ENV}={given}: a slot is 1 to 254")
        return value
    start = int(hashlib.sha256(str(repo).encode()).hexdigest(), 16) % len(AUTO_SLOTS)
    order = [AUTO_SLOTS[(start + i) % len(AUTO_SLOTS)] for i in range(len(AUTO_SLOTS))]
    try:
        registry.mkdir(parents=True, exist_ok=True)
        lock = (registry / ".lock").open("a")
    except OSError:
        return order[0]  # no registry here (not root: no lab either), the hash alone
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        free = None
        for s in order:
            owner = _owner(registry / str(s))
            if owner == str(repo):
                return s
            if free is None and (owner is None or not Path(owner).is_dir()):
                free = s  # never claimed, or its checkout is gone
        if free is None:
            raise RuntimeError(f"every lab slot is taken ({registry}); set {SLOT_ENV}")
        (registry / str(free)).write_text(f"{repo}\n")
        return free


def _owner(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None
