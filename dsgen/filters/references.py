"""Reference texts (benchmarks to decontaminate against): one text column of a file or folder read by
``dsgen.sources`` (JSONL, JSON, Parquet, a folder of them, a ``datasets`` folder with its splits).

Each value is a string or chat messages; errors name the file, the line or row and the column, and say
what was expected.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import DsgenError
from ..sources import open_source
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


def _text(value: Any, where: Callable[[int], str], row: int, column: str) -> str:
    """A string, or chat messages as one text; else a DsgenError naming the row and what was expected."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return message_text(value)
    raise DsgenError(
        f"{where(row)}: column '{column}' holds {type(value).__name__}, expected a string or chat messages "
        f"(a list of {{role, content}})"
    )


def read_reference(reference: Reference) -> list[tuple[str, str]]:
    """A reference set's items as ``(item id, text)``; the id is the row, ``split/row`` in a split folder."""
    source = open_source(reference.path, what=f"reference set '{reference.label}':")
    items = []
    for split in source.splits or [None]:
        part = source.only(split) if split else source
        for n, value in enumerate(part.column(reference.column)):
            items.append((f"{split}/{n}" if split else str(n), _text(value, part.where, n, reference.column)))
    return items
