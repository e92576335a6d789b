"""The probe script: run for real with sh on this machine, split back per probe."""

from __future__ import annotations

import subprocess

from envcheck.checks.registry import Fact
from envcheck.model import ProbeOutput
from envcheck.probe import BOOTSTRAP, build_script, decode, split_output


def _fact(fid: str, command: str, sudo: bool = False, timeout: float = 10) -> Fact:
    return Fact(fid, command, lambda out: out.stdout, sudo, timeout)


def _run(script: str, password: str = "") -> bytes:
    stdin = b"\n" + password.encode() + b"\n" + script.encode()
    proc = subprocess.run(["sh", "-c", BOOTSTRAP], input=stdin, capture_output=True, timeout=30, check=True)
    lines = proc.stdout.split(b"\n", 2)
    assert lines[0] == b"ECREADY"
    float(lines[1])  # the host's clock
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
