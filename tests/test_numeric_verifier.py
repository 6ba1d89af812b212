"""The numeric verifier: answer extraction, normalisation, exact comparison and refusal of hedging."""

from fractions import Fraction

import pytest

import dsgen
from dsgen.errors import DsgenError
from dsgen.verifiers.numeric import extract, score

REASONING = (
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May. Altogether she sold 48+24 = <<48+24=72>>72 clips "
    "in April and May, and 3 of her friends helped on 2 weekends.\n"
)


def s(completion, answer, **params):
    return score(completion, answer, params)


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        (REASONING + "#### 72", "72"),
        (REASONING + "The answer is 72.", "72"),
        (REASONING + "Final answer: 72", "72"),
        (REASONING + "**Answer:** 72 clips", "72"),
        (REASONING + "So the answer is $\\boxed{72}$.", "72"),
        (REASONING + "\\fbox{72}", "72"),
        (REASONING + "In total she sold 72 clips.", "72"),
        ("#### 1,000", "1000"),
        ("The answer is $1,234,567.", "1234567"),
        ("#### $18.90", "18.9"),
        ("#### €5", "5"),
        ("\\boxed{\\$18.90}", "18.9"),
        ("\\boxed{1{,}000}", "1000"),
        ("\\boxed{1\\,000}", "1000"),
        ("#### 3/4", "3/4"),
        ("#### 0.75", "3/4"),
        ("\\boxed{\\frac{3}{4}}", "0.75"),
        ("\\boxed{\\dfrac{3}{4}}", "3/4"),
        ("\\boxed{\\tfrac{3}{4}}", "3/4"),
        ("\\boxed{\\frac34}", "3/4"),
        ("\\boxed{-\\frac{1}{2}}", "-0.5"),
        ("\\boxed{\\frac{-1}{2}}", "-1/2"),
        ("#### 2 1/2", "5/2"),
        ("\\boxed{2\\frac{1}{2}}", "2.5"),
        ("#### -5", "-5"),
        ("#### −5", "-5"),
        ("#### -0", "0"),
        ("#### 5.0", "5"),
        ("#### 5.", "5"),
        ("#### 5.50", "5.5"),
        ("#### .5", "1/2"),
        ("#### 10%", "10"),
        ("#### 72 clips", "72"),
        ("\\boxed{12 \\text{ cm}^2}", "12"),
        ("\\boxed{x = 7}", "7"),
        ("#### ７２", "72"),
        ("#### ٧٢", "72"),
        ("The answer is 12 apples, since 3*4 = 12 and nothing else.", "12"),
        ("#### 72\n\\boxed{72}", "72"),
        ("\\boxed{72} and again \\boxed{72.0}", "72"),
        ("The answer is 5. Wait, that is wrong. The answer is 7.", "7"),
        ("I first thought the answer is 5.\nRechecking, the answer is 7.", "7"),
        ("If the answer is 5 the check fails.\n#### 7", "7"),
    ],
)
def test_correct_answers_score_one(completion, answer):
    assert s(completion, answer) == 1.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        (REASONING + "#### 71", "72"),
        ("", "72"),
        ("I don't know.", "72"),
        ("#### ", "72"),
        ("\\boxed{}", "72"),
        ("#### 1.000", "1000"),
        ("#### 10%", "0.1"),
        ("#### 0.67", "2/3"),
        ("#### 5", "-5"),
        ("#### 72\n#### 73", "72"),
        ("#### 72\n#### 73", "73"),
        ("\\boxed{5} or \\boxed{6}", "5"),
        ("\\boxed{5} or \\boxed{6}", "6"),
        ("#### 72\n\\boxed{73}", "72"),
        ("The answer is 5 or 6.", "5"),
        ("The answer is 5 or 6.", "6"),
        ("The answer is 5, or maybe 6.", "5"),
        ("The answer is either 5 or 6", "6"),
        ("\\boxed{5, 6}", "5"),
        ("\\boxed{5 \\text{ or } 6}", "6"),
        ("#### 5 or 6", "5"),
        ("#### 1,5", "1.5"),
        ("#### 1,5", "5"),
        ("\\boxed{5} Hmm, that is wrong: \\boxed{7}", "7"),
        ("The answer is 72.\n#### 71", "72"),
        ("#### 72 12 apples", "72"),
        ("The total is 72, so after giving 2 away she has 70 left.", "72"),
    ],
)
def test_wrong_missing_or_hedged_answers_score_zero(completion, answer):
    assert s(completion, answer) == 0.0


