"""The answer_match verifier: answer extraction, normalisation, misspellings, near-miss names, hedging."""

import pytest

import dsgen
from dsgen.verifiers.answer_match import close_enough, final_answers, normalise, score

NAME = "Kestrin Halvard"
REASONING = "X was born in the 1950s, so I searched the index of births and checked each violinist.\n"


def s(completion, answer=NAME, **params):
    return score(completion, answer, params)


@pytest.mark.parametrize(
    "completion",
    [
        REASONING + "Answer: Kestrin Halvard",
        REASONING + "Final answer: Kestrin Halvard.",
        REASONING + "**Answer:** Kestrin Halvard",
        REASONING + "**Answer**: **Kestrin Halvard**",
        REASONING + "answer: kestrin halvard",
        REASONING + "ANSWER: KESTRIN HALVARD",
        REASONING + "The answer is Kestrin Halvard.",
        REASONING + "So X is \\boxed{Kestrin Halvard}.",
        REASONING + "\\boxed{\\text{Kestrin Halvard}}",
        REASONING + "The person is **Kestrin Halvard**, who was born in Roulgim.",
        REASONING + "Kestrin Halvard",
        REASONING + "Answer: \"Kestrin Halvard\"",
        REASONING + "Answer:   Kestrin   Halvard  ",
        REASONING + "Answer: Kestrin Halvard (violinist)",
        REASONING + "Answer: It is Kestrin Halvard",
        REASONING + "Answer: Ｋｅｓｔｒｉｎ Ｈａｌｖａｒｄ",  # full-width forms (NFKC)
        REASONING + "Answer: Késtrin Halvárd",  # accents folded
        REASONING + "Answer: Kestrin-Halvard",
        "Answer: Kestrin Halvard\n",
        REASONING + "Final Answer: The final answer is Kestrin Halvard. I hope it is correct.",  # Minerva
    ],
)
def test_accepts_the_answer_in_common_shapes(completion):
    assert s(completion) == 1.0


def test_articles_case_and_punctuation_are_ignored():
    assert s("Answer: the silent harbour", "The Silent Harbour") == 1.0
    assert s("Answer: Silent Harbour!", "The Silent Harbour") == 1.0
    assert s("Answer: A Silent Harbour", "The Silent Harbour") == 1.0
    assert normalise("  The  Guild of the Weavers, Ltd. ") == "guild of weavers ltd"


def test_aliases_count_as_the_answer():
    assert s("Answer: K. Halvard", aliases=["K. Halvard"]) == 1.0
    assert s("Answer: K. Halvard") == 0.0


@pytest.mark.parametrize(
    "completion",
    [
        "Answer: Kestrin Halvrad",  # one swap in a long word
        "Answer: Kestrin Halvardd",  # one insertion
        "Answer: Kestrn Halvard",  # one deletion
        "Answer: Kestrin Halverd",  # one substitution
    ],
)
def test_small_misspellings_pass(completion):
    assert s(completion) == 1.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("Answer: Joan Smith", "John Smith"),  # short word: must be exact
        ("Answer: Kestrin Hal", NAME),
        ("Answer: Halvard", NAME),  # surname alone is not the name
        ("Answer: Kestrin Halvard Jr", NAME),
        ("Answer: Kestrim Halvart", NAME),  # two words misspelled: ratio too low
        ("Answer: Velmora 2", "Velmora 3"),  # numbers must be exact
        ("Answer: Lei", "Leo"),
        ("Answer: Roulgim", "Roulgin"),  # short single word: ratio 0.857 < 0.9
    ],
)
def test_different_names_fail(completion, answer):
    assert s(completion, answer) == 0.0


def test_near_miss_names_of_other_entities_are_rejected():
    assert s("Answer: Kestrin Halvardt") == 1.0
    assert s("Answer: Kestrin Halvardt", reject=["Kestrin Halvardt"]) == 0.0
    # a misspelling at least as close to another entity's name as to the answer is not trusted
    assert s("Answer: Kestrin Halvarde", reject=["Kestrin Halvardes"]) == 0.0
    assert s("Answer: Kestrin Halvrad", reject=["Kestrin Halvardes"]) == 1.0
    # "Smyth" is one edit from "Smith": accepted as a typo unless the corpus has a John Smyth
    assert s("Answer: John Smyth", "John Smith") == 1.0
    assert s("Answer: John Smyth", "John Smith", reject=["John Smyth"]) == 0.0


def test_the_threshold_is_a_parameter():
    assert s("Answer: Kestrin Halverd", threshold=0.99) == 0.0
    assert s("Answer: Kestrin Halverd", threshold=0.9) == 1.0


