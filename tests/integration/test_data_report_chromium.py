"""The report's "Data migration" section (envcheck.data.report) in a real headless Chromium:
the checklist of the latest data compare run, in Chinese, failing items with their keys,
visible on screen; and in the Markdown report."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.data.evidence import Evidence
from tests.browser import Chromium, chromium_path
from tests.integration.test_report_chromium import ARTIFACTS, VISIBLE
from tests.unit.test_report import make_check

pytestmark = pytest.mark.slow
ITEMS = [
    {"id": "row_counts", "title": {"en": "Row counts match", "zh": "记录数一致"}, "status": "fail",
     "figures": "fee 20000 / 19999", "keys": []},
    {"id": "no_double_encoding", "title": {"en": "No double-encoded UTF-8 text", "zh": "无 UTF-8 二次编码乱码"},
     "status": "fail", "figures": "1 row(s): double_encoded",
     "keys": [{"table": "patient", "keys": [[11]], "count": 1}]},
    {"id": "money_sums", "title": {"en": "Sums of money columns equal", "zh": "金额字段合计一致"}, "status": "pass",
     "figures": {"en": "equal", "zh": "一致"}, "keys": []},
]


def make_data_run(base: Path) -> Path:
    ev = Evidence(base, "compare", {"source": "mysql://his@127.0.0.1:3306/his",
                                    "target": "postgresql://his@127.0.0.1:5432/his"})
    ev.write("checklist.json", {"items": ITEMS, "source": "mysql://his@127.0.0.1:3306/his",
                                "target": "postgresql://his@127.0.0.1:5432/his", "complete": True})
    ev.finish(True, 1, passed=1, failed=2)
    return ev.path


def test_data_section_renders_in_chromium(tmp_path: Path) -> None:
    assert chromium_path() is not None, "chromium is not installed (make test installs it: Makefile APT_PACKAGES)"
    make_check(tmp_path, "20261127-100000")
    make_data_run(tmp_path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--runs-dir", str(tmp_path), "--lang", "zh", "-o", str(out)])
    assert result.exit_code == 1 and out.is_file(), result.output  # the check run has failures: not Ready
    ARTIFACTS.mkdir(exist_ok=True)
    with Chromium() as browser:
        browser.open(out.as_uri())
        heading = browser.evaluate(f"({VISIBLE})('#data h2')")
        rows = browser.evaluate(f"({VISIBLE})('#data tr.data-item')")
        browser.screenshot(ARTIFACTS / "report-data-zh.png")
    assert heading[0]["visible"] and heading[0]["text"] == "数据迁移"
    assert [r["visible"] for r in rows] == [True, True, True]
    assert "不通过" in rows[1]["text"] and "无 UTF-8 二次编码乱码" in rows[1]["text"]
    assert "patient: 11" in rows[1]["text"]
    assert "通过" in rows[2]["text"] and "金额字段合计一致" in rows[2]["text"] and "一致" in rows[2]["text"]


def test_data_section_in_the_markdown_report(tmp_path: Path) -> None:
    make_check(tmp_path, "20261127-100000")
    make_data_run(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--runs-dir", str(tmp_path), "--format", "markdown", "--lang", "en"])
    assert result.exit_code == 1, result.output  # not Ready: the check run has failures
    assert "## Data migration" in result.output
    assert "| FAIL | No double-encoded UTF-8 text | 1 row(s): double_encoded | patient: 11 |" in result.output