def test_the_answer_in_the_reasoning_is_not_the_final_one():
    completion = "First 72 = 70 + 2. Then we add 5 more.\nThe answer is 77."
    assert s(completion, "77") == 1.0
    assert s(completion, "72") == 0.0


def test_huge_numbers():
    big = 10**200 + 7
    assert s(f"#### {big}", str(big)) == 1.0
    assert s(f"#### {big + 1}", str(big)) == 0.0
    assert s("#### " + "9" * 5000, "9") == 0.0  # longer than Python reads: never equal, no crash
    assert s("so " + "9" * 5000, "9") == 0.0
    assert s("The answer is " + "1" * 5000 + " or 1", "1") == 0.0


def test_enormous_completions():
    filler = "blah " * 200_000  # 1 MB
    assert s(filler + "#### 42", "42") == 1.0
    assert s(filler + "the answer is 42", "42") == 1.0
    assert s(filler + "so 42", "42") == 1.0
    assert s("42 " + filler, "42") == 1.0
    assert s(filler, "42") == 0.0
    assert s("7" * 1_000_000, "7") == 0.0


def test_rel_tol_allows_approximate_answers():
    assert s("#### 0.667", "2/3", rel_tol=0.001) == 1.0
    assert s("#### 0.6", "2/3", rel_tol=0.001) == 0.0


def test_extract_returns_exact_values():
    assert extract("#### 2 1/2") == Fraction(5, 2)
    assert extract("The answer is 1,000") == 1000
    assert extract("nothing numeric") is None
    assert extract("") is None


def test_bad_reference_answers_are_errors():
    with pytest.raises(DsgenError, match="not a single number"):
        s("#### 5", "five")
    with pytest.raises(DsgenError, match="no reference answer"):
        s("#### 5", None)


def test_dispatch_through_dsgen_score():
    record = {"verifier": {"kind": "numeric", "params": {}}, "answer": "72"}
    assert dsgen.score(record, REASONING + "#### 72") == 1.0
    assert dsgen.score(record, [{"role": "assistant", "content": "The answer is 72."}]) == 1.0
    assert dsgen.score(record, "#### 7") == 0.0


# -- hedging in the final sentence: several different final answers score 0 ------------------------


@pytest.mark.parametrize(
    "completion",
    [
        REASONING + "So she has 49 or 48.",
        "49 or 48",
        "either 48 or 49",
        "Either 49 or 48 apples.",
        "48/49 (not sure)",
        "48 or maybe 49",
        "49, or maybe 48",
        "It could be 49, or perhaps 48",
        "So it's 49 (or 48 if she ate one)",
        "somewhere between 40 and 50",
        "between 48 and 50 apples",
        "about 46 to 48",
        "48, 49, or 50",
        "47, 48 or 49",
        "I think 49... or 48?",
        "It is 49. Or maybe 48.",
        "It is 49.\nOr perhaps the total is really 48.",
        "\\boxed{49} or 48",
        "48 or \\boxed{49}",
        "$\\boxed{48}$ (or 49)",
        "The answer is 49.\nOr maybe 48.",
    ],
)
@pytest.mark.parametrize("answer", ["48", "49", "50"])
def test_alternatives_in_the_final_sentence_score_zero(completion, answer):
    assert s(completion, answer) == 0.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("7 × 7 = 49, minus 1 is 48", "48"),
        ("so 12 + 36 = 48", "48"),
        ("So she packs 16 apples in each of 3 boxes, 48 apples", "48"),
        ("The difference between 50 and 2 is 48", "48"),
        ("She can take 2 or 3 at a time, so in total 48.", "48"),
        ("She has 49 apples.\nShe eats 1, or rather gives it away, so she has 48.", "48"),
        ("The price went from 40 to 48.", "48"),
        ("It is 49? No, she ate one, so 48.", "48"),
        ("The answer is 48.\nMaybe I should double check: 12*4 = 48", "48"),
        ("The answer is 48.\nAlternatively, one can compute 12*4 = 48.", "48"),
        ("Or 2 boxes of 24 each: 48.", "48"),
    ],
)
def test_several_numbers_that_are_reasoning_not_alternatives_score_one(completion, answer):
    assert s(completion, answer) == 1.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("48 apples in 3 boxes", "3"),  # 3 is the last number, not a result stated
        ("Each box holds 12, so 4 boxes hold 48 or so.", "48"),  # a guess
        ("She has 48 or more.", "48"),  # a bound
        ("48 (or 48.0)", "48"),  # the last number, 48.0, is offered, not stated
        ("Favors come in packs of 6.", "6"),  # the problem's last sentence echoed
        ("Mia buys 3 packs. Favors come in packs of 6. How many favors does she have?", "6"),  # the prompt echoed
        ("6?", "6"),
        ("So she has 6, probably.", "6"),
        ("So she has 6, I think.", "6"),
    ],
)
def test_a_last_number_not_stated_as_a_result_scores_zero(completion, answer):
    # without a marker or "answer is", the last number must be stated as a result ("= 6", "is 6", "So … 6",
    # "6 in total", a line that is the number), stated (no "?") and without doubt
    assert s(completion, answer) == 0.0


