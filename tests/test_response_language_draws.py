"""``language:response_language`` asks for another language than the English request's (audit2 M3): drawn
alone, at ``FOREIGN_LANGUAGE_RATE`` of the sets holding it, and proved by a text in that language."""

from __future__ import annotations

import random

from dsgen.builders import instructions as builders
from dsgen.builders.distraction import constraints, witness

import dsgen
from dsgen import scoring
from dsgen.verifiers import instructions

LANGUAGE = constraints.LANGUAGE


def test_a_foreign_language_is_drawn_alone_and_only_for_a_request():
    assert constraints.choose_ids(
        random.Random(0), 2, [LANGUAGE, "punctuation:no_comma"], foreign_rate=1.0
    ) == [LANGUAGE]
    assert len(constraints.choose_ids(random.Random(0), 2, [LANGUAGE, "punctuation:no_comma"])) == 2
    samples = constraints.spec()["lexicon"]["language_samples"]
    drawn = {
        constraints.sample_kwargs(random.Random(s), [LANGUAGE], prompt_to_repeat="x", foreign=True)[0][
            "language"
        ]
        for s in range(40)
    }
    assert drawn == set(samples) and "en" not in drawn
    assert constraints.sample_kwargs(random.Random(0), [LANGUAGE], prompt_to_repeat="x")[0] == {
        "language": "en"
    }
    pair = [LANGUAGE, "punctuation:no_comma"]
    assert (
        constraints.sample_kwargs(random.Random(0), pair, prompt_to_repeat="x", foreign=True)[0]["language"]
        == "en"
    )


def test_each_sample_text_is_its_language_and_no_other():
    for code, text in constraints.spec()["lexicon"]["language_samples"].items():
        verdicts = {
            c: instructions.check(text, [LANGUAGE], [{"language": c}])[0]
            for c in ("en", "de", "fr", "es", "it", "pt")
        }
        assert [c for c, ok in verdicts.items() if ok] == [code]
        assert witness.witness_response([LANGUAGE], [{"language": code}]) == text
        assert witness.witness_response([LANGUAGE, "punctuation:no_comma"], [{"language": code}, {}]) is None


def test_records_ask_for_other_languages_and_an_english_or_letterless_answer_fails_them():
    ids = [LANGUAGE, constraints.LETTERS, "punctuation:no_comma", "detectable_content:postscript"]
    made = dsgen.sample(
        "instructions", {"constraint_family": "ifeval", "instruction_ids": ids}, count=30, seed=2
    )
    foreign = [r for r in made if r["verifier"]["params"]["kwargs"][0].get("language", "en") != "en"]
    assert foreign
    assert all(
        r["verifier"]["params"]["instruction_id_list"] == [LANGUAGE, constraints.LETTERS] for r in foreign
    )
    builder = builders.InstructionPrompts(constraint_family="ifeval")
    english = (
        "The garden behind the house is full of flowers in summer, and we water the plants every morning."
    )
    digits = " ".join(
        str(n) for n in range(40)
    )  # no letters: the language check alone passes it, as lm-eval's
    for record in foreign:
        assert scoring.score(record, builder.reference_completion(record)) == 1.0
        assert scoring.score(record, english) == 0.0 and scoring.score(record, digits) == 0.0
