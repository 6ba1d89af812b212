"""Existing datasets on disk and model response matrices, read for ``math.annotate``; the recipe that
annotates a file (what ``dsgen annotate`` builds).

Inputs: a JSONL file, a JSON file (one object, or a list of objects), a Parquet file, a folder of such
files (read in sorted path order; the original MATH release is a folder of one-object JSON files), or a
folder written by ``datasets``' ``save_to_disk``. Row *i* is the *i*-th object in that order.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DsgenError

if TYPE_CHECKING:
    import numpy as np

    from .recipe import Recipe

DATA_SUFFIXES = (".jsonl", ".json", ".parquet")
SPLIT_NAMES = ("train", "test", "validation", "valid", "dev")


@dataclass
class _Part:
    path: Path
    start: int
    rows: int
    lines: list[int] | None  # line number of each row of a JSONL file, for error messages


class Source:
    """An existing dataset: its files, its column names, its row count and its columns on demand."""

    def __init__(self, path: str | Path, split: str | None = None):
        self.path = Path(path)
        self.split = split
        self._rows: dict[Path, list[dict[str, Any]]] = {}
        self._lines: dict[Path, list[int]] = {}
        self._hf = None
        if not self.path.exists():
            raise DsgenError(f"input '{self.path}' does not exist")
        saved = ("dataset_info.json", "dataset_dict.json")
        if self.path.is_dir() and any((self.path / name).is_file() for name in saved):
            self._open_saved()
            return
        files = self._data_files()
        self.parts: list[_Part] = []
        start = 0
        for file in files:
            rows, lines = self._count(file)
            self.parts.append(_Part(file, start, rows, lines))
            start += rows
        self.rows = start
        self.columns = self._column_names()

    # -- discovery --------------------------------------------------------------------------------

    def _data_files(self) -> list[Path]:
        if self.path.is_file():
            if self.path.suffix not in DATA_SUFFIXES:
                raise DsgenError(
                    f"input '{self.path}': unknown file type '{self.path.suffix}'; "
                    f"expected .jsonl, .json or .parquet"
                )
            return [self.path]
        files = sorted(
            (p for p in self.path.rglob("*")
             if p.is_file() and p.suffix in DATA_SUFFIXES and not p.name.startswith(".")),
            key=lambda p: p.relative_to(self.path).as_posix(),
        )
        splits = {s: [f for f in files if self._in_split(f, s)] for s in SPLIT_NAMES}
        if self.split is not None:
            files = [f for f in files if self._in_split(f, self.split)]
        elif sum(bool(v) for v in splits.values()) > 1:
            found = [s for s, v in splits.items() if v]
            raise DsgenError(
                f"input folder '{self.path}' holds several splits ({', '.join(found)}): choose one with split"
            )
        if not files:
            raise DsgenError(
                f"input folder '{self.path}' has no .jsonl, .json or .parquet files"
                + (f" of split '{self.split}'" if self.split else "")
            )
        return files

    def _in_split(self, file: Path, split: str) -> bool:
        rel = file.relative_to(self.path)
        return split in rel.parts[:-1] or rel.stem == split or rel.stem.startswith(f"{split}-")

    def _open_saved(self) -> None:
        import datasets

        try:
            data = datasets.load_from_disk(str(self.path))
        except Exception as exc:  # datasets raises many kinds for a damaged folder
            raise DsgenError(f"input '{self.path}': datasets.load_from_disk cannot read it: {exc}") from None
        if isinstance(data, datasets.DatasetDict):
            split = self.split or ("train" if list(data) == ["train"] else None)
            if split not in data:
                raise DsgenError(f"input '{self.path}' has splits {sorted(data)}: choose one with split")
            data = data[split]
        self._hf, self.parts, self.rows, self.columns = data, [], len(data), list(data.column_names)

    def _count(self, file: Path) -> tuple[int, list[int] | None]:
        if file.suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                return pq.ParquetFile(file).metadata.num_rows, None
            except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
                raise DsgenError(f"input '{file}': not a readable Parquet file: {exc}") from None
        rows = self._objects(file)
        return len(rows), self._lines.get(file)

    def _objects(self, file: Path) -> list[dict[str, Any]]:
        """The rows of a JSONL or JSON file (parsed once, kept)."""
        if file in self._rows:
            return self._rows[file]
        import orjson

        try:
            data = file.read_bytes()
        except OSError as exc:
            raise DsgenError(f"input '{file}' cannot be read: {exc}") from None
        rows: list[dict[str, Any]] = []
        if file.suffix == ".json":
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise DsgenError(f"input '{file}': invalid JSON: {exc}") from None
            rows = value if isinstance(value, list) else [value]
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    what = type(row).__name__
                    raise DsgenError(f"input '{file}' item {i}: expected a JSON object, got {what}")
        else:
            lines = []
            for number, line in enumerate(data.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise DsgenError(f"input '{file}' line {number}: invalid JSON: {exc}") from None
                if not isinstance(row, dict):
                    what = type(row).__name__
                    raise DsgenError(f"input '{file}' line {number}: expected a JSON object, got {what}")
                rows.append(row)
                lines.append(number)
            self._lines[file] = lines
        self._rows[file] = rows
        return rows

    def _column_names(self) -> list[str]:
        names: dict[str, None] = {}
        for part in self.parts:
            if part.path.suffix == ".parquet":
                import pyarrow.parquet as pq

                names.update(dict.fromkeys(pq.ParquetFile(part.path).schema_arrow.names))
            else:
                for row in self._objects(part.path):
                    names.update(dict.fromkeys(row))
        return list(names)

    # -- access -----------------------------------------------------------------------------------

    def column(self, name: str) -> list[Any]:
        """Every row's value of column ``name`` (None where a row lacks it)."""
        if self._hf is not None:
            return list(self._hf[name])
        values: list[Any] = []
        for part in self.parts:
            if part.path.suffix == ".parquet":
                import pyarrow.parquet as pq

                schema = pq.ParquetFile(part.path).schema_arrow
                values.extend(
                    pq.read_table(part.path, columns=[name]).column(0).to_pylist()
                    if name in schema.names else [None] * part.rows
                )
            else:
                values.extend(row.get(name) for row in self._objects(part.path))
        return values

    def where(self, row: int) -> str:
        """'file line N' / 'file row N' of input row ``row`` (for error messages)."""
        if self._hf is not None:
            return f"input '{self.path}' row {row}"
        for part in self.parts:
            if row < part.start + part.rows:
                local = row - part.start
                if part.lines is not None:
                    return f"input '{part.path}' line {part.lines[local]}"
                return f"input '{part.path}' row {local}"
        return f"input '{self.path}' row {row}"


def count_rows(path: str | Path, split: str | None = None) -> int:
    """The number of rows of an input (what a build of ``math.annotate`` must count)."""
    return Source(path, split).rows


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

    try:
        builder_params = AnnotatedProblems.Params(path=str(path), **params)
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
        "description": f"{path} annotated with difficulty by dsgen annotate",
        "datasets": {dataset: {"builder": "math.annotate", "count": prepared.rows,
                               "params": builder_params.model_dump(exclude_defaults=True), "splits": splits}},
        "output": {"dir": out or f"{dataset}-annotated", **sizes},
    }
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise DsgenError(f"annotate: invalid settings: {message}") from None
