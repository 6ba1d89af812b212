"""Drawing IF-RLVR training constraints (``ifbench_train``): conflicts, kwargs ranges, wordings, wrapping."""

from __future__ import annotations

import itertools
import random

import pytest
from dsgen.builders import instructions as builders
from dsgen.builders.distraction import constraints

import dsgen
from dsgen import scoring
from dsgen.verifiers import ifbench_train, instructions

WORD_KWARGS = {"keyword", "keyword1", "keyword2", "first_word", "last_word", "phrase"}
REQUEST = "Write a short story about the first year of running a small bakery for a local newspaper."


def _draws(count: int = 300, seed: int = 4):
    rng = random.Random(seed)
    ids = constraints.family_ids("ifbench_train")
    for _ in range(count):
        chosen = constraints.choose_ids(rng, rng.randint(1, 5), ids)
        yield chosen, constraints.sample_kwargs(rng, chosen, prompt_to_repeat=REQUEST)


def test_every_training_id_is_drawn_worded_and_compiles():
    seen = set()
    for ids, kwargs in _draws():
        seen |= set(ids)
        assert not any(constraints.conflicting(a, b) for a, b in itertools.combinations(ids, 2))
        for iid, kw, text in zip(ids, kwargs, constraints.describe(random.Random(0), ids, kwargs)):
            ifbench_train.compile_check(iid, kw)  # the drawn kwargs are valid
            assert text[0].isupper() and text.rstrip('"').endswith((".", '."')) and "{{" not in text
            assert "less than" not in text  # "fewer than": letters and words are counted
    assert seen == set(ifbench_train.INSTRUCTION_IDS)


def test_whole_response_constraints_are_drawn_alone_and_the_families_never_mix():
    for a in constraints.TRAIN_EXCLUSIVE:
        assert all(constraints.conflicting(a, b) for b in constraints.family_ids("ifbench_train"))
    assert constraints.conflicting("first_word:first_word_sent", "first_word:first_word_answer")
    assert constraints.conflicting("keywords:start_end", "last_word:last_word_answer")
    assert constraints.conflicting("count:count_unique", "count:count_increment_word")  # a word twice
    assert constraints.conflicting("keywords:palindrome", "words:palindrome")  # train and test never mix
    assert not constraints.conflicting("keywords:palindrome", "count:count_unique")


def test_kwargs_are_sensible_for_an_answer_and_never_fight_each_other():
    for ids, kwargs in _draws():
        kw = dict(zip(ids, kwargs))
        words = [v for k in kwargs for n, v in k.items() if n in WORD_KWARGS]
        if "keywords:exclude_word_harder" in kw:
            banned = kw["keywords:exclude_word_harder"]["keyword"]
            assert banned in REQUEST.lower()  # upstream's "harder": a word of the request itself
            assert not any(banned in w or w in banned for w in words if w != banned)
        cap = kw.get("keywords:word_count_different_numbers")
        if cap and cap["relation"] == "less than":
            assert cap["keyword"] in REQUEST.lower() and cap["frequency"] >= 2
        letter = kw.get("letters:letter_counting2")
        if letter and letter["let_relation"] == "less than":
            assert not any(letter["letter"] in w for w in words if w != letter["letter"])
            assert letter["let_frequency"] >= 10
        if "letters:letter_counting" in kw:
            assert kw["letters:letter_counting"]["N"] >= 100  # upstream's 2-3 letters fits no answer
        if "keywords:keyword_specific_position" in kw:
            assert (
                kw["keywords:keyword_specific_position"]["m"] >= 2
            )  # a sentence-initial keyword is capitalised
        span = kw.get("new:copy_span_idx")
        if span:
            text = REQUEST[span["n_start"] : span["n_end"]]
            assert span["n_start"] > 0 and text == text.strip() and REQUEST[span["n_start"] - 1] == " "
            assert span["n_end"] == len(REQUEST) or REQUEST[span["n_end"]] in " ."


def test_records_of_the_family_validate_and_copies_score_only_as_copies():
    records = dsgen.sample("instructions", {"constraint_family": "ifbench_train"}, count=40, seed=11)
    assert records and {r["metadata"]["instructions"]["family"] for r in records} == {"ifbench_train"}
    copies = [
        r for r in records if r["verifier"]["params"]["instruction_id_list"][0] in ifbench_train.COPY_IDS
    ]
    assert copies
    for record in copies:
        params = record["verifier"]["params"]
        (iid,), (kw,) = params["instruction_id_list"], params["kwargs"]
        request = record["metadata"]["request"]["text"]
        if iid == "copy:copying_multiple":
            good = "\n******\n".join([request] * kw["N"])
        elif iid == "new:copy_span_idx":
            good = request[kw["n_start"] : kw["n_end"]]
        else:
            good = request
        assert params["min_words"] == 0 and scoring.score(record, good) == 1.0
        assert (
            scoring.score(record, record["prompt"][0]["content"]) == 0.0
        )  # the request with the instruction
        assert scoring.score(record, "Once upon a time, a baker opened a shop.") == 0.0  # answering it


@pytest.mark.parametrize("answer", ["12.5", "5!", "42", "Alan Bennett", "Walla Walla", "blue whale"])
def test_the_wrapper_never_adds_a_constraint_the_graded_answer_breaks(answer):
    record = dsgen.sample("math.template", {}, count=1, seed=3)[0]
    # an answer_match record: the wrapper proves every set with a witness graded by the record's verifier
    record = {**record, "answer": answer, "verifier": {"kind": "answer_match", "params": {"aliases": [], "threshold": 0.9}}}
    wrapper = builders.AddInstructions(constraint_family="ifbench_train")
    for index in range(60):
        wrapped = wrapper.wrap(record, random.Random(index), index)
        ids = set(wrapped["verifier"]["params"]["parts"][1]["params"]["instruction_id_list"])
        assert not ids & (constraints.TRAIN_EXCLUSIVE | builders.WRAP_EXCLUDED_TRAIN)
        assert not ids & builders.ANSWER_UNPROVED  # the "Answer:" line starts a sentence
        for iid in ids & set(builders.ANSWER_BOUND):  # the answer alone never breaks an added constraint
            assert ifbench_train.compile_check(iid, builders.ANSWER_BOUND[iid])(answer), (iid, answer)
        assert {instructions.family_of(i) for i in ids} == {"ifbench_train"}


def test_short_user_prompts_never_get_a_span_to_copy(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text('{"prompt": "Describe rain."}\n')
    params = {"constraint_family": "ifbench_train", "instruction_ids": ["new:copy_span_idx", "keywords:palindrome"]}
    records = dsgen.sample("instructions", {**params, "prompts": {"path": str(path)}}, count=6, seed=1)
    assert len(records) == 6
    assert all(r["verifier"]["params"]["instruction_id_list"] == ["keywords:palindrome"] for r in records)
