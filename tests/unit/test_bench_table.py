"""The bench's table: medians, ratios to envcheck and the floor, growth, Markdown and JSON."""

from __future__ import annotations

import json

import pytest

from bench.table import ENVCHECK, FLOOR, Extra, Report, Samples, markdown, rows, to_json


def _samples() -> list[Samples]:
    return [
        Samples(FLOOR, 1, (0.5, 0.4, 9.0), (0.1, 0.1, 0.1)),
        Samples(ENVCHECK, 1, (1.0, 1.2, 0.8), (0.4, 0.5, 0.3)),
        Samples("ansible-playbook", 1, (10.0, 12.0, 11.0), (4.0, 4.0, 4.0)),
        Samples(FLOOR, 10, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
        Samples(ENVCHECK, 10, (1.5, 1.5, 1.5), (2.0, 2.0, 2.0), host_cpu=(0.9, 1.1, 5.0)),
        Samples("ansible-playbook", 10, (30.0, 33.0, 3.0), (8.0, 9.0, 10.0), failures=1),
    ]


def test_rows_are_medians_with_ratios_and_growth() -> None:
    table = {(r.way, r.hosts): r for r in rows(_samples())}
    floor1, env1, ans1 = table[(FLOOR, 1)], table[(ENVCHECK, 1)], table[("ansible-playbook", 1)]
    assert floor1.wall == 0.5  # the median: one slow outlier does not move it
    assert env1.wall_vs_floor == pytest.approx(2.0)
    assert ans1.wall_vs_envcheck == pytest.approx(11.0)
    assert ans1.cpu_vs_floor == pytest.approx(40.0)
    assert env1.growth is None  # the fewest hosts is where growth starts
    env10 = table[(ENVCHECK, 10)]
    assert env10.growth == pytest.approx(1.5)
    assert env10.host_cpu == pytest.approx(1.1) and env1.host_cpu is None
    assert table[(FLOOR, 10)].growth == pytest.approx(2.0)
    assert table[("ansible-playbook", 10)].failures == 1
    assert [r.way for r in rows(_samples())][:3] == [FLOOR, ENVCHECK, "ansible-playbook"]


def test_markdown_and_json_carry_every_figure() -> None:
    startup = Extra("start-up", "envcheck --help", "python3 -c pass", 0.2, 0.05, 0.15, 0.02, 10)
    report = Report("2026-11-27 16:00 UTC", {"cores": 2, "load_before": "1.0", "load_after": "1.1"},
                    tuple(rows(_samples())), (startup,), ("a note",))
    text = markdown(report)
    assert "| 10 | ansible-playbook (1 runs failed) | 30.000 | 20.00 | 30.00 |" in text
    assert "| 10 | envcheck check | 1.500 | 1.00 | 1.50 | 2.000 | 1.00 | 2.00 | 1.50 | 1.100 |" in text
    assert "| start-up | envcheck --help | 0.200 | python3 -c pass | 0.050 | +300.0% |" in text
    assert "2 cores" in text and "- a note" in text
    data = json.loads(json.dumps(to_json(report)))
    assert data["extras"][0]["overhead"] == pytest.approx(3.0)
    assert {(r["way"], r["hosts"]) for r in data["rows"]} == {(s.way, s.hosts) for s in _samples()}


def test_a_missing_reference_leaves_the_ratio_empty() -> None:
    only = rows([Samples("testinfra, ssh", 5, (3.0,), (1.0,))])
    assert only[0].wall_vs_envcheck is None and only[0].wall_vs_floor is None
    assert "| 5 | testinfra, ssh | 3.000 |  |  |" in markdown(Report("t", {}, tuple(only)))
