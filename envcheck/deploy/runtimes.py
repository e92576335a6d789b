"""The ansible-core runtimes envcheck can deploy with, and the target Pythons each can use.

The current runtime is the ansible-core installed beside envcheck. A second, pinned legacy
runtime (ansible-core 2.16, the last that runs modules on Python 2.7 and 3.6-3.7) may be
installed in a venv of its own for EL7/EL8-generation targets (docs/platforms.md): envcheck
selects it for a run whose hosts need it (envcheck.deploy.preflight). Both are read from
what is installed, never assumed: the version from the package metadata, the target Python
minimum from the runtime's own module_utils/basic.py.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

Version = tuple[int, ...]

LEGACY_ENV = "ENVCHECK_LEGACY_ANSIBLE"  # the legacy runtime's venv (else the default below)
LEGACY_SERIES = (2, 16)
# The newest target Python each ansible-core series supports (its support matrix); past it
# a module may still run, but nothing promises it.
_TARGET_MAX: dict[Version, Version] = {
    (2, 16): (3, 12), (2, 17): (3, 12), (2, 18): (3, 13), (2, 19): (3, 13), (2, 20): (3, 14),
}
_PY_MIN = re.compile(r"^_PY_MIN = \((\d+), (\d+)\)", re.M)  # 2.17 on
_PY3_MIN = re.compile(r"^_PY3_MIN = sys\.version_info >= \((\d+), (\d+)\)", re.M)  # 2.16 and before
_PY2_MIN = re.compile(r"^_PY2_MIN = ", re.M)  # Python 2.7 still runs (2.16 and before)


@dataclass(frozen=True)
class Runtime:
    name: str  # "current" or "legacy"
    version: Version  # of ansible-core
    bin_dir: Path  # holds its ansible-playbook
    target_min: Version  # the oldest Python 3 its modules run on
    target_max: Version | None  # the newest it supports (None: not known)
    python2: bool  # its modules still run on Python 2.7
    fallback: tuple[str, ...] = ()  # its interpreter discovery list (INTERPRETER_PYTHON_FALLBACK)

    @property
    def label(self) -> str:
        return "ansible-core " + ".".join(map(str, self.version))

    def runs_on(self, python: Version) -> bool:
        """Whether this runtime's modules run on a target Python of this version."""
        if python[:1] == (2,):
            return self.python2 and python[:2] >= (2, 7)
        return python[:2] >= self.target_min and (self.target_max is None or python[:2] <= self.target_max)


def parse_version(text: str) -> Version:
    """'2.19.14' -> (2, 19, 14); digits only, as far as they go."""
    out = []
    for part in text.strip().split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        out.append(int(digits.group()))
    return tuple(out)


def target_support(basic_py: str) -> tuple[Version, bool]:
    """(oldest Python 3, whether Python 2.7 runs) from the text of module_utils/basic.py."""
    found = _PY_MIN.search(basic_py) or _PY3_MIN.search(basic_py)
    if found is None:
        raise ValueError("no target Python minimum in module_utils/basic.py")
    return (int(found.group(1)), int(found.group(2))), _PY2_MIN.search(basic_py) is not None


def discovery_list(base_yml: str) -> tuple[str, ...]:
    """The default of INTERPRETER_PYTHON_FALLBACK in the text of ansible's config/base.yml."""
    block = re.search(r"^INTERPRETER_PYTHON_FALLBACK:\n(?:  .*\n)*?  default:\n((?:  - .*\n)+)", base_yml, re.M)
    if block is None:
        return ()
    return tuple(line.strip()[2:].strip() for line in block.group(1).splitlines())


def _runtime(name: str, version: Version, bin_dir: Path, package_dir: Path) -> Runtime:
    minimum, python2 = target_support((package_dir / "module_utils" / "basic.py").read_text(encoding="utf-8"))
    fallback = discovery_list((package_dir / "config" / "base.yml").read_text(encoding="utf-8"))
    return Runtime(name, version, bin_dir, minimum, _TARGET_MAX.get(version[:2]), python2, fallback)


def current() -> Runtime:
    """The ansible-core beside envcheck."""
    import ansible  # noqa: PLC0415 (ansible-core: ~100 ms, only when a deploy runs)

    return _runtime("current", parse_version(version("ansible-core")), Path(sys.executable).parent,
                    Path(ansible.__file__).parent)


def legacy_home() -> Path:
    """Where the legacy runtime's venv is looked for: $ENVCHECK_LEGACY_ANSIBLE, else
    $XDG_DATA_HOME/envcheck/ansible-2.16 (~/.local/share)."""
    given = os.environ.get(LEGACY_ENV)
    if given:
        return Path(given).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(data) / "envcheck" / "ansible-{}.{}".format(*LEGACY_SERIES)


def legacy(home: Path | None = None) -> Runtime | None:
    """The legacy runtime installed in its venv, or None (not installed, or not 2.16)."""
    home = home or legacy_home()
    if not (home / "bin" / "ansible-playbook").is_file():
        return None
    for info in sorted(home.glob("lib/python3*/site-packages/ansible_core-*.dist-info")):
        version = parse_version(info.name.removeprefix("ansible_core-").removesuffix(".dist-info"))
        if version[:2] != LEGACY_SERIES:
            continue
        return _runtime("legacy", version, home / "bin", info.parent / "ansible")
    return None
