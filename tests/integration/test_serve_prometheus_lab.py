"""`envcheck serve` against a lab host, scraped by a real Prometheus (Debian's package, unpacked
by tests/lab/prom.py, on a free loopback port): a fault injected on the host shows as a failing
series in Prometheus's query API within two scrapes, and is gone within two scrapes of its undo;
/healthz follows the verdict; concurrent scrapes run one audit."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.lab import faults
from tests.lab.dbservers import free_port
from tests.lab.lab import Lab
from tests.lab.prom import Prometheus, http_get, prometheus, promtool
from tests.reliability.labkit import ENVCHECK

pytestmark = pytest.mark.lab

CHECK = "resources.disk_free"
FILL = "/srv/envcheck-fill"
# The site declares the two checks serve runs: a clean host is Ready (/healthz 200).
STANDARD = {"standard_timezone": "Etc/UTC", "standard_disk_paths": ["/", FILL],
            "envcheck_checks": [CHECK, "time.timezone"]}
SCRAPE_S = 5  # and its timeout: above one audit of one host on a loaded machine


@pytest.fixture(scope="module")
def inventory(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's first host alone (a --limit would keep the verdict from Ready), clean: what an
    earlier test left on it would hide the fault or keep the verdict from Ready."""
    name = lab.hosts[0].name
    lab.reset(name)
    whole = yaml.safe_load(lab.inventory_path.read_text())
    host = next(g["hosts"][name] for g in whole["all"]["children"].values() if name in g.get("hosts", {}))
    path = tmp_path_factory.mktemp("inv") / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": {name: host}, "vars": STANDARD}}))
    return path


class Served:
    def __init__(self, proc: subprocess.Popen[str], port: int, runs: Path) -> None:
        self.proc, self.port, self.runs = proc, port, runs

    def get(self, path: str) -> tuple[int, str]:
        return http_get(f"http://127.0.0.1:{self.port}{path}")


def _serve(inventory: Path, runs: Path, interval: float) -> Iterator[Served]:
    port = free_port()
    proc = subprocess.Popen([ENVCHECK, "serve", "-i", str(inventory), "-c", CHECK, "-c", "time.timezone",
                             "--listen", f"127.0.0.1:{port}", "--interval", str(interval), "--runs-dir", str(runs),
                             "--lang", "en"], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert "Serving the audit" in proc.stderr.readline()  # listening once it says so
        yield Served(proc, port, runs)
    finally:
        proc.terminate()  # SIGTERM: a clean stop
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Stopped after" in err and "Traceback" not in err, err


@pytest.fixture
def served(inventory: Path, tmp_path: Path) -> Iterator[Served]:
    yield from _serve(inventory, tmp_path / "runs", interval=1)


def _until(what: str, probe: Callable[[], Any], limit_s: float = 120) -> Any:
    """Poll `probe` until it gives something truthy (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"not seen in {limit_s} s: {what}")


def _samples(prom: Prometheus, expr: str) -> list[tuple[float, float]]:
    """The raw samples (time, value) of a selector over the last 10 minutes."""
    found = prom.query(f"{expr}[10m]")
    return [(float(ts), float(v)) for series in found for ts, v in series["values"]]


def _scrapes_between(prom: Prometheus, after: float, until: float) -> int:
    return sum(1 for ts, _ in _samples(prom, 'up{job="envcheck"}') if after < ts <= until)


def test_a_fault_shows_in_prometheus_within_two_scrapes_and_clears_after_the_undo(
        lab: Lab, served: Served, tmp_path: Path) -> None:
    host = lab.hosts[0].name
    series = f'envcheck_check_failing{{host="{host}",check="{CHECK}"'
    failing, passing = series + ',status="fail"}', series + ',status="pass"}'
    with prometheus(tmp_path / "prometheus", f"127.0.0.1:{served.port}", SCRAPE_S) as prom:
        _until("the clean host's passing series", lambda: prom.query(f"{passing} == 0"))
        assert served.get("/healthz")[0] == 200  # Ready: the declared checks all pass
        injected = time.time()
        faults.fill_disk(lab, host, FILL)
        try:
            _until("the failing series", lambda: prom.query(f"{failing} == 1"))
            seen = min(ts for ts, v in _samples(prom, failing) if v == 1)
            assert 1 <= _scrapes_between(prom, injected, seen) <= 2  # the scrape that saw it counts
            assert prom.query(f"envcheck_host_up{{host=\"{host}\"}} == 1")
            assert prom.query("envcheck_audit_ready == 0")
            code, body = served.get("/healthz")
            assert code == 503 and "1 failed" in body, body
        finally:
            undone = time.time()
            faults.unfill_disk(lab, host, FILL)
        _until("the failing series gone", lambda: not prom.query(failing) and prom.query(f"{passing} == 0"))
        cleared = min(ts for ts, _ in _samples(prom, passing) if ts > undone)
        assert 1 <= _scrapes_between(prom, undone, cleared) <= 2
        assert served.get("/healthz")[0] == 200
    text = served.get("/metrics")[1]
    linted = promtool("check", "metrics", input=text)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert len(list(served.runs.iterdir())) == 1  # only the last audit's evidence is kept


def test_concurrent_scrapes_run_one_audit(inventory: Path, tmp_path: Path) -> None:
    served = _serve(inventory, tmp_path / "runs", interval=3600)
    scraper = next(served)
    bodies: list[str] = []

    def scrape() -> None:
        bodies.append(scraper.get("/metrics")[1])

    threads = [threading.Thread(target=scrape) for _ in range(10)]
    for th in threads:  # all arrive while the first audit (over SSH) runs
        th.start()
    for th in threads:
        th.join()
    assert len(bodies) == 10
    audits = {re.search(r"^envcheck_serve_audits_total (\d+)$", b, re.M).group(1) for b in bodies}  # type: ignore[union-attr]
    assert audits == {"1"}
    stamps = {re.search(r"^envcheck_audit_timestamp_seconds (\S+)$", b, re.M).group(1) for b in bodies}  # type: ignore[union-attr]
    assert len(stamps) == 1  # one audit's result, served ten times
    assert len(list(scraper.runs.iterdir())) == 1
    next(served, None)  # SIGTERM and the clean stop checked
