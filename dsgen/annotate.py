"""Existing datasets on disk and model response matrices, read for ``math.annotate``; the recipe that
annotates a file (what ``dsgen annotate`` builds).

Inputs (read by ``dsgen.sources``): a JSONL file, a JSON file (one object, or a list of objects), a Parquet
file, a folder of such files (read in sorted path order; the original MATH release is a folder of
one-object JSON files in split folders), or a folder written by ``datasets``' ``save_to_disk``. Row *i* is
the *i*-th object in that order.

Response matrices (CSV or Parquet), one of three layouts:
- long: columns ``model``, ``item``, ``correct`` (one row per model and item; repeated pairs, e.g. k
  samples, are averaged);
- wide, rows = models: first column ``model``, one column per item id;
- wide, rows = items: first column ``item``, one column per model.
``correct`` is true/false, 0/1 or a fraction in [0, 1]; empty = not observed. Item ids are the input's
``id_column`` values (default ``id`` or ``unique_id`` when present) or else the 0-based row number.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DsgenError
from .inputs import is_input_key
from .sources import open_source

if TYPE_CHECKING:
    import numpy as np

    from .recipe import Recipe
    from .sources import Source


def open_input(path: str | Path, split: str | None = None) -> Source:
    """The input at ``path`` (split ``split`` of it when given); a folder with several splits needs one."""
    source = open_source(path, what="input")
    if split is not None:
        return source.only(split)
    if len(source.splits) > 1:
        raise DsgenError(
            f"input folder '{path}' holds several splits ({', '.join(source.splits)}): choose one "
            "(`dsgen annotate --split NAME`; in a recipe, split: NAME)"
        )
    return source


def count_rows(path: str | Path, split: str | None = None) -> int:
    """The number of rows of an input (what a build of ``math.annotate`` must count)."""
    return open_input(path, split).rows


def fingerprint(path: str | Path) -> tuple:
    """(size, mtime) of every file under ``path``: a cache key that changes when the input does."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return tuple((p.as_posix(), os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in files)


# --- response matrices ---------------------------------------------------------------------------


def read_responses(path: str | Path, items: list[str]) -> tuple[np.ndarray, list[str]]:
    """(models × items matrix in the order of ``items``, NaN = not observed; model names, sorted).

    Raises ``DsgenError`` naming the file and the first unmatched ids when the matrix's items and
    ``items`` differ, or the row / column of a value that is not a correctness.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(path)
    table = _read_table(path)
    names = table.column_names
    if {"model", "item", "correct"} <= set(names):
        values = _values(table.column("correct"), path, "correct")
        item_ids = table.column("item").cast(pa.string())
        position = _positions(items, item_ids, path, lambda k: _row(path, k))
        models = table.column("model").cast(pa.string())
        model_names = sorted(str(m) for m in pc.unique(models).to_pylist())
        model_index = pc.index_in(models, value_set=pa.array(model_names)).to_numpy(zero_copy_only=False)
        seen = ~np.isnan(values)
        flat = (model_index * len(items) + position)[seen]
        size = len(model_names) * len(items)
        total = np.bincount(flat, weights=values[seen], minlength=size).reshape(len(model_names), len(items))
        count = np.bincount(flat, minlength=size).reshape(len(model_names), len(items))
        return np.where(count > 0, total / np.maximum(count, 1), np.nan), model_names
    if not names or names[0] not in ("model", "item"):
        raise DsgenError(
            f"response matrix '{path}': expected long format (columns model, item, correct) or a wide matrix "
            f"whose first column is 'model' (rows = models) or 'item' (rows = items); "
            f"found columns {names[:10]}"
        )
    heads = [str(v) for v in table.column(0).to_pylist()]
    grid = np.stack([_values(table.column(c), path, c) for c in names[1:]], axis=1)  # rows × other columns
    if names[0] == "item":
        model_names, item_ids, grid = names[1:], heads, grid.T
        position = _positions(items, pa.array(item_ids), path, lambda k: _row(path, k))
    else:
        model_names, item_ids = heads, names[1:]
        position = _positions(items, pa.array(item_ids), path, lambda k: f"column '{item_ids[k]}'")
    if len(set(model_names)) != len(model_names):
        raise DsgenError(f"response matrix '{path}': model names repeat; each model must appear once")
    if len(set(item_ids)) != len(item_ids):
        raise DsgenError(f"response matrix '{path}': item ids repeat; a wide matrix names each item once")
    matrix = np.full((len(model_names), len(items)), np.nan)
    matrix[:, position] = grid
    order = sorted(range(len(model_names)), key=lambda k: model_names[k])
    return matrix[order], [model_names[k] for k in order]


def _row(path: Path, k: int) -> str:
    """'line N' of data row ``k`` of a CSV file (after its header), 'row N' of a Parquet file."""
    return f"line {k + 2}" if path.suffix == ".csv" else f"row {k}"


def _read_table(path: Path):
    if not path.is_file():
        raise DsgenError(f"response matrix '{path}' does not exist")
    try:
        if path.suffix == ".csv":
            import pyarrow as pa
            import pyarrow.csv as pcsv

            ids = {"model": pa.string(), "item": pa.string()}  # ids stay strings: "007" is not 7
            return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=ids))
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
        raise DsgenError(f"response matrix '{path}' cannot be read: {exc}") from None
    raise DsgenError(f"response matrix '{path}': expected a .csv or .parquet file")


_TRUE, _FALSE = {"true", "yes", "correct"}, {"false", "no", "wrong", "incorrect"}


def _values(column, path: Path, name: str) -> np.ndarray:
    """A correctness column as floats in [0, 1] (NaN = empty); a DsgenError names the first bad value."""
    import numpy as np
    import pyarrow as pa

    kind = column.type
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~np.isnan(values) & ((values < 0) | (values > 1)))
        if len(bad) == 0:
            return values
        _correctness(values[bad[0]].item(), path, _row(path, int(bad[0])), name)  # raises
    return np.array([_correctness(v, path, _row(path, k), name) for k, v in enumerate(column.to_pylist())],
                    dtype=np.float64)


def _correctness(value: Any, path: Path, where: str, column: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return float(text in _TRUE)
        if not text:
            return float("nan")
        try:
            value = float(text)
        except ValueError:
            pass
    if isinstance(value, (int, float)) and value == value and 0 <= value <= 1:
        return float(value)
    raise DsgenError(
        f"response matrix '{path}' {where}, column '{column}': expected true/false, 0/1 or a fraction in "
        f"[0, 1], got {value!r}"
    )


def _positions(items: list[str], found, path: Path, where) -> np.ndarray:
    """Position in ``items`` of each id of ``found`` (an Arrow string array); errors when either side has ids
    the other lacks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    index = pc.index_in(found, value_set=pa.array(items, type=pa.string()))
    if index.null_count:
        unknown_at = np.flatnonzero(pc.is_null(index).to_numpy(zero_copy_only=False))
        unknown = list(dict.fromkeys(found[int(k)].as_py() for k in unknown_at[:1000]))
        raise DsgenError(
            f"response matrix '{path}' {where(int(unknown_at[0]))}: item '{unknown[0]}' is not an item "
            f"of the input ({len(unknown_at)} unknown entries, first ids: {unknown[:5]}); items are the "
            f"input's id column or its 0-based row numbers (first input items: {items[:5]})"
        )
    position = index.to_numpy(zero_copy_only=False).astype(np.int64)
    covered = np.zeros(len(items), dtype=bool)
    covered[position] = True
    missing = np.flatnonzero(~covered)
    if len(missing):
        raise DsgenError(
            f"response matrix '{path}' has no responses for {len(missing)} input item(s), first: "
            f"{[items[k] for k in missing[:5]]} (input rows {missing[:5].tolist()})"
        )
    return position


