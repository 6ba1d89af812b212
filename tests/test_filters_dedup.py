"""Exact and near-duplicate filtering: keep-first semantics, recall against brute force, build-wide scope."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from dsgen import registry
from dsgen.filters.dedup import BuildDedup, Dedup, DedupParams, NearDuplicates, Neighbours, keep_first_groups
from dsgen.filters.minhash import MinHasher, candidate_pairs
from dsgen.filters.text import normalise

WORDS = (
    "apple river stone garden window bridge candle forest letter mirror pocket rabbit silver thunder "
    "valley winter yellow basket camera dinner engine finger hammer island jacket kitten ladder market"
).split()


def record(rid: str, prompt: str, answer: str = "1", dataset: str = "ds") -> dict:
    return {
        "id": rid,
        "prompt": [{"role": "user", "content": prompt}],
        "answer": answer,
        "provenance": {"builder": f"{dataset}/toy", "index": 0},
        "metadata": {},
    }


def text(rng: random.Random, n: int = 40) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def mutate(rng: random.Random, source: str, edits: int) -> str:
    words = source.split()
    for _ in range(edits):
        i = rng.randrange(len(words))
        op = rng.randrange(3)
        if op == 0:
            words.insert(i, rng.choice(WORDS))
        elif op == 1 and len(words) > 5:
            del words[i]
        else:
            words[i] = words[i][:-1] + "x"
    return " ".join(words)


def run(flt, records, batch: int = 3):
    flt.setup()
    flt.fit(iter(records))
    verdicts = []
    for lo in range(0, len(records), batch):
        verdicts += flt.apply(records[lo : lo + batch])
    return verdicts


def test_exact_duplicates_ignore_case_punctuation_and_spacing():
    records = [
        record("a", "What is 2 + 2?"),
        record("b", "Something else entirely, with other words."),
        record("c", "  what IS 2+2 "),
        record("d", "What is 2 + 2?"),
    ]
    verdicts = run(Dedup(), records)
    assert [v.keep for v in verdicts] == [True, True, False, False]
    for v in verdicts[2:]:
        assert v.reason == "exact duplicate"
        assert v.measurements == {"duplicate_of": "a", "similarity": 1.0}


def test_near_duplicate_is_dropped_naming_the_record_it_repeats():
    rng = random.Random(1)
    base = text(rng, 60)
    near = mutate(rng, base, 3)
    assert fuzz.ratio(normalise(base), normalise(near)) >= 85
    records = [record("x", base), record("y", text(rng, 60)), record("z", near)]
    verdicts = run(Dedup(), records)
    assert [v.keep for v in verdicts] == [True, True, False]
    assert verdicts[2].reason == "near duplicate"
    assert verdicts[2].measurements["duplicate_of"] == "x"
    assert verdicts[2].measurements["similarity"] >= 0.85
    # exact-only mode keeps it
    assert all(v.keep for v in run(Dedup(near=False), records))


def test_threshold_decides_what_is_near():
    rng = random.Random(2)
    base = text(rng, 50)
    variant = mutate(rng, base, 6)
    ratio = fuzz.ratio(normalise(base), normalise(variant)) / 100
    records = [record("a", base), record("b", variant)]
    assert not run(Dedup(threshold=ratio - 0.01), records)[1].keep
    assert run(Dedup(threshold=min(1.0, ratio + 0.01)), records)[1].keep


def test_field_selects_the_compared_text():
    records = [record("a", "first prompt text here", answer="42"), record("b", "another one", answer="42")]
    assert all(v.keep for v in run(Dedup(field="prompt"), records))
    assert [v.keep for v in run(Dedup(field="answer"), records)] == [True, False]


def keep_first(count: int, pairs, scores) -> dict[int, tuple[int, float]]:
    """keep_first_groups over single-record groups and their own texts: {dropped: (kept, similarity)}."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    near = Neighbours(count, pairs[:, 0], pairs[:, 1], np.asarray(scores, dtype=np.float64))
    drops = keep_first_groups([[i] for i in range(count)], range(count), near, lambda u, v: "near")
    return {index: (other, score) for index, other, _, score in drops}


def test_keep_first_drops_only_duplicates_of_kept_records():
    # 0~1, 1~2, but 0 !~ 2: 1 is dropped (duplicates 0), so 2 (similar only to the dropped 1) stays.
    assert keep_first(3, [[1, 2], [0, 1]], [0.9, 0.95]) == {1: (0, 0.95)}
    # the earliest kept neighbour is named
    assert keep_first(3, [[1, 2], [0, 2]], [0.9, 0.9]) == {2: (0, 0.9)}


def brute_force(texts: list[str], threshold: float) -> dict[int, int]:
    normal = [normalise(t) for t in texts]
    scores = process.cdist(normal, normal, scorer=fuzz.ratio, score_cutoff=threshold * 100, dtype=np.uint8)
    rows, cols = np.nonzero(np.triu(scores, 1))
    return {j: i for j, (i, _) in keep_first(len(texts), np.stack([rows, cols], axis=1),
                                             scores[rows, cols] / 100).items()}


def test_matches_exhaustive_rapidfuzz_comparison():
    rng = random.Random(3)
    texts = [text(rng, rng.randint(20, 80)) for _ in range(250)]
    for _ in range(150):
        texts.append(mutate(rng, rng.choice(texts), rng.randint(1, 8)))
    rng.shuffle(texts)
    finder = NearDuplicates(DedupParams())
    finder.add(texts)
    found = {index: other for index, other, _, _ in finder.resolve()}
    expected = brute_force(texts, 0.85)
    assert len(expected) > 100
    # LSH may miss a pair (recall, not certainty), but what it reports is verified
    agree = sum(found.get(j) == i for j, i in expected.items())
    assert agree / len(expected) >= 0.99
    for j, i in found.items():
        assert fuzz.ratio(normalise(texts[i]), normalise(texts[j])) >= 85


