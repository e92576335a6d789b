"""The report in a real headless Chromium: failures and the fleet matrix rendered and visible,
Chinese text drawn with a CJK font, nothing fetched from anywhere, a print layout; the
screenshot (PNG) and the printed PDF are kept under tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.browser import Chromium, chromium_path
from tests.unit.test_report import make_check, make_deploy, make_verify

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

VISIBLE = """
(sel) => [...document.querySelectorAll(sel)].map(el => {
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return {text: el.innerText, visible: r.width > 0 && r.height > 0 && s.visibility === 'visible'
          && s.display !== 'none' && parseFloat(s.opacity) > 0};
})"""


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("runs")
    make_check(base, "20261127-100000")
    make_verify(base, "20261127-100500")
    make_deploy(base, "20261127-090000")
    out = tmp_path_factory.mktemp("report") / "报告 report.html"  # a name a user would give it
    result = CliRunner().invoke(cli, ["report", "--runs-dir", str(base), "--lang", "zh", "-o", str(out)])
    assert result.exit_code == 1 and "未通过" in result.output, result.output  # not Ready: exit 1
    return out


def test_report_renders_in_chromium(report_html: Path) -> None:
    assert chromium_path() is not None, "chromium is not installed (make test installs it: Makefile APT_PACKAGES)"
    ARTIFACTS.mkdir(exist_ok=True)
    png, pdf = ARTIFACTS / "report-zh.png", ARTIFACTS / "report-zh.pdf"
    with Chromium() as browser:
        browser.open(report_html.as_uri())
        failures = browser.evaluate(f"({VISIBLE})('#failures tr.failure')")
        matrix = browser.evaluate(f"({VISIBLE})('#matrix tbody tr')")
        verdict = browser.evaluate(f"({VISIBLE})('#verdict')")
        cjk_font = browser.evaluate("document.fonts.check('16px \"WenQuanYi Zen Hei\"') || "
                                    "document.fonts.check('16px \"Noto Sans CJK SC\"')")
        screen_width = browser.evaluate("getComputedStyle(document.body).maxWidth")
        browser.screenshot(png)
        browser.media("print")
        print_width = browser.evaluate("getComputedStyle(document.body).maxWidth")
        browser.print_pdf(pdf)
        urls = browser.requested_urls()
    print(f"\nscreenshot: {png}\nprinted: {pdf}")

    assert len(failures) == 4 and all(f["visible"] for f in failures), failures
    texts = "\n".join(f["text"] for f in failures)
    assert "db1: service postgresql running: found False" in texts
    assert "envcheck deploy database --limit db1" in texts  # the fix hint, in Chinese around it
    assert "按标准重新部署" in texts
    assert [m["visible"] for m in matrix] == [True, True]
    assert "Etc/UTC" in matrix[1]["text"] and "latin1" in matrix[1]["text"] and "-12.2 ms" in matrix[1]["text"]
    assert verdict[0]["visible"] and "未通过" in verdict[0]["text"]
    assert cjk_font, "no CJK font: Chinese would be drawn as boxes (make test installs fonts-wqy-zenhei)"
    assert (screen_width, print_width) == ("1152px", "none")  # the print stylesheet applies
    assert urls and all(u.startswith("file://") for u in urls), urls  # nothing fetched from anywhere
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert pdf.read_bytes()[:5] == b"%PDF-"
