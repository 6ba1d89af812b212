"""User corpora for reverse QA: documents read by ``dsgen.sources`` (JSONL, JSON, Parquet, folders).

Every problem is a ``DsgenError`` naming the file, the line (JSONL, from 1) or row (Parquet and
datasets, from 0) and the column: missing columns, empty texts, duplicate ids, bytes that are not
UTF-8. The knowledge base is then extracted with spaCy (``extract``).
"""

from __future__ import annotations

import re
from hashlib import blake2b
from pathlib import Path

from dsgen.errors import DsgenError
from dsgen.sources import open_source

from . import obfuscate
from .kb import Chain, Clue

Row = tuple[str, str, str]  # id, title, text


def _check(origin: str, values: tuple, columns: tuple[str, str, str]) -> Row:
    """The (id, title, text) of one row; ``origin`` says where it is ("file.jsonl, line 3")."""
    (id_col, title_col, text_col), (doc_id, title, text) = columns, values
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


def read_rows(path: str, columns: tuple[str, str, str]) -> list[Row]:
    """Every document of the corpus at ``path`` (its ``train`` split when it has several) as (id, title, text),
    checked."""
    source = open_source(path, what="corpus")
    if len(source.splits) > 1:
        source = source.only("train")
    if not source.rows:
        raise DsgenError(f"corpus '{path}' has no documents")
    hint = "name the columns with corpus.id_column / title_column / text_column"
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for i, values in enumerate(zip(*(source.column(c, hint=hint) for c in columns))):
        row = _check(source.where(i), values, columns)
        if row[0] in seen:
            first = source.where(seen[row[0]]).rsplit(", ", 1)[-1]
            raise DsgenError(
                f"{source.where(i)}: duplicate id '{row[0]}' in column '{columns[0]}' (first at {first})"
            )
        seen[row[0]] = i
        rows.append(row)
    return rows


class Corpus:
    """A user corpus and the knowledge base extracted from it."""

    def __init__(self, path: str, id_column: str = "id", title_column: str = "title", text_column: str = "text",
                 *, spacy_model: str | None = None):
        from .extract import extract, pipeline

        self.path, self.spacy_model = path, spacy_model
        self._mentions: dict[int, list[str]] | None = None
        self._names: dict[str, int] | None = None
        rows = self.rows = read_rows(path, (id_column, title_column, text_column))
        digest = blake2b(digest_size=16)
        for row in rows:
            for part in row:
                digest.update(part.encode("utf-8") + b"\x1f")
        self.fingerprint = digest.hexdigest()
        self.kb, self._sources = extract(rows, pipeline(spacy_model, [title for _, title, _ in rows]))
        if len(self.kb) < 2 or not any(self.kb.relations.values()):
            raise DsgenError(
                f"corpus '{path}': no relations between entities could be extracted from its {len(rows)} documents; "
                "reverse QA needs sentences such as 'X was born in Y' (see templates/reverse_qa/facts.yaml)"
            )

    def coverage(self) -> dict:
        """What extraction found: facts per document, documents with none, and facts per relation and attribute."""
        docs = {doc for cited in self._sources.values() for doc, _ in cited}
        counts = {rel: len(pairs) for rel, pairs in self.kb.relations.items()}
        counts |= {attr: sum(v is not None for v in column) for attr, column in self.kb.attrs.items()}
        return {"documents": len(self.rows), "facts": len(self._sources),
                "facts_per_document": round(len(self._sources) / len(self.rows), 2),
                "documents_without_facts": len(self.rows) - len(docs), "per_fact_kind": counts}

    def documents(self) -> list[dict[str, str]]:
        """The corpus's documents as {id, title, text}, in its order."""
        return [{"id": i, "title": title, "text": text} for i, title, text in self.rows]

    def proven(self, chain: Chain, clues: list[Clue], answer: int) -> bool:
        """Whether ``answer`` stays the only fit when every fact the extractor may have missed is allowed.

        An entity may meet a clue the knowledge base has no value for when one of its sentences (those that
        name it, and its own article) holds a matching number or kind word, and may be linked to any entity
        named in one of its sentences. A question whose answer another entity may share is not proven.
        """
        kb, memo = self.kb, {}
        by_var: dict[int, list[Clue]] = {}
        for c in clues:
            by_var.setdefault(c.var, []).append(c)

        def fits(i: int, e: int) -> bool:
            if (i, e) not in memo:
                memo[(i, e)] = kb.types[e] in (chain.types[i], "entity") and all(
                    self._may_meet(e, c) for c in by_var.get(i, ())) and (
                    i == len(chain.edges) or any(fits(i + 1, n) for n in self._may_link(e, *chain.edges[i])))
            return memo[(i, e)]

        return [e for e in range(len(kb)) if fits(0, e)] == [answer]

    def _sentences(self, e: int) -> list[str]:
        """The sentences that name entity ``e`` (or its surname), and every sentence of its own article."""
        if self._mentions is None:
            self._mentions = {}
            split = [(title, re.split(r"(?<=[.!?])\s+", text)) for _, title, text in self.rows]
            for e_, name in enumerate(self.kb.names):
                forms = {name, name.removeprefix("The ")}
                self._mentions[e_] = [s for title, sentences in split for s in sentences
                                      if title in forms or any(f in s for f in forms)]
        return self._mentions[e]

    def _may_meet(self, e: int, clue: Clue) -> bool:
        kb = self.kb
        if kb.attrs[clue.attr][e] is not None:
            return e in kb.matching(clue, kb.types[e])
        kind = kb.kinds[clue.attr]
        for sentence in self._sentences(e):
            if kind == "category":
                kinds = {leaf for leaf, up in kb.broader.items() if clue.key in (leaf, *up)} | {clue.key}
                if any(k in sentence.lower() for k in kinds):
                    return True
            else:
                for number in re.findall(r"\d[\d,]*", sentence):
                    value = int(number.replace(",", ""))
                    if obfuscate.key(kind, clue.level, value, kb.broader) == clue.key:
                        return True
        return False

    def _may_link(self, e: int, rel: str, forward: bool) -> set[int]:
        kb = self.kb
        linked = set((kb.out if forward else kb.inc)[rel].get(e, ()))
        if self._names is None:
            self._names = {name: i for i, name in enumerate(kb.names)}
        for sentence in self._sentences(e):
            linked.update(i for name, i in self._names.items() if name in sentence and i != e)
        return linked

    def sources(self, fact: tuple[int, str, object]) -> list[tuple[str, str]]:
        return self._sources[fact]

    def info(self) -> dict:
        return {"corpus": Path(self.path).name, "fingerprint": self.fingerprint, "spacy_model": self.spacy_model}

