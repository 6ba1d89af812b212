"""Reading reference texts (benchmarks to decontaminate against) from JSONL, Parquet or a datasets folder.

A reference set is a file or folder plus the column holding the text. Errors name the file, the row
and the column, and say what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import DsgenError, did_you_mean
from .text import message_text


class Reference(BaseModel):
    """One reference set: ``path`` (.jsonl, .parquet, or a datasets folder), its text ``column``, a name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    column: str
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or Path(self.path).stem


def _text(value: Any, where: str, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return message_text(value)
    raise DsgenError(
        f"{where}: column '{column}' holds {type(value).__name__}, expected a string or chat messages "
        f"(a list of {{role, content}})"
    )


def _missing_column(path: Path, column: str, columns: list[str]) -> DsgenError:
    return DsgenError(
        f"reference file {path}: no column '{column}'{did_you_mean(column, columns)}; "
        f"columns: {', '.join(columns) or 'none'}"
    )


def _read_jsonl(path: Path, column: str) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DsgenError(f"reference file {path}, line {number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise DsgenError(f"reference file {path}, line {number}: expected a JSON object per line")
            if column not in row:
                raise DsgenError(
                    f"reference file {path}, line {number}: no key '{column}'"
                    f"{did_you_mean(column, row)}; keys: {', '.join(row)}"
                )
            texts.append(_text(row[column], f"reference file {path}, line {number}", column))
    return texts


def _read_parquet(path: Path, column: str) -> list[str]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's errors for a corrupt file vary by version
        raise DsgenError(f"reference file {path}: not a readable Parquet file ({exc})") from exc
    if column not in table.column_names:
        raise _missing_column(path, column, list(table.column_names))
    return [
        _text(value, f"reference file {path}, row {number}", column)
        for number, value in enumerate(table.column(column).to_pylist())
    ]


def _read_folder(path: Path, column: str) -> list[tuple[str, list[str]]]:
    """A folder written by ``save_to_disk`` (a dataset or a dict of splits), else a Hub-style data folder."""
    import datasets

    if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
        loaded = datasets.load_from_disk(str(path))
    else:
        try:
            loaded = datasets.load_dataset(str(path))
        except Exception as exc:  # datasets raises many kinds for a folder it cannot read
            raise DsgenError(f"reference folder {path}: not a readable datasets folder ({exc})") from exc
    splits = loaded.items() if isinstance(loaded, datasets.DatasetDict) else [("", loaded)]
    out = []
    for split, data in splits:
        if column not in data.column_names:
            raise _missing_column(path / split if split else path, column, data.column_names)
        where = f"reference folder {path}" + (f", split '{split}'" if split else "")
        out.append((split, [_text(v, f"{where}, row {n}", column) for n, v in enumerate(data[column])]))
    return out


def read_reference(reference: Reference) -> list[tuple[str, str]]:
    """A reference set's items as ``(item id, text)``; the id is the row, ``split/row`` in a split folder."""
    path = Path(reference.path).expanduser()
    if not path.exists():
        raise DsgenError(f"reference set '{reference.label}': {path} does not exist")
    if path.is_dir():
        return [
            (f"{split}/{n}" if split else str(n), text)
            for split, texts in _read_folder(path, reference.column)
            for n, text in enumerate(texts)
        ]
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        texts = _read_jsonl(path, reference.column)
    elif suffix == ".parquet":
        texts = _read_parquet(path, reference.column)
    else:
        raise DsgenError(
            f"reference set '{reference.label}': {path} has suffix '{suffix}'; expected .jsonl, .parquet "
            f"or a datasets folder"
        )
    return [(str(n), text) for n, text in enumerate(texts)]
