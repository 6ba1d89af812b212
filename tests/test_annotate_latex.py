"""Verifier kind ``latex_exact``: equivalent LaTeX spellings pass, different answers and hedging fail."""

from __future__ import annotations

import pytest

import dsgen
from dsgen.verifiers import symbolic
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
        (r"\boxed{1+x}", "x+1"),  # reordered: equal symbolically
        (r"\boxed{\begin{pmatrix}1\\2\end{pmatrix}}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
        (r"\boxed{\text{(C)}}", "C"),
        (r"\boxed{\text{odd}}", r"\text{Odd}"),
        ("Work.\nFinal Answer: The final answer is $\\frac{\\sqrt{3}}{2}$. I hope it is correct.", r"\frac{\sqrt3}{2}"),
    ],
)
def test_equivalent_spellings_pass(completion, answer):
    assert score(completion, answer, {}) == 1.0


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        (r"\boxed{(1,5)}", "[1,5]"),  # open vs closed interval
        (r"\boxed{[1,5)}", "[1,5]"),
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


def test_several_different_boxes_score_zero():
    assert score(r"first \boxed{(1,2)} then corrected: \boxed{(2,3)}", "(2,3)", {}) == 0.0
    assert score(r"first \boxed{(2,3)} then \boxed{(1,2)}", "(2,3)", {}) == 0.0
    assert score(r"\boxed{W} hmm \boxed{G}", "G", {}) == 0.0
    assert score(r"\boxed{(2,3)} so again \boxed{\left(2, 3\right)}", "(2,3)", {}) == 1.0


def test_a_hedge_in_a_trailing_text_is_no_unit():
    assert score(r"\boxed{x^2+2x+1\text{ or x^2+1}}", "x^2+2x+1", {}) == 0.0
    assert score(r"\boxed{x^2+2x+1\text{ or }x^2+1}", "x^2+2x+1", {}) == 0.0
    assert normalise(r"x^2+2x+1\text{ and x^2}") != normalise("x^2+2x+1")  # only words are a unit


def test_a_matrix_keeps_its_row_breaks():
    assert normalise(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}") == r"\begin{pmatrix}1\\2\end{pmatrix}"
    assert normalise(r"\begin{bmatrix}1\\2\end{bmatrix}") == r"\begin{pmatrix}1\\2\end{pmatrix}"
    assert score(r"\boxed{\begin{pmatrix} 2 \\ 1 \end{pmatrix}}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", {}) == 0.0


def test_forty_four_of_the_forty_seven_equivalent_forms_pass():
    from adversarial import LATEX_DIFFERENT, LATEX_EQUIVALENT

    pairs = [pair for forms in LATEX_EQUIVALENT.values() for pair in forms]
    assert len(pairs) == 47
    accepted = [form for gold, form in pairs if score(f"\\boxed{{{form}}}", gold, {}) == 1.0]
    assert len(accepted) >= 44, sorted(set(f for _, f in pairs) - set(accepted))
    assert [pair for pair in LATEX_DIFFERENT if score(f"\\boxed{{{pair[1]}}}", pair[0], {}) == 1.0] == []


def test_the_symbolic_check_has_a_hard_time_limit(caplog):
    from dsgen.verifiers import symbolic

    before = symbolic.skipped["timeout"]
    # math-verify does not return from this one (it evaluates the tower): the worker is killed
    assert score(r"\boxed{9^{9^{9^{9}}}}", "2", {"timeout": 0.5}) == 0.0
    assert symbolic.skipped["timeout"] == before + 1
    assert "timeout" in caplog.text
    assert score(r"\boxed{1+x}", "x+1", {}) == 1.0  # a fresh worker serves the next check


def test_without_the_symbolic_extra_only_normalised_strings_match(monkeypatch):
    from dsgen.verifiers import symbolic

    monkeypatch.setattr(symbolic, "_unavailable", "unavailable: No module named 'math_verify'")
    assert score(r"\boxed{1+x}", "x+1", {}) == 0.0
    assert score(r"\boxed{x+1}", "x+1", {}) == 1.0
    assert score(r"\boxed{1+x}", "x+1", {"symbolic": False}) == 0.0


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


@pytest.mark.parametrize(
    "completion",
    ["\\boxed{\\frac12+0}", "\\boxed{1\\cdot\\frac12}", "\\boxed{(\\frac12)^1}", "\\boxed{\\frac12-0}",
     "\\boxed{\\frac12 \\times 1}"],
)
def test_the_answer_with_an_operation_around_it_scores_zero(completion):
    # the final answer is the answer, not an expression that holds it (as numeric: "#### 560+0" scores 0);
    # another form of the same value ("0.5", "1/2", "\frac{2}{4}") is still the answer
    assert score(completion, "\\frac12", {"symbolic": True}) == 0.0


def test_a_non_answer_is_rejected_without_the_symbolic_check(monkeypatch):
    # "OK" has nothing mathematical in it: it must not cost a worker round trip (0.6-0.9 s before)
    def fail(*args, **kwargs):
        raise AssertionError("the symbolic check was called")

    monkeypatch.setattr(symbolic, "equivalent", fail)
    for completion in ("OK", "No", "Hi there", "ok."):
        assert score(completion, "\\frac12", {}) == 0.0
