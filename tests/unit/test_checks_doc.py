"""docs/checks.md is what the registry says now, and lists every check `envcheck checks list` prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from envcheck.checks import FACTS, load_catalogue
from envcheck.checks.doc import render
from envcheck.cli import cli

REPO = Path(__file__).resolve().parents[2]
CHECKS_MD = REPO / "docs" / "checks.md"


def test_docs_checks_md_is_what_the_registry_writes() -> None:
    assert CHECKS_MD.read_text(encoding="utf-8") == render(), (
        "docs/checks.md is out of date with the check registry: run `make docs` and commit the file")


def test_every_check_that_checks_list_prints_has_its_entry() -> None:
    result = CliRunner().invoke(cli, ["checks", "list", "--format", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    listed = [entry["id"] for entry in json.loads(result.output)]
    headings = [line.removeprefix("### ") for line in CHECKS_MD.read_text(encoding="utf-8").splitlines()
                if line.startswith("### ")]
    assert headings == listed
    assert f"{len(listed)} checks" in CHECKS_MD.read_text(encoding="utf-8")


def test_every_fact_says_what_it_reads() -> None:
    load_catalogue()
    undocumented = [fid for fid, fact in FACTS.items() if not (fact.parse.__doc__ or "").strip()]
    assert not undocumented, f"give these facts' parsers a docstring (what the probe reads): {undocumented}"


def test_the_module_writes_the_file_make_docs_names(tmp_path: Path) -> None:
    out = tmp_path / "checks.md"
    done = subprocess.run([sys.executable, "-m", "envcheck.checks.doc", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == render()
