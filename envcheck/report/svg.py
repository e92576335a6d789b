"""The fleet picture of the report, as inline SVG (no script, no external asset): the clock
offset of every host against the controller, and which host reaches which on the tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from envcheck.checks.network import parse_tiers
from envcheck.i18n import t
from envcheck.model import ProbeOutput

OK, BAD, GREY, INK = "#1b7f3b", "#b3261e", "#9aa0a6", "#1d1f23"
LABEL_W, ROW_H, HALF = 170, 24, 230  # host label width, row height, half the clock axis
CELL_W = 120


@dataclass(frozen=True)
class TierCell:
    state: str  # open | closed | "" (not probed)
    ports: str


@dataclass(frozen=True)
class FleetPicture:
    clock_caption: str
    clock_svg: Markup
    tier_svg: Markup  # empty when no tier was probed
    tier_rows: tuple[tuple[str, tuple[TierCell, ...]], ...]
    tier_targets: tuple[str, ...]
    unreachable: tuple[str, ...]


def fleet_picture(hosts: Sequence[Mapping[str, Any]], evidence: Sequence[Mapping[str, Any]],
                  site: Mapping[str, str], lang: str) -> FleetPicture:
    try:
        limit = float(site.get("max_clock_offset_ms") or 500)
    except ValueError:
        limit = 500.0
    down = tuple(str(h["name"]) for h in hosts if not h.get("reachable", True))
    targets, rows = _tiers(hosts, evidence)
    tiers = _tier_svg(targets, rows, down, lang) if rows else Markup("")
    return FleetPicture(t("report.clock_chart", lang, limit=f"{limit:g}"), _clock_svg(hosts, limit, lang), tiers,
                        rows, targets, down)


def _tiers(hosts: Sequence[Mapping[str, Any]], evidence: Sequence[Mapping[str, Any]]
           ) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[TierCell, ...]], ...]]:
    probed: dict[str, list[dict[str, Any]]] = {}
    for h in evidence:
        probe = (h.get("probes") or {}).get("network.tiers")
        if isinstance(probe, Mapping):
            out = ProbeOutput(str(probe.get("stdout", "")), int(probe.get("rc") or 0))
            probed[str(h.get("name"))] = parse_tiers(out)
    targets = tuple(dict.fromkeys(p["target"] for tries in probed.values() for p in tries))
    rows = []
    for h in hosts:
        name = str(h["name"])
        if name in probed:
            rows.append((name, tuple(_cell([p for p in probed[name] if p["target"] == tgt]) for tgt in targets)))
        elif not h.get("reachable", True) and targets:
            rows.append((name, tuple(TierCell("", "") for _ in targets)))
    return targets, tuple(rows)


def _cell(tries: list[dict[str, Any]]) -> TierCell:
    if not tries:
        return TierCell("", "")
    ports = ", ".join(f"{p['port']}{'' if p['ok'] else ' ' + p['state']}" for p in tries)
    return TierCell("open" if all(p["ok"] for p in tries) else "closed", ports)


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="12" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _clock_svg(hosts: Sequence[Mapping[str, Any]], limit: float, lang: str) -> Markup:
    offsets = [abs(float(h["clock_offset_ms"])) for h in hosts if h.get("clock_offset_ms") is not None]
    scale = HALF / max(limit * 1.25, *offsets, 1.0)
    mid = LABEL_W + HALF
    height = ROW_H * (len(hosts) + 2)
    width = LABEL_W + 2 * HALF + 90
    parts = [f'<svg id="clock-svg" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f"<title>{escape(t('report.clock_chart', lang, limit=f'{limit:g}'))}</title>"]
    for sign in (-1, 1):
        x = mid + sign * limit * scale
        parts.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - ROW_H:.1f}" stroke="{BAD}" '
                     'stroke-dasharray="4 3"/>')
        parts.append(_text(x, height - 8, f"{sign * limit:+g} ms", "middle", BAD))
    parts.append(f'<line x1="{mid}" y1="4" x2="{mid}" y2="{height - ROW_H:.1f}" stroke="{INK}"/>')
    parts.append(_text(mid, height - 8, "0", "middle"))
    for i, h in enumerate(hosts):
        y = ROW_H * (i + 1)
        parts.append(_text(LABEL_W - 8, y + 4, str(h["name"]), "end", weight="bold"))
        value = h.get("clock_offset_ms")
        if not h.get("reachable", True) or value is None:
            parts.append(_text(mid + 6, y + 4, t("report.host_unreachable", lang), fill=GREY))
            continue
        ms = float(value)
        length = max(abs(ms) * scale, 1.0)
        x = mid if ms >= 0 else mid - length
        color = OK if abs(ms) <= limit else BAD
        parts.append(f'<rect class="offset" x="{x:.1f}" y="{y - 7:.1f}" width="{length:.1f}" height="14" '
                     f'fill="{color}"><title>{escape(h["name"])}: {ms:+.1f} ms</title></rect>')
        label_x = mid + length + 6 if ms >= 0 else mid - length - 6
        parts.append(_text(label_x, y + 4, f"{ms:+.1f} ms", "start" if ms >= 0 else "end", color))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())


def _tier_svg(targets: tuple[str, ...], rows: tuple[tuple[str, tuple[TierCell, ...]], ...],
              down: tuple[str, ...], lang: str) -> Markup:
    width = LABEL_W + CELL_W * len(targets) + 10
    height = ROW_H * (len(rows) + 1) + 10
    parts = [f'<svg id="tier-svg" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f"<title>{escape(t('report.tier_chart', lang))}</title>"]
    for j, target in enumerate(targets):
        parts.append(_text(LABEL_W + CELL_W * j + CELL_W / 2, ROW_H - 8, f"→ {target}", "middle", weight="bold"))
    for i, (source, cells) in enumerate(rows):
        y = ROW_H * (i + 1)
        parts.append(_text(LABEL_W - 8, y + 16, source, "end", weight="bold"))
        for j, cell in enumerate(cells):
            x = LABEL_W + CELL_W * j
            if source in down:
                fill, word = "#eceff1", t("report.host_unreachable", lang)
            elif not cell.state:
                fill, word = "#ffffff", ""
            else:
                fill = "#e3f4e8" if cell.state == "open" else "#fbe4e2"
                word = t("report.tier_open" if cell.state == "open" else "report.tier_closed", lang)
            parts.append(f'<rect class="tier {cell.state or "none"}" x="{x + 2}" y="{y + 2}" width="{CELL_W - 4}" '
                         f'height="{ROW_H - 4}" fill="{fill}" stroke="#d0d4da"><title>{escape(source)} → '
                         f'{escape(targets[j])}: {escape(cell.ports or word)}</title></rect>')
            color = OK if cell.state == "open" else BAD if cell.state else GREY
            label = f"{word} {cell.ports}" if cell.state == "closed" else word
            parts.append(_text(x + CELL_W / 2, y + 16, label[:18], "middle", color))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())
