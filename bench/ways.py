"""The ways the bench audits N lab hosts, each a callable that runs one whole audit and
returns the exit statuses of the processes it waited for.

Every run starts cold: ControlMaster sockets live in a fresh directory per run and the
masters are closed (and reaped, so their CPU is counted) before the next run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.table import ENVCHECK, FLOOR
from tests.lab.lab import Lab, LabHost

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
BIN = Path(sys.executable).parent
PEER_CHECKS = 29  # checks in bench/peers/audit.yml and test_audit.py


@dataclass(frozen=True)
class Way:
    name: str
    run: Callable[[], list[int]]  # exit statuses of the processes it started
    ok: Callable[[int], bool]  # is this exit status a complete audit (checks may fail)?
    cleanup: Callable[[], None] = lambda: None  # after the timed part: close masters


@dataclass(frozen=True)
class Fleet:
    """The first N hosts of the lab, with their own inventory, host list and ssh_config."""

    lab: Lab
    hosts: tuple[LabHost, ...]
    dir: Path

    @property
    def inventory(self) -> Path:
        return self.dir / "inventory.yml"

    @property
    def hosts_json(self) -> Path:
        return self.dir / "hosts.json"


def fleet(lab: Lab, count: int, work: Path) -> Fleet:
    d = work / f"hosts-{count}"
    d.mkdir(parents=True, exist_ok=True)
    chosen = tuple(lab.hosts[:count])
    names = {h.name for h in chosen}
    full = yaml.safe_load(lab.inventory_path.read_text())
    groups = {}
    for g, body in full["all"]["children"].items():
        hosts = {n: v for n, v in body["hosts"].items() if n in names}
        if hosts:
            groups[g] = {"hosts": hosts}
    (d / "inventory.yml").write_text(yaml.safe_dump({"all": {"children": groups}}, sort_keys=False))
    shutil.copytree(lab.cfg.state_dir / "group_vars", d / "group_vars", dirs_exist_ok=True)
    info = {h.name: {"groups": list(h.groups), "lan": h.lan_address} for h in chosen}
    (d / "hosts.json").write_text(json.dumps(info))
    return Fleet(lab, chosen, d)


def run_logged(argv: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> int:
    out = log.open("wb") if log else subprocess.DEVNULL
    try:
        return subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, check=False,
                              cwd=BENCH.parent).returncode
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def _control_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="ecb-cm-", dir="/tmp"))


def close_masters(control: Path) -> None:
    """End every ControlMaster with a socket in `control` (ours, by their sockets)."""
    for sock in sorted(control.glob("*")):
        if sock.is_socket():
            subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "x"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(control, ignore_errors=True)


# OpenSSH >= 9.0 negotiates the post-quantum hybrid sntrup761x25519 by default; on this
# machine its key generation costs ~0.15 s of client CPU per connection, curve25519 ~0.01 s.
# The "kex curve25519" ways show what that choice costs (bench/README.md); the targets are
# read against the default ways.
KEX_X25519 = ("-o", "KexAlgorithms=curve25519-sha256")


def floor(f: Fleet, kex: tuple[str, ...] = ()) -> Way:
    def run() -> list[int]:
        # ControlPath=none: a master left by someone's `ssh -F` to a lab host (ControlPersist)
        # would otherwise carry the floor's session for free.
        procs = [subprocess.Popen(["ssh", "-F", str(f.lab.ssh_config_path), "-o", "ControlMaster=no",
                                   "-o", "ControlPath=none", *kex, h.name, "true"]) for h in f.hosts]
        return [p.wait() for p in procs]

    return Way(FLOOR + (", kex curve25519" if kex else ""), run, lambda rc: rc == 0)


def kex_inventory(f: Fleet) -> Path:
    """The fleet's inventory with curve25519 chosen the way an engineer would: in
    ansible_ssh_common_args, which envcheck and ansible both pass to ssh."""
    path = f.dir / "inventory-x25519.yml"
    inv = yaml.safe_load(f.inventory.read_text())
    for group in inv["all"]["children"].values():
        for hvars in group["hosts"].values():
            hvars["ansible_ssh_common_args"] = f"{hvars.get('ansible_ssh_common_args', '')} {' '.join(KEX_X25519)}"
    path.write_text(yaml.safe_dump(inv, sort_keys=False))
    return path


def appview_inventory(f: Fleet) -> Path:
    """The fleet's inventory with the application's view declared on every host (issue 18's
    bench: 2 datasources, 2 endpoints). The bench lab runs no database: each session goes
    through its host (`ssh -W`) to a port of the first host nothing listens on and is refused
    there, which costs what a session's channel costs; the endpoints are the first host's
    sshd (TCP) and a refused HTTPS port."""
    d = f.dir / "appview"
    d.mkdir(exist_ok=True)
    shutil.copy(f.inventory, d / "inventory.yml")
    shutil.copytree(f.dir / "group_vars", d / "group_vars", dirs_exist_ok=True)
    first = f.hosts[0].lan_address
    declared = {
        "standard_app_datasources": [
            {"name": "his", "engine": "postgresql", "host": first, "port": 5432, "database": "his", "user": "his",
             "password_env": "BENCH_DB_PASSWORD"},
            {"name": "erp", "engine": "mysql", "host": first, "port": 3306, "database": "erp", "user": "erp",
             "password_env": "BENCH_DB_PASSWORD"}],
        "standard_app_endpoints": [{"name": "sshd", "host": first, "port": 22},
                                   {"name": "pay", "url": f"https://{first}:8443/health"}],
    }
    path = d / "group_vars" / "all.yml"
    current = yaml.safe_load(path.read_text()) if path.exists() else {}
    path.write_text(yaml.safe_dump({**(current or {}), **declared}))
    return d / "inventory.yml"


def site_inventory(f: Fleet) -> Path:
    """The fleet's inventory with 200 site checks on every host (issue 23, bench/site200.py)."""
    from bench.site200 import entries  # noqa: PLC0415 (only for this way)

    d = f.dir / "site200"
    d.mkdir(exist_ok=True)
    shutil.copy(f.inventory, d / "inventory.yml")
    shutil.copytree(f.dir / "group_vars", d / "group_vars", dirs_exist_ok=True)
    path = d / "group_vars" / "all.yml"
    current = yaml.safe_load(path.read_text()) if path.exists() else {}
    path.write_text(yaml.safe_dump({**(current or {}), "site_checks": entries()}, allow_unicode=True))
    return d / "inventory.yml"


