"""A Prometheus of the test's own: Debian's package unpacked into the checkout's .lab-prom/
(apt-get download, dpkg -x; never installed, no service on the controller), started on a free
loopback port with its own configuration and data folder, stopped by its PID. Its promtool
checks the shipped alert rules (envcheck/data/prometheus/envcheck-rules.yml) and exposition
text. As tests/lab/dbservers.py does for MariaDB."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lab.dbservers import _stop, free_port
from tests.lab.debs import unpacked

CACHE = Path(__file__).resolve().parents[2] / ".lab-prom"
PACKAGES = ("prometheus",)  # one Go binary each for prometheus and promtool; its web assets are not needed


def prometheus_root() -> Path:
    """The unpacked package (its usr/ tree), unpacked on first use."""
    return unpacked(CACHE, "prometheus", PACKAGES, "usr/bin/promtool")


def http_get(url: str) -> tuple[int, str]:
    """The status and body of a GET on loopback (an error status is an answer, not an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:  # noqa: S310 (http on loopback)
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def promtool(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(prometheus_root() / "usr" / "bin" / "promtool"), *args], input=input,
                          capture_output=True, text=True, timeout=120)


@dataclass(frozen=True)
class Prometheus:
    port: int
    pid: int

    def api(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (http on loopback)
            doc = json.loads(answer.read())
        assert doc["status"] == "success", doc
        return doc["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's vector: [{metric: {labels}, value: [time, "v"]}, ...]."""
        return list(self.api("query", query=expr)["result"])

    def targets(self) -> list[dict[str, Any]]:
        return list(self.api("targets")["activeTargets"])


def config(target: str, interval_s: float, rules: Path | None = None) -> str:
    """One scrape job of `target` (host:port on loopback), every `interval_s` seconds."""
    lines = ["global:", f"  scrape_interval: {interval_s}s", f"  scrape_timeout: {interval_s}s",
             f"  evaluation_interval: {interval_s}s"]
    if rules is not None:
        lines += ["rule_files:", f"  - {json.dumps(str(rules))}"]
    lines += ["scrape_configs:", "  - job_name: envcheck", "    static_configs:",
              f"      - targets: [{json.dumps(target)}]"]
    return "\n".join(lines) + "\n"


@contextmanager
def prometheus(base: Path, target: str, interval_s: float = 2, rules: Path | None = None) -> Iterator[Prometheus]:
    """Prometheus scraping `target` every `interval_s` seconds, its data in base/data."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "prometheus.yml").write_text(config(target, interval_s, rules), encoding="utf-8")
    port, log = free_port(), base / "prometheus.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(prometheus_root() / "usr" / "bin" / "prometheus"), f"--config.file={base / 'prometheus.yml'}",
             f"--storage.tsdb.path={base / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
             "--storage.tsdb.retention.time=1h", "--query.lookback-delta=30s"],
            stdout=out, stderr=subprocess.STDOUT)
    server = Prometheus(port, proc.pid)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                server.api("status/buildinfo")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("prometheus did not answer in 60 s") from None
                time.sleep(0.3)
        yield server
    finally:
        _stop(proc, 15)
