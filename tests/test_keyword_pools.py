"""Keyword pools (audit2 M5): keywords belong to the request's subject, and the held-out family (ifbench_test)
never draws a training family's word."""

from __future__ import annotations

import itertools
import random

import pytest
from dsgen.builders import instructions as builders
from dsgen.builders.distraction import constraints

import dsgen

SIDES = {"train": "keywords", "test": "test_keywords"}


def pools() -> dict[str, list[list[str]]]:
    """Per side, every list of words one draw may take keywords from (the lexicon's, then a subject's)."""
    lexicon = constraints.spec()["lexicon"]
    return {
        side: [lexicon[key] + words[side] for words in constraints.topics().values()]
        for side, key in SIDES.items()
    }


def test_every_subject_has_keywords_on_both_sides_and_no_word_is_on_both():
    assert set(constraints.topics()) == set(builders.requests()["subjects"])
    train, test = ({w for pool in pools()[side] for w in pool} for side in SIDES)
    assert not train & test
    for side, lists in pools().items():
        for words in lists:
            assert all(w.isalpha() and w.islower() and len(w) >= 4 for w in words), side
            # no word hides inside another one it may be drawn with (keyword counts read substrings)
            assert not [(a, b) for a, b in itertools.permutations(set(words), 2) if a in b], side
    assert all(
        len(words["train"]) >= 8 and len(words["test"]) >= 8 for words in constraints.topics().values()
    )


def test_the_pool_puts_the_subjects_words_first_and_falls_back_to_the_lexicon():
    prompt = "Write a short story about why bees matter to farmers."
    train = constraints.keyword_pool(random.Random(0), prompt, "ifeval")
    test = constraints.keyword_pool(random.Random(0), prompt, "ifbench_test")
    bees = constraints.topics()["why bees matter to farmers"]
    assert set(train[-8:]) == set(bees["train"]) and set(test[-8:]) == set(bees["test"])
    assert set(train[:-8]) == set(constraints.spec()["lexicon"]["keywords"])
    other = constraints.keyword_pool(random.Random(0), "Solve 2 + 2.", "ifbench_test", avoid="approach")
    assert set(other) == set(constraints.spec()["lexicon"]["test_keywords"]) - {"approach"}


@pytest.mark.parametrize("family", ["ifeval", "ifbench_test", "ifbench_train"])
def test_drawn_keywords_are_the_subjects_and_the_familys_own(family):
    side = "test" if family == "ifbench_test" else "train"
    other = {w for pool in pools()["train" if side == "test" else "test"] for w in pool}
    made = dsgen.sample("instructions", {"constraint_family": family}, count=15, seed=4)
    topical = drawn = 0
    for record in made:
        text = record["metadata"]["request"]["text"]
        subject = next((s for s in constraints.topics() if s in text), None)
        for kw in record["verifier"]["params"]["kwargs"]:
            for key in (
                "keyword",
                "keywords",
                "forbidden_words",
                "word",
                "first_word",
                "last_word",
                "keyword1",
            ):
                for word in kw.get(key, []) if isinstance(kw.get(key), list) else [kw.get(key)] * (key in kw):
                    drawn += 1
                    assert word.lower() not in other or word.lower() in text.lower(), (family, word)
                    topical += subject is not None and word in constraints.topics()[subject][side]
    assert drawn and topical / drawn > 0.6, (topical, drawn)
