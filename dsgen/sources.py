"""User data files opened one way: JSONL, JSON, Parquet, folders of them, or a ``datasets`` folder.

``open_source(path)`` gives a ``Source``: its column names, its number of rows, a column's values and
``where(row)``, the row's place for error messages ("f.jsonl, line 3", "f.parquet, row 2",
"folder, split test, row 5"). Every problem with the input is a ``DsgenError`` that names the file (and
line, row or column) and says what was expected. Files are read with orjson and pyarrow; ``datasets``
is imported only for a folder written by ``save_to_disk``.

A folder of data files is read in sorted path order (under its ``data/`` subfolder when it has one,
as a Hub dataset repository does); a file's split is the first of its folder names, or its file name
(``train.jsonl``, ``test-00000-of-00001.parquet``), that is a split name.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

from .errors import DsgenError, did_you_mean

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
ACCEPTED = ".jsonl, .parquet or a datasets folder (also .ndjson, .json, .pq, or a folder of such files)"
SPLIT_NAMES = ("train", "test", "validation", "valid", "val", "dev", "eval")
SAVED_MARKERS = ("dataset_info.json", "dataset_dict.json", "state.json")  # written by save_to_disk
BOM = b"\xef\xbb\xbf"
_REQUIRED = object()


def open_source(path: str | Path, *, what: str = "input") -> Source:
    """The input at ``path``; ``what`` names its role in the messages ("corpus", "reference set", …)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DsgenError(f"{what} {path} does not exist (expected {ACCEPTED})")
    if path.is_dir():
        if any((path / name).is_file() for name in SAVED_MARKERS):
            return Source(path, _saved_parts(path, what))
        return Source(path, _folder_parts(path, what))
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DsgenError(f"{what} {path}: unknown format '{path.suffix}'; expected {ACCEPTED}")
    return Source(path, [_file_part(path, kind, None)])


class Source:
    """Rows read from one or more parts (files, or splits of a datasets folder), in order."""

    def __init__(self, path: Path, parts: list[_Part]):
        self.path, self._parts = path, parts

    @property
    def splits(self) -> list[str]:
        """The split names present, in order (empty for a single file or a folder without splits)."""
        return list(dict.fromkeys(p.split for p in self._parts if p.split is not None))

    def only(self, split: str) -> Source:
        """The rows of split ``split`` (a DsgenError listing the splits there are when it is absent)."""
        parts = [p for p in self._parts if p.split == split]
        if not parts:
            raise DsgenError(
                f"{self.path} has no split '{split}'{did_you_mean(split, self.splits)}; "
                f"splits: {', '.join(self.splits) or 'none'}"
            )
        return Source(self.path, parts)

    @cached_property
    def _ends(self) -> list[int]:
        return list(accumulate(p.rows for p in self._parts))

    @property
    def rows(self) -> int:
        return self._ends[-1] if self._ends else 0

    @cached_property
    def columns(self) -> list[str]:
        """Every column name, in order of first appearance (a JSON row may lack some)."""
        return list(dict.fromkeys(chain.from_iterable(p.columns for p in self._parts)))

    def require(self, name: str, hint: str = "") -> None:
        """Unless some row has column ``name``: a DsgenError naming the input, the closest name, the columns."""
        if name not in self.columns:
            raise DsgenError(_no_column(str(self.path), name, self.columns, hint))

    def column(self, name: str, *, default: Any = _REQUIRED, hint: str = "") -> list[Any]:
        """Every row's value of column ``name``.

        Without ``default`` a row (or a file) that lacks it is a DsgenError naming where, the closest
        name and what the row has, plus ``hint``; with it, such rows get ``default``.
        """
        return list(chain.from_iterable(p.values(name, default, hint) for p in self._parts))

    def where(self, row: int) -> str:
        """Where row ``row`` (0-based, over all parts) is, for error messages."""
        if not 0 <= row < self.rows:
            raise IndexError(f"row {row} of {self.path}, which has {self.rows} rows")
        k = bisect_right(self._ends, row)
        return self._parts[k].where(row - (self._ends[k - 1] if k else 0))


