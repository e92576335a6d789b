"""The fleet's progress line (envcheck/output/progress.py): one line however many hosts, the
slowest hosts still running named, in both languages."""

from __future__ import annotations

from envcheck.model import HostFacts, HostStatus
from envcheck.output.progress import FleetProgress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def facts(name: str, reachable: bool = True) -> HostFacts:
    return HostFacts(HostStatus(name, "127.0.0.1", reachable, None if reachable else "refused"))


def test_five_hundred_hosts_stay_one_line_naming_the_slowest_running() -> None:
    clock = Clock()
    progress = FleetProgress(500, clock)
    for i in range(100):
        progress.begin(f"h{i:03}")
        clock.now += 0.5
    for i in range(3, 60):
        progress.finish(facts(f"h{i:03}", reachable=i % 20 != 0))
    line = progress.line("en", slowest=2)
    assert line == "57/500 hosts checked · 2 unreachable · 43 running, slowest: h000 50 s, h001 49 s"
    assert "\n" not in line and len(line) < 120
    zh = progress.line("zh", slowest=2)
    assert zh.startswith("57/500 台主机已检查 · 2 台无法连接 · 43 台进行中，最慢：h000 50 秒、h001 49 秒")


def test_no_host_named_with_zero_and_no_running_part_at_the_end() -> None:
    clock = Clock()
    progress = FleetProgress(2, clock)
    progress.begin("a")
    assert progress.line("en", slowest=0) == "0/2 hosts checked · 1 running"
    progress.begin("b")
    progress.finish(facts("a"))
    progress.finish(facts("b"))
    assert progress.line("en") == "2/2 hosts checked"
