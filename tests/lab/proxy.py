"""The apt proxy every lab of the machine shares: apt-cacher-ng on 127.0.0.1:<proxy_port>,
its cache kept across labs. A lab notes itself as a user when it comes up; when it goes down
it removes its note, and the last lab down stops the proxy, if a lab started it (one started
otherwise, e.g. the system's own service, is left alone). A user whose state dir is gone
(a lab removed by hand) does not count."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.lab import files
from tests.lab.config import LabConfig
from tests.lab.host import daemon, kill_pidfile, port_listening


def _dir(cfg: LabConfig) -> Path:
    return cfg.cache_dir / "acng"


def _pidfile(cfg: LabConfig) -> Path:
    return _dir(cfg) / "acng.pid"


@contextmanager
def _locked(cfg: LabConfig) -> Iterator[Path]:
    users = _dir(cfg) / "users"
    users.mkdir(parents=True, exist_ok=True)
    with (_dir(cfg) / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield users


def users(cfg: LabConfig) -> list[Path]:
    """The state dirs of the labs that use the proxy now."""
    found = []
    for note in sorted((_dir(cfg) / "users").glob("*")):
        try:
            state = Path(note.read_text().strip())
        except OSError:
            continue
        if (state / "lab.json").exists():
            found.append(state)
        else:
            note.unlink(missing_ok=True)
    return found


def acquire(cfg: LabConfig) -> None:
    """This lab uses the proxy: noted, and the proxy started unless one answers already."""
    with _locked(cfg) as notes:
        (notes / cfg.key).write_text(f"{cfg.state_dir.resolve()}\n")
        if port_listening("127.0.0.1", cfg.proxy_port):
            return
        acng = files.write_acng_config(cfg)
        daemon(_pidfile(cfg), ["apt-cacher-ng", "-c", str(acng)])
        for _ in range(100):
            if port_listening("127.0.0.1", cfg.proxy_port):
                return
            time.sleep(0.05)


def release(cfg: LabConfig) -> None:
    """This lab is done with the proxy; the last one stops it (if a lab started it)."""
    with _locked(cfg) as notes:
        (notes / cfg.key).unlink(missing_ok=True)
        if not [u for u in users(cfg) if u != cfg.state_dir.resolve()]:
            kill_pidfile(_pidfile(cfg))