@pytest.mark.parametrize(
    "completion",
    [
        "Answer: Kestrin Halvard or Mira Voss",
        "Answer: either Kestrin Halvard or Mira Voss",
        "Answer: Kestrin Halvard / Mira Voss",
        "Answer: Kestrin Halvard, Mira Voss, Odile Brask",
        "Answer: Kestrin Halvard; Mira Voss",
        "Answer: Kestrin Halvard and Mira Voss",
        "Answer: Mira Voss\nAnswer: Kestrin Halvard",  # answer lines that disagree
        "Answer: Kestrin Halvard\n\nFinal answer: Mira Voss",
        "\\boxed{Kestrin Halvard \\text{ or } Mira Voss}",
        "- Kestrin Halvard\n- Mira Voss\n- Odile Brask",
        "Candidates:\n- Mira Voss\n- Kestrin Halvard",
        "Answer: Kestrin Halvard (or Mira Voss)",
        "Answer: Kestrin Halvard [alternatively Mira Voss]",
        "Answer: Kestrin Halvard\nOr maybe Mira Voss.",
        "\\boxed{Mira Voss} on second thought \\boxed{Kestrin Halvard}",
        "\\boxed{Kestrin Halvard}\nActually, the answer is Mira Voss.",
        "The person is **Kestrin Halvard**, or possibly Mira Voss.",
        "Answer: Kestrin Halvard (it might be Mira Voss)",
        "Answer: Kestrin Halvard\nActually, it is Mira Voss.",
        "Answer: Kestrin Halvard\n\nWait, no.",
        "Mira Voss\nKestrin Halvard",
    ],
)
def test_several_candidates_score_zero(completion):
    assert s(completion) == 0.0


def test_a_hedge_word_that_belongs_to_the_answer_is_no_hedge():
    assert s("Answer: Either/Or", "Either/Or") == 1.0
    assert s("\\boxed{The Door or the Window}", "The Door or the Window") == 1.0
    assert s("Answer: The Door or the Window\nOr maybe The Gate.", "The Door or the Window") == 0.0


def test_a_remark_after_the_answer_or_a_lead_in_before_it_is_fine():
    assert s("Answer: Kestrin Halvard\n\nThis matches every clue.") == 1.0
    assert s(REASONING + "So the answer is Kestrin Halvard.") == 1.0
    assert s("Answer: Kestrin Halvard — a rowing coach born in 1952") == 1.0  # a description, no second name
    assert s("Answer: Kestrin Halvard, the violinist of the index") == 1.0


def test_doubt_about_the_one_answer_scores_zero():
    # issue 25's second audit: these scored 1.0 on 62/62 reverse-QA records
    assert s(REASONING + "I think the answer is Kestrin Halvard.") == 0.0
    assert s("Answer: Kestrin Halvard (probably)") == 0.0
    assert s("Answer: Kestrin Halvard?") == 0.0
    assert s("Answer: **Kestrin Halvard**?") == 0.0
    assert s("Answer: Kestrin Halvard — Mira Voss") == 0.0  # a second name after a dash is no description
    assert s("Answer: Mira Voss, Kestrin Halvard") == 0.0
    assert s("Answer: Kestrin Halvard, mira voss") == 0.0  # a description has three words or more


def test_a_doubt_word_of_the_answer_itself_is_no_doubt():
    assert s("Answer: Probably Tomorrow", "Probably Tomorrow") == 1.0


def test_a_list_item_alone_is_an_answer():
    assert s("After checking the index:\n- Kestrin Halvard") == 1.0


def test_agreeing_answer_lines_are_one_answer():
    assert s("Answer: Kestrin Halvard\nTo be sure, Answer: kestrin halvard.") == 1.0


@pytest.mark.parametrize("completion", ["", "   \n\n ", "Answer:", "\\boxed{}", "I don't know."])
def test_empty_or_missing_answers_score_zero(completion):
    assert s(completion) == 0.0


def test_no_reference_answer_scores_zero():
    assert score("Answer: Kestrin Halvard", None, {}) == 0.0
    assert score("Answer: Kestrin Halvard", "", {}) == 0.0


def test_huge_completion_reads_only_the_end():
    padding = ("Kestrin Halvard was born in Roulgim. " * 50_000) + "\n"
    assert s(padding + "Answer: Mira Voss") == 0.0
    assert s(padding + "Answer: Kestrin Halvard") == 1.0
    assert s("Answer: Kestrin Halvard\n" + "x" * 1_000_000) == 0.0  # the answer must be at the end


def test_a_box_far_back_still_disagrees_with_the_last_one():
    assert s("\\boxed{Mira Voss}" + "x" * 5000 + "\n\\boxed{Kestrin Halvard}") == 0.0
    assert s("\\boxed{Kestrin Halvard}" + " filler" * 1000) == 1.0


def test_unclosed_boxed_falls_back_to_lines():
    assert s("\\boxed{Kestrin Halvard\nAnswer: Kestrin Halvard") == 1.0


def test_final_answers_extraction():
    assert final_answers("blah\nAnswer: A\nAnswer: B") == ["A", "B"]
    assert final_answers("x \\boxed{A {b} c} y") == ["A {b} c"]
    assert final_answers("so the answer is **Q**") == ["**Q**"]
    assert final_answers("") == []


def test_close_enough_needs_same_word_count_and_long_words():
    assert close_enough("kestrin halvrad", "kestrin halvard")
    assert not close_enough("kestrin", "kestrin halvard")
    assert not close_enough("joan smith", "john smith")
    assert not close_enough("halvard kestrin", "kestrin halvard")


def test_dispatch_through_dsgen_score():
    record = {"verifier": {"kind": "answer_match", "params": {"aliases": [], "threshold": 0.9}}, "answer": NAME}
    assert dsgen.score(record, [{"role": "assistant", "content": "Answer: Kestrin Halvard"}]) == 1.0
    assert dsgen.score(record, "Answer: Mira Voss") == 0.0
