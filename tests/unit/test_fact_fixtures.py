"""Every parser against captured real outputs: one generated test per fixture file.

tests/fixtures/facts/<fact id>/<case>.out holds a probe's raw stdout as captured from a
host (tests/capture_fixture.py); <case>.json holds {"rc": ..., "expected": ...}, the value
the parser must return ({"absent": true} for a fact whose subject is not there), written and
reviewed by a person: the capture never fills it in from the parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envcheck.audit.probe import decode
from envcheck.checks import FACTS, load_catalogue
from envcheck.model import Absent, FactError, ProbeOutput
from tests.capture_fixture import UNREVIEWED

FIXTURES = Path(__file__).parent.parent / "fixtures" / "facts"
load_catalogue()
CASES = sorted(FIXTURES.glob("*/*.out"))


@pytest.mark.parametrize("out_file", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_parser_reads_captured_output(out_file: Path) -> None:
    fact = FACTS[out_file.parent.name]
    spec = json.loads(out_file.with_suffix(".json").read_text(encoding="utf-8"))
    assert spec["expected"] != UNREVIEWED, f"{out_file.with_suffix('.json')}: write the expected value by hand"
    parsed = fact.parse(ProbeOutput(decode(out_file.read_bytes()), spec["rc"], ""))
    if isinstance(spec["expected"], dict) and set(spec["expected"]) == {"error"}:
        # Installed but broken (a stopped server): an error for its checks, with the reason.
        assert isinstance(parsed, FactError), parsed
        assert spec["expected"]["error"] in parsed.message
    elif spec["expected"] == {"absent": True}:
        assert isinstance(parsed, Absent), parsed
        assert parsed.reason.en and parsed.reason.zh
    else:
        assert json.loads(json.dumps(parsed, default=str)) == spec["expected"]


def test_every_fact_has_a_fixture() -> None:
    covered = {p.parent.name for p in CASES}
    missing = sorted(set(FACTS) - covered)
    assert not missing, f"facts without a captured-output fixture: {missing}"
