"""Lab parameters. Two labs with different parameters never share a name, an address,
a socket or a directory (the apt proxy on its port is shared on purpose, by reuse)."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

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
    state_dir: Path = REPO / ".lab"  # inventory, ssh_config, known_hosts, lab.json
    cache_dir: Path = Path("/var/tmp/envcheck-lab")  # bases, apt cache: kept across labs
    subnet: str = "10.99.0.0/24"  # the lab LAN, inside namespaces only
    loopback_start: str = "127.0.0.11"  # host i's sshd is at loopback_start + (i - 1)
    prefix: str = "eclab-"  # network namespace names
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
    def hosts_dir(self) -> Path:
        # Overlays live beside the bases but apart per lab (keyed by the state dir).
        key = hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:10]
        return self.cache_dir / f"hosts-{self.prefix}{key}"

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    def to_json(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}

    @classmethod
    def from_env(cls) -> LabConfig:
        """The default lab, where ENVCHECK_LAB_SUBNET / _LOOPBACK / _PREFIX may move it aside so
        that two checkouts (or a checkout and a benchmark) run labs side by side."""
        base = cls()
        return cls(
            subnet=os.environ.get("ENVCHECK_LAB_SUBNET", base.subnet),
            loopback_start=os.environ.get("ENVCHECK_LAB_LOOPBACK", base.loopback_start),
            prefix=os.environ.get("ENVCHECK_LAB_PREFIX", base.prefix),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabConfig:
        return cls(
            state_dir=Path(data["state_dir"]), cache_dir=Path(data["cache_dir"]),
            subnet=data["subnet"], loopback_start=data["loopback_start"],
            prefix=data["prefix"], proxy_port=int(data["proxy_port"]),
        )
