"""What a build tells the user: a progress bar on a terminal (plain log lines otherwise) and a summary."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from .errors import plural

if TYPE_CHECKING:
    from .pipeline import BuildResult
    from .recipe import Recipe


class BuildProgress:
    """The ``progress`` callback of ``dsgen.build``, and its ``stage`` one: records/s, units done, ETA
    and what the build is doing (checking an earlier build's units, finishing passes), on stderr.

    The ETA counts only records made since generation began (units reused by ``--resume`` are not
    work), at the mean rate since then: a unit-sized step does not swing it as a short window does.
    """

    def __init__(self, recipe: Recipe, console: Console | None = None, *, interval: float = 5.0):
        from .pipeline import plan

        self.console = console or Console(stderr=True)
        self.total = sum(ds.count for ds in recipe.datasets.values())
        self.units_total = len(plan(recipe))
        self.done = self.units = 0
        self.interval, self.started, self.last_log = interval, time.perf_counter(), 0.0
        self.stage_name = "building"
        self.base_done, self.base_time = 0, self.started  # where the current rate is measured from
        self.bar: Progress | None = None
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}", style="progress.data.speed"),
                TextColumn("{task.fields[units]}"),
                TextColumn("{task.fields[eta]}", style="progress.remaining"),
                console=self.console,
                transient=True,
            )
            self.task = self.bar.add_task("building", total=self.total, units=self._units(), rate="… rec/s",
                                          eta="")

    def __enter__(self) -> BuildProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()

    def _units(self) -> str:
        return f"{self.units}/{plural(self.units_total, 'unit')}"

    def _rate_and_eta(self) -> tuple[float, float | None]:
        spent = time.perf_counter() - self.base_time
        made = self.done - self.base_done
        rate = made / spent if spent > 0 and made > 0 else 0.0
        return rate, (self.total - self.done) / rate if rate else None

    def stage(self, text: str) -> None:
        """The build moved on: 'building' (units run from here: the rate restarts), 'checking …', 'finishing …'."""
        self.stage_name = text
        if text == "building":
            self.base_done, self.base_time = self.done, time.perf_counter()
        if self.bar:
            self.bar.update(self.task, description=text, eta="")
        else:
            self.console.print(f"dsgen: {text}", highlight=False)

    def __call__(self, dataset: str, n: int) -> None:
        self.done += n
        self.units += 1
        rate, eta = self._rate_and_eta() if self.stage_name == "building" else (0.0, None)
        if self.bar:
            self.bar.update(self.task, advance=n, description=f"{self.stage_name}: {dataset}", units=self._units(),
                            rate=f"{rate:,.0f} rec/s" if rate else "… rec/s",
                            eta="" if eta is None else f"ETA {_duration(eta)}")
            return
        now = time.perf_counter() - self.started
        if now - self.last_log >= self.interval or self.done >= self.total:
            self.last_log = now
            self.console.print(
                f"dsgen: {self.stage_name}: {self.done:,}/{self.total:,} records ({100 * self.done / self.total:.0f}%), "
                f"{self._units()}" + (f", {rate:,.0f} rec/s, ETA {_duration(eta)}" if eta is not None else ""),
                highlight=False,
            )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _source_line(source: dict[str, Any]) -> str:
    """One line of a builder's source report: its numbers, then any per-kind counts in brackets."""
    flat = [f"{key.replace('_', ' ')} {value:,}" for key, value in source.items() if not isinstance(value, dict)]
    nested = [
        f"{key.replace('_', ' ')} ({', '.join(f'{k} {v:,}' for k, v in value.items())})"
        for key, value in source.items()
        if isinstance(value, dict)
    ]
    return "; ".join(flat + nested)


def summary(result: BuildResult) -> Group:
    """Records per config and split, then drops by reason, then time and rate."""
    table = Table(title=f"dsgen build → {result.out}", title_justify="left")
    for column, justify in (("config", "left"), ("builder", "left"), ("split", "left"), ("records", "right")):
        table.add_column(column, justify=justify)
    for report in result.datasets.values():
        order = {name: i for i, name in enumerate(result.recipe.datasets[report.name].splits.names)}
        splits = sorted(report.splits.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])) or [("-", 0)]
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
    parts += [Text(f"{r.name} source: {_source_line(r.source)}") for r in result.datasets.values() if r.source]
    parts += [Text(f"warning: {w}", style="yellow") for w in result.warnings]
    rate = result.records / result.seconds if result.seconds else 0.0
    reused = f", {result.reused_units} reused" if result.reused_units else ""
    parts.append(
        Text(f"{plural(result.records, 'record')} in {result.seconds:.1f}s ({rate:,.0f} rec/s), "
             f"{plural(result.units, 'unit')}{reused}")
    )
    return Group(*parts)
