"""The target preflight of `deploy` and `fix`: before any play, every host's Python and its
package-manager bindings, read over the SSH layer of `envcheck check` (one exec per host), held
against the ansible-core runtimes installed (envcheck.deploy.runtimes).

A host whose Python the current runtime cannot run modules on (Kylin V10, UOS 20, openEuler
20.03: 3.7; EL8: platform-python 3.6 holds the dnf bindings; EL7: 2.7/3.6 with yum) would fail
at fact gathering with an Ansible error. Here it is an envcheck error naming the host, its
Python and the way out (exit 2), or, where the legacy runtime is installed and runs every host
of the run, the run goes through that runtime instead.

The interpreter is found as Ansible finds it: the inventory's ansible_python_interpreter, else
the first of the discovery list (ansible_interpreter_python_fallback, else ansible-core's)
that the host has. The bindings as the apt and dnf modules find them: under that interpreter,
else under the system interpreters they respawn into.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envcheck.checks.registry import Fact
from envcheck.deploy.runtimes import Runtime, Version, parse_version
from envcheck.inventory import InventoryHost
from envcheck.model import ProbeOutput
from envcheck.paths import shell_text

FACT_ID = "deploy.target_python"
# Where the apt and dnf modules look for their bindings when the interpreter has none.
RESPAWN = {"apt": ("/usr/bin/python3", "/usr/bin/python"),
           "dnf": ("/usr/libexec/platform-python", "/usr/bin/python3", "/usr/bin/python"),
           "yum": ("/usr/bin/python", "/usr/bin/python2")}
# ansible-core's own list (INTERPRETER_PYTHON_FALLBACK of 2.19), for a host with no variable.
DEFAULT_FALLBACK = ("python3.13", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8",
                    "/usr/bin/python3", "python3")
_PROBE = shell_text("deploy/preflight.sh")  # fixed text, shellcheck'd by `make lint`
# Run by each candidate interpreter: its version and which bindings it imports (Python 2.7 too).
_PY_SNIPPET = (
    "import sys\nv = sys.version_info\nr = []\n"
    "for m in ('apt', 'dnf', 'yum'):\n"
    "    try:\n        __import__(m)\n        r.append('1')\n"
    "    except Exception:\n        r.append('0')\n"
    "sys.stdout.write('%d.%d.%d|%s\\n' % (v[0], v[1], v[2], '|'.join(r)))\n"
)


@dataclass(frozen=True)
class Interpreter:
    name: str  # as listed (a path or a command name)
    path: str  # where the host has it
    version: Version | None  # None: it did not run
    bindings: frozenset[str]  # of apt, dnf, yum: those it imports
    discovery: bool  # a candidate of Ansible's discovery (else looked at for bindings only)

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version)) if self.version else "?"


@dataclass(frozen=True)
class TargetInfo:
    host: str
    os_name: str
    package_manager: str | None  # apt, dnf, yum or None
    interpreters: tuple[Interpreter, ...]
    explicit: str | None = None  # the inventory's ansible_python_interpreter (not auto)
    host_fallback: tuple[str, ...] | None = None  # the inventory's ansible_interpreter_python_fallback

    def order(self, runtime: Runtime) -> tuple[str, ...]:
        """Where this runtime's Ansible looks for the host's Python, in its order."""
        if self.explicit:
            return (self.explicit,)
        return self.host_fallback or runtime.fallback or DEFAULT_FALLBACK

    def chosen(self, runtime: Runtime) -> Interpreter | None:
        """The interpreter this runtime runs modules with: the first of its order the host has."""
        found = {i.name: i for i in self.interpreters if i.discovery}
        return next((found[name] for name in self.order(runtime) if name in found), None)


def host_settings(host: InventoryHost) -> tuple[str | None, tuple[str, ...] | None]:
    """(ansible_python_interpreter unless auto, ansible_interpreter_python_fallback) of a host."""
    given = str(host.variables.get("ansible_python_interpreter") or "")
    listed = host.variables.get("ansible_interpreter_python_fallback")
    return (given if given and not given.startswith("auto") else None,
            tuple(str(p) for p in listed) if isinstance(listed, list) else None)


def candidates(host: InventoryHost,
               orders: Sequence[Sequence[str]] = (DEFAULT_FALLBACK,)) -> tuple[list[str], list[str]]:
    """(discovery candidates of every runtime's order, interpreters looked at for bindings only)."""
    explicit, listed = host_settings(host)
    if explicit:
        discovery = [explicit]
    else:
        discovery = list(dict.fromkeys(p for order in ([listed] if listed else orders) for p in order))
    extra = [p for paths in RESPAWN.values() for p in paths if p not in discovery]
    return discovery, list(dict.fromkeys(extra))


def probe_command(discovery: Sequence[str], extra: Sequence[str]) -> str:
    """POSIX sh: the package manager, the OS name, then a line per interpreter found:
    py|d or r|name|path|major.minor.micro|apt|dnf|yum (the version '?' when it did not run)."""
    lines = [f"ecpq={shlex.quote(_PY_SNIPPET)}", _PROBE.rstrip("\n")]
    lines += [f"ecpy d {shlex.quote(p)}" for p in discovery]
    lines += [f"ecpy r {shlex.quote(p)}" for p in extra]
    return "\n".join(lines)


def fact_for(host: InventoryHost, orders: Sequence[Sequence[str]] = (DEFAULT_FALLBACK,)) -> Fact:
    discovery, extra = candidates(host, orders)
    return Fact(FACT_ID, probe_command(discovery, extra), parse_probe, timeout=30.0)


def parse_probe(out: ProbeOutput) -> tuple[str, str | None, tuple[Interpreter, ...]]:
    """(OS name, package manager, interpreters found) from the probe's output."""
    os_name, manager, found = "", None, []
    for line in out.stdout.splitlines():
        kind, _, rest = line.partition("|")
        if kind == "pm":
            manager = rest.strip() or None
        elif kind == "os":
            os_name = rest.strip()
        elif kind == "py":
            parts = rest.split("|")
            if len(parts) < 4:
                continue
            role, name, path, version = parts[:4]
            flags = parts[4:7] if version != "?" else []
            names = frozenset(m for m, flag in zip(("apt", "dnf", "yum"), flags, strict=False) if flag == "1")
            found.append(Interpreter(name, path, parse_version(version) or None if version != "?" else None,
                                     names, role == "d"))
    return os_name, manager, tuple(found)


def target_info(host: str, out: ProbeOutput, explicit: str | None = None,
                host_fallback: tuple[str, ...] | None = None) -> TargetInfo:
    os_name, manager, interpreters = parse_probe(out)
    return TargetInfo(host, os_name, manager, interpreters, explicit, host_fallback)


@dataclass(frozen=True)
class Problem:
    """Why a runtime cannot deploy a host: the words for the error (en, zh)."""

    host: str
    en: str
    zh: str


def problems_with(info: TargetInfo, runtime: Runtime) -> list[Problem]:
    """What stops `runtime` from deploying this host (an empty list: nothing)."""
    py = info.chosen(runtime)
    where = f"{info.host} ({info.os_name or 'unknown OS'})"
    if py is None:
        return [Problem(info.host, f"{where}: no Python found where Ansible looks",
                        f"{where}:在 Ansible 查找的位置没有 Python")]
    if py.version is None:
        return [Problem(info.host, f"{where}: {py.path} does not run", f"{where}:{py.path} 无法运行")]
    if not runtime.runs_on(py.version):
        supported = _supported(runtime)
        return [Problem(info.host, f"{where}: Python {py.version_text} at {py.path}; {runtime.label} runs "
                                   f"modules on Python {supported} only",
                        f"{where}:Python {py.version_text}({py.path});{runtime.label} 只支持目标主机 "
                        f"Python {supported}")]
    return _binding_problems(info, py, runtime, where)


def _binding_problems(info: TargetInfo, py: Interpreter, runtime: Runtime, where: str) -> list[Problem]:
    manager = info.package_manager
    if manager == "yum" and runtime.version[:2] >= (2, 17):  # the yum module left in 2.17
        return [Problem(info.host, f"{where}: yum only (no dnf); {runtime.label} has no yum module",
                        f"{where}:只有 yum(没有 dnf);{runtime.label} 已没有 yum 模块")]
    if manager not in ("dnf", "yum"):
        return []  # apt: the baseline role installs python3-apt first where it is missing
    if manager in py.bindings or any(i.path in RESPAWN[manager] and manager in i.bindings and i.version
                                     and runtime.runs_on(i.version) for i in info.interpreters):
        return []
    held = [i for i in info.interpreters if manager in i.bindings]
    if held:
        h = held[0]
        return [Problem(info.host, f"{where}: the {manager} bindings are only for Python {h.version_text} at "
                                   f"{h.path}, which {runtime.label} cannot use",
                        f"{where}:{manager} 的 Python 绑定只属于 {h.path}(Python {h.version_text}),"
                        f"{runtime.label} 无法使用")]
    return [Problem(info.host, f"{where}: no Python has the {manager} bindings (python3-{manager})",
                    f"{where}:没有带 {manager} 绑定的 Python(python3-{manager})")]


def _supported(runtime: Runtime) -> str:
    low = ".".join(map(str, runtime.target_min))
    span = f"{low}-{'.'.join(map(str, runtime.target_max))}" if runtime.target_max else f"{low}+"
    return f"2.7 and {span}" if runtime.python2 else span


@dataclass(frozen=True)
class Decision:
    runtime: Runtime | None  # None: no installed runtime deploys every host
    needs_other: tuple[str, ...]  # hosts the current runtime cannot deploy
    problems: tuple[Problem, ...]  # with the current runtime (and the legacy one, if installed)
    unprobed: tuple[str, ...]  # hosts not read (unreachable: Ansible will say so)


def decide(infos: Sequence[TargetInfo], current: Runtime, legacy: Runtime | None,
           unprobed: Sequence[str] = ()) -> Decision:
    """The current runtime when it deploys every host read; else the legacy one when that
    deploys them all; else none, with every host's problems."""
    now = {i.host: problems_with(i, current) for i in infos}
    failing = tuple(h for h, p in now.items() if p)
    if not failing:
        return Decision(current, (), (), tuple(unprobed))
    if legacy is not None:
        then = {i.host: problems_with(i, legacy) for i in infos}
        if not any(then.values()):
            return Decision(legacy, failing, tuple(p for h in failing for p in now[h]), tuple(unprobed))
        flat = [p for h in infos for p in (now[h.host] + [q for q in then[h.host] if q not in now[h.host]])]
        return Decision(None, failing, tuple(flat), tuple(unprobed))
    return Decision(None, failing, tuple(p for h in failing for p in now[h]), tuple(unprobed))


def infos_from(hosts: Sequence[InventoryHost], outputs: Sequence[ProbeOutput | None]
               ) -> tuple[list[TargetInfo], list[str]]:
    """The probed hosts' TargetInfo, and the names of those not read."""
    infos, unprobed = [], []
    for host, output in zip(hosts, outputs, strict=True):
        if output is None:
            unprobed.append(host.name)
        else:
            infos.append(target_info(host.name, output, *host_settings(host)))
    return infos, unprobed


def describe(decision: Decision) -> Mapping[str, object]:
    """The preflight as it is kept in the deploy's run.json."""
    return {
        "runtime": decision.runtime.label if decision.runtime else None,
        "runtime_kind": decision.runtime.name if decision.runtime else None,
        "needs_other": list(decision.needs_other),
        "problems": [p.en for p in decision.problems],
        "unprobed": list(decision.unprobed),
    }
