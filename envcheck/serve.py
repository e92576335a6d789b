"""`envcheck serve`: an HTTP exporter of the audit for Prometheus (docs/monitoring.md).

A scrape of /metrics (or /healthz) runs the audit when the last one started `interval` seconds
ago or more, else answers from the last one. One audit at a time: a lock is held while it runs,
and the scrapes that arrive meanwhile wait for it and answer with its result. Only the last
result is kept (its exposition text and verdict; the report itself is dropped), and only its
run directory: memory and disk stay flat however long it serves.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from envcheck.i18n import t
from envcheck.output.prometheus import Family, exposition, families_of

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Snapshot:
    """What is kept of one audit: the metrics of its run and its verdict."""

    families: tuple[Family, ...]
    ready: bool
    text: str  # the verdict's words, or why the audit could not run
    ok: bool  # the audit ran (whatever its verdict)
    run_dir: Path | None = None
    started: float = 0.0  # the exporter's clock (monotonic), set by it
    finished: float = 0.0


def snapshot_of(result_json: str, run_dir: Path | None) -> Snapshot:
    """A finished audit's snapshot from its result.json text (the document the verdict judges)."""
    doc = json.loads(result_json)
    verdict = doc.get("verdict") or {}
    return Snapshot(tuple(families_of(doc)), bool(verdict.get("ready")), str(verdict.get("text", "")), True,
                    run_dir)


def failed_snapshot(error: str, lang: str) -> Snapshot:
    return Snapshot((), False, t("serve.no_audit", lang, error=error), False)


class Exporter:
    """The last audit, run again on demand at most every `interval` seconds, one at a time."""

    def __init__(self, audit: Callable[[], Snapshot], interval: float, lang: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._audit = audit
        self.interval = interval
        self.lang = lang
        self._clock = clock
        self._lock = threading.Lock()
        self._last: Snapshot | None = None
        self.audits = 0

    def latest(self) -> Snapshot:
        """The last audit's snapshot, after running a new audit when it is due: none yet, or
        the last one started `interval` seconds ago or more and finished before this scrape
        came. A scrape that came while an audit ran waits on the lock and takes that audit."""
        arrived = self._clock()
        with self._lock:
            last = self._last
            if last is None or (self._clock() - last.started >= self.interval and last.finished <= arrived):
                started = self._clock()
                fresh = replace(self._audit(), started=started, finished=self._clock())
                self._last = fresh
                self.audits += 1
                _forget(last, fresh)
                return fresh
            return last

    def metrics(self) -> str:
        snap = self.latest()
        own = [Family("envcheck_serve_audits_total", "counter"), Family("envcheck_serve_audit_ok"),
               Family("envcheck_serve_interval_seconds")]
        own[0].add(self.audits)
        own[1].add(1 if snap.ok else 0)
        own[2].add(self.interval)
        return exposition([*snap.families, *own], self.lang)

    def wait_idle(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) for a running audit to end."""
        if self._lock.acquire(timeout=timeout):
            self._lock.release()
            return True
        return False


def _forget(old: Snapshot | None, new: Snapshot) -> None:
    """The run directory of the audit before is removed once a newer one is kept."""
    if old is not None and old.run_dir is not None and old.run_dir != new.run_dir:
        shutil.rmtree(old.run_dir, ignore_errors=True)


def handler_for(exporter: Exporter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "envcheck-serve"

        def do_GET(self) -> None:
            path = self.path.partition("?")[0]
            if path == "/metrics":
                self._answer(200, exporter.metrics(), CONTENT_TYPE)
            elif path == "/healthz":
                snap = exporter.latest()
                self._answer(200 if snap.ready else 503, snap.text + "\n")
            else:
                self._answer(404, t("serve.not_found", exporter.lang) + "\n")

        def _answer(self, code: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
            data = body.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a scrape every few seconds is no news

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a scrape still waiting for an audit does not hold the stop
    allow_reuse_address = True


def listen(host: str, port: int, exporter: Exporter) -> Server:
    """The HTTP server bound to host:port (OSError when it cannot be)."""
    import socket  # noqa: PLC0415

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    cls = type("Server", (Server,), {"address_family": family})
    server: Server = cls((host, port), handler_for(exporter))
    return server
