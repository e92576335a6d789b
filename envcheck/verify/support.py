"""What the verify suites share: the roles' own variables, and assertions whose message
names the host and the setting (a failure must say where and what, in one line)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from envcheck.paths import PLAYBOOK_DIR

# A Chinese text for the round trips (a patient's record: what a hospital site stores).
TEXT = "张磊的病历"
_DEBIAN_FAMILY = ("debian", "ubuntu", "linuxmint", "deepin", "uos")


def os_family(distribution: str) -> str:
    return "Debian" if distribution.lower() in _DEBIAN_FAMILY else "RedHat"


@lru_cache(maxsize=32)
def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data if isinstance(data, dict) else {}


def role_vars(role: str, distribution: str, inventory_vars: Mapping[str, Any]) -> dict[str, Any]:
    """The role's defaults and OS data, the inventory's values over both, as the playbook
    sees them (OS data is `__<name>` in vars/<family>.yml, used where the inventory sets no
    `<name>`). Values that are templates (`{{ standard_x }}`) are left out: the suites read
    those from the Standard itself."""
    base = PLAYBOOK_DIR / "roles" / role
    merged = {k: v for k, v in _load(base / "defaults" / "main.yml").items() if "{{" not in str(v)}
    merged |= {k[2:]: v for k, v in _load(base / "vars" / f"{os_family(distribution)}.yml").items()
               if k.startswith("__") and "{{" not in str(v)}
    merged |= {k: v for k, v in inventory_vars.items() if k.startswith(f"{role}_")}
    return merged


def expect(host_name: str, setting: str, found: Any, expected: Any) -> None:
    """found == expected, or fail with: `db1: postgresql service running: found False, the
    standard says True`."""
    assert found == expected, f"{host_name}: {setting}: found {found!r}, the standard says {expected!r}"


def expect_in(host_name: str, setting: str, needle: Any, haystack: Any, shown: Any = None) -> None:
    assert needle in haystack, (
        f"{host_name}: {setting}: {needle!r} missing (found {shown if shown is not None else haystack!r})")


def run_ok(host: Any, host_name: str, what: str, command: str) -> str:
    """Run a command that must succeed; its stdout. A failure names the host and the command."""
    out = host.run(command)
    assert out.rc == 0, f"{host_name}: {what}: exit {out.rc}: {(out.stderr or out.stdout).strip()[:300]}"
    return str(out.stdout)


def read_file(host: Any, host_name: str, path: str) -> str:
    """A file's text; a missing file fails naming the host and the path."""
    f = host.file(path)
    assert f.exists, f"{host_name}: {path}: missing"
    return str(f.content_string)


def service(host: Any, host_name: str, unit: str) -> None:
    svc = host.service(unit)
    expect(host_name, f"service {unit} running", svc.is_running, True)
    expect(host_name, f"service {unit} enabled at boot", svc.is_enabled, True)


def listening(host: Any, host_name: str, port: int) -> None:
    ports = {int(s.rsplit(":", 1)[1]) for s in host.socket.get_listening_sockets()
             if s.startswith("tcp://")}
    expect_in(host_name, f"port {port} listening", int(port), ports, sorted(ports))


def config_lines(text: str, comment: str = "#") -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(comment)]


def pct_encode(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode("utf-8"))


def packages(host: Any, host_name: str, names: Sequence[str]) -> None:
    for name in names:
        expect(host_name, f"package {name} installed", host.package(name).is_installed, True)


def declared(host_name: str, what: str, found: set[str], wanted: Sequence[Mapping[str, Any]] | None) -> None:
    """Every database the inventory declares (postgresql_databases, mysql_databases) exists."""
    for item in wanted or ():
        expect_in(host_name, what, str(item["name"]), found, sorted(found))


def db_round_trip(query: Callable[[str, str], list[list[str]]], host_name: str, databases: Sequence[str],
                  column: str, chars: str, octets: str) -> None:
    """TEXT into a temporary table and back: the same characters, counted as characters."""
    # TEXT is a constant of envcheck, not input: building the SQL here is safe.
    sql = (f"CREATE TEMPORARY TABLE envcheck_verify (s {column}); "  # noqa: S608
           f"INSERT INTO envcheck_verify VALUES ('{TEXT}'); SELECT s, {chars}(s), {octets}(s) FROM envcheck_verify")
    for database in databases:
        expect(host_name, f"Chinese text stored and read back in database {database} (text|chars|bytes)",
               query(sql, database)[-1], [TEXT, str(len(TEXT)), str(len(TEXT.encode()))])


def installed_and_running(host: Any, host_name: str, names: Sequence[str], unit: str, port: int) -> None:
    """The role's packages installed, its service running and enabled, its port listening."""
    packages(host, host_name, names)
    service(host, host_name, unit)
    listening(host, host_name, port)
