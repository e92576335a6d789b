"""`--format prometheus` (envcheck/output/prometheus.py) and the exporter's one-audit-at-a-time
cache (envcheck/serve.py): the series a run gives, escaping, atomic files, the audit rule."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.output.prometheus import escape_label, exposition, families_of
from envcheck.serve import Exporter, Snapshot
from tests.clirunner import crash

# name{labels} value, as the exposition format writes a sample
_SAMPLE = re.compile(r'^([a-z_]+)(\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$')


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "started": "2026-12-02T10:00:00+00:00", "finished": "2026-12-02T10:00:02.5+00:00", "complete": True,
        "hosts": [{"name": "app1", "reachable": True, "clock_offset_ms": -812.0, "clock_rtt_ms": 1.5,
                   "seconds": 2.0},
                  {"name": "db\"1\\x", "reachable": False, "clock_offset_ms": None, "seconds": 5.0}],
        "results": [
            {"host": "app1", "check": "time.timezone", "status": "fail", "severity": "critical"},
            {"host": "app1", "check": "locale.lang", "status": "waived", "severity": "major"},
            {"host": None, "check": "time.same_zone", "status": "pass", "severity": "major"},
            {"host": "app1", "check": "endpoint.http", "status": "pass", "severity": "major",
             "found": {"pay": {"status": 200, "latency_ms": 85}, "sms": {"status": 200, "latency_ms": None}}},
            {"host": "app1", "check": "endpoint.tls", "status": "fail", "severity": "critical",
             "found": {"pay": {"protocol": "TLSv1.3", "verify": "0", "days_left": 6}}},
            {"host": "app1", "check": "endpoint.reachable", "status": "pass", "severity": "critical",
             "found": {"pay": {"address": "10.0.0.1", "tcp_ms": 3}}},
            {"host": "app1", "check": "app.session_clock", "status": "pass", "severity": "major",
             "found": {"orders": -120}},
        ],
        "pending": ["web1"],
        "scope": {"site": {"max_clock_offset_ms": "500"}},
        "verdict": {"ready": False},
    }
    return {**doc, **extra}


def _samples(text: str) -> dict[str, float]:
    """'name{labels}' -> value, every line checked against the format."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        m = _SAMPLE.match(line)
        assert m, line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def test_one_series_per_host_and_check_and_the_figures_found() -> None:
    s = _samples(exposition(families_of(_doc()), "en"))
    assert s['envcheck_check_failing{host="app1",check="time.timezone",status="fail",severity="critical"}'] == 1
    assert s['envcheck_check_failing{host="app1",check="locale.lang",status="waived",severity="major"}'] == 0
    assert s['envcheck_check_failing{host="",check="time.same_zone",status="pass",severity="major"}'] == 0
    assert len([k for k in s if k.startswith("envcheck_check_failing")]) == 7
    assert s['envcheck_host_up{host="app1"}'] == 1
    assert s['envcheck_host_up{host="db\\"1\\\\x"}'] == 0  # escaped: \" and \\
    assert s['envcheck_host_up{host="web1"}'] == 0  # pending at an interruption: not known up
    assert s['envcheck_host_clock_offset_seconds{host="app1"}'] == -0.812
    assert not [k for k in s if k.startswith("envcheck_host_clock_offset_seconds{host=\"db")]  # none measured
    assert s["envcheck_clock_offset_max_seconds"] == 0.5
    assert s['envcheck_endpoint_latency_seconds{host="app1",endpoint="pay"}'] == 0.085
    assert not [k for k in s if 'endpoint="sms"' in k]  # no latency measured: no series
    assert s['envcheck_endpoint_certificate_days{host="app1",endpoint="pay"}'] == 6
    assert s['envcheck_endpoint_connect_seconds{host="app1",endpoint="pay"}'] == 0.003
    assert s['envcheck_datasource_clock_offset_seconds{host="app1",datasource="orders"}'] == -0.12
    assert s["envcheck_audit_ready"] == 0 and s["envcheck_audit_seconds"] == 2.5
    assert s['envcheck_results{status="fail"}'] == 2 and s['envcheck_results{status="waived"}'] == 1


def test_label_values_are_escaped_per_the_exposition_format() -> None:
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    text = exposition(families_of(_doc(results=[
        {"host": "h\n# TYPE x counter", "check": 'c"} 1\nevil 2', "status": "fail", "severity": "minor"}])), "en")
    assert "\nevil" not in text and "\n# TYPE x" not in text  # a hostile value stays inside its label
    _samples(text)


def test_help_in_the_language_asked_and_families_without_samples_left_out() -> None:
    doc = _doc(results=[], hosts=[], pending=[])
    zh = exposition(families_of(doc), "zh")
    assert "# HELP envcheck_audit_ready 最近一次检查" in zh
    assert "envcheck_endpoint" not in zh and "envcheck_check_failing" not in zh


def test_check_writes_the_textfile_atomically(tmp_path: Path) -> None:
    prom = tmp_path / "envcheck.prom"
    prom.write_text("old\n")
    result = CliRunner().invoke(cli, ["check", "-c", "time", "-o", f"prometheus:{prom}",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert crash(result) is None, crash(result)
    s = _samples(prom.read_text(encoding="utf-8"))
    assert 'envcheck_check_failing{host="' in "".join(s) and "envcheck_audit_ready" in s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["envcheck.prom", "runs"]  # no temporary left
    result = CliRunner().invoke(cli, ["check", "-c", "time", "--format", "prometheus",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.stdout.startswith("# HELP envcheck_info") and "Not ready" in result.stderr


# -- the exporter's rule: one audit at a time, at most every interval ----------------------------------
class _Audits:
    """An audit that takes `seconds` and counts how often it ran (how many ran at once, too)."""

    def __init__(self, seconds: float, base: Path) -> None:
        self.seconds, self.base = seconds, base
        self.count = self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def __call__(self) -> Snapshot:
        with self.lock:
            self.count += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            run_dir = self.base / f"run{self.count}"
        run_dir.mkdir()
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return Snapshot((), self.count % 2 == 0, f"audit {self.count}", True, run_dir)


def test_concurrent_scrapes_wait_for_the_running_audit_and_take_it(tmp_path: Path) -> None:
    audits = _Audits(0.5, tmp_path)
    exporter = Exporter(audits, interval=0.01, lang="en")
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(exporter.latest().text)) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert audits.most_at_once == 1
    assert audits.count == 1 and got == ["audit 1"] * 10  # all came while it ran: one audit


def test_a_new_audit_once_the_interval_is_over_and_only_the_last_run_kept(tmp_path: Path) -> None:
    now = [100.0]
    audits = _Audits(0, tmp_path)
    exporter = Exporter(audits, interval=60, lang="en", clock=lambda: now[0])
    assert exporter.latest().text == "audit 1"
    now[0] += 59
    assert exporter.latest().text == "audit 1" and audits.count == 1  # cached in between
    now[0] += 1
    assert exporter.latest().text == "audit 2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run2"]  # the run before removed
    assert "envcheck_serve_audits_total 2" in exporter.metrics()
