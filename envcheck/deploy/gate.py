"""The preflight as `deploy` and `fix` run it: read the hosts, decide the runtime, or stop with
an envcheck error (exit 2) before any play runs."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

import click

from envcheck.deploy import preflight, runtimes
from envcheck.deploy.onhosts import probe_hosts, reachable_by_ssh
from envcheck.errors import TargetPythonError
from envcheck.i18n import t
from envcheck.inventory import InventoryHost
from envcheck.model import Text

PROBE_TIMEOUT = 60.0


def check_targets(hosts: Sequence[InventoryHost], forks: int = 20) -> preflight.Decision:
    """Every host's Python against the runtimes installed; raises TargetPythonError when no
    runtime deploys them all. Hosts the SSH layer cannot reach are left to Ansible."""
    current, legacy = runtimes.current(), runtimes.legacy()
    orders = [r.fallback for r in (current, legacy) if r is not None and r.fallback] or [preflight.DEFAULT_FALLBACK]
    probed = [h for h in hosts if reachable_by_ssh(h)]
    answers = probe_hosts(probed, lambda h: preflight.fact_for(h, orders), PROBE_TIMEOUT, forks)
    infos, unprobed = preflight.infos_from(probed, [a.output for a in answers])
    decision = preflight.decide(infos, current, legacy, unprobed)
    if decision.runtime is None:
        raise TargetPythonError(refusal(decision, current))
    return decision


def refusal(decision: preflight.Decision, current: runtimes.Runtime) -> Text:
    """The error: each host's problem and the way out, in English and in Chinese."""
    home = runtimes.legacy_home()
    installed = runtimes.legacy(home)
    values = {
        "hosts": ", ".join(decision.needs_other), "current": current.label,
        "venv": f"python3 -m venv {shlex.quote(str(home))}",
        "pip": f"{shlex.quote(str(home / 'bin' / 'pip'))} install 'ansible-core>=2.16,<2.17'",
        "min": ".".join(map(str, current.target_min)),
        "legacy": installed.label if installed else "",
    }
    parts: dict[str, str] = {}
    for lang in ("en", "zh"):
        lines = [t("preflight.refused", lang, **values)]
        lines += [f"  - {p.en if lang == 'en' else p.zh}" for p in decision.problems]
        if installed is not None:
            lines.append(t("preflight.legacy_cannot", lang, **values))
        lines.append(t("preflight.way_out", lang, **values))
        parts[lang] = "\n".join(lines)
    return Text(parts["en"], parts["zh"])


def announce(decision: preflight.Decision, lang: str) -> str | None:
    """A line for the operator when the run goes through the legacy runtime."""
    if decision.runtime is None or decision.runtime.name == "current":
        return None
    return t("preflight.using_legacy", lang, runtime=decision.runtime.label,
             hosts=", ".join(decision.needs_other))


def preflight_runtime(hosts: Sequence[InventoryHost], forks: int, lang: str) -> dict[str, Any]:
    """The preflight as DeployRequest fields (`deploy`, `fix`): the runtime's bin directory
    when it is not the current one, and what was found. Raises TargetPythonError (exit 2)."""
    decision = check_targets(hosts, forks)
    line = announce(decision, lang)
    if line:
        click.echo(line, err=True)
    runtime = decision.runtime
    legacy = runtime is not None and runtime.name != "current"
    return {"runtime_bin": str(runtime.bin_dir) if legacy and runtime else None,
            "preflight": preflight.describe(decision)}
