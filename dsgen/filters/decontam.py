"""Drop records leaked from the benchmarks a model will be judged on.

A record is contaminated when it shares at least ``min_matches`` word n-grams (13 by default, as in
the GPT-3 and Llama reports) with a reference item, or, for reference items too short to have an
n-gram, when ``rapidfuzz.fuzz.ratio`` of the whole normalised texts reaches ``fuzzy_threshold``.
The n-grams of every reference item are hashed into one sorted uint64 array (a Python set of the
same hashes takes about ten times the memory), looked up with ``searchsorted``. A drop names the
reference set and the item it matched.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..builder import Params
from .base import Filter, Verdict
from .references import Reference, read_reference
from .text import Field as TextField
from .text import ngram_hashes, record_text, words


class DecontaminateParams(Params):
    references: list[Reference] = Field(min_length=1)
    field: TextField = "prompt+answer"
    ngram: int = Field(13, ge=1, le=64)
    min_matches: int = Field(1, ge=1)
    fuzzy_threshold: float = Field(0.9, gt=0.0, le=1.0)


class Decontaminate(Filter):
    """Drops records that overlap a reference set (n-grams, or fuzzy match for short reference items)."""

    description: ClassVar[str] = "Drop records sharing word n-grams with (or fuzzily matching) reference sets"
    Params: ClassVar[type[Params]] = DecontaminateParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "record"

    def setup(self) -> None:
        n = self.params.ngram
        self._items: list[tuple[str, str]] = []  # (reference set, item id) by global item index
        long_tokens: list[list[str]] = []
        long_index: list[int] = []
        short: list[tuple[int, str, int]] = []  # (length, normalised text, global item index)
        for reference in self.params.references:
            for item, text in read_reference(reference):
                tokens = words(text)
                if len(tokens) >= n:
                    long_tokens.append(tokens)
                    long_index.append(len(self._items))
                elif tokens:
                    normal = " ".join(tokens)
                    short.append((len(normal), normal, len(self._items)))
                self._items.append((reference.label, item))
        grams, owner = ngram_hashes(long_tokens, n)
        owner = np.asarray(long_index, dtype=np.int64)[owner] if len(grams) else owner
        # Sorted by hash, the lowest item first: a hash shared by several items is attributed to the first.
        order = np.lexsort((owner, grams))
        grams, owner = grams[order], owner[order]
        first = np.concatenate(([True], grams[1:] != grams[:-1])) if len(grams) else np.empty(0, bool)
        self._grams, self._owner = grams[first], owner[first]
        short.sort()
        self._short_lengths = [length for length, _, _ in short]
        self._short_texts = [text for _, text, _ in short]
        self._short_items = [index for _, _, index in short]

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        tokens = [words(record_text(r, self.params.field)) for r in records]
        verdicts = [Verdict(True)] * len(records)
        n = self.params.ngram
        for index, (item, matches) in self._ngram_matches(tokens).items():
            set_name, item_id = self._items[item]
            m = {"reference": set_name, "item": item_id, "matched_ngrams": matches, "ngram": n}
            verdicts[index] = Verdict(False, "n-gram overlap", m)
        for index, toks in enumerate(tokens):
            if verdicts[index].keep and self._short_texts:
                match = self._fuzzy_match(" ".join(toks))
                if match is not None:
                    (set_name, item_id), similarity = match
                    m = {"reference": set_name, "item": item_id, "similarity": similarity}
                    verdicts[index] = Verdict(False, "fuzzy match", m)
        return verdicts

    def _ngram_matches(self, tokens: list[list[str]]) -> dict[int, tuple[int, int]]:
        """Record index -> (item it shares most n-grams with, how many) for records over ``min_matches``."""
        grams, record = ngram_hashes(tokens, self.params.ngram)
        if not len(grams) or not len(self._grams):
            return {}
        pos = np.minimum(np.searchsorted(self._grams, grams), len(self._grams) - 1)
        hit = self._grams[pos] == grams
        record, item = record[hit], self._owner[pos[hit]]
        out: dict[int, tuple[int, int]] = {}
        if not len(record):
            return out
        pairs, counts = np.unique(np.stack([record, item], axis=1), axis=0, return_counts=True)
        hits_per_record = np.bincount(record, minlength=len(tokens))
        # pairs are sorted by (record, item): the first maximum per record is the lowest item index.
        for (r, i), c in zip(pairs.tolist(), counts.tolist()):
            if hits_per_record[r] >= self.params.min_matches and c > out.get(r, (0, 0))[1]:
                out[r] = (i, c)
        return {r: (i, int(hits_per_record[r])) for r, (i, _) in out.items()}

    def _fuzzy_match(self, text: str) -> tuple[tuple[str, str], float] | None:
        """The short reference item most similar to ``text``, if any reaches ``fuzzy_threshold``."""
        from rapidfuzz import fuzz, process

        t = self.params.fuzzy_threshold
        # ratio <= 2 * min(len) / (len_a + len_b): only items within this length window can reach t.
        lo = bisect_left(self._short_lengths, len(text) * t / (2 - t))
        hi = bisect_right(self._short_lengths, len(text) * (2 - t) / t)
        if lo >= hi:
            return None
        found = process.extractOne(text, self._short_texts[lo:hi], scorer=fuzz.ratio, score_cutoff=t * 100)
        if found is None:
            return None
        return self._items[self._short_items[lo + found[2]]], round(found[1] / 100, 4)