def envcheck(f: Fleet, logs: Path, extra: tuple[str, ...] = (), inventory: Path | None = None,
             label: str = "", env: dict[str, str] | None = None, binary: Path | None = None) -> Way:
    """`envcheck check` on the fleet; `binary`: another version's envcheck (a baseline)."""
    runs = logs / ("runs-" + label.replace(" ", "-") if label else "runs")
    argv = [str(binary or BIN / "envcheck"), "check", "-i", str(inventory or f.inventory), "--format", "json",
            "-o", "/dev/null", "--runs-dir", str(runs), "--known-hosts", str(f.lab.known_hosts_path), *extra]

    name = ENVCHECK + (", " + extra[-1] if extra else "") + (", " + label if label else "")

    def run() -> list[int]:
        log = logs / f"{name.replace(' ', '_').replace(',', '')}-{len(f.hosts)}.log"
        return [run_logged(argv, env=None if env is None else {**os.environ, **env}, log=log)]

    return Way(name, run, lambda rc: rc in (0, 1), lambda: shutil.rmtree(runs, ignore_errors=True))


def snapshot(f: Fleet, logs: Path) -> Way:
    """`envcheck snapshot` on the fleet (issue 20: within 1.5x of check's wall)."""
    runs = logs / "runs-snapshot"
    argv = [str(BIN / "envcheck"), "snapshot", "-i", str(f.inventory), "--runs-dir", str(runs),
            "--known-hosts", str(f.lab.known_hosts_path)]

    def run() -> list[int]:
        return [run_logged(argv, log=logs / f"envcheck_snapshot-{len(f.hosts)}.log")]

    return Way("envcheck snapshot", run, lambda rc: rc == 0, lambda: shutil.rmtree(runs, ignore_errors=True))


