"""`envcheck deploy --offline BUNDLE` (or the inventory variable envcheck_offline_bundle):
each host gets the bundle's repository for its roles, and apt reads only that for the run.

- Shipped once and resumable: the host keeps it in HOST_DIR; what is there with the right
  sha256 is not sent again, a file cut short by an interrupted transfer is sent again. One tar
  stream per host over the SSH of `envcheck check`, then `sha256sum -c` of every file there.
- Only what the host's roles need (envcheck.bundle.roles: its groups' roles), with an index
  (Packages, Release) of just those.
- For the run, one apt.conf.d file points apt's source lists and its lists directory at the
  bundle (`deb [trusted=yes] file:...`: trusted because the controller checked every file's
  sha256 against the bundle's manifest on the host itself; docs/offline.md). The host's own
  sources.list, sources.list.d and lists are never touched; removing that one file after the
  run (`restore`, also `envcheck bundle restore`) gives the host its apt sources back as before.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from envcheck.bundle import apt as aptrepo
from envcheck.bundle.build import FAMILY, TOP, read_manifest
from envcheck.bundle.roles import roles_of
from envcheck.errors import BadInput
from envcheck.i18n import t
from envcheck.inventory import InventoryHost
from envcheck.ssh import OpenSSHTransport, SshSettings

VARIABLE = "envcheck_offline_bundle"
HOST_DIR = "/var/cache/envcheck-offline"
SNIPPET = "/etc/apt/apt.conf.d/99envcheck-offline"
TIMEOUT = 900  # seconds for one host's transfer (a few hundred MB over a slow link)


@dataclass(frozen=True)
class Shipped:
    host: str
    sent: int  # files sent this time
    kept: int  # files already on the host with the right checksum
    bytes_sent: int
    error: str | None = None


def bundle_of(option: str | None, hosts: Sequence[InventoryHost]) -> Path | None:
    """--offline, else the inventory's envcheck_offline_bundle (one value for every host)."""
    if option:
        return Path(option)
    values = {str(h.variables[VARIABLE]) for h in hosts if h.variables.get(VARIABLE)}
    if len(values) > 1:
        raise BadInput.of("error.bundle_read", path=", ".join(sorted(values)),
                          error=f"{VARIABLE} differs between hosts")
    return Path(values.pop()) if values else None


