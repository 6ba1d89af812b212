"""Filters of the dataset and build stages: passes over the staged records after generation.

Each pass streams the records it covers once to ``fit`` (index order, datasets in recipe order, so
the result does not depend on the worker count), then applies per unit and writes the survivors as
the next generation under ``.dsgen/stage/<dataset>/g<pass>/``. The last generation is split and
written to ``data/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .pipeline import (
    STATE,
    DatasetReport,
    Unit,
    _filter_specs,
    _new_filter,
    _stage,
    _write_splits,
    apply_filter,
)
from .recipe import FilterSpec, Recipe
from .writer import read_parquet, write_jsonl, write_parquet


def passes(recipe: Recipe, staged: set[str]) -> list[tuple[str, FilterSpec, list[str], bool]]:
    """(label, spec, datasets covered, one shared instance?) for every post-generation filter, in order."""
    order = [name for name in recipe.datasets if name in staged]
    result = []
    for label, spec, wide in _filter_specs(recipe, order[0]) if order else []:
        if wide and _stage(spec) != "record":
            result.append((label, spec, order, _stage(spec) == "build"))
    for name in order:
        for label, spec, wide in _filter_specs(recipe, name):
            if not wide and _stage(spec) != "record":
                result.append((label, spec, [name], False))
    return result


def finish_staged(
    recipe: Recipe,
    out: Path,
    units: list[Unit],
    markers: dict[Unit, dict[str, Any]],
    staged: set[str],
    reports: dict[str, DatasetReport],
) -> None:
    current = {u: next(iter(markers[u]["files"])) for u in units if u.dataset in staged}
    by_dataset = {name: [u for u in units if u.dataset == name] for name in staged}
    route = recipe.output.rejects

    def stream(datasets: list[str]) -> Iterator[dict[str, Any]]:
        for name in datasets:
            for unit in by_dataset[name]:
                yield from read_parquet(out / current[unit])

    def keep_rejects(dataset: str, tag: str, unit: Unit, rejects: list[dict]) -> None:
        if rejects and route:
            write_jsonl(out / STATE / "rejects" / dataset / f"{tag}-{unit.name}.jsonl", rejects)

    for number, (label, spec, covered, shared) in enumerate(passes(recipe, staged), 1):
        if shared:
            flt = _new_filter(spec)
            flt.fit(stream(covered))
            instances = dict.fromkeys(covered, flt)
        else:
            instances = {}
            for name in covered:
                instances[name] = _new_filter(spec)
                instances[name].fit(stream([name]))
        for name in covered:
            for unit in by_dataset[name]:
                counts: Counter = Counter()
                rejects: list[dict] = []
                kept = apply_filter(label, instances[name], read_parquet(out / current[unit]), name, counts, rejects)
                rel = f"{STATE}/stage/{name}/g{number:02d}/{unit.name}.parquet"
                write_parquet(out / rel, kept)
                current[unit] = rel
                reports[name].rejects.update(counts)
                keep_rejects(name, f"g{number:02d}", unit, rejects)

    for name in staged:
        for unit in by_dataset[name]:
            counts, rejects = Counter(), []
            files = _write_splits(
                out, unit, recipe.datasets[name].splits, read_parquet(out / current[unit]), counts, rejects
            )
            reports[name].rejects.update(counts)
            keep_rejects(name, "s", unit, rejects)
            for rel, info in files.items():
                reports[name].splits[info["split"]] += info["rows"]
                reports[name].files[rel] = info
