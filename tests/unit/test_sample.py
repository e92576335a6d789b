"""The bounded sample of peers a host probes in a large fleet (envcheck/checks/util/sample.py),
and network.peers_resolve / network.tiers built on it: every peer covered by some host, each
host's share bounded, the same share on every run, what was not probed said in the result."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, FACTS, load_catalogue
from envcheck.checks.registry import HostContext
from envcheck.checks.util.sample import BUDGET, covered, peers_sample, share, tier_sample
from envcheck.model import Status
from envcheck.standard import Standard

load_catalogue()
STD = Standard.from_vars({})  # tiers web -> app 8080, app -> db 5432


def names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, count + 1)]


@pytest.mark.parametrize(("sources", "targets"), [
    (1, 1), (1, 40), (3, 200), (16, 17), (67, 67), (100, 1000), (200, 7), (999, 3)])
def test_disjoint_groups_every_target_covered_share_bounded(sources: int, targets: int) -> None:
    src, dst = names("web", sources), names("app", targets)
    found = covered(src, dst)
    assert all(found[t] for t in dst), [t for t in dst if not found[t]]
    bound = max(BUDGET, -(-targets // sources))
    assert all(len(share(s, src, dst).chosen) <= bound for s in src)


@pytest.mark.parametrize("count", [2, 17, 18, 50, 101, 200, 1000])
def test_one_fleet_resolving_itself_covers_every_host_never_itself(count: int) -> None:
    everyone = names("h", count)
    found = covered(everyone, everyone)
    assert all(found[h] for h in everyone)
    for h in everyone[:50]:
        sample = share(h, everyone, everyone)
        assert h not in sample.chosen and len(sample.chosen) == min(BUDGET, count - 1)
        assert sample.of == count - 1 and sample.inferred == count - 1 - len(sample.chosen)
    # The fleet's work grows with n: each peer is resolved by about BUDGET hosts, not n.
    assert sum(len(v) for v in found.values()) <= count * BUDGET


def test_within_the_budget_everything_is_probed_as_before() -> None:
    everyone = names("h", BUDGET + 1)
    sample = share("h1", everyone, everyone)
    assert not sample.sampled and sample.chosen == tuple(sorted(set(everyone) - {"h1"}))


def test_the_share_is_the_same_whatever_order_the_inventory_lists_hosts_in() -> None:
    everyone = names("h", 120)
    assert share("h7", everyone, everyone) == share("h7", everyone[::-1], list(reversed(everyone)))


def _ctx(name: str, groups: tuple[str, ...], peers: dict[str, tuple[tuple[str, str], ...]]) -> HostContext:
    return HostContext(name, "127.0.0.1", groups, None, peers)


def fleet(web: int, app: int, db: int) -> dict[str, tuple[tuple[str, str], ...]]:
    out, i = {}, 10
    for group, count in (("web", web), ("app", app), ("db", db)):
        members = []
        for name in names(group, count):
            i += 1
            members.append((name, f"10.99.{i // 250}.{i % 250}"))
        out[group] = tuple(members)
    return out


def test_the_probes_ask_only_for_the_hosts_share() -> None:
    peers = fleet(67, 67, 66)
    ctx = _ctx("web5", ("web",), peers)
    command = FACTS["network.peers"].bind(ctx, STD)
    assert command is not None
    asked = shlex.split(command.command.splitlines()[0])[2:]  # set -- NAME ...
    assert asked == list(peers_sample(ctx, STD).chosen) and len(asked) == BUDGET
    tiers = FACTS["network.tiers"].bind(ctx, STD)
    assert tiers is not None
    chosen = tier_sample(ctx, STD.tiers[0], STD).chosen
    assert len(chosen) == BUDGET and all("ectiers" in tiers.command and f" {n} " in tiers.command
                                         for n in chosen)
    assert sum(f" {n} " in tiers.command for n, _ in peers["app"]) == BUDGET


def _result(check_id: str, ctx: HostContext, **facts: Any) -> Any:
    values = {k.replace("__", "."): v for k, v in facts.items()} | {"host": ctx}
    return evaluate_check(CHECKS[check_id], ctx.name, values, STD)


def test_a_sampled_result_says_how_many_were_probed_and_that_the_rest_is_inferred() -> None:
    peers = fleet(67, 67, 66)
    ctx = _ctx("web5", ("web",), peers)
    address = dict(pair for members in peers.values() for pair in members)
    resolved = {n: address[n] for n in peers_sample(ctx, STD).chosen}
    result = _result("network.peers_resolve", ctx, network__peers=resolved)
    assert result.status == Status.PASS
    assert result.found["sampled"] == BUDGET and result.found["inferred"] == 199 - BUDGET
    assert "inferred" in result.message.en and "推断" in result.message.zh
    wrong = dict(resolved) | {peers_sample(ctx, STD).chosen[0]: "10.0.0.1"}
    assert _result("network.peers_resolve", ctx, network__peers=wrong).status == Status.FAIL
    probes = [{"target": n, "address": address[n], "port": 8080, "ok": True, "state": "open"}
              for n in tier_sample(ctx, STD.tiers[0], STD).chosen]
    tiers = _result("network.tiers", ctx, network__tiers=probes)
    assert tiers.status == Status.PASS and tiers.found["inferred"] == 67 - BUDGET
    probes[0] = probes[0] | {"ok": False, "state": "refused"}
    assert _result("network.tiers", ctx, network__tiers=probes).status == Status.FAIL


def test_a_small_fleet_reads_as_before() -> None:
    peers = fleet(2, 3, 2)
    ctx = _ctx("web1", ("web",), peers)
    address = dict(pair for members in peers.values() for pair in members)
    result = _result("network.peers_resolve", ctx,
                     network__peers={n: a for n, a in address.items() if n != "web1"})
    assert result.status == Status.PASS and "sampled" not in result.found
    assert "sample" not in result.message.en


def test_the_budget_comes_from_the_standard_and_zero_probes_every_peer() -> None:
    peers = fleet(10, 10, 10)
    ctx = _ctx("web1", ("web",), peers)
    small = Standard.from_vars({"standard_peer_sample": 3})
    assert len(peers_sample(ctx, small).chosen) == 3 and len(tier_sample(ctx, small.tiers[0], small).chosen) == 3
    everyone = Standard.from_vars({"standard_peer_sample": 0})
    assert peers_sample(ctx, everyone).chosen == tuple(sorted(n for m in peers.values() for n, _ in m if n != "web1"))
