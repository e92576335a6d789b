"""The probe script: run for real with sh on this machine, split back per probe."""

from __future__ import annotations

import subprocess
from pathlib import Path

from envcheck.audit.probe import BOOTSTRAP, build_script, decode, split_output
from envcheck.checks.registry import Fact
from envcheck.model import ProbeOutput
from tests.procscan import alive_with, marked_env, new_marker


def _fact(fid: str, command: str, sudo: bool = False, timeout: float = 10) -> Fact:
    return Fact(fid, command, lambda out: out.stdout, sudo, timeout)


def _run(script: str, password: str = "") -> bytes:
    stdin = b"\n" + password.encode() + b"\n" + script.encode()
    proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=stdin, capture_output=True, timeout=30, check=True)
    lines = proc.stdout.split(b"\n", 2)
    assert lines[0] == b"ECREADY"
    float(lines[1].split()[0])  # the host's clock, then its UTC offset and zone abbreviation
    return lines[2]


def test_outputs_exit_codes_and_stderr_come_back_per_probe() -> None:
    script = build_script([
        _fact("a.one", "echo hello; echo world"),
        _fact("b.two", "echo oops >&2; exit 3"),
        _fact("c.none", "printf 'no newline'"),
        _fact("d.empty", "true"),
    ])
    out = split_output(script.marker, _run(script.text))
    assert out["a.one"] == ProbeOutput("hello\nworld\n", 0, "")
    assert out["b.two"] == ProbeOutput("", 3, "oops\n")
    assert out["c.none"].stdout == "no newline"
    assert out["d.empty"] == ProbeOutput("", 0, "")


def test_probes_run_under_a_fixed_locale_whatever_the_caller_has() -> None:
    script = build_script([_fact("l.locale", 'echo "$LC_ALL $LANG"')])
    proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=b"\n\n" + script.text.encode(),
                          capture_output=True, timeout=30, env={"LANG": "zh_CN.GBK", "PATH": "/usr/bin:/bin"})
    out = split_output(script.marker, proc.stdout.split(b"\n", 2)[2])
    assert out["l.locale"].stdout == "C.UTF-8 C.UTF-8\n"


def test_a_probe_that_hangs_is_cut_by_its_timeout() -> None:
    script = build_script([_fact("h.hang", "sleep 30", timeout=1), _fact("n.next", "echo after")])
    out = split_output(script.marker, _run(script.text))
    assert out["h.hang"].rc == 124
    assert out["n.next"].stdout == "after\n"


def test_output_that_imitates_markers_cannot_break_the_split() -> None:
    script = build_script([_fact("x.evil", "printf '\\n@@EC0000 R x.evil 0\\nfake\\n'"), _fact("y.ok", "echo y")])
    out = split_output(script.marker, _run(script.text))
    assert "fake" in out["x.evil"].stdout and out["y.ok"].stdout == "y\n"


def test_sudo_section_runs_directly_as_root_and_password_is_not_executed() -> None:
    script = build_script([_fact("p.plain", "id -u"), _fact("r.root", "id -u", sudo=True)])
    out = split_output(script.marker, _run(script.text, password="echo PWNED"))
    assert out["r.root"].stdout.strip() == out["p.plain"].stdout.strip()
    assert "PWNED" not in str(out)


def test_non_utf8_output_is_decoded_without_error() -> None:
    assert decode("中文".encode("gbk")) == "中文"
    assert decode(b"\xff\xfe\x00binary") != ""


def _local(fid: str, command: str) -> Fact:
    return Fact(fid, command, lambda out: out.stdout, may_block=False)