class Bundle:
    """A bundle archive (or an unpacked bundle folder) opened for reading its repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest = read_manifest(path)
        self._members: dict[str, tuple[int, int]] = {}  # name -> (offset, size) in the archive
        if not path.is_dir():
            with tarfile.open(path) as tar:
                self._members = {m.name: (m.offset_data, m.size) for m in tar.getmembers() if m.isfile()}
        if FAMILY not in self.manifest.get("os", {}):
            raise BadInput.of("error.bundle_family", path=path, family=FAMILY,
                              built=", ".join(self.manifest.get("os", {})) or "-")
        self.files: dict[str, Any] = self.manifest["files"]
        self.roles: dict[str, list[str]] = json.loads(self.read(f"os/{FAMILY}/roles.json"))
        self._records = _stanzas(self.read(f"os/{FAMILY}/Packages").decode())

    @contextmanager
    def open(self, rel: str) -> Iterator[IO[bytes]]:
        if self.path.is_dir():
            with (self.path / rel).open("rb") as fh:
                yield fh
            return
        where = self._members.get(f"{TOP}/{rel}")
        if where is None:
            raise BadInput.of("error.bundle_read", path=self.path, error=f"{rel} missing")
        with self.path.open("rb") as fh:  # its own handle: hosts are served side by side
            fh.seek(where[0])
            yield io.BytesIO(fh.read(where[1]))

    def read(self, rel: str) -> bytes:
        with self.open(rel) as fh:
            return fh.read()

    def files_for(self, groups: Sequence[str]) -> list[str]:
        """The pool files (names) a host of these groups needs."""
        return sorted({f for role in roles_of(groups) for f in self.roles.get(role, ())})

    def index_for(self, files: Sequence[str]) -> tuple[str, str]:
        """Packages and Release of a repository holding just these files."""
        packages = aptrepo.packages_index(self._records, files)
        return packages, aptrepo.release_file(packages, "Thu, 01 Jan 1970 00:00:00 UTC")


def _stanzas(packages: str) -> dict[str, str]:
    out = {}
    for stanza in packages.strip().split("\n\n"):
        for line in stanza.splitlines():
            if line.startswith("Filename: "):
                out[line.split("/")[-1]] = stanza
    return out


def _as_root(host: InventoryHost, command: str) -> str:
    user = host.target.user
    wrapped = "sh -c " + shlex.quote(command)
    return wrapped if user in (None, "root") else "sudo -n " + wrapped


def _ssh(host: InventoryHost, command: str) -> list[str]:
    return OpenSSHTransport(SshSettings()).argv(host.target, _as_root(host, command))


def _present(host: InventoryHost) -> dict[str, str]:
    """sha256 of each pool file already on the host."""
    pool = f"{HOST_DIR}/repo/pool"
    cmd = f"mkdir -p {pool} && cd {pool} && for f in *.deb; do [ -f \"$f\" ] && sha256sum -- \"$f\"; done; true"
    proc = subprocess.run(_ssh(host, cmd), capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-300:] or f"ssh exit {proc.returncode}")
    return {name.strip(): digest for digest, _, name in (ln.partition("  ") for ln in proc.stdout.splitlines())}


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, IO[bytes]]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    return info, io.BytesIO(data)


def ship(bundle: Bundle, host: InventoryHost) -> Shipped:
    """The host's repository brought up to date and checked, and apt pointed at it."""
    try:
        files = bundle.files_for(host.groups)
        present = _present(host)
        want = {f: bundle.files[f"os/{FAMILY}/pool/{f}"]["sha256"] for f in files}
        send = [f for f in files if present.get(f) != want[f]]
        packages, release = bundle.index_for(files)
        extra = {
            "repo/Packages": packages.encode(), "repo/Release": release.encode(),
            "repo/SHA256SUMS": "".join(f"{want[f]}  pool/{f}\n" for f in files).encode()
            + "".join(f"{hashlib.sha256(d.encode()).hexdigest()}  {n}\n"
                      for n, d in (("Packages", packages), ("Release", release))).encode(),
            "sources.list": f"deb [trusted=yes] file:{HOST_DIR}/repo ./\n".encode(),
        }
        cmd = (f"cd {HOST_DIR} && tar -x -o -f - && cd repo && sha256sum --quiet --strict -c SHA256SUMS "
               f"&& mkdir -p {HOST_DIR}/lists/partial {HOST_DIR}/sources.list.d "
               f"&& printf %s {shlex.quote(_snippet())} > {SNIPPET}.tmp && mv {SNIPPET}.tmp {SNIPPET}")
        proc = subprocess.Popen(_ssh(host, cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdin is not None
        sent_bytes = 0
        try:
            with tarfile.open(fileobj=proc.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for f in send:
                    with bundle.open(f"os/{FAMILY}/pool/{f}") as src:
                        info = tarfile.TarInfo(f"repo/pool/{f}")
                        info.size, info.mode = bundle.files[f"os/{FAMILY}/pool/{f}"]["size"], 0o644
                        tar.addfile(info, src)
                        sent_bytes += info.size
                for name, data in extra.items():
                    tar.addfile(*_member(name, data))
        except BrokenPipeError:
            pass  # the host's end stopped reading: its exit status and stderr say why
        out, err = proc.communicate(timeout=TIMEOUT)  # closes stdin: the end of the stream
        if proc.returncode != 0:
            text = (err or out).decode("utf-8", "replace").strip()[-400:]
            return Shipped(host.name, 0, 0, 0, text or f"exit {proc.returncode}")
        return Shipped(host.name, len(send), len(files) - len(send), sent_bytes)
    except (OSError, RuntimeError, subprocess.SubprocessError, KeyError) as exc:
        return Shipped(host.name, 0, 0, 0, f"{type(exc).__name__}: {exc}")


def _snippet() -> str:
    return (
        "// envcheck deploy --offline: apt reads the offline bundle's repository only, for this run.\n"
        "// Removed after the run (or by `envcheck bundle restore`); the host's own sources are untouched.\n"
        f'Dir::Etc::sourcelist "{HOST_DIR}/sources.list";\n'
        f'Dir::Etc::sourceparts "{HOST_DIR}/sources.list.d";\n'
        f'Dir::State::Lists "{HOST_DIR}/lists";\n'
    )


def ship_all(bundle: Bundle, hosts: Sequence[InventoryHost], forks: int) -> list[Shipped]:
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts)))) as pool:
        return list(pool.map(lambda h: ship(bundle, h), hosts))


def restore(hosts: Sequence[InventoryHost], forks: int) -> list[tuple[str, str | None]]:
    """apt back to the host's own sources: the run's apt.conf.d file removed. (host, error)."""

    def one(host: InventoryHost) -> tuple[str, str | None]:
        try:
            proc = subprocess.run(_ssh(host, f"rm -f {SNIPPET} {SNIPPET}.tmp"), capture_output=True,
                                  text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as exc:
            return host.name, f"{type(exc).__name__}: {exc}"
        return host.name, None if proc.returncode == 0 else (proc.stderr.strip()[-300:] or "failed")

    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts) or 1))) as pool:
        return list(pool.map(one, hosts))


@contextmanager
def pointed_at(bundle_path: Path | None, hosts: Sequence[InventoryHost], forks: int, lang: str) -> Iterator[None]:
    """For the run inside: every host's apt on the bundle (nothing when there is none); after
    it, even when it failed or was interrupted, every host's own apt sources again."""
    if bundle_path is None:
        yield
        return
    bundle = Bundle(bundle_path)
    try:
        shipped = ship_all(bundle, hosts, forks)
        for s in shipped:
            if s.error is not None:
                raise BadInput.of("error.bundle_ship", host=s.host, error=s.error)
            click.echo(t("bundle.shipped", lang, host=s.host, sent=s.sent, kept=s.kept,
                         mb=f"{s.bytes_sent / 1e6:.0f}"), err=True)
        yield
    finally:
        for host, error in restore(hosts, forks):
            if error is not None:
                click.echo(t("bundle.restore_failed", lang, host=host, error=error), err=True)
