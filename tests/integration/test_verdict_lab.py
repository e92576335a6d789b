"""Issue 17's verdict on the deployed site, with real runs: an interrupted check, a partial
selection and a run where every host is unreachable are never Ready, and every output says
why (terminal, JSON, JUnit, the HTML report; English and Chinese); the runs of two
inventories in one runs/ never mix in a report; a waiver in force makes a failure `waived`
(exit 0, shown), an expired one fails again (exit 1, shown)."""

from __future__ import annotations

import re
import signal
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from defusedxml import ElementTree

from envcheck.i18n import colon, t
from tests.integration.verdictkit import DOWN, site_inventory
from tests.lab.site import Site
from tests.reliability.labkit import Running, last_run, read_json, run_envcheck, silent_address, silent_host

pytestmark = [pytest.mark.lab, pytest.mark.slow]
HTML_VERDICT = re.compile(r'<span id="verdict"[^>]*>(.*?)</span>', re.S)


def _outputs(tmp_path: Path) -> list[str]:
    return ["-o", f"json:{tmp_path / 'check.json'}", "-o", f"junit:{tmp_path / 'check.xml'}"]


def _interrupted(site: Site, tmp_path: Path, lang: str) -> tuple[int, str]:
    with silent_host(silent_address(site.lab), banner=True) as (address, port):
        # A host that answers with a banner and then hangs keeps the run going after the real
        # hosts are done; Ctrl+C then ends it.
        inv = site_inventory(site, tmp_path / "inv", extra_hosts={
            "hang": ("web", site.host("web"), {"ansible_host": address, "ansible_port": port})})
        run = Running(["check", "-i", str(inv), "-c", "time", "--timeout", "60", "--lang", lang,
                       "--runs-dir", str(tmp_path / "runs"), *_outputs(tmp_path)])
        deadline = time.monotonic() + 90
        while len(list((tmp_path / "runs").glob("*-check/hosts/*.json"))) < len(site.lab.hosts):
            assert run.proc.poll() is None and time.monotonic() < deadline, "the real hosts never finished"
            time.sleep(0.1)
        run.signal(signal.SIGINT, group=True)
        return run.finish(timeout=120)


def _check(site: Site, tmp_path: Path, scenario: str, lang: str) -> tuple[int, str]:
    if scenario == "interrupted":
        return _interrupted(site, tmp_path, lang)
    if scenario == "partial":
        inv, only = site.inventory, ["-c", "resources.memory"]
    else:  # every host refuses the connection
        inv = site_inventory(site, tmp_path / "inv", host_vars={h.name: DOWN for h in site.lab.hosts})
        only = []
    return run_envcheck(["check", "-i", str(inv), *only, "--lang", lang, "--timeout", "20",
                         "--runs-dir", str(tmp_path / "runs"), *_outputs(tmp_path)], timeout=300)


# What the verdict must name, per scenario: reasons (keys of envcheck.verdict) and exit code.
EXPECTED = {"interrupted": ({"interrupted"}, 130), "partial": ({"partial"}, 0),
            "unreachable": ({"unreachable", "partial"}, 3)}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _never_ready(text: str, lang: str) -> None:
    """No verdict reading Ready in any output: in English no "Ready" but in "Not ready"; in
    Chinese no verdict "通过" but as "未通过"."""
    if lang == "en":
        assert not re.search(r"(?<!Not )\bReady\b", text), text[:3000]
    else:
        assert not re.search(r"结论[::]\s*通过", text) and "Ready" not in text, text[:3000]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_no_output_says_ready_and_each_says_why(site: Site, tmp_path: Path, scenario: str, lang: str) -> None:
    reasons, exit_code = EXPECTED[scenario]
    code, terminal = _check(site, tmp_path, scenario, lang)
    assert code == exit_code, terminal
    doc = read_json(tmp_path / "check.json")
    verdict = doc["verdict"]
    assert verdict["ready"] is False and reasons <= {r["key"] for r in verdict["reasons"]}, verdict
    why = [r["text"] for r in verdict["reasons"] if r["key"] in reasons]
    evidence = last_run(tmp_path / "runs", "check")
    assert read_json(evidence / "result.json")["verdict"] == verdict  # the evidence says the same
    # The terminal: the verdict line with every reason (compared without the wrapping of lines).
    flat = _squeeze(terminal)
    assert _squeeze(f"{t('report.verdict', lang)}{colon(lang)}{t('verdict.not_ready', lang)}") in flat
    assert all(_squeeze(w) in flat for w in why), (why, terminal)
    # JUnit: the verdict is a failed test case whose message gives the reasons.
    junit = ElementTree.parse(tmp_path / "check.xml").getroot()
    [case] = [c for c in junit.iter("testcase") if c.get("classname") == "envcheck"]
    failure = case.find("failure")
    assert failure is not None and all(w in failure.get("message", "") for w in why), ElementTree.tostring(case)
    # The report from that run: not Ready, exit non-zero, the same reasons on its first screen.
    html_path = tmp_path / "report.html"
    rcode, rout = run_envcheck(["report", str(evidence), "--lang", lang, "-o", str(html_path)])
    assert rcode in (1, 3), rout
    html = html_path.read_text(encoding="utf-8")
    assert t("verdict.not_ready", lang) in HTML_VERDICT.search(html).group(1)  # type: ignore[union-attr]
    assert all(w in html.split('id="risks"')[0] for w in why), why
    for text in (terminal, (tmp_path / "check.json").read_text(), (tmp_path / "check.xml").read_text(), html, rout):
        _never_ready(text, lang)


