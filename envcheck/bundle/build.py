"""`envcheck bundle build`: wheels, playbooks, templates and the OS repository in one archive.

Layout (docs/offline.md): envcheck-bundle/manifest.json, wheels/, playbooks/, templates/,
os/debian12/{pool/*.deb, Packages, Release, roles.json}. os/el8/ (createrepo metadata) is a
designed slot, not built here. Reproducible: names sorted, every time stamp SOURCE_DATE_EPOCH,
owners root, no compression (wheels and debs are compressed already); two builds from the
same sources and mirror give the same manifest (and the same archive)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envcheck import __version__
from envcheck.bundle import apt as aptrepo
from envcheck.bundle.roles import EXTRA, role_packages
from envcheck.errors import BadInput

TOP = "envcheck-bundle"
FORMAT = 1
FAMILY = "debian12"  # the OS families built here (el8: designed, docs/offline.md)
# What of a checkout is not envcheck's source: hidden files and caches anywhere; at its top,
# the builds, the evidence and the tests (envcheck/runs/ is a package: kept).
_ANYWHERE = shutil.ignore_patterns(".*", "__pycache__", "*.egg-info")
_AT_TOP = {"build", "dist", "runs", "tests", "bench"}


def source_ignored(top: Path) -> Callable[[str, list[str]], set[str]]:
    """shutil.copytree's ignore for a copy of the checkout `top`."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        out = set(_ANYWHERE(folder, names))
        return out | (_AT_TOP & set(names)) if Path(folder) == top else out

    return ignore
EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))


@dataclass(frozen=True)
class BuildRequest:
    output: Path
    source: Path  # the envcheck checkout its wheel is built from
    root: Path | None  # the Debian 12 root apt resolves against (None: an empty dpkg database)
    cache: Path
    packages: tuple[str, ...] = ()  # extra OS packages for every host (--packages)


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "envcheck" / "bundle"


def default_source() -> Path:
    """The checkout envcheck runs from (a wheel install has none: --source then)."""
    here = Path(__file__).resolve().parents[2]
    return here


def python_tag() -> str:
    return f"cp{sys.version_info.major}{sys.version_info.minor}-{platform.machine()}"


def build(req: BuildRequest, say: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Build the archive at req.output; returns its manifest."""
    if not (req.source / "setup.cfg").is_file():
        raise BadInput.of("error.bundle_source", path=req.source)
    with tempfile.TemporaryDirectory(prefix="envcheck-bundle-") as tmp:
        stage = Path(tmp) / TOP
        stage.mkdir()
        say("wheels")
        _wheels(req.source, stage / "wheels", req.cache / "pip")
        # The playbooks of the source the wheel is built from (as the wheel holds them).
        shutil.copytree(req.source / "envcheck" / "playbooks", stage / "playbooks",
                        ignore=shutil.ignore_patterns("__pycache__"))
        if (req.source / "templates").is_dir():
            shutil.copytree(req.source / "templates", stage / "templates")
        say("os packages (apt)")
        packages = _debian(req, stage / "os" / FAMILY)
        say("manifest and archive")
        manifest = _manifest(stage, packages)
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        req.output.parent.mkdir(parents=True, exist_ok=True)
        part = req.output.with_name(req.output.name + ".part")
        _archive(stage, part)
        part.replace(req.output)
    return manifest


def _wheels(source: Path, dest: Path, cache: Path) -> None:
    """envcheck's wheel and one for every dependency, for this Python and machine."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PIP_NO_INPUT": "1"}
    with tempfile.TemporaryDirectory(prefix="envcheck-src-") as tmp:
        # A copy: building in the checkout would leave build/ and egg-info there.
        src = Path(tmp) / "src"
        shutil.copytree(source, src, ignore=source_ignored(source))
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--cache-dir", str(cache),
                               "--wheel-dir", str(dest), str(src)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise BadInput.of("error.bundle_pip", error=proc.stderr.strip()[-800:])


def _debian(req: BuildRequest, repo: Path) -> list[dict[str, Any]]:
    (req.cache / "apt").mkdir(parents=True, exist_ok=True)
    with (req.cache / "apt" / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # builds side by side share the cache, one at a time
        return _debian_locked(req, repo)


def _debian_locked(req: BuildRequest, repo: Path) -> list[dict[str, Any]]:
    apt = aptrepo.Apt(req.cache / "apt", req.root)
    apt.update()
    roles: dict[str, Sequence[str]] = dict(role_packages("Debian"))
    if req.packages:
        roles[EXTRA] = req.packages
    resolved = aptrepo.resolve_roles(apt, roles)
    debs = sorted({d for ds in resolved.values() for d in ds}, key=lambda d: d.file)
    apt.download(debs)
    records = apt.records(debs)
    pool = repo / "pool"
    pool.mkdir(parents=True)
    for d in debs:  # a hard link where the cache is on the same file system
        cached = apt.cache / "archives" / d.file
        if _same_fs(apt.cache, pool):
            os.link(cached, pool / d.file)
        else:
            shutil.copyfile(cached, pool / d.file)
    index = aptrepo.packages_index(records, [d.file for d in debs])
    (repo / "Packages").write_text(index)
    (repo / "Release").write_text(aptrepo.release_file(index, _date()))
    role_files = {role: sorted({d.file for d in ds}) for role, ds in sorted(resolved.items())}
    (repo / "roles.json").write_text(json.dumps(role_files, indent=1, sort_keys=True) + "\n")
    return [{"name": d.name, "version": d.version, "arch": d.arch, "file": f"os/{FAMILY}/pool/{d.file}",
             "roles": sorted(r for r, files in role_files.items() if d.file in files)} for d in debs]


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _date() -> str:
    return datetime.fromtimestamp(EPOCH, UTC).strftime("%a, %d %b %Y %H:%M:%S UTC")


def _manifest(stage: Path, packages: list[dict[str, Any]]) -> dict[str, Any]:
    files = {}
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        rel = path.relative_to(stage).as_posix()
        files[rel] = {"sha256": aptrepo.sha256(path), "size": path.stat().st_size}
    for p in packages:
        p.update(files[p["file"]])
    return {
        "format": FORMAT, "envcheck": __version__, "python": python_tag(),
        "os": {FAMILY: packages}, "wheels": sorted(f.name for f in (stage / "wheels").glob("*.whl")),
        "files": files,
    }


def _archive(stage: Path, dest: Path) -> None:
    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime, info.uid, info.gid, info.uname, info.gname = EPOCH, 0, 0, "root", "root"
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in [stage, *sorted(stage.rglob("*"))]:
            tar.add(path, arcname=path.relative_to(stage.parent).as_posix(), recursive=False, filter=clean)


def read_manifest(bundle: Path) -> dict[str, Any]:
    """The manifest of a bundle archive (or of an unpacked bundle folder)."""
    try:
        if bundle.is_dir():
            data = (bundle / "manifest.json").read_bytes()
        else:
            with tarfile.open(bundle) as tar:
                member = tar.extractfile(f"{TOP}/manifest.json")
                if member is None:
                    raise KeyError("manifest.json")
                data = member.read()
        manifest: dict[str, Any] = json.load(io.BytesIO(data))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BadInput.of("error.bundle_read", path=bundle, error=str(exc)) from exc
    return manifest
