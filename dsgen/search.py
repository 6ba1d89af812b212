"""BM25 search over a build's corpus config (or any ``id``/``title``/``text`` rows), for agents and evaluation.

Ranking is bm25s (BM25 over a sparse matrix; English stopwords; title and text indexed together). On
the 20,403 documents of a 20k-entity reverse-QA world it indexed in 2.3 s and answered 930 queries/s,
where rank-bm25 indexed in 1.6 s but answered 1.5 queries/s (it scores every document in Python), so
bm25s is the one that keeps an agent's many searches and a recall measurement cheap
(``benchmarks/bench_reverse_qa.py --search`` measures both). Use it as a function
(``Search.from_folder(out).search(query, k)``) or as an OpenAI-style tool (``TOOL``, ``Search.call``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import DsgenError

MAX_K = 50

#: The tool definition for OpenAI-style function calling (chat completions ``tools=[TOOL]``).
TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the document collection with keywords (BM25). Returns the best-matching documents "
                       "with their id, title, text and score.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "keywords to search for"},
                "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10,
                      "description": "how many documents to return"},
            },
            "required": ["query"],
            "additionalProperties": False,
        },
    },
}


def read_corpus(folder: str | Path, config: str = "corpus") -> list[dict[str, str]]:
    """The rows of config ``config`` of a built folder (``data/<config>/*.parquet``)."""
    import pyarrow.parquet as pq

    files = sorted((Path(folder) / "data" / config).glob("*.parquet"))
    if not files:
        raise DsgenError(f"'{folder}' has no '{config}' config (data/{config}/*.parquet): build a reverse_qa dataset")
    return [row for f in files for row in pq.read_table(f, columns=["id", "title", "text"]).to_pylist()]


class Search:
    """A BM25 index over documents ({id, title, text}); ``search`` returns the top ``k`` as dicts."""

    def __init__(self, documents: Iterable[dict[str, str]]):
        try:
            import bm25s
        except ImportError as exc:
            raise DsgenError("dsgen.search needs bm25s: pip install 'dsgen[search]'") from exc
        self.documents = list(documents)
        if not self.documents:
            raise DsgenError("cannot search an empty corpus")
        texts = [f"{d.get('title') or ''}\n{d['text']}" for d in self.documents]
        self._bm25s = bm25s
        self._index = bm25s.BM25()
        self._index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    @classmethod
    def from_folder(cls, folder: str | Path, config: str = "corpus") -> Search:
        return cls(read_corpus(folder, config))

    def search(self, query: str, k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` best documents for ``query``, best first; [] when no word of it is in the corpus."""
        if not isinstance(query, str):
            raise DsgenError(f"search query must be a string, got {type(query).__name__}")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise DsgenError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        words = self._bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        words = [w for w in words if w in self._index.vocab_dict]
        if not words:
            return []
        found, scores = self._index.retrieve([words], k=min(k, len(self.documents)), show_progress=False)
        return [{**self.documents[int(i)], "score": round(float(score), 4)}
                for i, score in zip(found[0], scores[0]) if score > 0]

    def call(self, arguments: str | dict[str, Any]) -> str:
        """Run a tool call of ``TOOL`` (its JSON arguments) and return the result as JSON; a bad call
        returns {"error": ...} so an agent can correct itself."""
        try:
            args = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
            if not isinstance(args, dict) or set(args) - {"query", "k"} or "query" not in args:
                raise DsgenError('arguments must be an object with "query" (and optionally "k")')
            return json.dumps({"results": self.search(args["query"], args.get("k", 10))}, ensure_ascii=False)
        except (ValueError, TypeError, DsgenError) as exc:
            return json.dumps({"error": str(exc)})
