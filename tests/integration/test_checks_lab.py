"""`envcheck check` on the lab's real hosts: each check passes on a clean host, fails when
the lab injects its fault, and passes again once the fault is undone."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.audit.engine import AuditReport
from envcheck.checks import load_catalogue
from envcheck.cli import cli
from envcheck.i18n import t
from envcheck.model import Status
from tests.clirunner import crash
from tests.lab import faults
from tests.lab.audit import audit as lab_audit
from tests.lab.audit import result, status
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
load_catalogue()

# The standard for these tests: what a clean lab host is, so that faults stand out.
LAB_STANDARD = {
    "standard_timezone": "Etc/UTC",
    "standard_locale": "C.UTF-8",
    "standard_locales_required": ["zh_CN.UTF-8"],
    "standard_disk_paths": ["/", "/srv/envcheck-fill"],
    "standard_max_clock_offset_ms": 2000,
}


@pytest.fixture(scope="module")
def inventory(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    for h in lab.hosts:  # clean hosts: what an earlier test installed would hide the faults
        lab.reset(h.name)
    folder = tmp_path_factory.mktemp("inv")
    shutil.copy(lab.inventory_path, folder / "hosts.yml")
    (folder / "group_vars").mkdir()
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump(LAB_STANDARD))
    yield folder / "hosts.yml"


def audit(inventory: Path, only: list[str], limit: str | None = None, timeout: float = 30) -> AuditReport:
    return lab_audit(inventory, only, limit, timeout)


def test_timezone_symlink_and_copied_file(lab: Lab, inventory: Path) -> None:
    name = lab.hosts[0].name
    assert status(audit(inventory, ["time.timezone"], name), name, "time.timezone") == Status.PASS
    try:
        faults.set_timezone(lab, name, "Asia/Tokyo")
        r = result(audit(inventory, ["time.timezone"], name), name, "time.timezone")
        assert r.status == Status.FAIL and r.found == "Asia/Tokyo"
        faults.set_timezone_copied(lab, name, "Asia/Tokyo")
        r = result(audit(inventory, ["time.timezone"], name), name, "time.timezone")
        assert r.status == Status.FAIL
    finally:
        faults.set_timezone(lab, name, "Etc/UTC")
    assert status(audit(inventory, ["time.timezone"], name), name, "time.timezone") == Status.PASS


def test_required_locale(lab: Lab, inventory: Path) -> None:
    name = lab.hosts[1].name
    faults.add_locale(lab, name, "zh_CN.UTF-8")
    assert status(audit(inventory, ["locale.required_generated"], name), name,
                  "locale.required_generated") == Status.PASS
    faults.remove_locale(lab, name, "zh_CN.UTF-8")
    r = result(audit(inventory, ["locale.required_generated"], name), name, "locale.required_generated")
    assert r.status == Status.FAIL and "zh_CN.UTF-8" in r.message.en
    faults.add_locale(lab, name, "zh_CN.UTF-8")
    assert status(audit(inventory, ["locale.required_generated"], name), name,
                  "locale.required_generated") == Status.PASS


def test_full_disk_path(lab: Lab, inventory: Path) -> None:
    name = lab.hosts[0].name
    faults.fill_disk(lab, name, "/srv/envcheck-fill")
    try:
        r = result(audit(inventory, ["resources.disk_free"], name), name, "resources.disk_free")
        assert r.status == Status.FAIL and "/srv/envcheck-fill" in r.message.en
    finally:
        faults.unfill_disk(lab, name, "/srv/envcheck-fill")
    assert status(audit(inventory, ["resources.disk_free"], name), name, "resources.disk_free") == Status.PASS


def test_fleet_timezones_disagree(lab: Lab, inventory: Path) -> None:
    a, b = lab.hosts[0].name, lab.hosts[1].name
    assert status(audit(inventory, ["fleet.timezone"]), None, "fleet.timezone") == Status.PASS
    try:
        faults.set_timezone(lab, b, "Asia/Shanghai")
        r = result(audit(inventory, ["fleet.timezone"]), None, "fleet.timezone")
        assert r.status == Status.FAIL and b in r.message.en and a in r.message.en
    finally:
        faults.set_timezone(lab, b, "Etc/UTC")
    assert status(audit(inventory, ["fleet.timezone"]), None, "fleet.timezone") == Status.PASS


def test_fleet_clock_skew_measured_from_the_controller(lab: Lab, inventory: Path) -> None:
    skewed = lab.hosts[-1].name
    report = audit(inventory, ["fleet.clock_skew"])
    assert status(report, None, "fleet.clock_skew") == Status.PASS
    assert all(abs(h.status.clock_offset_ms or 1e9) < 200 for h in report.hosts)
    try:
        faults.skew_clock(lab, skewed, 90)
        report = audit(inventory, ["fleet.clock_skew"])
        r = result(report, None, "fleet.clock_skew")
        assert r.status == Status.FAIL and f"{skewed} ahead" in r.message.en
        offset = next(h.status.clock_offset_ms for h in report.hosts if h.status.name == skewed)
        assert offset is not None and 89_000 < offset < 91_000  # round-trip corrected
    finally:
        faults.unskew_clock(lab, skewed)
    assert status(audit(inventory, ["fleet.clock_skew"]), None, "fleet.clock_skew") == Status.PASS


def test_tier_reachability_from_the_source_host(lab: Lab, inventory: Path) -> None:
    web, app = lab.hosts[0].name, lab.hosts[1].name
    r = result(audit(inventory, ["network.tiers"], web), web, "network.tiers")
    assert r.status == Status.FAIL and "8080" in r.message.en
    lab.ssh(app, "systemd-run --unit=envcheck-listen nc -lk -p 8080")
    try:
        time.sleep(0.5)
        assert status(audit(inventory, ["network.tiers"], web), web, "network.tiers") == Status.PASS
    finally:
        lab.ssh(app, "systemctl stop envcheck-listen")


def test_a_cut_host_times_out_and_the_others_finish(lab: Lab, inventory: Path) -> None:
    cut = lab.hosts[1].name
    faults.cut_link(lab, cut)
    try:
        report = audit(inventory, ["time.timezone"], timeout=5)
    finally:
        faults.restore_link(lab, cut)
    down = {h.status.name: h.status for h in report.hosts if not h.status.reachable}
    assert set(down) == {cut} and "timed out" in (down[cut].error or "")
    assert {r.host for r in report.results} == {h.name for h in lab.hosts} - {cut}


def test_a_changed_host_key_is_refused_naming_the_host(lab: Lab, inventory: Path) -> None:
    name = lab.hosts[1].name
    faults.change_host_key(lab, name)
    try:
        report = audit(inventory, ["time.timezone"])
    finally:
        faults.restore_host_key(lab, name)
    [down] = [h.status for h in report.hosts if not h.status.reachable]
    assert down.name == name and "known_hosts" in (down.error or "")


def test_the_terminal_table_counts_skipped_checks_and_lists_them_when_asked(
        lab: Lab, inventory: Path, tmp_path: Path) -> None:
    """A clean lab host has no MariaDB/MySQL (the controller may have one, so not this
    machine): every MySQL check skips; the table says how many, and lists them with
    --show-skipped (the evidence always has them)."""
    name = lab.hosts[0].name

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["check", "-i", str(inventory), "--limit", name, "-c", "mysql",
                                          *args, "--runs-dir", str(tmp_path / "runs")])
        assert crash(result) is None and result.exit_code == 0, crash(result) or result.output
        return result.stdout

    out = run("--lang", "en")
    assert "SKIP" not in out  # no row of a skipped check (the summary says "skip N")
    assert "skipped (not applicable on those hosts) not listed: --show-skipped" in " ".join(out.split())
    out = run("--lang", "zh", "--show-skipped")
    assert t("status.skip", "zh") in out and "--show-skipped" not in out
    first = sorted((tmp_path / "runs").iterdir())[0]
    skipped = [r for r in json.loads((first / "result.json").read_text())["results"] if r["status"] == "skip"]
    assert {r["check"] for r in skipped} >= {"mysql.time_zone", "mysql.database_charsets"}
