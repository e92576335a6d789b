"""`envcheck collect`: the standard configs and the recent part of each service's logs from every
host, secrets masked before anything is written, into runs/<ts>-collect/<host>/ and one .tar.gz.

One fixed remote script per host (no inventory value in it; the paths are ours, quoted) copies
each file, cut to the size cap (configs: the head; logs: the tail, i.e. the recent part), and
sends them back as a base64 tar on stdout. Key material (*.key, *.pem, keystores) is never
transferred; binary files are not kept.
"""

from __future__ import annotations

import base64
import binascii
import io
import shlex
import tarfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from envcheck.audit.probe import decode
from envcheck.inventory import InventoryHost
from envcheck.masking import mask_text
from envcheck.paths import shell_text
from envcheck.runs import new_run_dir, safe_name, write_atomic, write_record
from envcheck.ssh.group import HostRun, RemoteSettings, run_on_hosts


@dataclass(frozen=True)
class Area:
    configs: tuple[str, ...]
    logs: tuple[str, ...]
    commands: tuple[tuple[str, str], ...] = ()


AREAS: dict[str, Area] = {
    "system": Area(
        ("/etc/os-release", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/fstab",
         "/etc/timezone", "/etc/default/locale", "/etc/locale.conf", "/etc/locale.gen",
         "/etc/environment", "/etc/security/limits.conf", "/etc/security/limits.d", "/etc/sysctl.conf",
         "/etc/sysctl.d", "/etc/chrony", "/etc/chrony.conf", "/etc/ntp.conf",
         "/etc/systemd/timesyncd.conf", "/etc/ssh/sshd_config"),
        ("/var/log/syslog", "/var/log/messages", "/var/log/auth.log", "/var/log/secure"),
        (("journal", "journalctl --no-pager -o short-iso -n 3000"), ("uname", "uname -a"),
         ("uptime", "uptime"), ("date", "date -R; date -u -R; ls -l /etc/localtime"),
         ("df", "df -hT"), ("free", "free -m"), ("listening", "ss -ltnp"),
         ("failed-units", "systemctl --failed --no-pager"), ("ip", "ip addr"),
         ("locale", "cat /proc/1/environ | tr '\\0' '\\n' | grep -E '^(LANG|LC_)'"))),
    "nginx": Area(("/etc/nginx",), ("/var/log/nginx",),
                  (("journal-nginx", "journalctl --no-pager -o short-iso -n 500 -u nginx"),)),
    "apache": Area(("/etc/apache2", "/etc/httpd"), ("/var/log/apache2", "/var/log/httpd"),
                   (("journal-apache", "journalctl --no-pager -o short-iso -n 500 -u apache2 -u httpd"),)),
    "tomcat": Area(("/etc/tomcat*", "/etc/default/tomcat*", "/etc/sysconfig/tomcat*",
                    "/etc/systemd/system/tomcat*.service.d", "/opt/tomcat*/conf"),
                   ("/var/log/tomcat*", "/opt/tomcat*/logs"),
                   (("journal-tomcat", "journalctl --no-pager -o short-iso -n 1000 -u 'tomcat*'"),)),
    "postgresql": Area(("/etc/postgresql", "/etc/postgresql-common", "/var/lib/pgsql/data/*.conf"),
                       ("/var/log/postgresql", "/var/lib/pgsql/data/log"),
                       (("journal-postgresql", "journalctl --no-pager -o short-iso -n 500 -u 'postgresql*'"),)),
    "mysql": Area(("/etc/mysql", "/etc/my.cnf", "/etc/my.cnf.d"),
                  ("/var/log/mysql", "/var/log/mariadb", "/var/log/mysqld.log"),
                  (("journal-mysql", "journalctl --no-pager -o short-iso -n 500 -u mariadb -u mysql -u mysqld"),)),
}

# The fixed part of the remote script (helpers, then `ship`): envcheck/collect.sh.
_SCRIPT = shell_text("collect.sh")
# The tar travels between these lines: whatever a login profile prints around it is ignored.
_BEGIN, _END = "ECCOLLECT-BEGIN", "ECCOLLECT-END"


