"""envcheck.verdict: the rules, on result documents shaped as check writes them, and the
words in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from envcheck.audit.engine import AuditReport
from envcheck.model import HostFacts, HostStatus, Result, Severity, Status, Text, Waived, Waiver
from envcheck.output.json_format import as_dict
from envcheck.verdict import Scope, coverage_of, judge, of_report, of_result

ALL = ["time.timezone", "locale.system_lang", "fleet.timezone"]


def doc(results: list[tuple[str | None, str, str]], *, hosts: dict[str, bool] | None = None,
        complete: bool = True, pending: list[str] | None = None, required: list[str] | None = None,
        limit: str | None = None, declared: bool = False) -> dict[str, Any]:
    hosts = hosts if hosts is not None else {"web1": True, "db1": True}
    return {"complete": complete, "pending": pending or [],
            "hosts": [{"name": n, "reachable": ok} for n, ok in hosts.items()],
            "results": [{"host": h, "check": c, "status": s} for h, c, s in results],
            "scope": {"inventory": ["hosts.yml"], "checks_required": ALL if required is None else required,
                      "limit": limit, "declared": declared}}


def everything(status: str = "pass") -> list[tuple[str | None, str, str]]:
    return [(h, c, status) for h in ("web1", "db1") for c in ALL[:2]] + [(None, "fleet.timezone", "pass")]


def test_a_complete_clean_run_is_ready_in_both_languages() -> None:
    v = of_result(doc(everything()))
    assert v.ready and not v.reasons
    assert v.text("en") == "Ready: the run is complete, every host answered, every check ran, nothing failed"
    assert v.text("zh").startswith("通过：运行完整")
    assert v.coverage is not None and v.coverage.lines("en") == [
        "hosts: 2 of 2 answered", "checks: 3 of 3 run (the whole catalogue)", "inventory: hosts.yml"]


@pytest.mark.parametrize("change,reasons,en", [
    (dict(complete=False, pending=["app1"]), ["verdict.interrupted"],
     "Not ready: incomplete: interrupted before 1 of 3 hosts finished"),
    (dict(hosts={"web1": True, "db1": False}), ["verdict.unreachable"], "Not ready: 1 of 2 hosts unreachable"),
    (dict(required=[*ALL, "mysql.time_zone"]), ["verdict.partial"], "Not ready: 3 of 4 checks run"),
    (dict(limit="db"), ["verdict.limited"], "Not ready: only the hosts of --limit db"),
])
def test_each_gap_in_coverage_is_named(change: dict[str, Any], reasons: list[str], en: str) -> None:
    v = of_result(doc(everything(), **change))
    assert not v.ready and [r.key for r in v.reasons] == reasons
    assert v.text("en") == en
    assert v.text("zh").startswith("未通过：")


def test_failures_errors_and_waivers() -> None:
    results = everything()
    results[0] = ("web1", "time.timezone", "fail")
    results[1] = ("web1", "locale.system_lang", "error")
    results[2] = ("db1", "time.timezone", "waived")
    results[3] = ("db1", "locale.system_lang", "warn")
    v = of_result(doc(results))
    assert v.text("en") == ("Not ready: 1 failed; 1 could not be checked (error); "
                            "1 accepted by waivers (see Accepted risks); 1 warnings")
    results[0] = ("web1", "time.timezone", "pass")
    results[1] = ("web1", "locale.system_lang", "pass")
    v = of_result(doc(results))
    assert v.ready and v.text("en").endswith("nothing failed; 1 accepted by waivers (see Accepted risks); 1 warnings")


def test_an_expired_waiver_is_a_reason_of_its_own() -> None:
    d = doc(everything())
    d["results"][0] |= {"status": "fail", "waiver": {"expired": True, "expires": "2026-01-01"}}
    assert [r.key for r in of_result(d).reasons] == ["verdict.failed", "verdict.expired"]


def test_all_hosts_unreachable_ran_no_check() -> None:
    v = of_result(doc([(None, "fleet.timezone", "pass")], hosts={"web1": False, "db1": False}))
    assert [r.key for r in v.reasons] == ["verdict.unreachable", "verdict.partial"]
    assert v.text("zh") == "未通过：2 台主机中有 2 台无法连接；3 项检查中仅执行了 0 项"


def test_a_run_without_a_recorded_selection_is_not_taken_as_complete() -> None:
    d = doc(everything())
    del d["scope"]
    v = of_result(d, {"complete": True})
    assert [r.key for r in v.reasons] == ["verdict.unknown_selection"]


def test_the_declared_selection_and_open_items_of_the_report() -> None:
    d = doc([("web1", "time.timezone", "pass")], hosts={"web1": True}, required=["time.timezone"], declared=True)
    c = coverage_of(d)
    assert c.lines("en")[1] == "checks: 1 of 1 run (the site's selection, envcheck_checks)"
    assert judge(c).ready and not judge(c, open_items=2).ready
    assert judge(None).text("en") == "Not ready: no check run (run envcheck check)"


def _report(statuses: list[str], *, reachable: bool = True, complete: bool = True, expired: bool = False) -> Any:
    t = Text("x", "x")
    waiver = Waived(Waiver("site.b001", "*", "known", "ops", date(2026, 1, 1)), Status.FAIL, expired)
    results = tuple(Result("web1", f"site.b{i:03d}", Status(s), Severity.MAJOR, "a", "b", t, t, t,
                           waiver if i == 1 else None) for i, s in enumerate(statuses))
    hosts = (HostFacts(HostStatus("web1", "127.0.0.1", True)), HostFacts(HostStatus("db1", "127.0.0.2", reachable)))
    scope = Scope(checks_run=tuple(r.check for r in results), checks_required=tuple(r.check for r in results))
    now = datetime.now(UTC)
    return AuditReport(now, now, hosts, results, complete, () if complete else ("app1",), scope)


@pytest.mark.parametrize("report", [
    _report(["pass", "waived", "pass"]), _report(["pass", "fail", "skip"], expired=True),
    _report(["pass", "error"], reachable=False), _report(["pass", "pass"], complete=False), _report([]),
])
def test_the_verdict_of_a_report_is_the_verdict_of_its_whole_document(report: Any) -> None:
    """of_report reads only the fields the coverage needs: it judges as the full document does."""
    assert of_report(report) == of_result(as_dict(report, "en", with_verdict=False))


def test_a_site_results_fix_is_in_the_document_only_where_one_is_due() -> None:
    """Both languages' titles on every site result (the report draws them in its language), both
    fixes only on a failure or warning, as `fix` itself."""
    fix = Text("Mount /data", "挂载 /data")
    done = {s: Result("web1", "site.data", Status(s), Severity.MAJOR, None, None, Text("m", "m"), fix,
                      Text("Data disk", "数据盘")).to_json("zh") for s in ("pass", "fail", "warn", "skip")}
    assert all(d["titles"] == {"en": "Data disk", "zh": "数据盘"} for d in done.values())
    assert done["fail"]["fixes"] == done["warn"]["fixes"] == {"en": "Mount /data", "zh": "挂载 /data"}
    assert done["fail"]["fix"] == "挂载 /data" and "fixes" not in done["pass"] and "fixes" not in done["skip"]
