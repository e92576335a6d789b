"""The zone lab: two network zones the controller reaches only through each zone's jump host.

    zone_a: jumpa (on the lab LAN and on zone a's bridge), dmz1, dmz2 (zone a's bridge only)
    zone_b: jumpb (on the lab LAN and on zone b's bridge), core1 (zone b's bridge only)

Every host runs in its own network namespace like any lab host (tests/lab/lab.py); the jump
hosts keep their loopback sshd relay, the zone hosts lose theirs once up, and their link moves
from the hub's LAN bridge to their zone's bridge. A jump host reaches its zone's hosts over a
second link on that bridge (a /32 route per host); the hub forwards nothing, so neither the
controller nor the other zone's jump host has a path to them. The zone hosts keep their LAN
addresses and reach the lab's apt proxy on the hub through their zone bridge.

The inventory (`.lab-zone/inventory.yml`) gives each zone group `envcheck_worker: <its jump
host>` and `ProxyJump` through it, the way a site writes one."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import yaml

from tests.lab import files
from tests.lab.base import ensure_base
from tests.lab.config import REPO, LabConfig, sublab
from tests.lab.host import kill_pidfile, sh
from tests.lab.lab import Lab, LabHost

# zone group -> (jump host, hosts inside; the zone's bridge in the hub namespace)
ZONES = {"zone_a": ("jumpa", ("dmz1", "dmz2"), "za"), "zone_b": ("jumpb", ("core1",), "zb")}
JUMPS = "jumps"


def zone_config() -> LabConfig:
    return sublab("zone")


def _hosts(cfg: LabConfig) -> list[LabHost]:
    names: list[tuple[str, str]] = []
    for group, (jump, inner, _bridge) in ZONES.items():
        names += [(jump, JUMPS), *((n, group) for n in inner)]
    return [LabHost(n, i, (g,), cfg.lan_address(i), cfg.ssh_address(i)) for i, (n, g) in enumerate(names, start=1)]


def up(cfg: LabConfig | None = None) -> Lab:
    """The zone lab, from a clean start: hosts up, links moved, access files written."""
    cfg = cfg or zone_config()
    if (cfg.state_dir / "lab.json").exists():
        Lab.from_state(cfg.state_dir).down()
    lab = Lab(cfg, _hosts(cfg), ensure_base(cfg))
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    lab._save()  # the lab's own state file, as Lab.up writes it
    try:
        lab._hub_up()
        with ThreadPoolExecutor(max_workers=len(lab.hosts)) as pool:
            list(pool.map(lambda h: lab.start(h.name), lab.hosts))
        _zone_links(lab)
        write_access_files(lab)
    except BaseException:
        lab.down()
        raise
    return lab


def attach() -> Lab | None:
    """The zone lab when it is up and answering (its jump hosts), else None."""
    cfg = zone_config()
    if not (cfg.state_dir / "zones.json").exists():
        return None
    lab = Lab.from_state(cfg.state_dir)
    jumps = [lab.host(j) for j, _i, _b in ZONES.values()]
    return lab if all(lab.ssh(j.name, "true", timeout=30).returncode == 0 for j in jumps) else None


def _ns(namespace: str, *argv: str) -> None:
    sh("ip", "-n", namespace, *argv)


def _zone_links(lab: Lab) -> None:
    cfg, hub = lab.cfg, lab.cfg.hub_netns
    sh("ip", "netns", "exec", hub, "sysctl", "-qw", "net.ipv4.conf.all.forwarding=0")
    for jump_name, inner, bridge in ZONES.values():
        _ns(hub, "link", "add", bridge, "type", "bridge")
        _ns(hub, "link", "set", bridge, "up")
        jump = lab.host(jump_name)
        ns = cfg.netns(jump.name)
        veth = f"v{jump.index}{bridge}"
        _ns(hub, "link", "add", veth, "type", "veth", "peer", "name", "eth1", "netns", ns)
        _ns(hub, "link", "set", veth, "master", bridge, "up")
        _ns(ns, "link", "set", "eth1", "up")
        for name in inner:
            h = lab.host(name)
            # The controller's way in (the loopback relay) goes: only the jump host leads here.
            kill_pidfile(lab.host_dir(name) / "sock-out.pid")
            _ns(hub, "link", "set", f"v{h.index}", "nomaster")
            _ns(hub, "link", "set", f"v{h.index}", "master", bridge, "up")
            _ns(hub, "route", "add", f"{h.lan_address}/32", "dev", bridge)  # the apt proxy's answers
            _ns(ns, "route", "add", f"{h.lan_address}/32", "dev", "eth1", "src", jump.lan_address)


def write_access_files(lab: Lab) -> None:
    """known_hosts (jump hosts by loopback address, zone hosts by LAN address), an ssh_config
    with ProxyJump for the zone hosts, and the inventory with each zone's worker."""
    state, key = lab.cfg.state_dir, str(lab.key_path)
    known = lab.known_hosts_path
    jumps = {h: g for g, (h, _i, _b) in ZONES.items()}
    lines, blocks = [], []
    for h in lab.hosts:
        pub = files.host_public_key(lab, h.name)
        address = h.ssh_address if h.name in jumps else h.lan_address
        lines.append(f"{address},{h.name} {pub}")
        via = [] if h.name in jumps else [f"  ProxyJump root@{lab.host(_jump_of(h.name)).ssh_address}"]
        blocks.append("\n".join([f"Host {h.name} {address}", f"  HostName {address}", "  User root",
                                 f"  IdentityFile {key}", "  IdentitiesOnly yes", f"  UserKnownHostsFile {known}",
                                 "  StrictHostKeyChecking yes", "  BatchMode yes", *via]))
    known.write_text("\n".join(lines) + "\n")
    lab.ssh_config_path.write_text("\n\n".join(blocks) + "\n")
    common = f"-o UserKnownHostsFile={known} -o StrictHostKeyChecking=yes"
    children: dict[str, Any] = {JUMPS: {"hosts": {j: {"ansible_host": lab.host(j).ssh_address} for j in jumps}}}
    for group, (jump, inner, _bridge) in ZONES.items():
        children[group] = {
            "vars": {"envcheck_worker": jump,
                     "ansible_ssh_common_args": f"{common} -o ProxyJump=root@{lab.host(jump).ssh_address}"},
            "hosts": {n: {"ansible_host": lab.host(n).lan_address, "lan_address": lab.host(n).lan_address}
                      for n in inner},
        }
    inventory = {"all": {"vars": {"ansible_user": "root", "ansible_port": 22, "ansible_ssh_private_key_file": key,
                                  "ansible_ssh_common_args": common,
                                  "ansible_python_interpreter": "/usr/bin/python3"},
                         "children": children}}
    header = "# Written by the envcheck zone lab (tests/lab/zone.py).\n"
    lab.inventory_path.write_text(header + yaml.safe_dump(inventory, sort_keys=False))
    shutil.copytree(REPO / "inventories" / "lab" / "group_vars", state / "group_vars", dirs_exist_ok=True)
    (state / "zones.json").write_text(json.dumps(ZONES) + "\n")


def _jump_of(name: str) -> str:
    return next(j for j, inner, _b in ZONES.values() if name in inner)


def down(cfg: LabConfig | None = None) -> None:
    cfg = cfg or zone_config()
    if (cfg.state_dir / "lab.json").exists():
        Lab.from_state(cfg.state_dir).down()  # the hub namespace takes the zone bridges along


def main(argv: list[str]) -> int:
    if argv[:1] == ["down"]:
        down()
        print("zone lab down")
        return 0
    lab = up()
    for h in lab.hosts:
        print(f"  {h.name:<8} lan {h.lan_address}  {'ssh ' + h.ssh_address if h.groups == (JUMPS,) else ''}")
    print(f"inventory: {lab.inventory_path}\nssh_config: {lab.ssh_config_path}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
