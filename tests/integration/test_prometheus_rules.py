"""The shipped alert rules (envcheck/monitoring/envcheck-rules.yml) through Prometheus's own
promtool (Debian's package, unpacked by tests/lab/prom.py): `check rules` passes, and `test
rules` shows each alert firing on the series envcheck writes, and staying quiet when it should."""

from __future__ import annotations

from pathlib import Path

import yaml

from envcheck.commands.serve import RULES
from tests.lab.prom import promtool


def test_promtool_check_rules_passes() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout


def _alert(name: str, at: str, *fired: tuple[dict[str, str], str]) -> dict[str, object]:
    """`name` at `at` fires with these (labels, summary), or not at all."""
    return {"eval_time": at, "alertname": name,
            "exp_alerts": [{"exp_labels": labels, "exp_annotations": {"summary": summary}}
                           for labels, summary in fired]}


def _summaries_only(tmp_path: Path) -> Path:
    """The shipped rules with their summaries alone (promtool compares every annotation; the
    descriptions are prose, loaded and checked by `check rules` above)."""
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in doc["groups"]:
        for rule in group["rules"]:
            rule["annotations"] = {"summary": rule["annotations"]["summary"]}
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


SERIES = [
    # app1's critical check fails from the start; its major one too (no alert); web1 passes.
    {"series": 'envcheck_check_failing{host="app1",check="time.timezone",status="fail",severity="critical"}',
     "values": "1x20"},
    {"series": 'envcheck_check_failing{host="app1",check="locale.lang",status="fail",severity="major"}',
     "values": "1x20"},
    {"series": 'envcheck_check_failing{host="web1",check="time.timezone",status="pass",severity="critical"}',
     "values": "0x20"},
    {"series": 'envcheck_host_up{host="db1"}', "values": "0x20"},
    {"series": 'envcheck_host_up{host="web1"}', "values": "1x20"},
    {"series": "envcheck_clock_offset_max_seconds", "values": "0.5x20"},
    {"series": 'envcheck_host_clock_offset_seconds{host="web1"}', "values": "-0.8x20"},
    {"series": 'envcheck_host_clock_offset_seconds{host="app1"}', "values": "0.2x20"},
    {"series": 'envcheck_datasource_clock_offset_seconds{host="app1",datasource="his"}', "values": "1.5x20"},
    {"series": 'envcheck_endpoint_certificate_days{host="app1",endpoint="pay"}', "values": "20x200"},
    {"series": 'envcheck_endpoint_certificate_days{host="app1",endpoint="sms"}', "values": "3x200"},
    {"series": 'envcheck_endpoint_certificate_days{host="app1",endpoint="mail"}', "values": "300x200"},
    {"series": "envcheck_audit_timestamp_seconds", "values": "0x200"},  # an audit at time 0, never again
]


def test_each_alert_fires_on_envcheck_s_series(tmp_path: Path) -> None:
    tests = {"rule_files": [str(_summaries_only(tmp_path))], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": SERIES,
        "alert_rule_test": [
            _alert("EnvcheckCriticalCheckFailing", "2m"),  # `for: 5m` not over yet
            _alert("EnvcheckCriticalCheckFailing", "6m", (
                {"host": "app1", "check": "time.timezone", "status": "fail", "severity": "critical"},
                "envcheck: time.timezone fail on app1")),
            _alert("EnvcheckHostUnreachable", "6m", ({"host": "db1", "severity": "critical"},
                                                     "envcheck: host db1 unreachable")),
            _alert("EnvcheckClockSkew", "11m", ({"host": "web1", "severity": "warning"},  # |-0.8| > 0.5
                                                "envcheck: clock of web1 off by 800ms")),
            _alert("EnvcheckDatasourceClockSkew", "11m", ({"host": "app1", "datasource": "his", "severity": "warning"},
                                                          "envcheck: NOW() of his off by 1.5s")),
            _alert("EnvcheckCertificateExpiresSoon", "61m",
                   ({"host": "app1", "endpoint": "pay", "severity": "warning"},
                    "envcheck: certificate of pay expires in 20 days"),
                   ({"host": "app1", "endpoint": "sms", "severity": "warning"},
                    "envcheck: certificate of sms expires in 3 days")),
            _alert("EnvcheckCertificateExpiring", "61m", ({"host": "app1", "endpoint": "sms", "severity": "critical"},
                                                          "envcheck: certificate of sms expires in 3 days")),
            _alert("EnvcheckAuditStale", "30m"),  # promtool's clock starts at 0: the audit is 30 minutes old
            _alert("EnvcheckAuditStale", "80m", ({"severity": "warning"}, "envcheck: no audit for an hour")),
        ]}]}
    path = tmp_path / "rules_test.yml"
    path.write_text(yaml.safe_dump(tests, sort_keys=False))
    done = promtool("test", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