@pytest.mark.parametrize(
    "completion",
    [
        "So she has 6 apples.", "She needs 6 packs.", "Total: 6", "6", "He has 6 left.", "The total is $6.",
        "Adding them gives 6.", "2 + 4 = 6", "She buys 2 packs of 3, so she has 6.", "That makes 6 favors in all.",
        "Mia needs 2*3 = <<2*3=6>>6 favors.", "The price went from 4 to 6.", "She got a 6% raise.",
        "Either way, the total is 6.",
    ],
)
def test_a_last_number_stated_as_a_result_scores_one(completion):
    assert s(completion, "6") == 1.0


def test_a_hedged_last_number_reads_as_ambiguous_not_as_a_number():
    assert extract("49 or 48") is not None and extract("49 or 48") not in (48, 49)
    assert extract("so 12 + 36 = 48") == 48


def test_explicit_markers_after_other_hashes_and_backslashes_are_found():
    # the marker searches start at the first "#" and run only when there is a backslash
    assert extract("# Plan\nstep #2: \\frac{1}{2} of 10 is 5\n#### 5") == 5
    assert extract("##3 ## 4\n#### 7\n") == 7
    assert extract("#### 5\nthen 6 more") == 5
    assert extract("\\, \\fbox\\fbox{5}") == 5  # a marker right after a bare one
    assert score("\\fbox{5}\\fbox{6}", "5", {}) == 0.0
    assert score("\\boxed {5} and then \\fbox{6}", "5", {}) == 0.0
    assert score("#### 5\nso \\boxed{5}", "5", {}) == 1.0


@pytest.mark.parametrize("tail, expected", [
    ("630.", 630), ("630", 630), ("0630.", 630), ("630 ", 630), ("630.5.", Fraction(1261, 2)), ("630..", 630),
    ("630. Or maybe 631", None), ("630.\nOr maybe 631.", None), ("-630.", -630), ("٦٣٠.", 630), ("630 or 630.", 630),
])
def test_prose_answer_that_is_the_whole_line_reads_as_the_regex_does(tail, expected):
    value = extract(f"Work: 3 + 4 = 7.\nThe answer is {tail}")
    if expected is None:
        assert value is not None and value not in (630, 631)  # hedging
    else:
        assert value == expected


@pytest.mark.parametrize("text, expected", [
    ("\\boxed{630}", ["630"]), ("\\boxed{\\frac{1}{2}}", ["\\frac{1}{2}"]), ("\\boxed{{5}}", ["{5}"]),
    ("\\boxed{5", []), ("\\boxed{5}}", ["5"]), ("\\boxed{a{b}c}d}", ["a{b}c"]),
    ("\\boxed{1} \\fbox {2}", ["1", "2"]), ("\\boxed{\\boxed{3}", ["3"]),
])
def test_boxes_run_to_the_matching_brace(text, expected):
    from dsgen.verifiers.hedging import boxes

    assert [text[a:b] for _, a, b in boxes(text)] == expected


# -- an answer is a number, not an expression that contains it (issue 25) ------------------------------


@pytest.mark.parametrize("completion", [
    "#### 560^2", "\\boxed{\\sqrt{560}}", "\\boxed{560!}", "Answer: 560!", "The answer is 560!.", "So she has 560!", "\\boxed{\\log 560}", "\\boxed{560i}", "\\boxed{560x}",
    "#### 560²", "#### 560e3", "The answer is minus 560.", "The answer is 560^2.", "So the total is 560 squared.",
    "The answer is \\sqrt{560}.", "Thus 560^2", "log 560", "sqrt(560)", "$560\\pi$", "So the result is 560 + 1.",
    "The answer is 560 times 2.", "\\boxed{560 \\times 10^{2}}", "\\(\\sqrt{560}\\)", "#### 560 squared",
])
def test_an_expression_of_the_answer_scores_zero(completion):
    assert s(completion, "560") == 0.0


