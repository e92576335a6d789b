"""`inventory ping`: reachability, authentication and sudo of every host, in parallel, through the
same one-exec transport as `envcheck check` (one SSH session per host)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from envcheck.audit.probe import build_script, split_output
from envcheck.checks.registry import Fact
from envcheck.inventory import InventoryHost
from envcheck.model import ProbeOutput
from envcheck.ssh import Transport, reasons

_LOGIN = Fact("ping.login", "id -un", lambda o: o, timeout=5)
_SUDO = Fact("ping.sudo", "id -u", lambda o: o, sudo=True, timeout=10)


@dataclass(frozen=True)
class PingResult:
    host: str
    address: str
    reachable: bool
    authenticated: bool
    sudo: bool
    login: str | None
    seconds: float
    reason: str | None  # why something is not ok

    @property
    def ok(self) -> bool:
        return self.reachable and self.authenticated and self.sudo


def ping_host(host: InventoryHost, transport: Transport, timeout: float) -> PingResult:
    script = build_script([_LOGIN, _SUDO])
    session = transport.run(host.target, script.text, timeout)
    address = f"{host.target.address}:{host.target.port}"
    if session.error is not None:
        reached = session.reason is not None and session.reason.reached
        return PingResult(host.name, address, reached, False, False, None, session.seconds,
                          session.error)
    raw = split_output(script.marker, session.stdout)
    login = _stdout(raw.get(_LOGIN.id))
    sudo_uid = _stdout(raw.get(_SUDO.id))
    if sudo_uid == "0":
        return PingResult(host.name, address, True, True, True, login, session.seconds, None)
    tail = reasons.last_line(session.stderr.decode("utf-8", "replace")) or "no answer"
    return PingResult(host.name, address, True, True, False, login, session.seconds,
                      reasons.SUDO_FAILED.say(address, tail))


def _stdout(output: ProbeOutput | None) -> str | None:
    return output.stdout.strip() if output is not None and output.rc == 0 else None


def ping_all(hosts: Sequence[InventoryHost], transport: Transport, forks: int, timeout: float,
             on_result: Callable[[PingResult], None] | None = None) -> list[PingResult]:
    """Every host's result in the inventory's order; `on_result` told of each as it answers."""
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts)))) as pool:
        futures = {pool.submit(ping_host, h, transport, timeout): h.name for h in hosts}
        done: dict[str, PingResult] = {}
        for future in as_completed(futures):
            result = future.result()
            done[result.host] = result
            if on_result is not None:
                on_result(result)
    return [done[h.name] for h in hosts]
