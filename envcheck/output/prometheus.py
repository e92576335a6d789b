"""Prometheus text exposition (format 0.0.4) of a check run: for node_exporter's textfile
collector (`check --format prometheus -o FILE`, written atomically) and `envcheck serve`.

Rendered from the run's JSON document (envcheck.output.json_format.as_dict), the one the
verdict (envcheck.verdict) judges: `envcheck_audit_ready` is that verdict. One series per host
and check (`envcheck_check_failing`, status and severity as labels); hosts' reachability,
durations and clock offsets; the endpoint and datasource figures the app.* and endpoint.*
checks found, when present. docs/monitoring.md lists every metric.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from envcheck import __version__
from envcheck.audit.engine import AuditReport
from envcheck.i18n import t

Labels = tuple[tuple[str, str], ...]
FAILING = ("fail", "error")  # the statuses that count against the verdict (envcheck.verdict.judge)
# Every metric of a check run, in the order they are written (HELP: catalogue key prom.<name>).
AUDIT_METRICS = (
    "envcheck_info", "envcheck_audit_ready", "envcheck_audit_complete", "envcheck_audit_seconds",
    "envcheck_audit_timestamp_seconds", "envcheck_results", "envcheck_check_failing", "envcheck_host_up",
    "envcheck_host_audit_seconds", "envcheck_host_clock_offset_seconds", "envcheck_host_clock_rtt_seconds",
    "envcheck_clock_offset_max_seconds", "envcheck_endpoint_connect_seconds", "envcheck_endpoint_latency_seconds",
    "envcheck_endpoint_certificate_days", "envcheck_datasource_clock_offset_seconds")
# The exporter's own (envcheck.serve).
SERVE_METRICS = ("envcheck_serve_audits_total", "envcheck_serve_audit_ok", "envcheck_serve_interval_seconds")


@dataclass
class Family:
    """One metric: its name, type, HELP (catalogue key prom.<name>) and samples."""

    name: str
    kind: str = "gauge"
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, value: float | None, **labels: str) -> None:
        if value is not None:
            self.samples.append((tuple(labels.items()), float(value)))


def render(report: AuditReport, lang: str) -> str:
    from envcheck.output.json_format import as_dict  # noqa: PLC0415 (the document with its verdict)

    return exposition(families_of(as_dict(report, lang)), lang)


def families_of(doc: Mapping[str, Any]) -> list[Family]:
    """The metrics of a check run's document (result.json)."""
    fams = {name: Family(name) for name in AUDIT_METRICS}
    fams["envcheck_info"].add(1, version=__version__)
    verdict = doc.get("verdict") or {}
    fams["envcheck_audit_ready"].add(1 if verdict.get("ready") else 0)
    fams["envcheck_audit_complete"].add(1 if doc.get("complete") else 0)
    started, finished = _time(doc.get("started")), _time(doc.get("finished"))
    if started and finished:
        fams["envcheck_audit_seconds"].add((finished - started).total_seconds())
        fams["envcheck_audit_timestamp_seconds"].add(finished.timestamp())
    results = [r for r in doc.get("results", []) if isinstance(r, Mapping)]
    for status in ("pass", "fail", "warn", "error", "skip", "waived"):
        fams["envcheck_results"].add(sum(1 for r in results if r.get("status") == status), status=status)
    for r in results:
        status = str(r.get("status"))
        fams["envcheck_check_failing"].add(1 if status in FAILING else 0, host=str(r.get("host") or ""),
                                           check=str(r.get("check")), status=status,
                                           severity=str(r.get("severity")))
    _hosts(doc, fams)
    _app_figures(results, fams)
    site = (doc.get("scope") or {}).get("site") or {}
    fams["envcheck_clock_offset_max_seconds"].add(_ms(site.get("max_clock_offset_ms")))
    return [f for f in fams.values() if f.samples]


def _hosts(doc: Mapping[str, Any], fams: dict[str, Family]) -> None:
    for h in doc.get("hosts", []):
        host = str(h.get("name"))
        fams["envcheck_host_up"].add(1 if h.get("reachable") else 0, host=host)
        fams["envcheck_host_audit_seconds"].add(h.get("seconds"), host=host)
        fams["envcheck_host_clock_offset_seconds"].add(_ms(h.get("clock_offset_ms")), host=host)
        fams["envcheck_host_clock_rtt_seconds"].add(_ms(h.get("clock_rtt_ms")), host=host)
    for host in doc.get("pending", []):  # not answered before an interruption: not known to be up
        fams["envcheck_host_up"].add(0, host=str(host))


# check id -> (family, the key of each endpoint's or datasource's entry in the check's `found`,
# the unit's divisor, the label naming the entry)
_FIGURES = {
    "endpoint.reachable": (("envcheck_endpoint_connect_seconds", "tcp_ms", 1000.0, "endpoint"),),
    "endpoint.http": (("envcheck_endpoint_latency_seconds", "latency_ms", 1000.0, "endpoint"),),
    "endpoint.tls": (("envcheck_endpoint_certificate_days", "days_left", 1.0, "endpoint"),),
    "app.session_clock": (("envcheck_datasource_clock_offset_seconds", None, 1000.0, "datasource"),),
}


def _app_figures(results: Iterable[Mapping[str, Any]], fams: dict[str, Family]) -> None:
    """The figures the app.* and endpoint.* checks found, one series per host and entry."""
    for r in results:
        found = r.get("found")
        if r.get("check") not in _FIGURES or not isinstance(found, Mapping):
            continue
        for family, key, divisor, label in _FIGURES[str(r["check"])]:
            for name, entry in found.items():
                value = entry.get(key) if key and isinstance(entry, Mapping) else (None if key else entry)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    fams[family].add(value / divisor, host=str(r.get("host") or ""), **{label: str(name)})


def exposition(families: Iterable[Family], lang: str) -> str:
    lines: list[str] = []
    for f in families:
        lines.append(f"# HELP {f.name} {escape_help(t(f'prom.{f.name}', lang))}")
        lines.append(f"# TYPE {f.name} {f.kind}")
        for labels, value in f.samples:
            shown = ",".join(f'{k}="{escape_label(v)}"' for k, v in labels)
            lines.append(f"{f.name}{{{shown}}} {number(value)}" if shown else f"{f.name} {number(value)}")
    return "\n".join(lines) + "\n"


def escape_label(value: str) -> str:
    """A label value as the exposition format wants it: backslash, double quote and line feed escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _ms(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value) / 1000.0
    except (TypeError, ValueError):
        return None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
