"""Remote output that is not UTF-8, or megabytes long, on a real host: read, judged, kept,
never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab import faults
from tests.lab.lab import Lab
from tests.reliability.labkit import last_run, read_json, run_envcheck

pytestmark = [pytest.mark.lab, pytest.mark.reliability]


def _check(lab: Lab, name: str, runs: Path) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out = run_envcheck(["check", "-i", str(lab.inventory_path), "--limit", name, "-c", "locale",
                              "-c", "time.tz_environment", "--format", "json", "--runs-dir", str(runs)], timeout=120)
    return code, read_json(last_run(runs, "check") / "result.json"), out


def test_a_gbk_locale_file_is_read_and_judged(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[2].name
    saved = lab.ssh(name, "cat /etc/default/locale 2>/dev/null").stdout
    faults.put_file(lab, name, "/etc/default/locale", "# 系统语言:简体中文\nLANG=zh_CN.GBK\n".encode("gbk"))
    try:
        code, doc, out = _check(lab, name, tmp_path)
    finally:
        faults.put_file(lab, name, "/etc/default/locale", saved.encode())
    results = {r["check"]: r for r in doc["results"]}
    assert code == 1 and "Traceback" not in out
    assert results["locale.system_charset"]["status"] == "fail" and "GBK" in str(results["locale.system_charset"])
    assert not [r for r in doc["results"] if r["status"] == "error"], doc["results"]
    probes = read_json(last_run(tmp_path, "check") / "hosts" / f"{name}.json")["probes"]
    assert "系统语言" in probes["locale.system"]["stdout"]  # the GBK bytes kept, as text


def test_megabytes_of_output_are_cut_not_fatal(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[2].name
    lines = 300_000  # 'LANG=zh_CN.UTF-8' x 300 000: 5.1 MB out of one grep
    assert lab.ssh(name, f"cp /etc/environment /etc/environment.rel && yes LANG=zh_CN.UTF-8 | head -n {lines} "
                         ">> /etc/environment").returncode == 0
    try:
        code, doc, out = _check(lab, name, tmp_path)
    finally:
        lab.ssh(name, "mv /etc/environment.rel /etc/environment")
    assert code in (0, 1) and "Traceback" not in out and doc["hosts"][0]["reachable"], out
    assert {r["check"] for r in doc["results"]} >= {"locale.no_override", "time.tz_environment"}
    kept = read_json(last_run(tmp_path, "check") / "hosts" / f"{name}.json")["probes"]["locale.system"]["stdout"]
    assert len(kept.encode()) <= 1024 * 1024 + 100  # one probe's output is capped at 1 MiB
