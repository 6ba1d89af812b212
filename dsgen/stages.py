"""What needs every record first: dataset- and build-stage filters, and global split rules.

Each pass streams the records it covers once to ``fit`` (index order, datasets in recipe order, so
the result does not depend on the worker count), then applies per unit and writes the survivors as
the next generation under ``.dsgen/stage/<dataset>/g<pass>/``. The last generation is split and
written to ``data/``: unit by unit, or ranked as a whole for quantile / bin splits and curriculum order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .recipe import FilterSpec, Recipe, Splits
from .splits import assign_split, unassigned_reason
from .units import (
    STATE,
    DatasetReport,
    Unit,
    apply_filter,
    filter_specs,
    filter_stage,
    new_filter,
    write_splits,
)
from .writer import atomic_write_bytes, read_parquet, table_bytes, write_jsonl, write_parquet


def passes(recipe: Recipe, staged: set[str]) -> list[tuple[str, FilterSpec, list[str], bool]]:
    """(label, spec, datasets covered, one shared instance?) for every post-generation filter, in order."""
    order = [name for name in recipe.datasets if name in staged]
    result = []
    for label, spec, wide in filter_specs(recipe, order[0]) if order else []:
        if wide and filter_stage(spec) != "record":
            result.append((label, spec, order, filter_stage(spec) == "build"))
    for name in order:
        for label, spec, wide in filter_specs(recipe, name):
            if not wide and filter_stage(spec) != "record":
                result.append((label, spec, [name], False))
    return result


def finish_staged(
    recipe: Recipe,
    out: Path,
    units: list[Unit],
    markers: dict[Unit, dict[str, Any]],
    staged: set[str],
    reports: dict[str, DatasetReport],
    model_pool: Callable[[FilterSpec], Any] | None = None,
    stage: Callable[[str], None] = lambda text: None,
) -> list[str]:
    """Run the post-generation filter passes, then split and write the staged datasets; returns the
    filters' warnings.

    ``model_pool(spec)``, from the executor, may return a pool that applies a filter that needs no
    ``fit`` elsewhere (Ray actors holding a model); its ``judge(batches)`` yields (records, verdicts).
    ``stage(text)`` hears which pass runs.
    """
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

    warnings: list[str] = []
    todo = passes(recipe, staged)
    for number, (label, spec, covered, shared) in enumerate(todo, 1):
        stage(f"finishing: filter '{label}' over {', '.join(covered)} (pass {number} of {len(todo)})")
        pool = model_pool(spec) if model_pool else None
        if pool is not None:
            instances = dict.fromkeys(covered)
        elif shared:
            flt = new_filter(spec)
            flt.fit(stream(covered))
            instances = dict.fromkeys(covered, flt)
        else:
            instances = {}
            for name in covered:
                instances[name] = new_filter(spec)
                instances[name].fit(stream([name]))
        for name in covered:
            batches = (read_parquet(out / current[unit]) for unit in by_dataset[name])
            judged = pool.judge(batches) if pool is not None else ((batch, None) for batch in batches)
            for unit, (records, verdicts) in zip(by_dataset[name], judged):
                counts: Counter = Counter()
                rejects: list[dict] = []
                kept = apply_filter(label, instances[name], records, name, counts, rejects, verdicts)
                rel = f"{STATE}/stage/{name}/g{number:02d}/{unit.name}.parquet"
                write_parquet(out / rel, kept)
                current[unit] = rel
                reports[name].rejects.update(counts)
                keep_rejects(name, f"g{number:02d}", unit, rejects)
        if pool is not None:
            pool.close()
        for flt in dict.fromkeys(f for f in instances.values() if f is not None):
            warnings += [f"filter '{label}': {w}" for w in flt.warnings()]

    for name in [n for n in recipe.datasets if n in staged]:  # recipe order: messages in a stable order
        stage(f"finishing: splitting and writing {name}")
        splits, report = recipe.datasets[name].splits, reports[name]
        if splits.global_rule:
            files = write_ranked(out, name, [out / current[u] for u in by_dataset[name]], splits,
                                 recipe.output.shard_size, report.rejects)
            for rel, info in files.items():
                report.splits[info["split"]] += info["rows"]
                report.files[rel] = info
            continue
        for unit in by_dataset[name]:
            counts, rejects = Counter(), []
            files = write_splits(out, unit, splits, read_parquet(out / current[unit]), counts, rejects)
            report.rejects.update(counts)
            keep_rejects(name, "s", unit, rejects)
            for rel, info in files.items():
                report.splits[info["split"]] += info["rows"]
                report.files[rel] = info
    return warnings


def write_ranked(
    out: Path, name: str, parts: list[Path], splits: Splits, shard_size: int, rejects: Counter
) -> dict[str, dict[str, Any]]:
    """Split and write a dataset whose rule needs every record: quantiles, bins or difficulty order.

    Records are ranked by (difficulty, id) with Arrow; quantile and bin boundaries fall on ranks, so
    split sizes are exact. Shards hold ``shard_size`` rows each.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .records import arrow_schema

    table = pa.concat_tables([pq.read_table(p) for p in parts]) if parts else arrow_schema().empty_table()
    ranked = pc.sort_indices(table, sort_keys=[("difficulty", "ascending"), ("id", "ascending")]).to_pylist()
    n = table.num_rows
    members: dict[str, list[int]] = {}
    if splits.by in ("quantile", "bins"):
        shares = list(splits.fractions.values()) if splits.by == "quantile" else [1 / splits.bins] * splits.bins
        edges = [round(n * sum(shares[: k + 1])) for k in range(len(shares))]
        edges[-1] = n
        for k, split in enumerate(splits.names):
            members[split] = ranked[(edges[k - 1] if k else 0) : edges[k]]
    else:
        columns = table.select(["id", "level", "difficulty", "metadata"]).to_pylist()
        for row in ranked:
            split = assign_split(splits, columns[row])
            if split is None:
                rejects[unassigned_reason(splits, columns[row])] += 1
            else:
                members.setdefault(split, []).append(row)
    files = {}
    for split, rows in members.items():
        if splits.order == "index":
            rows = sorted(rows)
        for number, start in enumerate(range(0, len(rows), shard_size)):
            chunk = table.take(pa.array(rows[start : start + shard_size], type=pa.int64()))
            rel = f"data/{name}/{split}-{number:05d}.parquet"
            files[rel] = {"sha256": atomic_write_bytes(out / rel, table_bytes(chunk)), "rows": chunk.num_rows,
                          "split": split}
    return files
