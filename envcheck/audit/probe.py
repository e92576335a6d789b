"""The one script sent to a host, and the splitting of its output back into probes.

A host gets one exec. The remote command is a fixed bootstrap (no inventory value in it):
it answers a clock exchange (for round-trip corrected skew), reads an optional sudo
password into a shell variable (never an argument, so never in a process list), then reads
and runs the probe script from standard input. Every probe runs in a subshell under
LC_ALL=C.UTF-8 (a probe that may hang bounded by the script's watchdog), and its stdout,
stderr and exit code come back between marker lines that carry a per-run nonce.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from envcheck.checks.registry import Fact
from envcheck.model import ProbeOutput
from envcheck.paths import shell_text
from envcheck.ssh.command import BOOTSTRAP, READY, REMOTE_COMMAND

__all__ = ["BOOTSTRAP", "READY", "REMOTE_COMMAND", "ProbeScript", "build_script", "decode", "split_output"]

MAX_PROBE_BYTES = 1024 * 1024  # one probe's stdout is cut past 1 MiB
MAX_STDERR_BYTES = 4096
# "@@EC" and a nonce: its tail also names the sudo section's here-document, never quoted.
_MARKER = re.compile(r"@@EC[0-9A-Za-z]+")


# Read once at import. The helpers every script starts with (watchdog, ecrun, markers):
_PRELUDE = shell_text("audit/prelude.sh")
# ecsudo, which runs the elevated probes as root:
_SUDO = shell_text("audit/sudo.sh")

# Probes that name this variable get the host's container type (or "none"), found once.
CONTAINER_VAR = "$ECCONT"
_CONTAINER_LINE = '[ -n "$ECCONT" ] || eccontainer'


@dataclass(frozen=True)
class ProbeScript:
    marker: str
    text: str
    fact_ids: tuple[str, ...]


def build_script(facts: Iterable[Fact], marker: str | None = None) -> ProbeScript:
    # os.urandom as secrets.token_hex does (secrets imports hmac and hashlib: ~3 ms a run)
    marker = marker or "@@EC" + os.urandom(8).hex()
    if not _MARKER.fullmatch(marker):
        raise ValueError(f"a probe marker is @@EC and letters or digits, not {marker!r}")
    facts = list(facts)
    # The per-run values as shell assignments before the fixed text, each value quoted.
    prelude = _assign(ECMARK=marker, ECMAXERR=str(MAX_STDERR_BYTES)) + _PRELUDE
    plain = [f for f in facts if not f.sudo]
    elevated = [f for f in facts if f.sudo]
    lines = [prelude, *_container_line(plain), *(_probe_line(f) for f in plain)]
    if elevated:
        sep = "ECSUDO" + marker[4:]
        lines += [_assign(ECSEP=sep) + _SUDO, f"ecsudo <<'{sep}'"]
        # A sudo shell is a new shell: it needs its own helpers, and ends them itself (as
        # root this very shell reads these lines: its helpers end once, below).
        lines.append(f'ECOWN=; if [ -z "$ECT" ]; then\n{prelude}ECOWN=1\nfi')
        lines.extend(_container_line(elevated))
        lines.extend(_probe_line(f) for f in elevated)
        lines.append('[ -z "$ECOWN" ] || ecend')
        lines.append(sep)
    lines.append("ecend")
    return ProbeScript(marker, "\n".join(lines) + "\n", tuple(f.id for f in facts))


def _assign(**values: str) -> str:
    return "".join(f"{name}={shlex.quote(value)}\n" for name, value in values.items())


def _container_line(facts: list[Fact]) -> list[str]:
    return [_CONTAINER_LINE] if any(CONTAINER_VAR in f.command for f in facts) else []


def _probe_line(f: Fact) -> str:
    timeout = max(1, int(f.timeout)) if f.may_block else 0
    run = f"ecrun {shlex.quote(f.id)} {timeout} {shlex.quote(f.command)}"
    return f"if {f.present}; then {run}; else ecabsent {shlex.quote(f.id)}; fi" if f.present else run


def split_output(marker: str, stdout: bytes) -> dict[str, ProbeOutput]:
    """Cut the host's stdout back into one ProbeOutput per probe that finished."""
    m = re.escape(marker.encode())
    pattern = re.compile(
        rb"\n" + m + rb" B (\S+)\n(.*?)\n" + m + rb" E \1\n(.*?)\n" + m + rb" R \1 (-?\d+)\n",
        re.DOTALL,
    )
    results: dict[str, ProbeOutput] = {}
    for match in pattern.finditer(stdout):
        fact_id = match.group(1).decode("ascii", "replace")
        results[fact_id] = ProbeOutput(
            stdout=decode(match.group(2)[:MAX_PROBE_BYTES]),
            rc=int(match.group(4)),
            stderr=decode(match.group(3)),
        )
    return results


def decode(data: bytes) -> str:
    """Remote text as str: UTF-8 where it is, GB18030 (Chinese Windows files) where that
    reads it whole, else UTF-8 with replacement characters. Never raises."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")
