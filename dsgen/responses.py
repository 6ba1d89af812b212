"""Response matrices from named models: each model answers every item k times, its pass rate is recorded.

The result is the long-format matrix ``dsgen annotate`` reads (``model``, ``item``, ``correct`` = the pass
rate over k samples, a soft outcome IRT accepts), plus the settings it was made with in columns ``k``,
``temperature``, ``top_p``, ``max_new_tokens`` and ``seed``, so records can carry them. Several models give
the models × items matrix that ``--irt 1pl`` fits without a hand-made CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .backends import Decoding, open_backend
from .evaluate import batch_seed, messages
from .scoring import score
from .writer import atomic_write_bytes, table_bytes

SETTING_COLUMNS = ("k", "temperature", "top_p", "max_new_tokens", "seed")


def pass_rates(items: list[tuple[str, dict[str, Any]]], model: str, decoding: Decoding, *, batch_size: int = 8,
               base_url: str | None = None, device: str = "auto", progress: Callable[[int], None] | None = None,
               ) -> list[float]:
    """The fraction of ``decoding.k`` samples of ``model`` that score 1.0, for each (item id, record)."""
    backend = open_backend(model, base_url=base_url, device=device)
    rates: list[float] = []
    for start in range(0, len(items), batch_size):
        batch = items[start:start + batch_size]
        seed = batch_seed(decoding.seed, [item for item, _ in batch])
        generations = backend.generate([messages(r) for _, r in batch], decoding, seed)
        for (_, record), group in zip(batch, generations, strict=True):
            rates.append(sum(score(record, g.text) >= 1.0 for g in group) / len(group))
        if progress is not None:
            progress(len(rates))
    return rates


def write_matrix(items: list[tuple[str, dict[str, Any]]], models: list[str], decoding: Decoding, path: str | Path,
                 **options: Any) -> Path:
    """Run each model on the items and write the long-format response matrix (Parquet) to ``path``."""
    import pyarrow as pa

    rows: dict[str, list[Any]] = {"model": [], "item": [], "correct": [], **{c: [] for c in SETTING_COLUMNS}}
    settings = decoding.as_dict()
    for model in models:
        for (item, _), rate in zip(items, pass_rates(items, model, decoding, **options), strict=True):
            rows["model"].append(model)
            rows["item"].append(item)
            rows["correct"].append(rate)
            for column in SETTING_COLUMNS:
                rows[column].append(settings[column])
    path = Path(path)
    atomic_write_bytes(path, table_bytes(pa.table(rows)))
    return path


def matrix_settings(path: str | Path) -> dict[str, dict[str, Any]]:
    """Per model, the decoding settings stored in a response matrix written by ``write_matrix`` (else {})."""
    import pyarrow.parquet as pq

    path = Path(path)
    if path.suffix != ".parquet":
        return {}
    table = pq.read_table(path)
    if not {"model", *SETTING_COLUMNS} <= set(table.column_names):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for row in table.select(["model", *SETTING_COLUMNS]).to_pylist():
        found.setdefault(str(row.pop("model")), row)
    return found