@pytest.mark.parametrize(("completion", "answer"), [
    ("#### 560e3", "560000"), ("#### 2.04e3", "2040"), ("\\boxed{5.6 \\times 10^{2}}", "560"),
    ("The answer is 5.6 \\cdot 10^2.", "560"), ("#### 2*280 = 560", "560"), ("\\boxed{2 \\times 280 = 560}", "560"),
    ("The answer is: 2 \\times 280 = 560.", "560"), ("The answer is minus 560.", "-560"),
    ("The answer is negative 560.", "-560"), ("#### 1.5e-2", "0.015"), ("So the change is minus 560.", "-560"),
])
def test_scientific_notation_and_calculations_read_as_their_value(completion, answer):
    assert s(completion, answer) == 1.0


@pytest.mark.parametrize(("completion", "answer"), [
    ("The answer is five hundred sixty.", "560"), ("#### five hundred sixty", "560"),
    ("So she has five hundred sixty apples.", "560"), ("The answer is two million three hundred thousand.", "2300000"),
    ("Answer: one thousand two hundred thirty-four", "1234"), ("The answer is twelve.", "12"),
])
def test_numbers_in_words_are_read(completion, answer):
    assert s(completion, answer) == 1.0


def test_the_answer_wins_over_a_prose_percentage():
    assert s("Each donor gives 560 dollars, which is about 3 percent of the total.", "560") == 1.0
    assert s("Answer: 560 dollars, which is about 3% of the total.", "560") == 1.0
    assert s("She got a 10% raise.", "10") == 1.0  # a percentage alone in its sentence is the answer


@pytest.mark.parametrize("completion", [
    "#### 560\nOr maybe 561.", "\\boxed{560}\nAlternatively, it could be 561.", "\\boxed{560}\nHmm, 561?",
    "The answer is 560.\n\nWait, maybe it's 561.", "#### 560\nThe answer is 561.", "\\boxed{560}\nor five hundred sixty-one",
    "#### 560\n\nNote: with 2 or 3 more boxes it would change.", "\\boxed{560}\nWe could also have 2 or 3 boxes.",
])
def test_hedges_anywhere_after_the_final_answer_score_zero(completion):
    assert s(completion, "560") == 0.0


def test_markdown_headings_are_not_answer_lines():
    assert s("#### Step 1: add\n3 + 4 = 7\n#### 7", "7") == 1.0
    assert s("#### Two cases\nFirst 3 + 4 = 7.\n#### 7", "7") == 1.0  # a number word opening a heading
    assert s("#### One more thing\n#### 7", "7") == 1.0
    assert s("#### x = 7", "7") == 1.0
    assert s("#### Seven.", "7") == 1.0  # a whole line in words is an answer


@pytest.mark.parametrize("completion", [
    "Candidates:\n* 561\n* 560", "Options:\n1. 561\n2. 560", "Possible answers: 561; 560", "561\n560",
    "It is 561.\n560", "561 560", "Answer: 561, 560", "Answer: 560, 561", "The answer is 560 561",
])
def test_a_list_of_numbers_is_no_answer(completion):
    assert s(completion, "560") == 0.0
    assert s(completion, "561") == 0.0


def test_a_bare_final_number_after_the_same_number_is_one_answer():
    assert s("She has 560.\n560", "560") == 1.0
    assert s("She has 12 boxes.\n\n560", "560") == 1.0


@pytest.mark.parametrize("completion", [
    "#### about 560", "The answer is approximately 560.", "The answer is 560 or more.", "The answer is at least 560.",
    "The answer is not 560.", "The answer is 560? No, 561.", "The answer: 560 apples and 561 pears.", "#### ~560",
    "The answer is 560 and a half.",
])
def test_a_bound_a_guess_or_a_question_is_no_answer(completion):
    assert s(completion, "560") == 0.0


@pytest.mark.parametrize("completion", [
    "\\boxed{560}\n\nHmm, 561 seems more plausible.", "\\boxed{560}\n\nActually I think it's 561.",
    "\\boxed{560}\n\nCorrection: 561", "#### 560\n\nWait, 561.", "#### 560\n(561 is also possible)",
])
def test_taking_the_answer_back_after_it_scores_zero(completion):
    assert s(completion, "560") == 0.0


def test_markdown_bold_and_a_closing_remark_in_parentheses_are_read():
    assert s("Total = 48 + 24 = **72**", "72") == 1.0
    assert s("Natalia sold 72 clips in total (48 in April, 24 in May).", "72") == 1.0
    assert s("The area is (3 + 4) = 7 (square units).", "7") == 1.0
    assert s("So 560**2", "560") == 0.0


def test_checking_the_same_answer_after_it_is_no_retraction():
    assert s("\\boxed{560}\n\nWait, let me double check: 280*2 = 560.", "560") == 1.0
    assert s("The answer is 560, which is 20 more than 540.", "560") == 1.0