# --- the recipe of `dsgen annotate` --------------------------------------------------------------


def parse_shares(text: str | dict[str, float], option: str) -> dict[str, float]:
    """``easy=0.3,medium=0.4,hard=0.3`` → {"easy": 0.3, …} (a dict passes through)."""
    if isinstance(text, dict):
        return dict(text)
    shares: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            shares[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise DsgenError(
                f"{option} '{text}': expected name=number pairs separated by commas, e.g. easy=0.3,hard=0.7"
            )
    return shares


def annotation_recipe(
    path: str | Path,
    *,
    name: str | None = None,
    split_by: str | None = None,
    quantiles: str | dict[str, float] | None = None,
    thresholds: str | dict[str, float] | None = None,
    bins: int | None = None,
    curriculum: bool = False,
    seed: int = 0,
    out: str | None = None,
    shard_size: int | None = None,
    **params: Any,
) -> Recipe:
    """The recipe that annotates the input at ``path`` with ``math.annotate`` (``params``: its parameters).

    Reads and checks the whole input (and response matrix, and fits IRT) before returning, so bad input
    fails before a build touches the output folder; the fit stays cached for the build's workers.
    ``split_by``: quantile (``quantiles``, default easy 0.3 / medium 0.4 / hard 0.3), difficulty
    (``thresholds``, default the level bounds 0.35 / 0.6 / 1.0), bins (``bins``) or level; none: one
    ``train`` split. ``curriculum`` writes each split easiest first.
    """
    import re

    from pydantic import ValidationError

    from .builders.annotate import AnnotatedProblems
    from .recipe import Recipe

    # input paths are absolute in the recipe, so its copy in the output folder rebuilds from anywhere
    given, path = path, os.path.abspath(path)
    params = {k: os.path.abspath(v) if is_input_key(k) and isinstance(v, str) and v else v for k, v in params.items()}
    try:
        builder_params = AnnotatedProblems.Params(path=path, **params)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise DsgenError(f"annotate: {problems}") from None
    prepared = AnnotatedProblems.prepare(builder_params)
    splits: dict[str, Any] = {}
    if split_by == "quantile":
        shares = parse_shares(quantiles or {"easy": 0.3, "medium": 0.4, "hard": 0.3}, "--quantiles")
        splits = {"by": "quantile", "fractions": shares}
    elif split_by == "difficulty":
        bounds = parse_shares(thresholds or {"easy": 0.35, "medium": 0.6, "hard": 1.0}, "--thresholds")
        splits = {"by": "difficulty", "thresholds": bounds}
    elif split_by == "bins":
        splits = {"by": "bins", "bins": bins or 3}
    elif split_by == "level":
        splits = {"by": "level", "levels": {"easy": ["easy"], "medium": ["medium"], "hard": ["hard"]}}
    elif split_by is not None:
        raise DsgenError(f"split_by must be quantile, difficulty, bins or level, got {split_by!r}")
    if curriculum:
        splits["order"] = "difficulty"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).name.split(".")[0]).strip("_.-") or "annotated"
    dataset = name or (stem if stem[0].isalnum() else f"d{stem}")
    sizes = {"shard_size": shard_size} if shard_size else {}
    data = {
        "name": f"annotate-{dataset}",
        "seed": seed,
        "description": f"{given} annotated with difficulty by dsgen annotate",
        "datasets": {dataset: {"builder": "math.annotate", "count": prepared.rows,
                               "params": builder_params.model_dump(exclude_defaults=True), "splits": splits}},
        "output": {"dir": out or f"{dataset}-annotated", **sizes},
    }
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise DsgenError(f"annotate: invalid settings: {message}") from None
