"""How every OpenSSH session starts: the ssh command line, and the fixed command it runs (no
inventory value in it), which answers the clock exchange, reads an optional sudo password
into a shell variable, then reads and runs the probe script (envcheck.audit.probe) from
standard input."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence

READY = b"ECREADY"
# The clock line also carries the host's UTC offset and zone abbreviation (TZ unset, as the
# probes see it): time.zone reads them from $ECNOW instead of running date again. Where
# stdin is a pipe (OpenSSH's sshd, a local shell) the shell reads the script from it
# itself; elsewhere (a socket) through cat. Both save a process on every host.
BOOTSTRAP = (
    "echo ECREADY; IFS= read -r _; unset TZ; ECNOW=$(date '+%s.%N %z %Z'); echo \"$ECNOW\"; "
    'IFS= read -r ECPW; if [ -p /dev/stdin ]; then . /dev/stdin; else ECS=$(cat); eval "$ECS"; fi'
)
REMOTE_COMMAND = "sh -c " + shlex.quote(BOOTSTRAP)
CONNECT_TIMEOUT = 10  # seconds for the TCP connection and the handshake (ssh ConnectTimeout)


def ssh_options(ssh_config: str | None, connect_timeout: int, control_dir: str | None) -> list[str]:
    """The options of the run, the same for every host (`ssh` and what precedes the host's own)."""
    argv = ["ssh"]
    if ssh_config:
        argv += ["-F", ssh_config]
    argv += [
        "-o", "BatchMode=yes",
        "-o", f"ConnectTimeout={connect_timeout}",
        "-o", "SendEnv=-*",  # the engineer's own LANG/LC_* must not reach the probes
        "-o", "LogLevel=ERROR",
    ]
    if control_dir:
        argv += ["-o", "ControlMaster=auto", "-o", "ControlPersist=60",
                 "-o", f"ControlPath={control_dir}/%C"]
    return argv


def ssh_argv(options: Sequence[str], policy: Mapping[str, str], address: str, port: int | None,
             user: str | None, key_file: str | None, ssh_args: Sequence[str], command: str) -> list[str]:
    """The whole ssh command line for one host: the run's options, the policy's options for this
    host (SshSettings.openssh_options: before the inventory's arguments, as ssh takes the first
    value it reads), then the host's own."""
    argv = [*options]
    for key, value in policy.items():
        argv += ["-o", f"{key}={value}"]
    argv += ssh_args
    if port:
        argv += ["-p", str(port)]
    if user:
        argv += ["-l", user]
    if key_file:
        argv += ["-i", key_file, "-o", "IdentitiesOnly=yes"]
    # `--` ends options: an address cannot be read as one (no `-oProxyCommand=` tricks).
    return [*argv, "--", address, command]


def jump_command(ssh_config: str | None, connect_timeout: int, host_keys: Mapping[str, str],
                 hops: Sequence[tuple[str, str | None, int | None]], key_file: str | None,
                 address: str, port: int, control_dir: str | None = None) -> str:
    """ssh's ProxyJump spelled out as the ProxyCommand it stands for (`ssh -W`), so that every
    jump host is reached with the run's options: ssh passes none of its -o options to the ssh
    it starts for a jump. `hops` are (host, user, port), the first hop first; the host's key
    file is offered to the jump hosts too, beside the agent's and ~/.ssh's keys (as fabric's
    gateways do). Each level's % signs are doubled: the ssh running it expands %-tokens.
    With `control_dir`, the last jump is reached through the connection the run keeps open to
    it there (jump_master): one handshake with a jump host for all the targets behind it."""
    *_before, (hop, _user, _port) = hops
    argv = jump_argv(ssh_config, connect_timeout, host_keys, hops, key_file, control_dir)
    if control_dir:
        argv += ["-o", "ControlMaster=no"]  # a session of the shared connection, never its owner
    return shlex.join([*argv, "-W", f"[{address}]:{port}", "--", hop]).replace("%", "%%")


def jump_argv(ssh_config: str | None, connect_timeout: int, host_keys: Mapping[str, str],
              hops: Sequence[tuple[str, str | None, int | None]], key_file: str | None,
              control_dir: str | None = None) -> list[str]:
    """The ssh options that reach the last of `hops` (through the others), host name not included."""
    *before, (hop, user, hop_port) = hops
    argv = ["ssh", *(["-F", ssh_config] if ssh_config else []), "-o", "BatchMode=yes",
            "-o", f"ConnectTimeout={connect_timeout}", "-o", "LogLevel=ERROR"]
    for key, value in host_keys.items():
        argv += ["-o", f"{key}={value}"]
    if control_dir:
        argv += ["-o", f"ControlPath={control_dir}/%C"]
    if before:
        argv += ["-o", "ProxyCommand=" + jump_command(ssh_config, connect_timeout, host_keys, before, key_file,
                                                      hop, hop_port or 22)]
    if key_file:
        argv += ["-i", key_file]
    if hop_port:
        argv += ["-p", str(hop_port)]
    if user:
        argv += ["-l", user]
    return argv


def jump_master(argv: Sequence[str], hop: str, persist: int) -> list[str]:
    """The command that opens the shared connection to a jump host (jump_argv's, with a
    control_dir): it stays `persist` seconds after its last session, or until jump_exit."""
    return [*argv, "-o", "ControlMaster=auto", "-o", f"ControlPersist={persist}", "--", hop, "true"]


def jump_exit(argv: Sequence[str], hop: str) -> list[str]:
    return [*argv, "-O", "exit", "--", hop]


def spawn(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start a session's process, its three streams piped; OSError if it cannot start."""
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # Ctrl+C reaches envcheck, which ends this by its PID
    )
