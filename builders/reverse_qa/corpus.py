"""User corpora for reverse QA: documents read from JSONL, Parquet or a saved ``datasets`` folder.

Every problem is a ``DsgenError`` naming the file, the line (JSONL, from 1) or row (Parquet and
datasets, from 0) and the column: missing columns, empty texts, duplicate ids, bytes that are not
UTF-8. The knowledge base is then extracted with spaCy (``extract``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from hashlib import blake2b
from pathlib import Path

from dsgen.errors import DsgenError

Row = tuple[str, str, str]  # id, title, text


def _check(origin: str, record: dict, columns: tuple[str, str, str]) -> Row:
    """The (id, title, text) of one row; ``origin`` says where it is ("file.jsonl, line 3")."""
    id_col, title_col, text_col = columns
    missing = [c for c in columns if c not in record]
    if missing:
        raise DsgenError(
            f"{origin}: missing column {', '.join(repr(c) for c in missing)} (it has: {', '.join(map(repr, record))}); "
            "name the columns with corpus.id_column / title_column / text_column"
        )
    doc_id, title, text = record[id_col], record[title_col], record[text_col]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or str(doc_id).strip() == "":
        raise DsgenError(f"{origin}: column '{id_col}' must be a non-empty string or an integer, got {doc_id!r}")
    for column, value in ((title_col, title), (text_col, text)):
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DsgenError(f"{origin}: column '{column}' is not valid UTF-8 (byte {exc.start})") from exc
    title = title.decode("utf-8") if isinstance(title, bytes) else title
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    if title is not None and not isinstance(title, str):
        raise DsgenError(f"{origin}: column '{title_col}' must be a string, got {type(title).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise DsgenError(f"{origin}: column '{text_col}' is empty; every document needs a text")
    return str(doc_id), title or "", text


def _jsonl(path: Path) -> Iterator[tuple[str, dict]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            origin = f"{path}, line {number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DsgenError(f"{origin}: bytes at offset {exc.start} are not valid UTF-8") from exc
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DsgenError(f"{origin}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
            if not isinstance(record, dict):
                raise DsgenError(f"{origin}: expected a JSON object with the document's columns")
            yield origin, record


def _table_rows(table, origin: str, columns: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise DsgenError(
            f"{origin}: missing column {', '.join(repr(c) for c in missing)} (it has: "
            f"{', '.join(map(repr, table.column_names))}); name the columns with corpus.id_column / title_column / text_column"
        )
    arrays = {c: table.column(c).to_pylist() for c in columns}  # binary columns are decoded in _check
    for i in range(table.num_rows):
        yield f"{origin}, row {i}", {c: arrays[c][i] for c in columns}


def read_rows(path: str, columns: tuple[str, str, str]) -> list[Row]:
    """Every document of the corpus at ``path`` as (id, title, text), checked."""
    p = Path(path)
    if not p.exists():
        raise DsgenError(f"corpus '{path}' does not exist (expected a .jsonl or .parquet file or a datasets folder)")
    if p.is_dir():
        source = _datasets_folder(p, columns)
    elif p.suffix in (".jsonl", ".json", ".ndjson"):
        source = _jsonl(p)
    elif p.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p, columns=None)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise DsgenError(f"{p}: not a readable Parquet file ({exc})") from exc
        source = _table_rows(table, str(p), columns)
    else:
        raise DsgenError(f"corpus '{path}': unknown format '{p.suffix}' (expected .jsonl, .parquet or a datasets folder)")
    rows: list[Row] = []
    seen: dict[str, str] = {}
    for origin, record in source:
        row = _check(origin, record, columns)
        if row[0] in seen:
            raise DsgenError(f"{origin}: duplicate id '{row[0]}' in column '{columns[0]}' (first at {seen[row[0]]})")
        seen[row[0]] = origin.rsplit(", ", 1)[-1]
        rows.append(row)
    if not rows:
        raise DsgenError(f"corpus '{path}' has no documents")
    return rows


def _datasets_folder(p: Path, columns: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    try:
        import datasets
    except ImportError as exc:
        raise DsgenError(f"corpus '{p}' is a folder: reading it needs `pip install datasets`") from exc
    try:
        loaded = datasets.load_from_disk(str(p))
    except FileNotFoundError as exc:
        raise DsgenError(f"corpus '{p}' is a folder but not one saved with datasets' save_to_disk ({exc})") from exc
    if isinstance(loaded, datasets.DatasetDict):
        if "train" not in loaded:
            raise DsgenError(f"corpus '{p}' has splits {sorted(loaded)}; save the split to use on its own")
        loaded = loaded["train"]
    return _table_rows(loaded.data.table, str(p), columns)


class Corpus:
    """A user corpus and the knowledge base extracted from it."""

    def __init__(self, path: str, id_column: str = "id", title_column: str = "title", text_column: str = "text",
                 *, spacy_model: str | None = None):
        from .extract import extract, pipeline

        self.path, self.spacy_model = path, spacy_model
        rows = read_rows(path, (id_column, title_column, text_column))
        digest = blake2b(digest_size=16)
        for row in rows:
            for part in row:
                digest.update(part.encode("utf-8") + b"\x1f")
        self.fingerprint = digest.hexdigest()
        self.kb, self._sources = extract(rows, pipeline(spacy_model))
        if len(self.kb) < 2 or not any(self.kb.relations.values()):
            raise DsgenError(
                f"corpus '{path}': no relations between entities could be extracted from its {len(rows)} documents; "
                "reverse QA needs sentences such as 'X was born in Y' (see templates/reverse_qa/facts.yaml)"
            )

    def sources(self, fact: tuple[int, str, object]) -> list[tuple[str, str]]:
        return self._sources[fact]

    def info(self) -> dict:
        return {"corpus": Path(self.path).name, "fingerprint": self.fingerprint, "spacy_model": self.spacy_model}

