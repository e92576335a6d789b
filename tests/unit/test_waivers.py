"""Waivers: the file and the inventory variable read and refused as a user needs, matched by
check (id, area, glob) and host pattern, applied to results (kept found value, `waived`,
expired ones failing again), and judged again by `report` on its own day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck import waivers
from envcheck.cli import cli
from envcheck.errors import BadInput
from envcheck.model import Result, Severity, Status, Text, Waiver
from tests.clirunner import crash
from tests.unit.test_report import make_check

ENTRY = {"check": "time.timezone", "hosts": "db*", "reason": "batch in UTC until 2027", "approver": "Li Wei",
         "ticket": "CHG-1", "expires": "2027-03-31"}


def _file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "waivers.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_file_is_read_with_its_fields(tmp_path: Path) -> None:
    [w] = waivers.load_file(_file(tmp_path, [ENTRY]))
    assert (w.check, w.hosts, w.approver, w.ticket, w.expires) == ("time.timezone", "db*", "Li Wei", "CHG-1",
                                                                    date(2027, 3, 31))
    assert waivers.load_file(_file(tmp_path, {"waivers": [ENTRY]})) == (w,)  # a mapping with waivers: too


@pytest.mark.parametrize("data,words", [
    ([{k: v for k, v in ENTRY.items() if k != "approver"}], "approver missing"),
    ([ENTRY | {"expires": "next spring"}], "is not a date like 2027-03-31"),
    ([ENTRY | {"justification": "x"}], r"unknown field\(s\) justification"),
    ({"check": "x"}, "must be a list"),
    (["time.timezone"], "not a mapping"),
    ([ENTRY | {"check": ["time.timezone", "time.ntp_offset"]}], "`check` is one text, not"),
    ([ENTRY | {"hosts": {"db1": True}}], "`hosts` is host name globs, comma separated or a list"),
])
def test_a_bad_file_is_bad_input_naming_the_entry(tmp_path: Path, data: object, words: str) -> None:
    with pytest.raises(BadInput, match=words) as info:
        waivers.load_file(_file(tmp_path, data))
    assert "waivers.yml" in str(info.value.message)


def test_hosts_as_a_yaml_list_hold_for_each_host_named(tmp_path: Path) -> None:
    """`hosts: [db1, app*]`, as an engineer writes a list in YAML: read as the text
    "['db1', 'app*']" it matched no host, and the waiver never held."""
    [w] = waivers.load_file(_file(tmp_path, [ENTRY | {"hosts": ["db1", "app*"]}]))
    assert w.hosts == "db1,app*"
    assert waivers.matches(w, "time.timezone", "db1") and waivers.matches(w, "time.timezone", "app7")
    assert not waivers.matches(w, "time.timezone", "db2")


def test_matching_by_id_area_glob_and_hosts() -> None:
    w = Waiver("time.timezone", "db*, app1", "r", "a", date(2027, 1, 1))
    assert waivers.matches(w, "time.timezone", "db7") and waivers.matches(w, "time.timezone", "app1")
    assert not waivers.matches(w, "time.timezone", "web1") and not waivers.matches(w, "time.ntp_offset", "db1")
    assert not waivers.matches(w, "time.timezone", None)  # a fleet result needs "*" or "fleet"
    assert waivers.matches(Waiver("time", "*", "r", "a", date(2027, 1, 1)), "time.ntp_offset", None)
    assert waivers.matches(Waiver("mysql.*", "fleet", "r", "a", date(2027, 1, 1)), "mysql.time_zone", None)


def _result(status: Status) -> Result:
    return Result("db1", "time.timezone", status, Severity.CRITICAL, "Asia/Shanghai", "Etc/UTC",
                  Text("m", "m"), Text("f", "f"), Text("t", "t"))


def test_applied_the_found_value_stays_and_an_expired_waiver_fails_again() -> None:
    w = Waiver("time.timezone", "db*", "r", "Li Wei", date(2027, 3, 31), "CHG-1")
    [accepted] = waivers.apply([_result(Status.FAIL)], [w], date(2027, 3, 31))  # the last day holds
    assert accepted.status == Status.WAIVED and accepted.found == "Etc/UTC" and accepted.waiver is not None
    assert accepted.to_json("en")["waiver"]["status"] == "fail"
    assert waivers.note(accepted.waiver, "en") == "waived: r (approved by Li Wei, until 2027-03-31, CHG-1)"
    [expired] = waivers.apply([_result(Status.FAIL)], [w], date(2027, 4, 1))
    assert expired.status == Status.FAIL and expired.waiver is not None and expired.waiver.expired
    assert waivers.note(expired.waiver, "zh").startswith("豁免已于 2027-03-31 过期，重新判为未通过")
    [passed] = waivers.apply([_result(Status.PASS)], [w], date(2027, 1, 1))
    assert passed.status == Status.PASS and passed.waiver is None  # nothing to waive


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["report", *args])
    assert crash(result) is None, crash(result)
    return result.exit_code, result.output


def _clean_but_one(tmp_path: Path) -> Path:
    """A check run whose only failure is time.timezone on db1."""
    base = tmp_path / "runs"
    path = make_check(base, "20261127-100000")
    doc = json.loads((path / "result.json").read_text())
    for r in doc["results"]:
        r["status"] = "fail" if (r["check"], r["host"]) == ("time.timezone", "db1") else "pass"
    (path / "result.json").write_text(json.dumps(doc))
    return base


def test_report_waivers_accepted_then_expired(tmp_path: Path) -> None:
    base = _clean_but_one(tmp_path)
    code, html = _report("--runs-dir", str(base), "--lang", "en")
    assert code == 1 and "Not ready: 1 failed" in html
    accepted = _file(tmp_path, [ENTRY | {"expires": "2099-12-31"}])
    code, html = _report("--runs-dir", str(base), "--lang", "en", "--waivers", str(accepted))
    assert code == 0 and "Ready: the run is complete" in html, html[-600:]
    risks = html.split('id="risks"')[1].split("</section>")[0]
    assert "Li Wei" in risks and "2099-12-31" in risks and "CHG-1" in risks and "in force" in risks
    assert "Etc/UTC" in risks  # the found value is kept
    expired = _file(tmp_path, [ENTRY | {"expires": "2020-01-31"}])
    code, md = _report("--runs-dir", str(base), "--lang", "en", "--waivers", str(expired), "--format", "markdown")
    assert code == 1 and "Not ready: 1 failed; 1 with an expired waiver" in md
    assert "| 2020-01-31 | expired: failing again |" in md


def test_a_waiver_recorded_by_the_check_is_judged_again_on_the_report_day(tmp_path: Path) -> None:
    base = _clean_but_one(tmp_path)
    path = base / "20261127-100000-check" / "result.json"
    doc = json.loads(path.read_text())
    recorded = {**ENTRY, "expires": "2026-01-31", "source": "waivers.yml", "status": "fail", "expired": False}
    for r in doc["results"]:
        if r["status"] == "fail":
            r |= {"status": "waived", "waiver": recorded}
    path.write_text(json.dumps(doc))
    code, text = _report("--runs-dir", str(base), "--lang", "zh", "--format", "markdown")
    assert code == 1 and "1 项豁免已过期" in text and "已过期：重新判为未通过" in text
