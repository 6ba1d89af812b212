"""What a build tells the user: a progress bar on a terminal (plain log lines otherwise) and a summary."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from .pipeline import BuildResult
    from .recipe import Recipe


def plural(n: int, noun: str) -> str:
    """'1 record', '2 records', '1,000 records' (dsgen's nouns all take an -s)."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


class _Rate(ProgressColumn):
    def render(self, task) -> Text:
        return Text(f"{task.speed:,.0f} rec/s" if task.speed else "… rec/s", style="progress.data.speed")


class BuildProgress:
    """The ``progress`` callback of ``dsgen.build``: records/s, units done and ETA, on stderr."""

    def __init__(self, recipe: Recipe, console: Console | None = None, *, interval: float = 5.0):
        from .pipeline import plan

        self.console = console or Console(stderr=True)
        self.total = sum(ds.count for ds in recipe.datasets.values())
        self.units_total = len(plan(recipe))
        self.done = self.units = 0
        self.interval, self.started, self.last_log = interval, time.perf_counter(), 0.0
        self.bar: Progress | None = None
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _Rate(),
                TextColumn("{task.fields[units]}"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.task = self.bar.add_task("building", total=self.total, units=f"0/{self.units_total} units")

    def __enter__(self) -> BuildProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()

    def __call__(self, dataset: str, n: int) -> None:
        self.done += n
        self.units += 1
        if self.bar:
            self.bar.update(self.task, advance=n, description=dataset, units=f"{self.units}/{self.units_total} units")
            return
        now = time.perf_counter() - self.started
        if now - self.last_log >= self.interval or self.done >= self.total:
            self.last_log = now
            rate = self.done / now if now > 0 else 0.0
            eta = (self.total - self.done) / rate if rate else 0.0
            self.console.print(
                f"dsgen: {self.done:,}/{self.total:,} records ({100 * self.done / self.total:.0f}%), "
                f"{self.units}/{self.units_total} units, {rate:,.0f} rec/s, ETA {eta:.0f}s",
                highlight=False,
            )


def summary(result: BuildResult) -> Group:
    """Records per config and split, then drops by reason, then time and rate."""
    table = Table(title=f"dsgen build → {result.out}", title_justify="left")
    for column, justify in (("config", "left"), ("builder", "left"), ("split", "left"), ("records", "right")):
        table.add_column(column, justify=justify)
    for report in result.datasets.values():
        splits = sorted(report.splits.items()) or [("-", 0)]
        for i, (split, n) in enumerate(splits):
            table.add_row(report.name if i == 0 else "", report.builder if i == 0 else "", split, f"{n:,}")
    parts: list = [table]
    dropped = [(r.name, reason, n) for r in result.datasets.values() for reason, n in sorted(r.rejects.items())]
    if dropped:
        drops = Table(title="dropped", title_justify="left")
        for column, justify in (("config", "left"), ("reason", "left"), ("records", "right")):
            drops.add_column(column, justify=justify, overflow="fold")
        for name, reason, n in dropped:
            drops.add_row(name, reason, f"{n:,}")
        parts.append(drops)
    parts += [Text(f"warning: {w}", style="yellow") for w in result.warnings]
    rate = result.records / result.seconds if result.seconds else 0.0
    reused = f", {result.reused_units} reused" if result.reused_units else ""
    parts.append(
        Text(f"{result.records:,} records in {result.seconds:.1f}s ({rate:,.0f} rec/s), {result.units} units{reused}")
    )
    return Group(*parts)