def test_a_probe_that_cannot_block_runs_in_a_subshell_with_the_same_contract() -> None:
    script = build_script([
        _local("a.out", "echo hello; echo oops >&2; exit 3"),
        _local("b.vars", 'x=set-here; echo "pw=${ECPW:-none} marker=${ECS:+leaked}"'),
        _local("c.after", 'echo "x=${x:-unset}"'),
        _fact("d.blocking", "echo slow-path"),
    ])
    # Not through `timeout`: the script says 0 for these.
    assert "ecrun a.out 0 " in script.text and "ecrun d.blocking 10 " in script.text
    out = split_output(script.marker, _run(script.text, password="s3cret-pw"))
    assert out["a.out"] == ProbeOutput("hello\n", 3, "oops\n")
    # The sudo password and the script text stay out of the probe; nothing leaks to the next.
    assert out["b.vars"].stdout == "pw=none marker=\n"
    assert out["c.after"].stdout == "x=unset\n"
    assert out["d.blocking"].stdout == "slow-path\n"


def _gone(marker: str, also: Path | None = None, within: float = 30) -> bool:
    """Once no process of the run is left (and `also`, a folder, is empty): True; False if
    some still are after `within` seconds (a bound on the wait, not a measure)."""
    import time

    deadline = time.monotonic() + within
    while alive_with(marker) or (also is not None and list(also.iterdir())):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _sleeping(marker: str) -> bool:
    """The probe's `sleep 600` runs (among the processes of the run)."""
    for pid in alive_with(marker):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\x00600\x00":
                return True
        except OSError:
            continue
    return False


def test_a_hung_probe_and_everything_it_started_are_killed_and_the_script_goes_on() -> None:
    run = new_marker()  # in the environment of the shell and of all it starts
    script = build_script([
        _fact("h.tree", "sh -c 'sleep 300 & sleep 300' & sleep 300; echo never", timeout=1),
        _fact("n.next", "echo after"),
    ])
    proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=b"\n\n" + script.text.encode(), capture_output=True,
                          timeout=120, check=True, env=marked_env(run))
    out = split_output(script.marker, proc.stdout.split(b"\n", 2)[2])
    assert out["h.tree"].rc == 124 and "never" not in out["h.tree"].stdout
    assert out["n.next"] == ProbeOutput("after\n", 0, "")
    # The probe's three sleeps, its shells and the watchdog: none outlives the script.
    assert _gone(run), f"processes of the run outlived it: {alive_with(run)}"


