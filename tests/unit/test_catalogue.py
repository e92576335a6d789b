"""The catalogue as a whole: every entry complete, bilingual and registered once."""

from __future__ import annotations

import re

from envcheck.checks import CHECKS, FACTS, FLEET_CHECKS, load_catalogue
from envcheck.model import Severity

load_catalogue()
_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_check_is_complete_and_bilingual() -> None:
    for c in [*CHECKS.values(), *FLEET_CHECKS.values()]:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", c.id), c.id
        assert isinstance(c.severity, Severity)
        for text in (c.title, c.fix):
            assert text.en.strip() and not _CJK.search(text.en), (c.id, text.en)
            assert _CJK.search(text.zh), (c.id, text.zh)


def test_checks_read_only_registered_facts() -> None:
    for c in CHECKS.values():
        for f in c.facts:
            assert f == "host" or f in FACTS, (c.id, f)


def test_every_fact_is_read_by_a_check() -> None:
    used = {f for c in CHECKS.values() for f in c.facts}
    assert set(FACTS) <= used, set(FACTS) - used
