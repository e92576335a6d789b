"""python -m tests.lab up --hosts 3 --groups web,app,db | down | status | site-up | site-down | base

base builds the lab's Debian root if it is not cached and prints its path (`make bundle`
resolves the bundle's packages against it).

site-up brings up and deploys the second, deployed lab the `site` fixture uses (and keeps it
up, so that test runs reuse it); site-down removes it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.lab.base import why_unavailable
from tests.lab.config import LabConfig
from tests.lab.host import port_listening
from tests.lab.lab import Lab


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab")
    ap.add_argument("action", choices=["up", "down", "status", "site-up", "site-down", "base"])
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--groups", default="web,app,db")
    default = LabConfig.from_env()  # the checkout's main lab, in its slot
    ap.add_argument("--state-dir", type=Path, default=default.state_dir)
    ap.add_argument("--subnet", default=default.subnet)
    ap.add_argument("--loopback-start", default=default.loopback_start)
    ap.add_argument("--prefix", default=default.prefix)
    ap.add_argument("--proxy-port", type=int, default=default.proxy_port)
    args = ap.parse_args()
    if args.action.startswith("site-"):
        return _site(args.action)
    state = args.state_dir.resolve()
    if args.action == "base":
        from tests.lab.base import ensure_base

        print(ensure_base(default))
        return 0
    if args.action == "up":
        problem = why_unavailable()
        if problem:
            print(f"cannot run the lab here: {problem}", file=sys.stderr)
            return 2
        if (state / "lab.json").exists():
            Lab.from_state(state).down()
        cfg = LabConfig(state_dir=state, subnet=args.subnet, loopback_start=args.loopback_start,
                        prefix=args.prefix, proxy_port=args.proxy_port)
        started = time.monotonic()
        lab = Lab.up(cfg, args.hosts, tuple(g for g in args.groups.split(",") if g))
        print(f"{len(lab.hosts)} hosts up in {time.monotonic() - started:.1f} s")
        for h in lab.hosts:
            print(f"  {h.name:<14} ssh {h.ssh_address}  lan {h.lan_address}  groups {','.join(h.groups)}")
        print(f"inventory:   {lab.inventory_path}\nssh_config:  {lab.ssh_config_path}\n"
              f"known_hosts: {lab.known_hosts_path}\ntry: ssh -F {lab.ssh_config_path} {lab.hosts[0].name} true")
        return 0
    if not (state / "lab.json").exists():
        print("no lab is up", file=sys.stderr)
        return 0 if args.action == "down" else 1
    lab = Lab.from_state(state)
    if args.action == "down":
        lab.down()
        print("lab down")
        return 0
    print(f"lab at {state}: namespaces {lab.cfg.prefix}*, sshd from {lab.cfg.loopback_start}")
    for h in lab.hosts:
        print(f"{h.name:<14} {'answering' if port_listening(h.ssh_address, 22) else 'DOWN'}")
    return 0


def _site(action: str) -> int:
    from tests.lab.site import bring_up, site_config, take_down

    cfg = site_config()
    if action == "site-down":
        if (cfg.state_dir / "lab.json").exists():
            take_down(Lab.from_state(cfg.state_dir))
        print("site down")
        return 0
    problem = why_unavailable()
    if problem:
        print(f"cannot run the lab here: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    site, _ = bring_up()
    print(f"site deployed in {time.monotonic() - started:.0f} s; inventory: {site.inventory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