def test_a_report_never_shows_the_hosts_of_another_inventory(site: Site, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    a = site_inventory(site, tmp_path / "a")
    renamed = {h.name: f"shop-{h.name}" for h in site.lab.hosts}
    b = site_inventory(site, tmp_path / "b", rename=renamed)
    for inv in (a, b):
        code, out = run_envcheck(["check", "-i", str(inv), "-c", "time", "--runs-dir", str(runs)], timeout=300)
        assert code in (0, 1), out
    mine, theirs = [h.name for h in site.lab.hosts], list(renamed.values())
    _, newest = run_envcheck(["report", "--runs-dir", str(runs), "--lang", "en"])  # the newest: b's
    _, of_a = run_envcheck(["report", "--runs-dir", str(runs), "-i", str(a), "--lang", "en"])
    assert all(f"<strong>{n}</strong>" in newest for n in theirs) and str(b) in newest
    assert not any(re.search(rf"(?<![-\w]){n}\b", newest) for n in mine), newest  # only as shop-<name>
    assert all(f"<strong>{n}</strong>" in of_a for n in mine) and str(a) in of_a
    assert not any(n in of_a for n in theirs), of_a


@pytest.mark.parametrize("days,exit_code", [pytest.param(30, 0, id="in-force"), pytest.param(-1, 1, id="expired")])
def test_a_waiver_in_force_is_waived_and_an_expired_one_fails_again(
        site: Site, tmp_path: Path, days: int, exit_code: int) -> None:
    app = site.host("app")
    # The site declares the one check it signs off on; app's standard says another zone, so
    # time.timezone fails there.
    inv = site_inventory(site, tmp_path / "inv", all_vars={"envcheck_checks": ["time.timezone"]},
                         host_vars={app: {"standard_timezone": "Asia/Tokyo"}})
    expires = date.today() + timedelta(days=days)
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(yaml.safe_dump([{"check": "time.timezone", "hosts": "app*", "expires": expires.isoformat(),
                                        "reason": "the vendor's batch runs in Tokyo time until 2027",
                                        "approver": "Li Wei (customer IT)", "ticket": "CHG-2291"}]))
    runs = tmp_path / "runs"
    code, out = run_envcheck(["check", "-i", str(inv), "-c", "time.timezone", "--waivers", str(waivers),
                              "--lang", "en", "--runs-dir", str(runs), "-o", f"json:{tmp_path / 'c.json'}"],
                             env={"COLUMNS": "400"})  # a wide terminal: the table's cells unwrapped
    assert code == exit_code, out
    flat = " ".join(out.split())
    [result] = [r for r in read_json(tmp_path / "c.json")["results"] if r["host"] == app]
    assert result["found"] == "Asia/Shanghai" and result["waiver"]["approver"] == "Li Wei (customer IT)"
    code_r, html = run_envcheck(["report", "--runs-dir", str(runs), "--lang", "en"])
    assert code_r == exit_code, html
    risks = html.split('id="risks"')[1].split("</section>")[0]
    assert "Li Wei (customer IT)" in risks and expires.isoformat() in risks and "CHG-2291" in risks
    if exit_code == 0:
        assert result["status"] == "waived" and "WAIVED" in flat
        assert "waived: the vendor's batch runs in Tokyo time until 2027" in flat
        assert "Verdict: Ready" in flat and "Verdict: Ready" in html and "in force" in risks
    else:
        assert result["status"] == "fail" and result["waiver"]["expired"] is True
        assert f"waiver expired on {expires.isoformat()}, failing again" in flat
        assert "Verdict: Not ready: 1 failed; 1 with an expired waiver" in flat
        assert "expired: failing again" in risks and "Not ready" in html
