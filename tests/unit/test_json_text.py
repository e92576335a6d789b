"""The evidence files' and `--format json`'s layout: valid JSON, one item a line."""

from __future__ import annotations

import json
from pathlib import Path

from envcheck.runs import Encoded, encoded, json_text


def test_each_item_of_a_list_or_mapping_is_one_line_and_the_text_reads_back() -> None:
    doc = {
        "tool": "envcheck",
        "hosts": [{"name": "db1", "groups": ["db"]}, {"name": "应用服务器", "error": None}],
        "results": [{"check": "time.timezone", "found": "Etc/UTC", "message": "时区为 Etc/UTC\nsecond line"}],
        "probes": {"time.zone": {"rc": 0, "stdout": "kind=symlink\n"}, "locale.available": {"rc": 0}},
        "empty": [],
        "where": Path("/tmp/x"),
    }
    text = json_text(doc)
    assert json.loads(text) == {**doc, "where": "/tmp/x"}
    lines = text.splitlines()
    assert '    {"name": "db1", "groups": ["db"]},' in lines
    assert '    {"name": "应用服务器", "error": null}' in lines  # Chinese as it is, not \u escapes
    assert sum(1 for line in lines if '"check": "time.timezone"' in line) == 1
    assert '    "time.zone": {"rc": 0, "stdout": "kind=symlink\\n"},' in lines
    assert '  "empty": [],' in lines and text.endswith("}\n")
    assert json_text([1, "二"]) == '[1, "二"]\n'


def test_an_item_already_encoded_goes_in_as_it_is() -> None:
    text = json_text({"results": [encoded({"check": "site.a", "found": "数据"}), {"check": "site.b"}], "n": 1})
    assert text.splitlines() == ["{", '  "results": [', '    {"check": "site.a", "found": "数据"},',
                                 '    {"check": "site.b"}', "  ],", '  "n": 1', "}"]
    assert json_text({"results": [Encoded('{"raw": true}')]}).splitlines()[2] == '    {"raw": true}'
