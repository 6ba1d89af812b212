"""Reward options of the ``ifeval`` verifier kind: strict or loose, all-or-nothing or fractional, any family."""

from __future__ import annotations

import pytest

from dsgen import scoring
from dsgen.errors import DsgenError
from dsgen.verifiers import instructions

PARAMS = {
    "instruction_id_list": ["punctuation:no_comma", "startend:quotation", "format:no_whitespace"],
    "kwargs": [{}, {}, {}],
}


def test_all_or_nothing_is_the_default_and_fraction_is_the_share_followed():
    assert instructions.score('"fine"', None, PARAMS) == 1.0
    assert instructions.score('"fine, mostly"', None, PARAMS) == 0.0
    fraction = {**PARAMS, "reward": "fraction"}
    assert instructions.score('"fine, mostly"', None, fraction) == pytest.approx(1 / 3)
    assert instructions.score('"fine"', None, fraction) == 1.0
    assert instructions.score("", None, fraction) == 0.0  # an empty response follows nothing


def test_loose_mode_is_ifevals_and_applies_to_ifbench_ids_too():
    response = "Sure:\n\"fine\"\n"
    assert instructions.score(response, None, PARAMS) == 0.0
    assert instructions.score(response, None, {**PARAMS, "loose": True}) == 1.0  # the preamble line dropped
    params = {"instruction_id_list": ["format:no_whitespace"], "kwargs": [{}]}
    assert instructions.score("Here:\nnospaces", None, params) == 0.0
    assert instructions.score("Here:\nnospaces", None, {**params, "loose": True}) == 1.0


def test_breakdown_names_each_instruction_and_the_options():
    graded = instructions.grade('"fine, mostly"', {**PARAMS, "reward": "fraction"})
    assert graded["instructions"] == [
        {"id": "punctuation:no_comma", "followed": False},
        {"id": "startend:quotation", "followed": True},
        {"id": "format:no_whitespace", "followed": False},
    ]
    assert graded["reward_mode"] == "fraction" and graded["loose"] is False


def test_scoring_dispatches_the_ifeval_kind_here_for_every_family():
    record = {"verifier": {"kind": "ifeval", "params": {**PARAMS, "reward": "fraction"}}, "answer": None}
    assert scoring.score(record, '"fine"') == 1.0
    assert instructions.family_of("format:no_whitespace") == "ifbench_test"
    assert instructions.family_of("punctuation:no_comma") == "ifeval"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({**PARAMS, "reward": "mean"}, "'reward' must be one of"),
        ({**PARAMS, "loose": "yes"}, "'loose' must be true or false"),
        ({"instruction_id_list": ["count:made_up"], "kwargs": [{}]}, "unknown instruction id"),
        ({"instruction_id_list": ["ratio:stop_words"], "kwargs": [{}]}, "percentage. must be a number"),
    ],
)
def test_bad_options_and_ids_are_clear_errors(params, message):
    with pytest.raises(DsgenError, match=message):
        instructions.score("text", None, params)


def test_guards_stop_trivial_and_echoed_responses():
    wording = "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."
    params = {
        "instruction_id_list": ["detectable_format:title"],
        "kwargs": [{}],
        "min_words": 10,
        "echo": [wording],
    }
    assert instructions.score("<<x>>", None, {**params, "echo": []}) == 0.0  # too short
    echoed = "Write a poem about the sea. " + wording + " Here it is, as asked, in full."
    graded = instructions.grade(echoed, params)
    assert graded["reward"] == 0.0 and graded["guard"] == "copies an instruction's wording"
    assert graded["instructions"] == [{"id": "detectable_format:title", "followed": True}]
    real = "<<Sea Song>>\nThe waves roll in and out all day, and the gulls circle above the pier."
    assert instructions.score(real, None, params) == 1.0


TITLE = "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."
DISGUISES = {
    "zero-width space in each word": lambda w: " ".join(x[:2] + "\u200b" + x[2:] for x in w.split(" ")),
    "soft hyphen joining word pairs": lambda w: w.replace(" ", "\u00ad", 1).replace(", ", ",\u00ad"),
    "words added": lambda w: w.replace("must", "must please").replace("such as", "such as say"),
    "look-alike letters": lambda w: w.replace("o", "\u043e").replace("a", "\u0430"),
    "case and punctuation": lambda w: w.upper().replace(",", ";"),
    "a filler every second word": lambda w: " ".join(x + (" so" if i % 2 else "") for i, x in enumerate(w.split())),
    "fillers, some joined by a soft hyphen": lambda w: " ".join(
        x + ("\u00adso" if i % 3 == 0 else "") + (" so" if i % 2 else "") for i, x in enumerate(w.split())
    ),
}


@pytest.mark.parametrize("disguise", DISGUISES.values(), ids=DISGUISES)
def test_echo_guard_sees_through_disguised_copies(disguise):
    params = {"instruction_id_list": ["detectable_format:title"], "kwargs": [{}], "min_words": 10, "echo": [TITLE]}
    echoed = "Write a poem about the sea. " + disguise(TITLE) + " Here it is, as asked, in full."
    assert disguise(TITLE) != TITLE
    graded = instructions.grade(echoed, params)
    assert graded["guard"] == "copies an instruction's wording" and graded["reward"] == 0.0


def test_echo_guard_lets_quoted_text_be_written():
    """What a wording quotes for the response to write (a prompt to repeat, an end phrase) is no echo."""
    request = "Write a short poem about the sea for a school newsletter."
    wording = f'First repeat the request "{request}" word for word without change, then give your answer.'
    params = {
        "instruction_id_list": ["combination:repeat_prompt"],
        "kwargs": [{"prompt_to_repeat": request}],
        "min_words": 10,
        "echo": [wording],
    }
    answer = f"{request} The waves roll in and out all day, and the gulls circle above the old pier."
    assert instructions.grade(answer, params)["guard"] is None
    assert instructions.score(answer, None, params) == 1.0
    assert instructions.grade(f"{answer} {wording}", params)["guard"] == "copies an instruction's wording"


def test_echo_guard_catches_a_response_made_mostly_of_the_wordings():
    """No wording mostly copied, but the response is the first eight words of each: no answer either."""
    wordings = [
        "Answer with at least 12 words and use the word garden at least twice in your response, please.",
        "Highlight at least 2 sections in your answer with markdown, for example a highlighted section here.",
        "Your entire response should be in English, and in all lowercase letters, with no capital letters.",
        "Finish your response with a postscript that starts with the marker P.S. and says something kind.",
    ]
    params = {"instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": 12,
              "relation": "at least"}], "min_words": 0, "echo": wordings}  # fmt: skip
    heads = " ".join(" ".join(w.split()[:8]) for w in wordings)
    assert all(instructions.grade(heads, {**params, "echo": [w]})["guard"] is None for w in wordings)
    assert instructions.grade(heads, params)["guard"] == "copies an instruction's wording"
    honest = "The garden grew well this year, and the garden club met every week to share seeds and tips."
    assert instructions.grade(honest, params)["guard"] is None
