"""Differential tests of the answer verifiers against math-verify on a generated pool of forms, and a
Hypothesis property: no completion that wraps the gold answer in an operator scores 1.0."""

from __future__ import annotations

import logging
import random

import pytest
from adversarial import LATEX_DIFFERENT, LATEX_EQUIVALENT, NUMERIC_CLASSES, numeric_pool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsgen.verifiers import latex, numeric

math_verify = pytest.importorskip("math_verify")
logging.getLogger("math_verify").setLevel(logging.CRITICAL)

#: 3 golds (up to 2,000) in each of the 40 form classes; seed fixed, so the pool is the same every run.
POOL = numeric_pool(random.Random(25), 3, max_base=1000)


def mv(gold: str, completion: str) -> bool:
    return bool(math_verify.verify(math_verify.parse(f"${gold}$"), math_verify.parse(completion)))


@pytest.mark.parametrize(("name", "completion", "gold", "expected", "known_wrong"), POOL,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(POOL)])
def test_numeric_labels_every_form_right_and_agrees_with_math_verify_where_it_is_right(
        name, completion, gold, expected, known_wrong):
    assert (numeric.score(completion, gold, {}) == 1.0) == expected
    if not known_wrong:  # the shared forms: both graders give the right label
        assert mv(gold, completion) == expected


def test_the_pool_covers_right_and_wrong_forms_on_both_sides():
    labels = {(expected, known_wrong) for _, expected, known_wrong in NUMERIC_CLASSES.values()}
    assert labels == {(True, False), (True, True), (False, False), (False, True)}


@pytest.mark.parametrize(("gold", "form"), [p for forms in LATEX_EQUIVALENT.values() for p in forms])
def test_latex_accepts_every_equivalent_form_math_verify_accepts(gold, form):
    if mv(gold, f"\\boxed{{{form}}}"):
        assert latex.score(f"\\boxed{{{form}}}", gold, {}) == 1.0


@pytest.mark.parametrize(("gold", "form"), LATEX_DIFFERENT)
def test_latex_rejects_different_answers(gold, form):
    assert latex.score(f"\\boxed{{{form}}}", gold, {}) == 0.0


# -- wrapping the gold in an operator never earns the reward --------------------------------------------

#: Operators that change the value of any whole number of 3 or more.
OPERATORS = [
    "{a}^{k}", "{a}^{{{k}}}", "\\sqrt{{{a}}}", "\\sqrt[{k}]{{{a}}}", "{a}!", "\\log {a}", "\\ln({a})", "{a}i",
    "{a}x", "{a}\\pi", "{a}²", "{a}³", "-{a}", "minus {a}", "{a}e{k}", "{a} \\times 10^{{{k}}}", "{a} + {k}",
    "{a} \\cdot {k}", "\\frac{{{a}}}{{{k}}}", "{a}/{k}", "{a} squared", "2^{{{a}}}", "\\frac{{1}}{{{a}}}",
    "{a} * {k}", "{a} times {k}", "\\sqrt{{{a}}}^{{3}}", "{a}^{{-1}}", "e^{{{a}}}", "\\sin {a}", "{a}!!",
]
MARKERS = [
    "#### {x}", "\\boxed{{{x}}}", "The answer is {x}.", "Answer: {x}", "So the total is {x}.",
    "$\\boxed{{{x}}}$", "Final answer: ${x}$", "Thus we get \\({x}\\)",
]
PREFIX = "First I add the amounts: 12 + 30 = 42, then 42 * 2 = 84.\n"


@st.composite
def wrapped(draw) -> tuple[str, str]:
    a = draw(st.integers(min_value=3, max_value=10**6))
    k = draw(st.integers(min_value=2, max_value=9))
    expression = draw(st.sampled_from(OPERATORS)).format(a=a, k=k)
    completion = draw(st.sampled_from(MARKERS)).format(x=expression)
    return (PREFIX if draw(st.booleans()) else "") + completion, str(a)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped())
def test_numeric_never_rewards_an_operator_around_the_gold(case):
    completion, gold = case
    assert numeric.score(completion, gold, {}) == 0.0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped())
def test_latex_never_rewards_an_operator_around_the_gold(case):
    completion, gold = case
    assert latex.score(completion, gold, {"timeout": 2.0}) == 0.0
