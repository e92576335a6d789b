"""The one script sent to a host, and the splitting of its output back into probes.

A host gets one exec. The remote command is a fixed bootstrap (no inventory value in it):
it answers a clock exchange (for round-trip corrected skew), reads an optional sudo
password into a shell variable (never an argument, so never in a process list), then reads
and runs the probe script from standard input. Every probe runs in its own `sh -c` under
LC_ALL=C.UTF-8, bounded by `timeout`, and its stdout, stderr and exit code come back
between marker lines that carry a per-run nonce.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from envcheck.checks.registry import Fact
from envcheck.model import ProbeOutput

READY = b"ECREADY"
BOOTSTRAP = (
    "echo ECREADY; IFS= read -r _; date +%s.%N; "
    'IFS= read -r ECPW; ECS=$(cat); eval "$ECS"'
)
REMOTE_COMMAND = "sh -c " + shlex.quote(BOOTSTRAP)
MAX_PROBE_BYTES = 1024 * 1024  # one probe's stdout is cut past 1 MiB
MAX_STDERR_BYTES = 4096

_PRELUDE = """\
export LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# A TZ from the login session (pam_env, /etc/environment) must not colour what probes see.
unset LANGUAGE TZ
ECT=$(mktemp -d 2>/dev/null || {{ mkdir -m 700 /tmp/.envcheck.$$ && echo /tmp/.envcheck.$$; }})
ECTO=; if command -v timeout >/dev/null 2>&1; then ECTO=1; fi
# Few forks per probe (a server under load is audited too): stdout streams straight out
# (the controller caps it), stderr is printed only when there is any.
# A timeout of 0: a probe that cannot hang, run in a subshell (a fork, no exec).
ecrun() {{
  printf '\\n{m} B %s\\n' "$1"
  if [ "$2" = 0 ]; then
    ( unset ECPW ECS; eval "$3" ) </dev/null 2>"$ECT/e"
  elif [ -n "$ECTO" ]; then
    timeout -k 2 "$2" sh -c "$3" </dev/null 2>"$ECT/e"
  else
    sh -c "$3" </dev/null 2>"$ECT/e"
  fi
  ecrc=$?
  printf '\\n{m} E %s\\n' "$1"; [ -s "$ECT/e" ] && head -c {max_err} "$ECT/e"
  printf '\\n{m} R %s %s\\n' "$1" "$ecrc"
}}
"""

_SUDO_OPEN = """\
if [ "$(id -u)" = 0 ]; then ecsudo() {{ sh -s; }}
elif [ -n "$ECPW" ]; then
  ecsudo() {{ {{ printf '%s\\n' "$ECPW" {sep}; cat; }} | sudo -S -p '' sh -c \
'while IFS= read -r l; do [ "$l" = {sep} ] && break; done; exec sh -s'; }}
else ecsudo() {{ sudo -n sh -s; }}
fi
ecsudo <<'{sep}'
"""


@dataclass(frozen=True)
class ProbeScript:
    marker: str
    text: str
    fact_ids: tuple[str, ...]


def build_script(facts: Iterable[Fact], marker: str | None = None) -> ProbeScript:
    marker = marker or "@@EC" + secrets.token_hex(8)
    facts = list(facts)
    prelude = _PRELUDE.format(m=marker, max_err=MAX_STDERR_BYTES)
    plain = [f for f in facts if not f.sudo]
    elevated = [f for f in facts if f.sudo]
    lines = [prelude, *(_probe_line(f) for f in plain)]
    if elevated:
        sep = "ECSUDO" + marker[4:]
        lines.append(_SUDO_OPEN.format(sep=sep))
        lines.append(prelude)  # the sudo shell is a new shell: it needs its own helpers
        lines.extend(_probe_line(f) for f in elevated)
        lines.append('rm -rf "$ECT"')
        lines.append(sep)
    lines.append('rm -rf "$ECT"')
    return ProbeScript(marker, "\n".join(lines) + "\n", tuple(f.id for f in facts))


def _probe_line(f: Fact) -> str:
    timeout = max(1, int(f.timeout)) if f.may_block else 0
    return f"ecrun {shlex.quote(f.id)} {timeout} {shlex.quote(f.command)}"


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
