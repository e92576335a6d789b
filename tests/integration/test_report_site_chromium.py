"""The report of a real check of the deployed site, in a real headless Chromium: one host
powered off (unreachable), one failure and one waiver (from the inventory's envcheck_waivers).
Its first screen states the coverage; the accepted-risk section names approver and expiry;
the fleet picture is inline SVG (clock offsets, tier reachability); no zone name wraps. The
screenshot is kept under tests/artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser import Chromium, chromium_path
from tests.integration.verdictkit import DOWN, site_inventory
from tests.lab.site import Site
from tests.reliability.labkit import last_run, read_json, run_envcheck

pytestmark = [pytest.mark.lab, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# Every text node holding the zone name: the rectangles its characters are drawn in. One
# rectangle: on one line.
ZONE_LINES = """
(() => {
  const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, at = node.textContent.indexOf('Asia/Shanghai');
    if (at < 0 || node.parentElement.closest('svg')) continue;
    const range = document.createRange();
    range.setStart(node, at); range.setEnd(node, at + 'Asia/Shanghai'.length);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    out.push({lines: tops.size, where: node.parentElement.tagName + ' ' + node.parentElement.className});
  }
  return out;
})()"""


def test_site_report_in_chromium(site: Site, tmp_path: Path) -> None:
    assert chromium_path() is not None, "chromium is not installed (make test installs it: Makefile APT_PACKAGES)"
    web, app, db = site.host("web"), site.host("app"), site.host("db")
    expires = (date.today() + timedelta(days=60)).isoformat()
    waiver = {"check": "resources.nofile", "hosts": db, "reason": "the database vendor accepts 20000 open files "
              "until the kernel update", "approver": "王芳 (customer DBA)", "ticket": "CHG-3107", "expires": expires}
    inv = site_inventory(
        site, tmp_path / "inv",
        all_vars={"envcheck_customer": "华东医院", "envcheck_project": "HIS 升级", "envcheck_site": "east-hospital",
                  "envcheck_environment": "UAT", "envcheck_engineer": "张磊", "envcheck_waivers": [waiver]},
        # The standard asks more open files than the containers allow: resources.nofile fails on
        # db (waived) and on app (a failure).
        host_vars={app: {"standard_nofile": 65535}, db: {"standard_nofile": 65535}},
        extra_hosts={"app2": ("app", app, {**DOWN, "lan_address": "10.99.254.1"})})
    runs = tmp_path / "runs"
    code, out = run_envcheck(["check", "-i", str(inv), "--timeout", "30", "--runs-dir", str(runs)], timeout=600)
    assert code == 3, out  # app2 is down
    results = read_json(last_run(runs, "check") / "result.json")["results"]
    nofile = {r["host"]: r["status"] for r in results if r["check"] == "resources.nofile"}
    assert nofile == {web: "pass", app: "fail", db: "waived"}, nofile
    html_path = tmp_path / "报告.html"
    code, out = run_envcheck(["report", "--runs-dir", str(runs), "--lang", "zh", "-o", str(html_path)])
    assert code == 3, out  # not Ready, a host unreachable

    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "report-site-zh.png"
    with Chromium() as browser:
        browser.open(html_path.as_uri())
        first_screen = browser.evaluate("""[...document.querySelectorAll('#verdict, #reasons li, .coverage-line')]
            .filter(el => { const r = el.getBoundingClientRect(); return r.height > 0 && r.bottom <= 900; })
            .map(el => el.innerText)""")
        meta = browser.evaluate("document.querySelector('#meta') && document.querySelector('#meta').innerText")
        risks = browser.evaluate("[...document.querySelectorAll('#risks tr.risk')].map(r => r.innerText)")
        svgs = browser.evaluate("""[...document.querySelectorAll('#fleet svg')].map(s => ({id: s.id,
            w: s.getBoundingClientRect().width, bars: s.querySelectorAll('rect.offset').length,
            open: s.querySelectorAll('rect.tier.open').length, closed: s.querySelectorAll('rect.tier.closed').length,
            text: s.textContent}))""")
        zones = browser.evaluate(ZONE_LINES)
        fix_code = browser.evaluate("document.querySelectorAll('#failures td.fix code').length")
        browser.screenshot(png)
        urls = browser.requested_urls()
    print(f"\nscreenshot: {png}")

    screen = "\n".join(first_screen)
    assert "结论：未通过" in screen or "结论：未通过" in screen.replace(": ", ":"), screen
    assert "4 台主机中有 1 台无法连接" in screen, screen  # the reason, on the first screen
    assert "主机：4 台中 3 台已应答" in screen and "完整检查目录" in screen, screen  # the coverage
    assert meta and "华东医院" in meta and "UAT" in meta and "张磊" in meta, meta
    assert len(risks) == 1 and "王芳 (customer DBA)" in risks[0] and expires in risks[0] and "CHG-3107" in risks[0]
    assert "有效" in risks[0] and db in risks[0]
    by_id = {s["id"]: s for s in svgs}
    assert by_id["clock-svg"]["bars"] == 3 and "app2" in by_id["clock-svg"]["text"], svgs  # 3 answered, 1 down
    assert by_id["tier-svg"]["open"] >= 1 and by_id["tier-svg"]["closed"] >= 1, svgs  # web -> app2 is closed
    assert zones and all(z["lines"] == 1 for z in zones), zones  # Asia/Shanghai never wraps
    assert fix_code >= 1  # fix hints: `code` rendered as code
    assert urls and all(u.startswith("file://") for u in urls), urls
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
