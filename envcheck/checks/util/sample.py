"""Which peers a host probes when the fleet is large: a bounded, deterministic sample (pure).

Every host resolving every peer's name, every host of a tier connecting to every host of the
next, costs the fleet n² probes (a 100-host fleet: network.* was half of a check's wall time,
issue 22). Instead each source host takes a slice of the sorted targets, the slices laid end to
end round the list, so that together the sources cover every target, each by about
sources × budget / targets of them; a host's share never exceeds max(budget, ⌈targets /
sources⌉), so the fleet's work grows with n. What a host did not probe itself another host
did: its result says so (`Sample.inferred`), and a broken target still fails, on the hosts
that probed it. Fleets within the budget are probed in full, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from envcheck.checks.registry import HostContext
from envcheck.standard import Standard, Tier

# Names a host resolves and hosts of the next tier it connects to, at most (with one source
# only, every target: the sample never leaves a target unprobed); the standard's
# standard_peer_sample (0: every target).
BUDGET = 16


@dataclass(frozen=True)
class Sample:
    chosen: tuple[str, ...]  # the targets this host probes, in the targets' order
    of: int  # targets in all (this host excluded)

    @property
    def inferred(self) -> int:
        """Targets probed by other hosts only."""
        return self.of - len(self.chosen)

    @property
    def sampled(self) -> bool:
        return self.inferred > 0


def share(host: str, sources: Sequence[str], targets: Sequence[str], budget: int = BUDGET) -> Sample:
    """The targets `host` (one of `sources`) probes; a host is never its own target. Deterministic:
    the same fleet gives every host the same share on every run."""
    pool = sorted(set(targets) - {host})
    if budget <= 0 or len(pool) <= budget:
        return Sample(tuple(pool), len(pool))
    ordered = sorted(set(sources) | {host})
    index = ordered.index(host)
    size = max(budget, -(-len(pool) // len(ordered)))  # ceil: the sources cover the pool
    chosen: list[str] = []
    position = index * size
    while len(chosen) < size:
        candidate = pool[position % len(pool)]
        position += 1
        if candidate in chosen:  # only when size >= the pool (not here: pool > budget)
            break
        chosen.append(candidate)
    return Sample(tuple(sorted(chosen)), len(pool))


def covered(sources: Sequence[str], targets: Sequence[str], budget: int = BUDGET) -> dict[str, list[str]]:
    """target -> the sources that probe it, for the whole fleet (what tests and the docs show)."""
    found: dict[str, list[str]] = {t: [] for t in targets}
    for s in sources:
        for t in share(s, sources, targets, budget).chosen:
            found[t].append(s)
    return found


def _names(ctx: HostContext, *groups: str) -> list[str]:
    wanted = groups or tuple(ctx.peers)
    return sorted({n for g in wanted for n, _ in ctx.peers.get(g, ())})


def peers_sample(ctx: HostContext, std: Standard) -> Sample:
    """The peers whose names this host resolves: all of them up to standard_peer_sample, else its share
    (share() above: every peer is resolved by some hosts, the fleet's work grows
    with n)."""
    everyone = _names(ctx)
    return share(ctx.name, everyone, everyone, std.peer_sample)


def tier_sample(ctx: HostContext, tier: Tier, std: Standard) -> Sample:
    """The hosts of the tier's target group this host connects to (all, or its share)."""
    return share(ctx.name, _names(ctx, tier.source), _names(ctx, tier.target), std.peer_sample)