def _no_column(where: str, name: str, columns: list[str], hint: str) -> str:
    return (
        f"{where}: no column '{name}'{did_you_mean(name, columns)}; columns: {', '.join(columns) or 'none'}"
        + (f"; {hint}" if hint else "")
    )


class _Part:
    """One file or one split: ``rows``, ``columns``, ``values(name, …)``, ``where(local row)``."""

    split: str | None
    rows: int
    columns: list[str]


class _JsonPart(_Part):
    """A JSON Lines file, or a JSON file holding one object, a list of objects or JSON Lines."""

    def __init__(self, path: Path, kind: str, split: str | None):
        self.path, self.kind, self.split = path, kind, split
        self._lines: list[int] | None = None  # line of each row (JSON Lines with blank lines)

    @cached_property
    def objects(self) -> list[dict[str, Any]]:
        import orjson

        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise DsgenError(f"{self.path} cannot be read: {exc}") from None
        skip = len(BOM) if data.startswith(BOM) else 0
        data = data[skip:]
        if self.kind == "json" and data.strip():
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                if not _looks_like_lines(data):
                    raise self._decode_error(data, exc, skip) from None
            else:
                self.kind = "object" if isinstance(value, dict) else "list"
                rows = [value] if isinstance(value, dict) else value
                if not isinstance(rows, list):
                    raise DsgenError(f"{self.path}: expected a JSON object or a list of objects, got "
                                     f"{type(rows).__name__}")
                for i, row in enumerate(rows):
                    if type(row) is not dict:
                        what = type(row).__name__
                        raise DsgenError(f"{self.path}, item {i}: expected a JSON object, got {what}")
                return rows
        self.kind = "jsonl"
        return self._lines_of(data, skip)

    def _lines_of(self, data: bytes, skip: int) -> list[dict[str, Any]]:
        from orjson import JSONDecodeError, loads

        lines = data.splitlines()
        try:
            rows = [loads(line) for line in lines if line.strip()]
        except JSONDecodeError:
            rows = None
        if rows is None or any(type(row) is not dict for row in rows):
            self._raise_first_bad(data, lines, skip)
        if len(rows) != len(lines):  # blank lines: keep each row's line number
            self._lines = [number for number, line in enumerate(lines, 1) if line.strip()]
        return rows

    def _raise_first_bad(self, data: bytes, lines: list[bytes], skip: int) -> None:
        from orjson import JSONDecodeError, loads

        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = loads(line)
            except JSONDecodeError as exc:
                start = sum(map(len, data.splitlines(keepends=True)[: number - 1]))
                raise self._decode_error(line, exc, skip + start, number) from None
            if type(row) is not dict:
                what = type(row).__name__
                raise DsgenError(f"{self.path}, line {number}: expected a JSON object, got {what}")

    def _decode_error(self, text: bytes, exc, start: int, line: int | None = None) -> DsgenError:
        """Bytes that are not UTF-8 (their line and offset), else the JSON error with its line."""
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as bad:
            if line is None:
                line = text.count(b"\n", 0, bad.start) + 1
                offset = bad.start - (text.rfind(b"\n", 0, bad.start) + 1)
            else:
                offset = bad.start
            return DsgenError(
                f"{self.path}, line {line}: bytes at offset {offset} are not valid UTF-8 "
                f"(byte {start + bad.start} of the file); expected UTF-8 text"
            )
        line = exc.lineno if line is None else line
        return DsgenError(f"{self.path}, line {line}: not valid JSON ({exc.msg} at column {exc.colno})")

    @property
    def rows(self) -> int:
        return len(self.objects)

    @cached_property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(chain.from_iterable(self.objects)))

    def values(self, name: str, default: Any, hint: str) -> list[Any]:
        if default is not _REQUIRED:
            return [row.get(name, default) for row in self.objects]
        try:
            return [row[name] for row in self.objects]
        except KeyError:
            local = next(i for i, row in enumerate(self.objects) if name not in row)
            keys = list(self.objects[local])
            raise DsgenError(
                f"{self.where(local)}: no key '{name}'{did_you_mean(name, keys)}; "
                f"keys: {', '.join(keys) or 'none'}"
                + (f"; {hint}" if hint else "")
            ) from None

    def where(self, local: int) -> str:
        if self.kind == "jsonl":
            return f"{self.path}, line {self._lines[local] if self._lines else local + 1}"
        return f"{self.path}, item {local}" if self.kind == "list" else str(self.path)


