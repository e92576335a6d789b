"""Every parser against captured real outputs: one generated test per fixture file.

tests/fixtures/facts/<fact id>/<case>.out holds a probe's raw stdout as captured from a
host (tests/capture_fixture.py); <case>.json holds {"rc": ..., "command": ..., "expected": ...}:
the sha256 of the command the case answers (its text in command-<12 hex digits>.sh beside it;
for a command built from the inventory, the "context" it was built from) and the value the
parser must return ({"absent": true} for a fact whose subject is not there).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from envcheck.audit.probe import decode
from envcheck.checks import FACTS, load_catalogue
from envcheck.model import Absent, FactError, ProbeOutput
from tests.capture_fixture import command_file, command_now, digest

FIXTURES = Path(__file__).parent.parent / "fixtures" / "facts"
load_catalogue()
CASES = sorted(FIXTURES.glob("*/*.out"))


@pytest.mark.parametrize("out_file", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_parser_reads_captured_output(out_file: Path) -> None:
    fact = FACTS[out_file.parent.name]
    spec = json.loads(out_file.with_suffix(".json").read_text(encoding="utf-8"))
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


def test_every_captured_expectation_was_reviewed() -> None:
    """capture_fixture writes what the parser reads today as "expected"; a case is evidence
    only once a person has checked that against the raw output and removed the mark."""
    unreviewed = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json")
                        if json.loads(p.read_text(encoding="utf-8")).get("unreviewed"))
    assert not unreviewed, ("captured cases whose \"expected\" nobody has reviewed: check each against "
                            f"its .out by hand, then delete its \"unreviewed\" line: {unreviewed}")


def test_every_fact_has_a_fixture() -> None:
    covered = {p.parent.name for p in CASES}
    missing = sorted(set(FACTS) - covered)
    assert not missing, f"facts without a captured-output fixture: {missing}"


def _recapture_hint(fact_id: str, case: str) -> str:
    if case.startswith("debian12-"):
        how = (f"python -m tests.capture_fixture -i .lab/inventory.yml --host HOST {fact_id} {case} "
               "on a lab host in the state the case names")
    else:
        how = (f"check {case}.out by hand against the new command, then "
               f"python -m tests.capture_fixture --record {fact_id} {case}")
    return f"recapture it: {how}; review its \"expected\" by hand (tests/fixtures/facts/README.md)"


@pytest.mark.parametrize("out_file", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture_answers_the_command_its_fact_has_now(out_file: Path) -> None:
    """A fact whose command changed fails here until each of its cases is captured again."""
    fact_id, case = out_file.parent.name, out_file.stem
    spec = json.loads(out_file.with_suffix(".json").read_text(encoding="utf-8"))
    recorded = spec.get("command")
    assert recorded, f"{fact_id}/{case} records no command: {_recapture_hint(fact_id, case)}"
    text_file = command_file(out_file.parent, recorded)
    assert text_file.exists() and digest(text_file.read_text(encoding="utf-8")) == recorded, \
        f"{fact_id}/{case}: {text_file.name} missing or not the command recorded"
    now = command_now(FACTS[fact_id], spec.get("context"))
    assert now is not None, f"{fact_id} no longer applies in the context of {case}: {_recapture_hint(fact_id, case)}"
    if digest(now) != recorded:
        diff = "\n".join(list(difflib.unified_diff(text_file.read_text(encoding="utf-8").splitlines(),
                                                    now.splitlines(), "captured with", "now", lineterm=""))[:40])
        pytest.fail(f"the command of {fact_id} changed since {case} was captured: "
                    f"{_recapture_hint(fact_id, case)}\n{diff}", pytrace=False)


def test_every_recorded_command_text_belongs_to_a_case() -> None:
    recorded = {command_file(p.parent, json.loads(p.read_text(encoding="utf-8")).get("command") or "")
                for p in FIXTURES.glob("*/*.json")}
    orphans = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/command-*.sh") if p not in recorded)
    assert not orphans, f"command files no case records (remove them): {orphans}"
