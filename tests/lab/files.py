"""Files the lab writes: each host's first-start files, and the controller's access files
(Ansible inventory, ssh_config, known_hosts) in the state dir."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tests.lab.config import REPO, LabConfig

if TYPE_CHECKING:
    from tests.lab.lab import Lab, LabHost


def first_start(lab: Lab, h: LabHost, upper: Path) -> None:
    etc = upper / "etc"
    (etc / "ssh").mkdir(parents=True, exist_ok=True)
    (etc / "hostname").write_text(h.name + "\n")
    (etc / "machine-id").write_text(Path("/proc/sys/kernel/random/uuid").read_text().strip().replace("-", "") + "\n")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{h.name}",
                    "-f", str(etc / "ssh" / "ssh_host_ed25519_key")], check=True)
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines += [f"{o.lan_address}\t{o.name}" for o in lab.hosts]
    (etc / "hosts").write_text("\n".join(lines) + "\n")
    conf = etc / "apt" / "apt.conf.d"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "01lab-proxy").write_text(
        f'Acquire::http::Proxy "http://{lab.cfg.hub_address}:{lab.cfg.proxy_port}";\n')


def host_public_key(lab: Lab, name: str) -> str:
    pub = lab.host_dir(name) / "upper" / "etc" / "ssh" / "ssh_host_ed25519_key.pub"
    key_type, key = pub.read_text().split()[:2]
    return f"{key_type} {key}"


def control_dir(cfg: LabConfig) -> Path:
    """ssh's ControlMaster sockets of this lab (short: a socket path holds 108 bytes)."""
    return Path("/tmp") / f"eclab-cm-{cfg.prefix.strip('-')}"


def write_access_files(lab: Lab) -> None:
    state = lab.cfg.state_dir
    key = str(lab.key_path)
    known = [f"{h.ssh_address},{h.name} {host_public_key(lab, h.name)}" for h in lab.hosts]
    lab.known_hosts_path.write_text("\n".join(known) + "\n")
    control = control_dir(lab.cfg)
    control.mkdir(mode=0o700, exist_ok=True)
    blocks = []
    aliased: set[str] = set()
    for h in lab.hosts:
        aliases = [g for g in h.groups if g not in aliased]
        aliased.update(aliases)
        blocks.append("\n".join([
            f"Host {' '.join([h.name, *aliases, h.ssh_address])}",
            f"  HostName {h.ssh_address}",
            "  Port 22",
            "  User root",
            f"  IdentityFile {key}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {lab.known_hosts_path}",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  ControlMaster auto",
            f"  ControlPath {control}/%C",
            "  ControlPersist 60s",
        ]))
    lab.ssh_config_path.write_text("\n\n".join(blocks) + "\n")
    groups: dict[str, Any] = {}
    for h in lab.hosts:
        for g in h.groups:
            groups.setdefault(g, {"hosts": {}})["hosts"][h.name] = {
                "ansible_host": h.ssh_address,
                "ansible_port": 22,
                "ansible_user": "root",
                "ansible_ssh_private_key_file": key,
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={lab.known_hosts_path} "
                                           "-o StrictHostKeyChecking=yes",
                "ansible_python_interpreter": "/usr/bin/python3",
                "lan_address": h.lan_address,
            }
    inventory = {"all": {"children": groups}}
    header = "# Written by the envcheck lab (tests/lab); rewritten at every `make lab-up`.\n"
    (state / "inventory.yml").write_text(header + yaml.safe_dump(inventory, sort_keys=False))
    # The lab's standard (inventories/lab/group_vars) beside its inventory, where Ansible finds it.
    shutil.copytree(REPO / "inventories" / "lab" / "group_vars", state / "group_vars", dirs_exist_ok=True)


def write_acng_config(cfg: LabConfig) -> Path:
    """A minimal apt-cacher-ng config (the packaged one's redirect rules fail here)."""
    acng = cfg.cache_dir / "acng"
    for sub in ("cache", "log"):
        (acng / sub).mkdir(parents=True, exist_ok=True)
    (acng / "acng.conf").write_text(
        f"CacheDir: {acng / 'cache'}\nLogDir: {acng / 'log'}\n"
        "SupportDir: /usr/lib/apt-cacher-ng\n"
        f"Port: {cfg.proxy_port}\nBindAddress: 127.0.0.1\nForeGround: 1\n"
    )
    return acng
