"""What an engineer reads after a failing check of three lab hosts (a clean lab fails the site
standard: timezone, locale...): at 80 columns the output keeps every check id whole, every
finding's fix readable and no Python or JSON repr; in Chinese (--lang zh) no English status or
word is left in the output of check (table, progress, errors), checks list, ping and fix. The
Markdown, JUnit and report writers are helper A's part of issue 17: they join this test once
they render through envcheck/output/values.py."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.lab.lab import Lab
from tests.reliability.labkit import ENVCHECK
from tests.zh_words import english_left

pytestmark = pytest.mark.lab


def _run(args: list[str], tmp_path: Path, **env: str) -> tuple[int, str]:
    done = subprocess.run([ENVCHECK, *args], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "80", "LANG": "C.UTF-8", **env})
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout + done.stderr


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _latest_result(runs: Path) -> dict[str, object]:
    return json.loads((max(runs.glob("*-check")) / "result.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_at_80_columns_ids_whole_fixes_readable_no_reprs(lab: Lab, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    code, out = _run(["check", "-i", str(lab.inventory_path), "--runs-dir", str(runs), "--lang", "en"], tmp_path)
    assert code == 1, out
    lines = out.splitlines()
    table = [line for line in lines if not line.startswith("Evidence kept in: ")]  # a path, not wrapped
    assert max(_width(line.rstrip()) for line in table) <= 80, max(table, key=len)
    failing = [r for r in _latest_result(runs)["results"] if r["status"] in ("fail", "warn", "error")]  # type: ignore[index]
    assert {r["host"] for r in failing} >= {h.name for h in lab.hosts}  # a 3-host failing run
    words = re.findall(r"[\w.]+", out)
    flat = " ".join(out.split())
    for r in failing:
        assert r["check"] in words, r["check"]  # never split over two lines
        if r["status"] != "error":
            assert " ".join(r["fix"].split()) in flat, r["fix"]  # the whole fix, readable
    for repr_mark in ("['", "{'", "[]", "{}", "': ", "\": "):
        assert repr_mark not in out, repr_mark
    values = [line for line in lines if re.match(r"\s+(Found|Expected)\s", line)]
    assert values and not [v for v in values if set("[{'") & set(v)], values


def test_zh_run_has_no_english_words_left(lab: Lab, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    inv = ["-i", str(lab.inventory_path)]
    outputs = {
        "check": _run(["check", *inv, "--runs-dir", str(runs), "--show-passed", "--show-skipped"], tmp_path,
                      LANG="zh_CN.UTF-8")[1],  # the language from LANG, no --lang
        "checks list": _run(["checks", "list", "--lang", "zh"], tmp_path)[1],
        "ping": _run(["inventory", "ping", *inv, "--lang", "zh"], tmp_path)[1],
        "fix --check": _run(["fix", "--check", *inv, "--runs-dir", str(runs), "--lang", "zh",
                             "--from", str(max(runs.glob("*-check")))], tmp_path)[1],
        "bad input": _run(["check", *inv, "-c", "no.such_check", "--lang", "zh"], tmp_path)[1],
    }
    for fmt in ("html", "markdown"):  # the report a customer signs, and its summary on the terminal
        document = tmp_path / f"report.{fmt}"
        said = _run(["report", *inv, "--runs-dir", str(runs), "--lang", "zh", "--format", fmt,
                     "-o", str(document)], tmp_path)[1]
        text = document.read_text(encoding="utf-8")
        if fmt == "html":  # what a reader sees: the text between the tags, not the markup or the style
            text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        outputs[f"report {fmt}"] = said + text
    outputs["junit"] = _run(["check", *inv, "--runs-dir", str(runs), "--lang", "zh", "--format", "junit"],
                            tmp_path)[1]
    hosts = [h.name for h in lab.hosts]
    left = {name: english_left(text, hosts) for name, text in outputs.items()}
    assert not any(left.values()), {k: v for k, v in left.items() if v}