def _looks_like_lines(data: bytes) -> bool:
    """Whether a .json file that is not one JSON value is JSON Lines: its first line is an object."""
    import orjson

    lines = [line for line in data.splitlines() if line.strip()]
    try:
        return len(lines) > 1 and type(orjson.loads(lines[0])) is dict
    except orjson.JSONDecodeError:
        return False


class _ParquetPart(_Part):
    def __init__(self, path: Path, split: str | None):
        self.path, self.split = path, split

    @cached_property
    def _file(self):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, … for a damaged file
            raise DsgenError(f"{self.path}: not a readable Parquet file ({exc})") from None

    @property
    def rows(self) -> int:
        return self._file.metadata.num_rows

    @cached_property
    def columns(self) -> list[str]:
        return list(self._file.schema_arrow.names)

    def values(self, name: str, default: Any, hint: str) -> list[Any]:
        if name not in self.columns:
            if default is _REQUIRED:
                raise DsgenError(_no_column(str(self.path), name, self.columns, hint))
            return [default] * self.rows
        try:
            return self._file.read(columns=[name]).column(0).to_pylist()
        except Exception as exc:  # a damaged page or column chunk
            raise DsgenError(f"{self.path}: not a readable Parquet file ({exc})") from None

    def where(self, local: int) -> str:
        return f"{self.path}, row {local}"


class _SavedPart(_Part):
    """One split (or the whole) of a dataset written by ``datasets``' ``save_to_disk``."""

    def __init__(self, folder: Path, split: str | None, dataset):
        self.folder, self.split, self.dataset = folder, split, dataset
        self.rows, self.columns = len(dataset), list(dataset.column_names)

    def values(self, name: str, default: Any, hint: str) -> list[Any]:
        if name not in self.columns:
            if default is _REQUIRED:
                place = f"{self.folder}, split {self.split}" if self.split else str(self.folder)
                raise DsgenError(_no_column(place, name, self.columns, hint))
            return [default] * self.rows
        return self.dataset.with_format("arrow")[name].to_pylist()

    def where(self, local: int) -> str:
        split = f", split {self.split}" if self.split else ""
        return f"{self.folder}{split}, row {local}"


def _file_part(path: Path, kind: str, split: str | None) -> _Part:
    return _ParquetPart(path, split) if kind == "parquet" else _JsonPart(path, kind, split)


def _saved_parts(folder: Path, what: str) -> list[_Part]:
    try:
        import datasets
    except ImportError:
        raise DsgenError(
            f"{what} {folder} is a datasets folder: reading it needs the 'datasets' package "
            f"(pip install 'dsgen[hub]')"
        ) from None
    try:
        loaded = datasets.load_from_disk(str(folder))
    except Exception as exc:  # datasets raises many kinds for a damaged folder
        raise DsgenError(f"{what} {folder}: datasets.load_from_disk cannot read it ({exc})") from None
    if isinstance(loaded, datasets.DatasetDict):
        return [_SavedPart(folder, name, data) for name, data in loaded.items()]
    return [_SavedPart(folder, None, loaded)]


def _folder_parts(folder: Path, what: str) -> list[_Part]:
    root = folder / "data" if (folder / "data").is_dir() else folder
    files = sorted(
        (p.relative_to(root) for p in root.rglob("*")
         if p.suffix.lower() in FORMATS and p.is_file()
         and not any(part.startswith(".") for part in p.relative_to(root).parts)),
        key=lambda rel: rel.as_posix(),
    )
    if not files:
        raise DsgenError(
            f"{what} {folder} is a folder but not one saved with datasets' save_to_disk, and it holds no "
            f"data files (expected {ACCEPTED})"
        )
    return [_file_part(root / rel, FORMATS[rel.suffix.lower()], _split_of(rel)) for rel in files]


def _split_of(rel: Path) -> str | None:
    """The split of a file in a folder: its first folder, or its file name, that names a split."""
    for name in (*rel.parts[:-1], rel.stem):
        for split in SPLIT_NAMES:
            if name == split or name.startswith(f"{split}-"):
                return split
    return None