def ansible(f: Fleet, logs: Path) -> Way:
    state: dict[str, Path] = {}

    def run() -> list[int]:
        control = state["cp"] = _control_dir()
        env = {**os.environ, "ANSIBLE_CONFIG": str(PEERS / "ansible.cfg"),
               "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control), "ANSIBLE_LOCAL_TEMP": str(control / "tmp"),
               "ANSIBLE_NOCOLOR": "1"}
        argv = [str(BIN / "ansible-playbook"), "-i", str(f.inventory), "-f", str(len(f.hosts)),
                str(PEERS / "audit.yml")]
        return [run_logged(argv, env, logs / f"ansible-{len(f.hosts)}.log")]

    return Way("ansible-playbook", run, lambda rc: rc == 0, lambda: close_masters(state["cp"]))


def testinfra(f: Fleet, logs: Path, backend: str) -> Way:
    state: dict[str, Path] = {}

    def run() -> list[int]:
        control = state["cp"] = _control_dir()
        config = control / "ssh_config"
        text = f.lab.ssh_config_path.read_text()
        if backend == "ssh":
            text = re.sub(r"ControlPath .*", f"ControlPath {control}/%C", text)
        else:  # paramiko reads HostName/User/IdentityFile from it; no ControlMaster there
            text = "\n".join(line for line in text.splitlines() if "Control" not in line) + "\n"
        config.write_text(text)
        hosts = ",".join(f"{backend}://{h.name}" for h in f.hosts)
        argv = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "-c", str(PEERS / "pytest.ini"), f"--hosts={hosts}", f"--ssh-config={config}",
                "-n", str(len(f.hosts)), str(PEERS / "test_audit.py")]
        env = {**os.environ, "ENVCHECK_BENCH_HOSTS": str(f.hosts_json)}
        return [run_logged(argv, env, logs / f"testinfra-{backend}-{len(f.hosts)}.log")]

    # pytest: 0 all passed, 1 some failed; 2+ interrupted, internal or usage error.
    return Way(f"testinfra, {backend}", run, lambda rc: rc in (0, 1), lambda: close_masters(state["cp"]))


def _deploy_env(control: Path) -> dict[str, str]:
    return {**os.environ, "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control)}


def deploy_envcheck(f: Fleet, logs: Path) -> Way:
    state: dict[str, Path] = {}
    runs = logs / "runs"

    def run() -> list[int]:
        control = state["cp"] = _control_dir()
        argv = [str(BIN / "envcheck"), "deploy", "server", "-i", str(f.inventory),
                "--runs-dir", str(runs)]
        return [run_logged(argv, _deploy_env(control), logs / "deploy-envcheck.log")]

    return Way("envcheck deploy", run, lambda rc: rc == 0, lambda: close_masters(state["cp"]))


def deploy_ansible(f: Fleet, logs: Path) -> Way:
    """What envcheck deploy runs, without envcheck: the same playbook, config and forks."""
    state: dict[str, Path] = {}
    playbooks = BENCH.parent / "envcheck" / "playbooks"

    def run() -> list[int]:
        control = state["cp"] = _control_dir()
        env = {**_deploy_env(control), "ANSIBLE_CONFIG": str(playbooks / "ansible.cfg"),
               "ANSIBLE_ROLES_PATH": str(playbooks / "roles"), "ANSIBLE_HOST_KEY_CHECKING": "True",
               "ANSIBLE_NOCOLOR": "1"}
        argv = [str(BIN / "ansible-playbook"), "-i", str(f.inventory), "-f", "20",
                str(playbooks / "server.yml")]
        return [run_logged(argv, env, logs / "deploy-ansible.log")]

    return Way("ansible-playbook deploy", run, lambda rc: rc == 0, lambda: close_masters(state["cp"]))