def test_result_does_not_depend_on_chunking_or_apply_batches():
    rng = random.Random(4)
    texts = [text(rng) for _ in range(60)] + []
    texts += [mutate(rng, t, 2) for t in texts[:30]] + texts[:10]
    results = set()
    for sizes in ([len(texts)], [1] * len(texts), [7, 50, 43]):
        finder = NearDuplicates(DedupParams())
        start = 0
        for size in sizes:
            finder.add(texts[start : start + size])
            start += size
        results.add(tuple(sorted(finder.resolve())))
    assert len(results) == 1
    records = [record(f"r{i}", t) for i, t in enumerate(texts)]
    assert run(Dedup(), records, batch=1) == run(Dedup(), records, batch=64)


def test_build_dedup_works_across_datasets_and_names_the_dataset():
    records = [
        record("a1", "Shared question about trains", dataset="alpha"),
        record("a2", "Only in alpha", dataset="alpha"),
        record("b1", "shared question about TRAINS!", dataset="beta"),
    ]
    verdicts = run(BuildDedup(), records)
    assert [v.keep for v in verdicts] == [True, True, False]
    assert verdicts[2].measurements["duplicate_dataset"] == "alpha"
    assert BuildDedup.stage == "build" and Dedup.stage == "dataset"


def test_minhash_estimates_jaccard():
    rng = random.Random(5)
    pool = [f"token{i}" for i in range(400)]
    a = rng.sample(pool, 200)
    b = a[:120] + rng.sample(pool[200:], 80)
    true = len(set(a) & set(b)) / len(set(a) | set(b))
    sig = MinHasher(512, 64).signatures([a, b])
    assert abs(float((sig[:, 0] == sig[:, 1]).mean()) - true) < 0.07


def test_candidate_pairs_link_every_bucket_member_to_the_first():
    keys = np.array([5, 7, 5, 5, 9, 7], dtype=np.uint64)
    codes = candidate_pairs([keys], window=1)
    pairs = {(c >> 32, c & 0xFFFFFFFF) for c in codes.tolist()}
    assert pairs == {(0, 2), (0, 3), (2, 3), (1, 5)}


def test_params_are_validated():
    with pytest.raises(ValueError, match="multiple of bands"):
        DedupParams(num_perm=100, bands=32)
    with pytest.raises(ValueError):
        DedupParams(threshold=1.5)


def test_registered_as_entry_points():
    assert registry.load("filter", "dedup") is Dedup
    assert registry.load("filter", "dedup.build") is BuildDedup


def grouped(rid: str, prompt: str, group: str | None, dataset: str = "ds") -> dict:
    r = record(rid, prompt, dataset=dataset)
    if group:
        r["metadata"] = {"group_id": group}
    return r


def test_members_of_one_group_are_never_duplicates_of_each_other():
    rng = random.Random(6)
    base = text(rng, 60)
    records = [grouped("noisy", base + " editor note ignore this", "g1"), grouped("clean", base, "g1"),
               grouped("other", text(rng, 60), "g2")]
    assert [v.keep for v in run(Dedup(), records)] == [True, True, True]
    # the same texts without a group: the clean twin would be a near duplicate of the noisy one
    assert [v.keep for v in run(Dedup(), [dict(r, metadata={}) for r in records])] == [True, False, True]


def test_a_group_that_repeats_an_earlier_group_is_dropped_whole():
    rng = random.Random(7)
    a, b = text(rng, 60), text(rng, 60)
    records = [grouped("a1", a, "ga"), grouped("a2", a + " plus noise words here", "ga"),
               grouped("b1", text(rng, 60), "gb"), grouped("b2", b, "gb"),
               grouped("c1", mutate(rng, a, 2), "gc"), grouped("c2", "a unique clean twin " + b[:40], "gc")]
    verdicts = run(Dedup(), records)
    assert [v.keep for v in verdicts] == [True, True, True, True, False, False]
    assert verdicts[4].reason == "near duplicate" and verdicts[4].measurements["duplicate_of"] == "a1"
    assert verdicts[5].reason == "group of a near duplicate" and verdicts[5].measurements["duplicate_of"] == "a1"


def test_a_record_repeating_a_dropped_record_is_judged_against_the_kept_ones():
    # x kept; y (~x) dropped; z == y exactly: z repeats the kept x, not just the dropped y
    rng = random.Random(8)
    x = text(rng, 60)
    y = mutate(rng, x, 2)
    verdicts = run(Dedup(), [record("x", x), record("y", y), record("z", y)])
    assert [v.keep for v in verdicts] == [True, False, False]
    assert verdicts[2].measurements["duplicate_of"] == "x"


def test_variants_with_other_numbers_are_named_and_warned_about():
    rng = random.Random(9)
    records = [record(f"r{i}", f"{rng.choice(['Mara', 'Ivan', 'Grace'])} bakes {rng.randint(2, 99)} trays of {rng.randint(2, 99)} rolls each for the "
                               f"school fair on Saturday morning. How many rolls does she bake in total?")
               for i in range(40)]
    flt = Dedup()
    verdicts = run(flt, records)
    dropped = [v for v in verdicts if not v.keep]
    assert len(dropped) > 20 and {v.reason for v in dropped} <= {"near duplicate (other numbers)", "exact duplicate"}
    (warning,) = flt.warnings()
    assert f"dropped {len(dropped) - sum(v.reason == 'exact duplicate' for v in dropped)} of its 40 records" in warning
    assert "near: false" in warning
