"""An EL8-generation target emulated on a lab host: /usr/libexec/platform-python, a Python
that says it is 3.6.8 to whoever asks (sys.version_info and sys.version, set by a
sitecustomize before any code runs), as the interpreter that holds the package manager's
bindings on EL8. ansible-core 2.17+ modules refuse it exactly as they refuse a real 3.6
("ansible-core requires a minimum of Python version 3.8"); the legacy runtime (2.16) runs
its modules on it. The lab cannot boot a real EL8 (docs/platforms.md says what that leaves
to captured facts)."""

from __future__ import annotations

from tests.lab.lab import Lab

PATH = "/usr/libexec/platform-python"
SITE_DIR = "/usr/local/lib/envcheck-lab-py36"
_SITECUSTOMIZE = '''\
import sys


class _VersionInfo(tuple):
    major = property(lambda self: self[0])
    minor = property(lambda self: self[1])
    micro = property(lambda self: self[2])
    releaselevel = property(lambda self: self[3])
    serial = property(lambda self: self[4])


sys.version_info = _VersionInfo((3, 6, 8, "final", 0))
sys.version = "3.6.8 (default, emulated by the envcheck lab) [GCC 8.5.0 20210514 (Red Hat 8.5.0-4)]"
'''
_WRAPPER = f'''#!/bin/sh
# envcheck lab: EL8's platform-python, emulated (tests/lab/oldpython.py).
PYTHONPATH={SITE_DIR}${{PYTHONPATH:+:$PYTHONPATH}} exec /usr/bin/python3.11 "$@"
'''


def emulate(lab: Lab, name: str) -> None:
    """Give host `name` the emulated Python 3.6 at PATH (a reset host loses it)."""
    script = (f"mkdir -p {SITE_DIR} /usr/libexec && cat > {SITE_DIR}/sitecustomize.py && "
              f"printf '%s' {_quote(_WRAPPER)} > {PATH} && chmod 755 {PATH} && "
              f"{PATH} -c 'import sys; print(sys.version_info[:2])'")
    done = lab.ssh(name, script, input=_SITECUSTOMIZE)
    if done.returncode != 0 or done.stdout.strip() != "(3, 6)":
        raise RuntimeError(f"{name}: the emulated Python 3.6 did not take: {done.stdout} {done.stderr}")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
