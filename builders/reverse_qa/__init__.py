"""Builder family ``reverse_qa``: hard-to-answer, easy-to-verify questions built backwards from the answer.

As in DeepMiner, BrowseComp and WebSailor: pick an answer entity, walk ``hops`` relations from it,
gather clues about it and the entities on the path from at least two documents, blur the clues
(year → decade → three decades, number → 1-2-5 bucket → order of magnitude, category → broader →
broadest; path entities are described, never named), write the question as prose (``question``), and
prove against the whole knowledge base that exactly one entity satisfies every clue, that every clue is
needed and every hop walked (see ``construct`` for these proofs and the difficulty formula). The knowledge base is a seeded fictional world (``world``) by default, or the
facts extracted with spaCy from a user corpus (``corpus``, ``extract``).
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from dsgen.builder import Builder, Params

from .construct import NameIndex, Settings, build


class CorpusParams(Params):
    """A user corpus: a JSONL or Parquet file, or a folder saved with ``datasets``; its column names."""

    path: str
    id_column: str = "id"
    title_column: str = "title"
    text_column: str = "text"


class ReverseQAParams(Params):
    num_entities: int = Field(default=20_000, ge=100, le=5_000_000, description="size of the generated world")
    world_seed: int = Field(default=0, description="seed of the generated world (the same for every record)")
    min_hops: int = Field(default=1, ge=1, le=6)
    max_hops: int = Field(default=3, ge=1, le=6)
    min_clues: int = Field(default=2, ge=1, le=12)
    max_clues: int = Field(default=6, ge=1, le=12)
    obfuscation: tuple[int, ...] = Field(
        default=(1, 2), description="blur levels a clue's level is drawn from: 0 exact, 1 light, 2 heavy"
    )
    require_minimal: bool = Field(
        default=True, description="keep only clue sets where every clue is needed and every hop is walked"
    )
    min_candidates: int = Field(default=20, ge=1, le=100_000, description="answers each clue must admit on its own")
    fuzzy_threshold: float = Field(default=0.9, ge=0.5, le=1.0, description="verifier similarity for misspellings")
    corpus: CorpusParams | None = Field(default=None, description="build from a user corpus instead of the world")
    spacy_model: str | None = Field(default=None, description="installed spaCy pipeline for user corpora")

    @field_validator("obfuscation", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        levels = (value,) if isinstance(value, int) else tuple(value)
        if not levels or any(not isinstance(v, int) or v not in (0, 1, 2) for v in levels):
            raise ValueError(f"obfuscation must be a level 0, 1 or 2, or a non-empty list of them; got {value!r}")
        return levels

    @model_validator(mode="after")
    def _ranges(self) -> ReverseQAParams:
        if self.min_hops > self.max_hops:
            raise ValueError(f"min_hops ({self.min_hops}) must not exceed max_hops ({self.max_hops})")
        if self.min_clues > self.max_clues:
            raise ValueError(f"min_clues ({self.min_clues}) must not exceed max_clues ({self.max_clues})")
        if self.spacy_model is not None and self.corpus is None:
            raise ValueError("spacy_model only applies to a user corpus: set corpus.path as well")
        return self


class ReverseQA(Builder):
    description = "Multi-hop questions built backwards from a unique answer, with blurred clues and evidence"
    kind = "reverse_qa"
    Params: ClassVar[type[Params]] = ReverseQAParams
    difficulty_params: ClassVar[dict[str, int]] = {"min_hops": 1, "max_hops": 1}
    # small worlds set up fast; few enough clues and candidates asked of them that minimal questions exist
    test_params: ClassVar[dict[str, Any]] = {"num_entities": range(1500, 2501), "min_clues": range(1, 4),
                                             "min_candidates": range(1, 21)}

    def setup(self) -> None:
        p = self.params
        if p.corpus is None:
            from .world import World

            self.source = World(p.num_entities, p.world_seed)
        else:
            from .corpus import Corpus

            self.source = Corpus(p.corpus.path, p.corpus.id_column, p.corpus.title_column, p.corpus.text_column,
                                 spacy_model=p.spacy_model)
        self.names = NameIndex(self.source.kb.names)
        self.settings = Settings(p.min_hops, p.max_hops, p.min_clues, p.max_clues, p.obfuscation,
                                 p.require_minimal, p.fuzzy_threshold, p.min_candidates)

    def extra_configs(self) -> dict[str, list[dict[str, str]]]:
        """The ``corpus`` config: every document questions were built from (``id``, ``title``, ``text``)."""
        if not hasattr(self, "source"):
            self.setup()
        return {"corpus": list(self.source.documents())}

    def source_report(self) -> dict[str, Any]:
        """A user corpus's extraction coverage (facts per document and per relation); nothing for a world."""
        return self.source.coverage() if hasattr(self.source, "coverage") else {}

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "source"):
            self.setup()
        return build(self.source, self.names, rng, self.settings)
