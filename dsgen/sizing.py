"""How big a build will be before it starts: records, units and disk, from a sample of each large dataset.

A mistyped count (``1e11``) would otherwise fill the disk with nothing printed; the CLI shows this
estimate and stops, or asks, before such a build (see ``dsgen build --yes``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .pipeline import sample
from .recipe import Recipe

#: datasets at least this large are sampled; smaller ones are counted at ``SMALL_RECORD_BYTES``
SAMPLED_FROM = 100_000
SAMPLE = 64
SMALL_RECORD_BYTES = 2_000


@dataclass
class Estimate:
    records: int
    units: int
    bytes: int  # Parquet on disk (sampled records compress worse than a full shard: an upper estimate)
    free: int | None  # free bytes where the output goes (None: unknown)


def free_bytes(out: Path) -> int | None:
    """Free bytes on the file system that holds (or will hold) ``out``."""
    for folder in (out.absolute(), *out.absolute().parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def estimate(recipe: Recipe, out: Path) -> Estimate:
    """Records, units and Parquet bytes of building ``recipe`` into ``out``."""
    import pyarrow as pa

    from .records import arrow_schema, to_row
    from .writer import table_bytes

    total = 0
    for name, ds in recipe.datasets.items():
        per_record = SMALL_RECORD_BYTES
        if ds.count >= SAMPLED_FROM:
            records = sample(ds.builder, ds.params, count=SAMPLE, seed=recipe.seed, dataset=name,
                             wrappers=[(w.builder, w.params) for w in ds.wrappers])
            if records:
                table = pa.Table.from_pylist([to_row(r) for r in records], schema=arrow_schema())
                per_record = len(table_bytes(table)) / len(records)
        total += int(ds.count * per_record)
    count = sum(ds.count for ds in recipe.datasets.values())
    units = sum(-(-ds.count // recipe.output.shard_size) for ds in recipe.datasets.values())
    return Estimate(count, units, total, free_bytes(out))


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")

