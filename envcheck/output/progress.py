"""A fleet's progress in one line, however many hosts: counts, and the slowest hosts still
running by name (those are the ones an engineer waits for), e.g.

    120/200 hosts checked · 2 unreachable · 20 running, slowest: app7 41 s, web12 38 s

`envcheck check` shows it beside its progress bar on a terminal, or prints it every few seconds
(`--progress lines`, for logs). Updated from the audit's threads; read from the display's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from envcheck.i18n import t

SLOWEST = 3  # running hosts named by default (--progress-hosts)


class FleetProgress:
    def __init__(self, total: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}  # host -> when its session started
        self.done = 0
        self.unreachable = 0

    def begin(self, host: str) -> None:
        with self._lock:
            self._running[host] = self._clock()

    def finish(self, hf: Any) -> None:
        """A host's HostFacts (envcheck.model) once it has answered, or failed to."""
        with self._lock:
            self._running.pop(hf.status.name, None)
            self.done += 1
            if not hf.status.reachable:
                self.unreachable += 1

    def slowest(self, count: int) -> list[tuple[str, float]]:
        """The `count` hosts running longest, with their seconds so far."""
        now = self._clock()
        with self._lock:
            running = sorted(self._running.items(), key=lambda item: (item[1], item[0]))
        return [(name, now - began) for name, began in running[:max(0, count)]]

    def line(self, lang: str, slowest: int = SLOWEST) -> str:
        parts = [t("progress.checked", lang, done=self.done, total=self.total)]
        if self.unreachable:
            parts.append(t("progress.unreachable", lang, count=self.unreachable))
        running = len(self._running)
        if running:
            text = t("progress.running", lang, count=running)
            named = self.slowest(slowest)
            if named:
                hosts = ("、" if lang == "zh" else ", ").join(
                    t("progress.host_seconds", lang, host=name, seconds=int(s)) for name, s in named)
                text += t("progress.slowest", lang, hosts=hosts)
            parts.append(text)
        return " · ".join(parts)
