"""Atomic file writes: Parquet shards, JSON and JSONL, each to a temporary file renamed into place.

A file that exists under its final name is complete; a crash leaves only ``.*.tmp-*`` files,
which a resumed build removes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import arrow_schema, dumps, from_row, to_row

if TYPE_CHECKING:
    import pyarrow as pa


def atomic_write_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename); returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def atomic_write_text(path: Path, text: str) -> str:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, value: Any) -> str:
    return atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


#: columns (Parquet paths) whose few values repeat row after row: dictionary-encoded; the others, nearly
#: all distinct, are written plain (a dictionary of distinct values saves nothing and took a tenth of
#: the encoding time)
DICTIONARY_COLUMNS = ("kind", "prompt.list.element.role", "verifier.kind", "verifier.params", "level",
                      "provenance.dsgen_version", "provenance.builder", "provenance.recipe_hash",
                      "provenance.seed", "provenance.template")
#: columns with min/max statistics, by which readers skip row groups; none for the long texts
#: (prompt contents, metadata JSON), whose bounds would only be truncated prefixes
STATISTICS_COLUMNS = ("id", "kind", "answer", "difficulty", "level", "verifier.kind", "provenance.dsgen_version",
                      "provenance.builder", "provenance.recipe_hash", "provenance.seed", "provenance.index",
                      "provenance.template")


def table_bytes(table: pa.Table) -> bytes:
    """An Arrow table of ``arrow_schema`` as the bytes of one Parquet file (deterministic for the same table)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=list(DICTIONARY_COLUMNS),
                   write_statistics=list(STATISTICS_COLUMNS))
    return sink.getvalue().to_pybytes()


def write_parquet(path: Path, records: list[dict[str, Any]]) -> str:
    """Write in-memory records as one Parquet shard atomically; returns its sha256."""
    import pyarrow as pa

    table = pa.Table.from_pylist([to_row(r) for r in records], schema=arrow_schema())
    return atomic_write_bytes(path, table_bytes(table))


def read_parquet(path: Path) -> list[dict[str, Any]]:
    """The in-memory records of a Parquet shard written by ``write_parquet``."""
    import pyarrow.parquet as pq

    return [from_row(row) for row in pq.read_table(path).to_pylist()]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> str:
    return atomic_write_text(path, "".join(dumps(row) + "\n" for row in rows))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_partial(folder: Path) -> int:
    """Delete temporary files an interrupted build left under ``folder``; returns how many."""
    removed = 0
    if folder.exists():
        for tmp in folder.rglob(".*.tmp-*"):
            tmp.unlink()
            removed += 1
    return removed