def remote_script(areas: Sequence[str], cap: int) -> str:
    body = []
    for name in areas:
        area = AREAS[name]
        body.append("grab config " + " ".join(shlex.quote(p) for p in area.configs))
        body.append("grab log " + " ".join(shlex.quote(p) for p in area.logs))
        body += [f"cmd {shlex.quote(n)} {shlex.quote(c)}" for n, c in area.commands]
    values = f"CAP={int(cap)}\nECBEGIN={shlex.quote(_BEGIN)}\nECEND={shlex.quote(_END)}\n"
    return "\n" + values + _SCRIPT + "\n".join(body) + "\nship\n"


@dataclass(frozen=True)
class HostCollect:
    host: str
    address: str
    error: str | None
    files: int = 0
    truncated: tuple[str, ...] = ()
    masked: int = 0  # secrets replaced
    dropped: tuple[str, ...] = ()  # binary files, key material, unreadable


@dataclass(frozen=True)
class CollectOutcome:
    run_dir: Path
    bundle: Path
    hosts: tuple[HostCollect, ...]


def collect(hosts: Sequence[InventoryHost], areas: Sequence[str], settings: RemoteSettings,
            cap: int, sudo: bool = False, forks: int = 20, runs_base: Path | None = None) -> CollectOutcome:
    run_dir = new_run_dir("collect", runs_base)
    started = datetime.now(UTC)
    run_dir.chmod(0o700)  # configs and logs of a customer's hosts: for the engineer's eyes only
    runs = run_on_hosts(hosts, remote_script(areas, cap), settings, sudo=sudo, forks=forks)
    results = tuple(_store(run, run_dir / safe_name(run.host), cap) for run in runs)
    write_record(run_dir, "collect", {
        "started": started.isoformat(), "finished": datetime.now(UTC).isoformat(), "complete": True,
        "areas": list(areas), "max_file_bytes": cap, "hosts": [asdict(r) for r in results],
    })
    bundle = run_dir / f"{run_dir.name}.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        for path in sorted(run_dir.iterdir()):
            if path != bundle:
                tar.add(path, arcname=f"{run_dir.name}/{path.name}")
    return CollectOutcome(run_dir, bundle, results)


def _store(run: HostRun, folder: Path, cap: int) -> HostCollect:
    if run.error is not None:
        return HostCollect(run.host, run.address, run.error)
    try:
        payload = run.stdout.partition(_BEGIN + "\n")[2].partition(_END)[0]
        raw = base64.b64decode("".join(payload.split()), validate=True)
        tar = tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz")
    except (binascii.Error, tarfile.TarError, EOFError) as exc:
        why = run.stderr.strip().splitlines()[-1:] or [str(exc)]
        return HostCollect(run.host, run.address, f"collection failed (exit {run.exit_code}): {why[0][:300]}")
    folder.mkdir(parents=True, exist_ok=True)
    files, masked = 0, 0
    dropped: list[str] = []
    with tar:
        for member in tar:
            rel = _safe_relative(member.name)
            if rel is None or not member.isfile():
                continue
            extracted = tar.extractfile(member)
            data = extracted.read(cap + 65536) if extracted else b""
            if rel.name == "manifest.tsv":
                write_atomic(folder / "manifest.tsv", data)
                continue
            if b"\0" in data:
                dropped.append(f"/{rel.relative_to('files')}" if rel.parts[0] == "files" else str(rel))
                continue
            text, n = mask_text(decode(data))
            masked += n
            target = folder.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
            files += 1
    manifest_file = folder / "manifest.tsv"
    manifest = manifest_file.read_text(encoding="utf-8", errors="replace") if manifest_file.exists() else ""
    truncated, skipped = _manifest(manifest)
    return HostCollect(run.host, run.address, None, files, truncated, masked, tuple(dropped) + skipped)


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    parts = [p for p in path.parts if p not in (".", "/")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def _manifest(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    truncated, skipped = [], []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 4:
            continue
        kind, state, _size, path = fields
        if state == "cut":
            truncated.append(path)
        if kind == "skipped":
            skipped.append(f"{path} ({state})")
    return tuple(truncated), tuple(skipped)
