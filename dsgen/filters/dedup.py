"""Drop repeated records: exact duplicates by a hash of normalised text, near duplicates by MinHash
LSH candidates verified with rapidfuzz.

Two records are near duplicates when ``rapidfuzz.fuzz.ratio`` of their normalised texts (an
insert/delete edit similarity, 0-100) reaches ``threshold * 100``. The first record in stream order
is kept; a later one is dropped when it duplicates a record that is kept, and its measurements name
that record (and, build-wide, its dataset). ``dedup`` runs per dataset, ``dedup.build`` across every
dataset of a build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..builder import Params
from .base import Filter, Verdict
from .minhash import MinHasher, candidate_pairs
from .text import Field as TextField
from .text import normalise, record_text, text_hash

CHUNK = 4096


def dataset_of(record: dict[str, Any]) -> str:
    """The dataset a record belongs to (first part of its provenance builder path)."""
    return str((record.get("provenance") or {}).get("builder", "")).split("/", 1)[0]


def keep_first(count: int, pairs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy keep-first over similar pairs ``(i, j)``, ``i < j`` (rows of ``pairs``).

    Record ``j`` is dropped when some earlier *kept* record ``i`` is similar to it. Returns, per
    record, the index it duplicates (-1 when kept) and the similarity to it.
    """
    duplicate_of = np.full(count, -1, dtype=np.int64)
    similarity = np.zeros(count, dtype=np.float64)
    order = np.lexsort((pairs[:, 0], pairs[:, 1])) if len(pairs) else []
    for i, j, score in zip(pairs[order, 0].tolist(), pairs[order, 1].tolist(), scores[order].tolist()):
        if duplicate_of[j] < 0 and duplicate_of[i] < 0:
            duplicate_of[j], similarity[j] = i, score
    return duplicate_of, similarity


class DedupParams(Params):
    field: TextField = "prompt"
    threshold: float = Field(0.85, gt=0.0, le=1.0)
    near: bool = True
    num_perm: int = Field(192, ge=8, le=1024)
    bands: int = Field(32, ge=1, le=512)
    seed: int = 1

    @model_validator(mode="after")
    def _bands_divide(self) -> DedupParams:
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        return self


class NearDuplicates:
    """Streams texts in, then says for each one which earlier kept text it repeats (exactly or nearly)."""

    def __init__(self, params: DedupParams):
        self.params = params
        self.hasher = MinHasher(params.num_perm, params.bands, params.seed)
        self.count = 0
        self._hashes: list[np.ndarray] = []
        self._texts: list[str] = []  # normalised text of each first occurrence
        self._unique_index: list[int] = []  # stream index of each first occurrence
        self._keys: list[np.ndarray] = []
        self._first_seen: dict[int, int] = {}

    def add(self, texts: list[str]) -> None:
        """Add the next texts of the stream (any chunking gives the same result)."""
        normal = [normalise(t) for t in texts]
        hashes = np.fromiter(map(text_hash, normal), dtype=np.uint64, count=len(normal))
        fresh = []
        for offset, (h, text) in enumerate(zip(hashes.tolist(), normal)):
            if h not in self._first_seen:
                self._first_seen[h] = self.count + offset
                self._unique_index.append(self.count + offset)
                self._texts.append(text)
                fresh.append(text)
        self._hashes.append(hashes)
        self.count += len(texts)
        if self.params.near and fresh:
            self._keys.append(self.hasher.band_keys(self.hasher.signatures([t.split() for t in fresh])))

    def resolve(self) -> Iterator[tuple[int, int, str, float]]:
        """``(index, duplicate_of, kind, similarity)`` for every dropped text, by stream index."""
        hashes = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint64)
        first = self._first_seen
        firsts = np.fromiter(map(first.__getitem__, hashes.tolist()), dtype=np.int64, count=len(hashes))
        unique = np.asarray(self._unique_index, dtype=np.int64)
        near_of, near_sim = self._near_pairs(len(unique))
        for index in np.flatnonzero(firsts != np.arange(len(hashes))).tolist():
            yield index, int(firsts[index]), "exact duplicate", 1.0
        for u in np.flatnonzero(near_of >= 0).tolist():
            yield int(unique[u]), int(unique[near_of[u]]), "near duplicate", round(float(near_sim[u]), 4)

    def _near_pairs(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.params.near or count < 2:
            return np.full(count, -1, dtype=np.int64), np.zeros(count)
        from rapidfuzz import fuzz

        bands = [np.concatenate([chunk[band] for chunk in self._keys]) for band in range(self.params.bands)]
        codes = candidate_pairs(bands)
        del bands
        left = (codes >> np.uint64(32)).astype(np.int64)
        right = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
        cutoff, texts = self.params.threshold * 100, self._texts
        pairs = zip(left.tolist(), right.tolist())
        ratios = (fuzz.ratio(texts[i], texts[j], score_cutoff=cutoff) for i, j in pairs)
        scores = np.fromiter(ratios, dtype=np.float64, count=len(codes))
        similar = scores > 0
        pairs = np.stack([left[similar], right[similar]], axis=1)
        return keep_first(count, pairs, scores[similar] / 100)


class Dedup(Filter):
    """Drops exact and near-duplicate records within one dataset, keeping the first occurrence."""

    description: ClassVar[str] = (
        "Exact (hash of normalised text) and near duplicates (MinHash LSH + rapidfuzz ratio >= threshold)"
    )
    Params: ClassVar[type[Params]] = DedupParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "dataset"

    def fit(self, records: Iterable[dict[str, Any]]) -> None:
        finder = NearDuplicates(self.params)
        ids: list[str] = []
        datasets: list[str] = []
        chunk: list[str] = []
        for record in records:
            ids.append(record["id"])
            datasets.append(dataset_of(record))
            chunk.append(record_text(record, self.params.field))
            if len(chunk) == CHUNK:
                finder.add(chunk)
                chunk = []
        if chunk:
            finder.add(chunk)
        self._drops: dict[str, Verdict] = {}
        for index, other, kind, similarity in finder.resolve():
            measurements = {"duplicate_of": ids[other], "similarity": similarity}
            if self.stage == "build":
                measurements["duplicate_dataset"] = datasets[other]
            self._drops[ids[index]] = Verdict(False, kind, measurements)

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        keep = Verdict(True)
        return [self._drops.get(record["id"], keep) for record in records]


class BuildDedup(Dedup):
    """Drops exact and near duplicates across every dataset of a build (the first dataset's copy stays)."""

    stage: ClassVar[Literal["record", "dataset", "build"]] = "build"
