"""Every answer verifier scores 0 on the shared table of adversarial completions (tests/adversarial.py):
second candidates around or after the right answer, expressions that merely contain it, huge inputs."""

from __future__ import annotations

import pytest
from adversarial import DOUBTS, HEDGES, HONEST, HUGE_UNITS, OPERATORS, cases, huge

import dsgen

#: (kind, right answer, a different answer, params) of every answer verifier.
VERIFIERS = [
    ("numeric", "560", "561", {}),
    ("latex_exact", "\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{2}", {}),
    ("answer_match", "Kestrin Halvard", "Mira Voss", {"aliases": [], "threshold": 0.9}),
]


def grade(kind: str, completion: str, answer: str, params: dict) -> float:
    return dsgen.score({"verifier": {"kind": kind, "params": params}, "answer": answer}, completion)


@pytest.mark.parametrize(("kind", "a", "b", "params"), VERIFIERS, ids=[v[0] for v in VERIFIERS])
def test_the_plain_right_answer_scores_one(kind, a, b, params):
    # the control: each shape below differs from these only by its hedge or operator
    assert grade(kind, f"Answer: {a}", a, params) == 1.0
    assert grade(kind, f"So the answer is \\boxed{{{a}}}.", a, params) == 1.0


@pytest.mark.parametrize(("kind", "a", "b", "params"), VERIFIERS, ids=[v[0] for v in VERIFIERS])
@pytest.mark.parametrize(("name", "template"), list(HEDGES.items()), ids=list(HEDGES))
def test_a_second_candidate_scores_zero(kind, a, b, params, name, template):
    assert grade(kind, template.format(a=a, b=b), a, params) == 0.0


@pytest.mark.parametrize(("kind", "a", "b", "params"), VERIFIERS, ids=[v[0] for v in VERIFIERS])
@pytest.mark.parametrize(("name", "template"), list(DOUBTS.items()), ids=list(DOUBTS))
def test_doubt_about_the_answer_scores_zero(kind, a, b, params, name, template):
    assert grade(kind, template.format(a=a, b=b), a, params) == 0.0


@pytest.mark.parametrize(("kind", "a", "b", "params"), VERIFIERS, ids=[v[0] for v in VERIFIERS])
@pytest.mark.parametrize(("name", "template"), list(HONEST.items()), ids=list(HONEST))
def test_an_honest_ending_scores_one(kind, a, b, params, name, template):
    assert grade(kind, template.format(a=a, b=b), a, params) == 1.0


@pytest.mark.parametrize(("kind", "a", "params"), [("numeric", "560", {}), ("latex_exact", "560", {})])
@pytest.mark.parametrize(("name", "completion"), cases(OPERATORS, "560", "561"), ids=list(OPERATORS))
def test_an_expression_holding_the_answer_scores_zero(kind, a, params, name, completion):
    assert grade(kind, completion, a, params) == 0.0


@pytest.mark.parametrize(("kind", "a", "b", "params"), VERIFIERS, ids=[v[0] for v in VERIFIERS])
@pytest.mark.parametrize("unit", list(HUGE_UNITS.values()), ids=list(HUGE_UNITS))
def test_huge_adversarial_inputs_score_zero(kind, a, b, params, unit):
    # their time is measured in benchmarks/audit_verifiers.py; here they must not score, crash or hang
    assert grade(kind, huge(unit, 65_536, a, b), a, params) == 0.0
