"""The Debian 12 repository of a bundle: apt itself resolves each role's packages against a
Debian root's dpkg database (`--root`: the lab's base, or an empty one for the whole closure),
downloads them into a cache kept between builds, and the repository's index is apt's own
records of those packages (`apt-cache show`), their Filename pointing into the bundle.

Everything apt reads or writes is redirected (Dir::State, Dir::Cache, the source lists): the
controller's own apt state is never touched, its apt.conf.d (a proxy) still applies."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from envcheck.errors import BadInput

# `apt-get -s install` prints one line per package it would unpack:
#   Inst libpq5 (15.8-0+deb12u1 Debian:12.7/stable [amd64])
#   Inst tzdata [2024a-0+deb12u1] (2024b-0+deb12u1 Debian:12.7/stable [all])
_INST = re.compile(r"^Inst (\S+) (?:\[\S+\] )?\((\S+) .*\[(\S+)\]\)", re.M)


@dataclass(frozen=True)
class Deb:
    name: str
    version: str
    arch: str

    @property
    def file(self) -> str:
        """Its name in apt's archive cache (an epoch's colon written %3a, as apt does)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.arch}.deb"


def parse_simulation(text: str) -> list[Deb]:
    return [Deb(*m.groups()) for m in _INST.finditer(text)]


class Apt:
    """apt-get and apt-cache on the controller, their state redirected under `cache`."""

    def __init__(self, cache: Path, root: Path | None) -> None:
        self.cache = cache
        self.root = root
        for sub in ("lists/partial", "archives/partial", "state", "etc/sources.list.d"):
            (cache / sub).mkdir(parents=True, exist_ok=True)
        status = cache / "state" / "status"
        if root is None:
            status.write_text("")  # no package installed: apt resolves the whole closure
            self._status = status
        else:
            self._status = root / "var" / "lib" / "dpkg" / "status"
            if not self._status.is_file():
                raise BadInput.of("error.bundle_root", path=root)
        etc = (root or Path("/")) / "etc" / "apt"
        self.options = {
            "Dir::State": str(cache / "state"),
            "Dir::State::status": str(self._status),
            "Dir::State::Lists": str(cache / "lists"),
            "Dir::Cache": str(cache),
            "Dir::Cache::archives": str(cache / "archives"),
            "Dir::Etc::sourcelist": str(etc / "sources.list"),
            "Dir::Etc::sourceparts": str(etc / "sources.list.d"),
            "Debug::NoLocking": "1",
            "APT::Sandbox::User": "root",
            # As the roles install: with Recommends (the apt module's default).
            "APT::Install-Recommends": "true",
            "APT::Get::AllowUnauthenticated": "false",
            "Acquire::Languages": "none",
        }

    def _run(self, tool: str, *args: str, quiet: bool = True) -> str:
        argv = [tool, "-q", *(f"-o{k}={v}" for k, v in self.options.items()), *args]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C.UTF-8"}
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise BadInput.of("error.bundle_apt", command=" ".join(argv[:1] + list(args)[:3]),
                              error=(proc.stderr.strip() or proc.stdout.strip())[-800:])
        return proc.stdout

    def update(self) -> None:
        self._run("apt-get", "update")

    def resolve(self, packages: Sequence[str]) -> list[Deb]:
        """What apt would unpack to install `packages` on the root (dependencies, Recommends)."""
        return parse_simulation(self._run("apt-get", "-s", "install", *packages))

    def download(self, debs: Sequence[Deb]) -> None:
        """Into the archive cache; what is there already (a former build) is not fetched again."""
        missing = [d for d in debs if not (self.cache / "archives" / d.file).is_file()]
        if missing:
            self._run("apt-get", "install", "-y", "--download-only", "--no-install-recommends",
                      "--allow-downgrades", *(f"{d.name}={d.version}" for d in missing))

    def records(self, debs: Sequence[Deb]) -> dict[str, str]:
        """apt's index record of each package (its Packages stanza), by archive file name."""
        out = self._run("apt-cache", "show", "--no-all-versions", *(f"{d.name}={d.version}" for d in debs))
        by_key: dict[tuple[str, str, str], str] = {}
        for stanza in out.strip().split("\n\n"):
            fields = dict(re.findall(r"^(Package|Version|Architecture): (\S+)", stanza, re.M))
            key = (fields.get("Package", ""), fields.get("Version", ""), fields.get("Architecture", ""))
            by_key.setdefault(key, stanza.strip())
        return {d.file: by_key[(d.name, d.version, d.arch)] for d in debs if (d.name, d.version, d.arch) in by_key}


def resolve_roles(apt: Apt, roles: Mapping[str, Sequence[str]]) -> dict[str, list[Deb]]:
    """role -> the debs apt installs for it (each role apart: a host gets only its roles')."""
    return {role: apt.resolve(packages) for role, packages in roles.items() if packages}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packages_index(records: Mapping[str, str], files: Sequence[str]) -> str:
    """A flat repository's Packages file for `files` (names under pool/), sorted."""
    out = []
    for name in sorted(files):
        stanza = re.sub(r"^Filename: .*$", f"Filename: pool/{name}", records[name], flags=re.M)
        out.append(stanza)
    return "\n\n".join(out) + "\n"


def release_file(packages: str, date: str) -> str:
    """The repository's Release: the checksum of its Packages (apt verifies it on update)."""
    data = packages.encode()
    return (
        "Origin: envcheck\nLabel: envcheck offline bundle\nSuite: envcheck-offline\n"
        f"Codename: envcheck-offline\nDate: {date}\nArchitectures: amd64 all\n"
        f"SHA256:\n {hashlib.sha256(data).hexdigest()} {len(data)} Packages\n"
    )
