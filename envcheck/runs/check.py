"""Check runs: their evidence written as hosts finish (an interrupted run keeps them); read by
envcheck.runs.load."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envcheck.masking import mask_data
from envcheck.model import Result
from envcheck.output.json_format import render
from envcheck.runs import Encoded, encoded, new_run_dir, safe_name, write_atomic, write_json, write_record


@dataclass
class CheckEvidence:
    path: Path
    inventory: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    kind: str = "check"  # or "snapshot": a check run that gathered more (envcheck.snapshot)
    plain: frozenset[str] = frozenset()  # probes kept without the masking pass (Fact.masked False)
    lang: str = "en"  # of result.json
    # Host files are written by one thread beside the audit: a host's masking and fsync do not
    # hold up the evaluation of the hosts behind it; each host's raw output is held until then.
    _writer: ThreadPoolExecutor | None = field(default=None, repr=False, compare=False)
    _written: list[Future[None]] = field(default_factory=list, repr=False, compare=False)
    # (host, check) -> the result and its line of result.json, encoded as its host was evaluated:
    # after the last host only the lines are joined (the 2,660 results of a 10-host run with 200
    # site checks were 21 ms of CPU there; a 500-host run's results grow it with the fleet).
    _lines: dict[tuple[str | None, str], tuple[Result, Encoded]] = field(default_factory=dict, repr=False,
                                                                         compare=False)

    @classmethod
    def create(cls, base: Path | None, inventory: Any, kind: str = "check",
               plain: frozenset[str] = frozenset(), lang: str = "en") -> CheckEvidence:
        path = new_run_dir(kind, base)
        (path / "hosts").mkdir()
        evidence = cls(path, tuple(inventory.sources), tuple(h.name for h in inventory.hosts), kind=kind, plain=plain,
                       lang=lang)
        write_record(path, kind, {
            "started": datetime.now(UTC).isoformat(), "complete": False,
            "inventory": list(evidence.inventory), "hosts": list(evidence.hosts),
        })
        return evidence

    def host_done(self, hf: Any) -> None:
        """Each host's raw probe output, as it was received, secrets masked (a JVM's command line
        or environment may hold a password): the facts a diff reads (envcheck.snapshot.items);
        written in the background (flush() waits)."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="envcheck-evidence")
        self._written.append(self._writer.submit(self._write_host, hf))

    def _write_host(self, hf: Any) -> None:
        probes = {k: {"rc": v.rc, "stdout": v.stdout, "stderr": v.stderr} for k, v in hf.raw.items()}
        record = mask_data({
            "name": hf.status.name,
            "address": hf.status.address,
            "groups": list(hf.groups),
            "reachable": hf.status.reachable,
            "error": hf.status.error,
            "clock_offset_ms": hf.status.clock_offset_ms,
            "probes": {k: v for k, v in probes.items() if k not in self.plain},
        })
        record["probes"] |= {k: v for k, v in probes.items() if k in self.plain}
        write_json(self.path / "hosts" / f"{safe_name(hf.status.name)}.json", record)

    def results_settled(self, results: Sequence[Result]) -> None:
        """A host's results, final (waived, masked): their lines of result.json, encoded now."""
        for r in results:
            self._lines[(r.host, r.check)] = (r, encoded(r.to_json(self.lang)))

    def _line(self, r: Result, lang: str) -> Encoded:
        kept = self._lines.get((r.host, r.check))
        return kept[1] if kept is not None and kept[0] is r and lang == self.lang else encoded(r.to_json(lang))

    def flush(self) -> None:
        """Wait for the host files under way; a write that failed (a full disk) raises here."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        written, self._written = self._written, []
        for future in written:
            future.result()

    def finish(self, report: Any, lang: str) -> str:
        """result.json and the final run.json; returns result.json's text, which is also the
        `--format json` output (one document, rendered once)."""
        self.flush()
        result = render(report, lang, [self._line(r, lang) for r in report.results])
        write_atomic(self.path / "result.json", result)
        write_record(self.path, self.kind, {
            "started": report.started.isoformat(), "finished": report.finished.isoformat(),
            "complete": report.complete, "inventory": list(self.inventory), "hosts": list(self.hosts),
            "pending": list(report.pending), "scope": report.scope.to_json()})
        return result
