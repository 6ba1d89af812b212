"""Verifier kind ``latex_exact``: equivalent LaTeX spellings pass, different answers and hedging fail."""

from __future__ import annotations

import pytest

import dsgen
from dsgen.verifiers.latex import normalise, score


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        (r"so the answer is $\boxed{\dfrac{\sqrt{3}}{2}}$.", r"\frac{\sqrt3}{2}"),
        (r"\boxed{\left( 3, \frac{\pi}{2} \right)}", r"\left( 3, \frac{\pi}{2} \right)"),
        (r"\boxed{(3,\tfrac{\pi}{2})}", r"\left( 3, \frac{\pi}{2} \right)"),
        (r"\boxed{x^{2} + 1}", "x^2+1"),
        (r"\boxed{2\sqrt3}", r"2\sqrt{3}"),
        (r"\boxed{\frac12}", r"\frac{1}{2}"),
        (r"\boxed{x = 6x+3}", "6x+3"),  # a leading one-letter 'x =' goes
        (r"\boxed{[1,\,5]}", "[1,5]"),
        (r"\boxed{\text{(C)}}", "(C)"),
        (r"\boxed{9\pi\text{ square units}}", r"9\pi"),
        (r"\boxed{\{1, 2\}}", r"\{1,2\}"),
        ("Answer: $(2, 3)$", "(2,3)"),
        (r"Work... final line \boxed{{[1,5]}}", "[1,5]"),
        (r"\boxed{x \leq 4}", r"x \le 4"),
        (r"\boxed{\displaystyle \binom{10}{3}}", r"\dbinom{10}{3}"),
    ],
)
def test_equivalent_spellings_pass(completion, answer):
    assert score(completion, answer, {}) == 1.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        (r"\boxed{(1,5)}", "[1,5]"),  # open vs closed interval
        (r"\boxed{[1,5)}", "[1,5]"),
        (r"\boxed{1+x}", "x+1"),  # not algebra: order matters
        (r"\boxed{\frac{\sqrt{3}}{3}}", r"\frac{\sqrt3}{2}"),
        (r"\boxed{x^{21}}", "x^2 1"),
        (r"\boxed{}", "x"),
        ("", "x"),
        (r"\boxed{9\pi}", r"9\pi^2"),
        (r"\boxed{-(2,3)}", "(2,3)"),
        (r"\boxed{(2,3) or [2,3]}", "(2,3)"),
    ],
)
def test_different_answers_fail(completion, answer):
    assert score(completion, answer, {}) == 0.0


def test_disagreeing_answer_lines_score_zero():
    assert score("Answer: (2,3)\nAnswer: [2,3]", "(2,3)", {}) == 0.0
    assert score("Answer: (2,3)\nAnswer: (2, 3)", "(2,3)", {}) == 1.0  # the same answer twice is fine


def test_only_the_last_box_counts():
    assert score(r"first \boxed{(1,2)} then corrected: \boxed{(2,3)}", "(2,3)", {}) == 1.0
    assert score(r"first \boxed{(2,3)} then \boxed{(1,2)}", "(2,3)", {}) == 0.0


def test_no_reference_scores_zero():
    assert score(r"\boxed{1}", None, {}) == 0.0


def test_normalise_is_idempotent_and_keeps_structure():
    for text in [r"\left[ \dfrac{1}{2}, 3 \right)", r"x^{2}-\frac{a+b}c", r"\sqrt[3]{2}", r"5\%"]:
        once = normalise(text)
        assert normalise(once) == once
    assert normalise(r"\sqrt[3]{2}") == r"\sqrt[3]{2}"
    assert normalise(r"\frac{a+b}c") == r"\frac{a+b}{c}"


def test_registered_as_a_verifier_kind():
    record = {"verifier": {"kind": "latex_exact", "params": {}}, "answer": "(2,3)"}
    assert dsgen.score(record, [{"role": "assistant", "content": r"\boxed{\left(2, 3\right)}"}]) == 1.0
