"""python -m tests.lab up --hosts 3 --groups web,app,db | down | status"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.lab.base import why_unavailable
from tests.lab.config import LabConfig
from tests.lab.lab import Lab


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab")
    ap.add_argument("action", choices=["up", "down", "status"])
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--groups", default="web,app,db")
    ap.add_argument("--state-dir", type=Path, default=LabConfig.from_env().state_dir)
    ap.add_argument("--subnet", default=LabConfig.from_env().subnet)
    ap.add_argument("--loopback-start", default=LabConfig.from_env().loopback_start)
    ap.add_argument("--prefix", default=LabConfig.from_env().prefix)
    ap.add_argument("--proxy-port", type=int, default=LabConfig.from_env().proxy_port)
    args = ap.parse_args()
    state = args.state_dir.resolve()
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
    for h in lab.hosts:
        print(f"{h.name:<14} {'answering' if lab.answering() else 'DOWN'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
