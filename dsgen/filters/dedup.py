"""Drop repeated records: exact duplicates by a hash of normalised text, near duplicates by MinHash
LSH candidates verified with rapidfuzz.

Two records are near duplicates when ``rapidfuzz.fuzz.ratio`` of their normalised texts (an
insert/delete edit similarity, 0-100) reaches ``threshold * 100``. The first record in stream order
is kept; a later one is dropped when it duplicates a record that is kept, and its measurements name
that record (and, build-wide, its dataset). Records of one group (``metadata.group_id``: a noisy
record and its clean twin) are never duplicates of each other and are kept or dropped together. ``dedup`` runs per dataset, ``dedup.build`` across every
dataset of a build.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
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


class Neighbours:
    """Which items are similar to which: a symmetric table of similar pairs, by item (CSR arrays)."""

    def __init__(self, count: int, left: np.ndarray, right: np.ndarray, scores: np.ndarray):
        source = np.concatenate([left, right]).astype(np.int64)
        order = np.argsort(source, kind="stable")
        self.items = np.concatenate([right, left]).astype(np.int64)[order]
        self.scores = np.concatenate([scores, scores]).astype(np.float64)[order]
        self.offsets = np.searchsorted(source[order], np.arange(count + 1))

    @classmethod
    def none(cls, count: int) -> Neighbours:
        empty = np.empty(0, np.int64)
        return cls(count, empty, empty, np.empty(0))


def keep_first_groups(
    groups: Iterable[list[int]],
    text_of: Sequence[int],
    near: Neighbours,
    reason: Callable[[int, int], str],
) -> Iterator[tuple[int, int, str, float]]:
    """Greedy keep-first over groups of records: ``(index, duplicate_of, reason, similarity)`` per drop.

    ``groups`` lists each group's records (stream indices), groups in order of appearance; record ``i``
    has the distinct text ``text_of[i]``; ``near`` says which distinct texts are similar, and how. A
    group is dropped when a member's text equals, or is similar to, the text of a record already kept
    (the earliest such record is named, with ``reason(u, v)`` for a similar one); otherwise all its
    members are kept. Members of one group never count against each other, and the other members of a
    dropped group go with it as the 'group of a …' duplicate.
    """
    holder = np.full(len(near.offsets) - 1, -1, dtype=np.int64)  # the kept record that first had each text
    for members in groups:
        match = None  # (kept record, member, reason, similarity)
        for member in members:
            u = text_of[member]
            if holder[u] >= 0:
                found = (int(holder[u]), member, "exact duplicate", 1.0)
            else:
                lo, hi = near.offsets[u], near.offsets[u + 1]
                if lo == hi:
                    continue
                held = holder[near.items[lo:hi]]
                candidates = np.flatnonzero(held >= 0)
                if not len(candidates):
                    continue
                k = lo + candidates[np.argmin(held[candidates])]
                found = (int(holder[near.items[k]]), member, reason(u, int(near.items[k])),
                         round(float(near.scores[k]), 4))
            if match is None or found[0] < match[0]:
                match = found
        if match is None:
            for member in members:
                if holder[text_of[member]] < 0:
                    holder[text_of[member]] = member
            continue
        kept, culprit, why, score = match
        for member in members:
            yield member, kept, why if member == culprit else f"group of a {why}", score


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


def group_of(record: dict[str, Any]) -> str:
    """The group a record belongs to: ``metadata.group_id`` (noisy/clean twins), else its own id."""
    metadata = record.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return str(metadata.get("group_id") or "id:" + str(record["id"]))


NEAR = "near duplicate"
OTHER_NUMBERS = "near duplicate (other numbers)"
_NUMBER = re.compile(r"\b\d+\b")


class NearDuplicates:
    """Streams texts in, then says for each one which earlier kept text it repeats (exactly or nearly).

    Texts may belong to groups (a noisy record and its clean twin): members of one group are never
    duplicates of each other, and a group that repeats an earlier kept group is dropped whole."""

    def __init__(self, params: DedupParams):
        self.params = params
        self.hasher = MinHasher(params.num_perm, params.bands, params.seed)
        self.count = 0
        self._hashes: list[np.ndarray] = []
        self._texts: list[str] = []  # normalised text of each first occurrence
        self._keys: list[np.ndarray] = []
        self._first_seen: dict[int, int] = {}  # text hash -> its number among the distinct texts
        self._groups: dict[str, list[int]] = {}  # group -> stream indices, groups in order of appearance

    def add(self, texts: list[str], groups: list[str] | None = None) -> None:
        """Add the next texts of the stream (any chunking gives the same result), with their groups
        (default: each text its own)."""
        normal = [normalise(t) for t in texts]
        hashes = np.fromiter(map(text_hash, normal), dtype=np.uint64, count=len(normal))
        fresh = []
        for offset, (h, text) in enumerate(zip(hashes.tolist(), normal)):
            index = self.count + offset
            self._groups.setdefault(groups[offset] if groups else f"#{index}", []).append(index)
            if h not in self._first_seen:
                self._first_seen[h] = len(self._texts)
                self._texts.append(text)
                fresh.append(text)
        self._hashes.append(hashes)
        self.count += len(texts)
        if self.params.near and fresh:
            self._keys.append(self.hasher.band_keys(self.hasher.signatures([t.split() for t in fresh])))

    def resolve(self) -> Iterator[tuple[int, int, str, float]]:
        """``(index, duplicate_of, reason, similarity)`` for every dropped text (see ``keep_first_groups``)."""
        hashes = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint64)
        text_of = [self._first_seen[h] for h in hashes.tolist()]
        texts = self._texts

        def reason(u: int, v: int) -> str:
            return OTHER_NUMBERS if _NUMBER.findall(texts[u]) != _NUMBER.findall(texts[v]) else NEAR

        yield from keep_first_groups(self._groups.values(), text_of, self._near_pairs(), reason)

    def _near_pairs(self) -> Neighbours:
        """Which distinct texts are near duplicates: LSH candidates verified with rapidfuzz."""
        count = len(self._texts)
        if not self.params.near or count < 2:
            return Neighbours.none(count)
        from rapidfuzz import fuzz

        bands = [np.concatenate([chunk[band] for chunk in self._keys]) for band in range(self.params.bands)]
        codes = candidate_pairs(bands)
        del bands
        left = (codes >> np.uint64(32)).astype(np.int64)
        right = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
        cutoff, texts = self.params.threshold * 100, self._texts
        ratios = (fuzz.ratio(texts[i], texts[j], score_cutoff=cutoff) for i, j in zip(left.tolist(), right.tolist()))
        scores = np.fromiter(ratios, dtype=np.float64, count=len(codes))
        similar = scores > 0
        return Neighbours(count, left[similar], right[similar], scores[similar] / 100)


class Dedup(Filter):
    """Drops exact and near-duplicate records within one dataset, keeping the first occurrence; groups
    (``metadata.group_id``) are kept or dropped whole and never count as duplicates of themselves."""

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
        groups: list[str] = []
        for record in records:
            ids.append(record["id"])
            datasets.append(dataset_of(record))
            chunk.append(record_text(record, self.params.field))
            groups.append(group_of(record))
            if len(chunk) == CHUNK:
                finder.add(chunk, groups)
                chunk, groups = [], []
        if chunk:
            finder.add(chunk, groups)
        self._drops: dict[str, Verdict] = {}
        other_numbers: Counter = Counter()
        for index, other, reason, similarity in finder.resolve():
            measurements = {"duplicate_of": ids[other], "similarity": similarity}
            if self.stage == "build":
                measurements["duplicate_dataset"] = datasets[other]
            self._drops[ids[index]] = Verdict(False, reason, measurements)
            if reason.endswith(OTHER_NUMBERS):
                other_numbers[datasets[index]] += 1
        seen = Counter(datasets)
        self._warnings = [
            f"dataset '{name}': dedup dropped {n:,} of its {seen[name]:,} records as near duplicates with other "
            f"numbers (threshold {self.params.threshold:g}): variants of a template that differ in their numbers "
            "(and names) are distinct problems to a solver; to keep them, set the filter's 'near: false' or a "
            "higher 'threshold'"
            for name, n in sorted(other_numbers.items())
            if 2 * n > seen[name]
        ]

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        keep = Verdict(True)
        return [self._drops.get(record["id"], keep) for record in records]

    def warnings(self) -> list[str]:
        return self._warnings


class BuildDedup(Dedup):
    """Drops exact and near duplicates across every dataset of a build (the first dataset's copy stays)."""

    stage: ClassVar[Literal["record", "dataset", "build"]] = "build"
