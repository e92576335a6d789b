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
from envcheck.ssh.command import BOOTSTRAP, READY, REMOTE_COMMAND

__all__ = ["BOOTSTRAP", "READY", "REMOTE_COMMAND", "ProbeScript", "build_script", "decode", "split_output"]

MAX_PROBE_BYTES = 1024 * 1024  # one probe's stdout is cut past 1 MiB
MAX_STDERR_BYTES = 4096

_PRELUDE = """\
export LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# A TZ from the login session (pam_env, /etc/environment) must not colour what probes see.
unset LANGUAGE TZ ECCONT
ECT=$(mktemp -d 2>/dev/null || {{ mkdir -m 700 /tmp/.envcheck.$$ && echo /tmp/.envcheck.$$; }})
ECMAIN=$$
# Few forks per probe (a server under load is audited too): each probe is a forked subshell
# (no exec); stdout streams straight out (the controller caps it), stderr is printed only
# when there is any. One watchdog per shell bounds the probes that may hang: ecrun notes
# "pid deadline" in $ECT/w; past the deadline the watchdog stops the probe and everything
# under it (found in /proc) and kills them; the probe's code is then 124, as timeout(1) says.
eckill() {{
  ecks=" $1 "; ecgrew=1; kill -STOP "$1" 2>/dev/null
  while [ -n "$ecgrew" ]; do
    ecgrew=
    for ecst in /proc/[0-9]*/stat; do
      read -r ecl 2>/dev/null <"$ecst" || continue
      ecq=${{ecst#/proc/}}; ecq=${{ecq%/stat}}
      case "$ecks" in *" $ecq "*) continue;; esac
      set -- ${{ecl##*) }}
      case "$ecks" in *" $2 "*) ecks="$ecks$ecq "; kill -STOP "$ecq" 2>/dev/null; ecgrew=1;; esac
    done
  done
  kill -KILL $ecks 2>/dev/null
}}
ecwatch() {{
  while sleep 1; do
    ecwp=; read -r ecwp ecwd 2>/dev/null <"$ECT/w"
    if ! kill -0 "$ECMAIN" 2>/dev/null; then  # the session is gone: end its probe, tidy up
      [ -n "$ecwp" ] && eckill "$ecwp"; rm -rf "$ECT"; exit 0
    fi
    [ -n "$ecwp" ] || continue
    read -r ecup _ </proc/uptime
    [ "${{ecup%.*}}" -ge "$ecwd" ] || continue
    : >"$ECT/t.$ecwp"; eckill "$ecwp"
  done
}}
ecwatch </dev/null >/dev/null 2>&1 &
ECW=$!
ecrun() {{
  printf '\\n{m} B %s\\n' "$1"
  if [ "$2" = 0 ]; then
    ( unset ECPW ECS; eval "$3" ) </dev/null 2>"$ECT/e"
    ecrc=$?
  else
    ( unset ECPW ECS; eval "$3" ) </dev/null 2>"$ECT/e" &
    ecp=$!
    read -r ecup _ </proc/uptime
    echo "$ecp $((${{ecup%.*}} + $2 + 1))" >"$ECT/w"
    wait "$ecp"
    ecrc=$?
    : >"$ECT/w"
    [ -e "$ECT/t.$ecp" ] && ecrc=124
  fi
  printf '\\n{m} E %s\\n' "$1"; [ -s "$ECT/e" ] && head -c {max_err} "$ECT/e"
  printf '\\n{m} R %s %s\\n' "$1" "$ecrc"
}}
# A probe whose subject is not installed (its `present` test is false): ABSENT, no subshell.
ecabsent() {{ printf '\\n{m} B %s\\nABSENT\\n\\n{m} E %s\\n\\n{m} R %s 0\\n' "$1" "$1" "$1"; }}
ecany() {{ for ecf; do [ -x "$ecf" ] && return 0; done; return 1; }}
ecend() {{ kill "$ECW" 2>/dev/null; rm -rf "$ECT"; }}
# A small file printed by the shell itself (a cat would be an exec); nothing if unreadable.
eccat() {{ [ -r "$1" ] || return 0; while IFS= read -r ecl || [ -n "$ecl" ]; do printf '%s\\n' "$ecl"; done <"$1"; }}
# systemd as PID 1 notes its container in /run/systemd/container (read with a builtin);
# elsewhere systemd-detect-virt decides. Probes read the answer once per shell: $ECCONT.
eccontainer() {{  # sets ECCONT itself: a $(...) around a function is a fork
  ECCONT=; {{ IFS= read -r ECCONT </run/systemd/container; }} 2>/dev/null
  [ -n "$ECCONT" ] || ECCONT=$(systemd-detect-virt -c </dev/null 2>/dev/null)
  ECCONT=${{ECCONT:-none}}
}}
"""

# Probes that name this variable get the host's container type (or "none"), found once.
CONTAINER_VAR = "$ECCONT"
_CONTAINER_LINE = '[ -n "$ECCONT" ] || eccontainer'


# Already root (read with builtins): the elevated probes are read by this very shell (`.`),
# not a second one, which would need its own helpers, temporary folder and watchdog.
_SUDO_OPEN = """\
ecuid=; while read -r eck ecv _; do [ "$eck" = Uid: ] && {{ ecuid=$ecv; break; }}; done </proc/self/status
[ -n "$ecuid" ] || ecuid=$(id -u)
if [ "$ecuid" = 0 ]; then ecsudo() {{ . /dev/stdin; }}
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
    # os.urandom as secrets.token_hex does (secrets imports hmac and hashlib: ~3 ms a run)
    marker = marker or "@@EC" + os.urandom(8).hex()
    facts = list(facts)
    prelude = _PRELUDE.format(m=marker, max_err=MAX_STDERR_BYTES)
    plain = [f for f in facts if not f.sudo]
    elevated = [f for f in facts if f.sudo]
    lines = [prelude, *_container_line(plain), *(_probe_line(f) for f in plain)]
    if elevated:
        sep = "ECSUDO" + marker[4:]
        lines.append(_SUDO_OPEN.format(sep=sep))
        # A sudo shell is a new shell: it needs its own helpers, and ends them itself (as
        # root this very shell reads these lines: its helpers end once, below).
        lines.append(f'ECOWN=; if [ -z "$ECT" ]; then\n{prelude}ECOWN=1\nfi')
        lines.extend(_container_line(elevated))
        lines.extend(_probe_line(f) for f in elevated)
        lines.append('[ -z "$ECOWN" ] || ecend')
        lines.append(sep)
    lines.append("ecend")
    return ProbeScript(marker, "\n".join(lines) + "\n", tuple(f.id for f in facts))


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