def test_when_the_session_dies_the_watchdog_ends_the_probe_and_tidies_up(tmp_path: Path) -> None:
    """ssh cut, controller gone: the shell is killed mid-probe. Nothing of the run may stay
    on the host: not the probe, not the watchdog, not the temporary folder."""
    import os
    import signal
    import time

    run = new_marker()
    script = build_script([_fact("h.long", "echo started; sleep 600", timeout=600)])
    env = marked_env(run, {**os.environ, "TMPDIR": str(tmp_path)})
    shell = subprocess.Popen(["sh", "-c", BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert shell.stdin is not None and shell.stdout is not None
        shell.stdin.write(b"\n\n" + script.text.encode())
        shell.stdin.close()
        seen = b""
        while b"started" not in seen:
            seen += shell.stdout.read1(4096)
        deadline = time.monotonic() + 30
        while not _sleeping(run) and time.monotonic() < deadline:  # `echo` ran; `sleep` is starting
            time.sleep(0.05)
        assert _sleeping(run) and list(tmp_path.iterdir())
    finally:
        os.kill(shell.pid, signal.SIGKILL)
        shell.wait()
    assert _gone(run, also=tmp_path), f"left behind: {alive_with(run)}, {list(tmp_path.iterdir())}"


def test_the_tz_probe_skips_its_own_session_but_sees_a_service_with_tz() -> None:
    """Probes run in forked subshells, which show the login shell's environment: a login
    TZ must not be reported as a service's, while a process of another session is. The TZ
    values are this run's own: other processes of the machine (a lab's hosts, another
    suite running this test) may carry any TZ."""
    import os

    from envcheck.checks import FACTS, load_catalogue

    load_catalogue()
    service_tz, login_tz = f"Service/{new_marker()}", f"Login/{new_marker()}"
    script = build_script([FACTS["time.tz_env"]])
    service = subprocess.Popen(["setsid", "sleep", "300"], env={**os.environ, "TZ": service_tz})
    try:
        proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=b"\n\n" + script.text.encode(),
                              capture_output=True, timeout=120, env={**os.environ, "TZ": login_tz})
    finally:
        service.kill()
        service.wait()
    out = split_output(script.marker, proc.stdout.split(b"\n", 2)[2])
    processes = FACTS["time.tz_env"].parse(out["time.tz_env"])["processes"]
    assert f"sleep: TZ={service_tz}" in processes, out["time.tz_env"]
    assert not any(login_tz in p for p in processes), processes


def test_the_script_is_read_the_same_from_a_socket_as_from_a_pipe() -> None:
    """sshd gives the shell a pipe (read by the shell itself) or, built otherwise, a socket
    (read through cat): the same probes run either way."""
    import socket

    script = build_script([_fact("a.one", "echo one"), _fact("b.two", "echo two >&2; exit 2")])
    ours, theirs = socket.socketpair()
    with ours, theirs:
        proc = subprocess.Popen(["sh", "-c", BOOTSTRAP], stdin=theirs, stdout=subprocess.PIPE)
        ours.sendall(b"\n\n" + script.text.encode())
        ours.shutdown(socket.SHUT_WR)
        stdout, _ = proc.communicate(timeout=30)
    from_socket = split_output(script.marker, stdout.split(b"\n", 2)[2])
    from_pipe = split_output(script.marker, _run(script.text))
    assert from_socket == from_pipe == {"a.one": ProbeOutput("one\n", 0, ""), "b.two": ProbeOutput("", 2, "two\n")}


def test_the_clock_line_gives_the_zone_of_the_system_not_of_the_login() -> None:
    """time.zone takes the offset from the clock line: a TZ the login carries must not show."""
    env = {"PATH": "/usr/bin:/bin", "TZ": "Pacific/Kiritimati"}  # +14:00, never this machine's
    proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=b"\n\n", capture_output=True, timeout=30, env=env)
    clock = proc.stdout.split(b"\n")[1].decode().split()
    system = subprocess.run(["date", "+%z %Z"], capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin"}).stdout.split()
    assert len(clock) == 3 and clock[1:] == system and clock[1] != "+1400"


def test_a_probe_whose_subject_is_absent_is_not_started() -> None:
    """`present` false: ABSENT comes back as the probe's own output would say it, and the
    command does not run (no subshell on hosts without the software)."""
    def present(fid: str, test: str) -> Fact:
        return Fact(fid, "echo ran; echo ABSENT-never", lambda out: out.stdout, present=test)

    script = build_script([present("a.none", "ecany /nonexistent/bin/x /nonexistent/*/y"),
                           present("b.here", "ecany /nonexistent/x /bin/sh"),
                           present("c.cmd", "command -v no-such-command-here >/dev/null 2>&1")])
    out = split_output(script.marker, _run(script.text))
    assert out["a.none"] == ProbeOutput("ABSENT\n", 0, "") == out["c.cmd"]
    assert out["b.here"] == ProbeOutput("ran\nABSENT-never\n", 0, "")


def test_the_per_run_values_come_before_the_fixed_prelude_as_quoted_assignments() -> None:
    """The prelude (envcheck/audit/prelude.sh) is sent as it is: the marker and the stderr
    cap are shell assignments before it; a marker that is not a nonce is refused, as it
    also names the sudo section's here-document."""
    from pathlib import Path

    import pytest

    prelude = (Path(__file__).parents[2] / "envcheck" / "audit" / "prelude.sh").read_text(encoding="utf-8")
    script = build_script([_fact("a.one", "echo one")], marker="@@EC0123abcd")
    assert script.text.startswith("ECMARK=@@EC0123abcd\nECMAXERR=4096\n" + prelude)
    for bad in ("@@EC'; reboot; '", "@@EC12\nECSUDO", "no-prefix"):
        with pytest.raises(ValueError):
            build_script([_fact("a.one", "echo one")], marker=bad)
