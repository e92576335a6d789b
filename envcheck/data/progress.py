"""Progress of long tables on standard error: rows done, rows/s and the time left."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

from envcheck.i18n import t


class RowsPerSecond(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self.unit}" if speed else f"- {self.unit}")


class RowProgress:
    def __init__(self, lang: str) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}"),
                                 RowsPerSecond(t("data.rows_per_s", lang)), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> RowProgress:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.stop()

    def table(self, name: str, total: int | None) -> Any:
        task = self.progress.add_task(name, total=total)
        self.tasks[name] = task
        return task

    def ticker(self, name: str) -> Callable[[int], None]:
        """A callback adding rows done to a new line of unknown length (a profile's table)."""
        task = self.table(name, None)
        return lambda n: self.progress.advance(task, n)

    def update(self, table: str, done: int, total: int) -> None:
        task = self.tasks.get(table)
        if task is None:
            task = self.table(table, total)
        self.progress.update(task, completed=done, total=total)
