"""The shape of a record: its columns, its Arrow schema, how an item becomes a record and a row.

In memory a record is a dict whose ``verifier.params`` and ``metadata`` are dicts (that is what
schemas validate and verifiers read). In Parquet those two are JSON strings with sorted keys, so
every config has one fixed set of columns with one type each, whatever the builder or mixture.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import orjson

from . import __version__
from .builder import Builder, Wrapper, user_prompt
from .seeding import Seeder

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS = ("id", "kind", "prompt", "answer", "verifier", "difficulty", "level", "metadata", "provenance")


def arrow_schema() -> pa.Schema:
    """The Arrow schema shared by every dataset dsgen writes."""
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    return pa.schema(
        [
            ("id", pa.string()),
            ("kind", pa.string()),
            ("prompt", pa.list_(message)),
            ("answer", pa.string()),
            ("verifier", pa.struct([("kind", pa.string()), ("params", pa.string())])),
            ("difficulty", pa.float64()),
            ("level", pa.string()),
            ("metadata", pa.string()),
            (
                "provenance",
                pa.struct(
                    [
                        ("dsgen_version", pa.string()),
                        ("builder", pa.string()),
                        ("recipe_hash", pa.string()),
                        ("seed", pa.int64()),
                        ("index", pa.int64()),
                        ("template", pa.string()),
                    ]
                ),
            ),
        ]
    )


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept (byte-identical across runs)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """The Parquet row of an in-memory record (JSON-encodes verifier params and metadata)."""
    row = dict(record)
    verifier = record["verifier"]
    row["verifier"] = {"kind": verifier["kind"], "params": dumps(verifier["params"])}
    row["metadata"] = dumps(record["metadata"])
    return row


def decode_verifier(verifier: dict[str, Any]) -> dict[str, Any]:
    """A ``verifier`` column with its params as a dict, whether they were one or a JSON string (a row)."""
    params = verifier["params"]
    if isinstance(params, (str, bytes)):
        return {"kind": verifier["kind"], "params": _loads(params, "verifier.params")}
    return verifier


def _loads(text: str | bytes, column: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"column {column!r} is not valid JSON ({exc}): {str(text)[:80]!r}") from None


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The in-memory record of a row as read from Parquet, JSONL or ``datasets`` (a record is returned equal).

    Decodes the JSON-string columns (``verifier.params``, ``metadata``); every public function that takes
    a record calls it, or ``decode_verifier``, on entry, so rows can be passed as they are read.
    """
    record = dict(row)
    if isinstance(row.get("verifier"), dict):
        record["verifier"] = decode_verifier(row["verifier"])
    if isinstance(row.get("metadata"), (str, bytes)):
        record["metadata"] = _loads(row["metadata"], "metadata")
    return record


def framed(prompt: list[dict[str, str]], system: str | None, answer_format: str | None) -> list[dict[str, str]]:
    """A prompt with a dataset's system message first and its answer-format instruction closing the last user turn.

    A builder's own system message is kept, after the dataset's text (one system message, never two).
    """
    messages = [dict(m) for m in prompt]
    if answer_format:
        last = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=None)
        if last is None:
            raise ValueError("answer_format needs a user turn in the prompt")
        messages[last]["content"] = f"{messages[last]['content']}\n\n{answer_format}"
    if system:
        if messages and messages[0]["role"] == "system":
            messages[0]["content"] = f"{system}\n\n{messages[0]['content']}"
        else:
            messages.insert(0, {"role": "system", "content": system})
    return messages


class RecordMaker:
    """Makes record *i* of one dataset: its builder, then its wrappers in order, each with its own RNG."""

    def __init__(
        self,
        dataset: str,
        builder_name: str,
        builder: Builder,
        wrappers: list[tuple[str, Wrapper]] = (),
        *,
        seed: int,
        recipe_hash: str = "",
        system: str | None = None,
        answer_format: str | None = None,
    ):
        self.builder = builder
        self.system, self.answer_format = system, answer_format
        self.path = f"{dataset}/{builder_name}"
        self.wrappers, path = [], self.path
        for name, wrapper in wrappers:
            path = f"{path}+{name}"
            self.wrappers.append((Seeder(seed, path), random.Random(), wrapper))
        self._wrapper_kinds = [w.kind for _, w in wrappers]
        self.kind = "+".join([builder.kind, *self._wrapper_kinds])
        self._seeder = Seeder(seed, self.path)
        # a grouped builder's records share their group's RNG: this one object, re-seeded like ``_rng``
        # (``group_size`` is read per record: a builder may set it in ``setup``)
        self._group_seeder, self._group_rng = Seeder(seed, f"{self.path}#group"), random.Random()
        #: the provenance fields every record of this dataset shares
        self._provenance = {"dsgen_version": __version__, "builder": path, "recipe_hash": recipe_hash, "seed": seed}
        # each record's RNG is this one object re-seeded (see seeding.Seeder): cheaper than a new one
        self._rng = random.Random()

    def setup(self) -> None:
        self.builder.setup()
        for _, _, wrapper in self.wrappers:
            wrapper.setup()

    def make(self, index: int) -> dict[str, Any]:
        """Record ``index``; raises ``Skip`` when the builder or a wrapper discards it.

        An item may name its own ``kind`` (a mixture's records keep their component's kind).
        """
        rng = self._rng
        ident = self._seeder(index, rng)
        group = self.builder.group_size
        if group > 1:
            rng = self._group_rng
            self._group_seeder(index // group, rng)
        item = self.builder.generate(rng, index)
        for seeder, wrapper_rng, wrapper in self.wrappers:
            ident = seeder(index, wrapper_rng)
            item = wrapper.wrap(item, wrapper_rng, index)
        prompt = item["prompt"]
        prompt = user_prompt(prompt) if type(prompt) is str else prompt
        if self.system or self.answer_format:
            prompt = framed(prompt, self.system, self.answer_format)
        provenance = self._provenance.copy()
        provenance["index"] = index
        provenance["template"] = item.get("template")
        return {
            "id": ident,
            "kind": self.kind if "kind" not in item else "+".join([item["kind"], *self._wrapper_kinds]),
            "prompt": prompt,
            "answer": item.get("answer"),
            "verifier": item["verifier"],
            "difficulty": item["difficulty"],
            "level": item["level"],
            "metadata": item["metadata"] if "metadata" in item else {},
            "provenance": provenance,
        }
