"""Shared tables of adversarial completions: what every answer verifier must score 0, and huge inputs that
must not stall a trainer. Used by tests/test_adversarial.py and benchmarks/audit_verifiers.py.

Each template holds ``{a}`` (the right answer) and ``{b}`` (a different one); ``cases(a, b)`` fills them.
"""

from __future__ import annotations

#: Completions that offer a second candidate around or after the right one: every verifier scores 0.
HEDGES = {
    "or, inline": "Answer: {a} or {b}",
    "or, boxed inline": "\\boxed{{{a}}} or {b}",
    "either": "The answer is either {a} or {b}.",
    "or maybe, next line": "Answer: {a}\nOr maybe {b}.",
    "alternatively, next line": "\\boxed{{{a}}}\nAlternatively, it could be {b}.",
    "hash line then or maybe": "#### {a}\nOr maybe {b}.",
    "parenthetical or": "Answer: {a} (or {b})",
    "bracketed alternatively": "Answer: {a} [alternatively {b}]",
    "perhaps, same line": "The answer is {a}, or perhaps {b}.",
    "two boxes, wrong first": "First \\boxed{{{b}}} and then \\boxed{{{a}}}.",
    "two boxes, right first": "\\boxed{{{a}}} hmm \\boxed{{{b}}}",
    "two answer lines": "Answer: {b}\nAnswer: {a}",
    "candidate list": "Candidates:\n- {b}\n- {a}",
    "list in the box": "\\boxed{{{a}, {b}}}",
    "or inside the box": "\\boxed{{{a} \\text{{ or }} {b}}}",
    "slash": "Answer: {a} / {b}",
    "new answer after the box": "\\boxed{{{a}}}\nActually, the answer is {b}.",
    "wait maybe": "Answer: {a}\n\nWait, maybe it is {b}.",
    "not sure": "Answer: {a} (not sure, could be {b})",
}

#: Completions that wrap a numeric answer in an operator: a number verifier must score them 0.
OPERATORS = {
    "power": "#### {a}^2",
    "unicode square": "#### {a}²",
    "sqrt": "\\boxed{{\\sqrt{{{a}}}}}",
    "factorial": "\\boxed{{{a}!}}",
    "log": "\\boxed{{\\log {a}}}",
    "imaginary": "\\boxed{{{a}i}}",
    "variable": "\\boxed{{{a}x}}",
    "scientific": "#### {a}e3",
    "minus words": "The answer is minus {a}.",
    "times ten": "\\boxed{{{a} \\times 10^{{2}}}}",
    "plus one": "The answer is {a} + 1.",
    "pi": "\\boxed{{{a}\\pi}}",
    "squared words": "So the total is {a} squared.",
    "prose power": "So the answer is {a}^2.",
    "negated box": "\\boxed{{-{a}}}",
}


def cases(table: dict[str, str], a: str, b: str) -> list[tuple[str, str]]:
    """``(name, completion)`` of every template of ``table`` filled with right answer ``a`` and other ``b``."""
    return [(name, template.format(a=a, b=b)) for name, template in table.items()]


#: Huge inputs (a unit repeated to the size asked), each of which must be scored 0 in time linear in its
#: length; ``{a}`` is the right answer, placed where a careless scan would look for it again and again.
HUGE_UNITS = {
    "unclosed boxes": "\\boxed{",
    "unclosed boxes with answer": "\\boxed{{{a} ",
    "answer is": "answer is ",
    "answer is with hedge": "the answer is {a} or ",
    "hash lines": "#### x\n",
    "open braces": "{",
    "thousands groups": "1,000,",
    "digits and dots": "1.1.",
    "or maybe": "or maybe ",
    "number words": "five hundred ",
    "question numbers": "{a}? ",
    "frac": "\\frac{",
    "dollar signs": "$",
    "backslashes": "\\",
}


def huge(unit: str, size: int, a: str, b: str) -> str:
    """``unit`` (filled with ``a``) repeated to ``size`` characters, then a hedge offering ``b``: it must score 0."""
    piece = unit.format(a=a) if "{a}" in unit else unit
    ending = f"\nOr maybe {b}."
    return (piece * (size // len(piece) + 1))[: size - len(ending)] + ending


#: 47 equivalent LaTeX forms of a reference, by class: (reference, the same answer written otherwise).
#: latex_exact must accept at least 44 of them (issue 25's audit: math-verify accepts 44).
LATEX_EQUIVALENT: dict[str, list[tuple[str, str]]] = {
    "reordering": [
        ("x+1", "1+x"), ("2x+3", "3+2x"), ("x^2+2x+1", "1+2x+x^2"), ("a+b+c", "c+b+a"),
        ("3\\sqrt{2}+1", "1+3\\sqrt{2}"), ("\\{1,2,3\\}", "\\{3,2,1\\}"), ("-1+\\sqrt{5}", "\\sqrt{5}-1"),
        ("2ab", "2ba"),
    ],
    "fractions and roots": [
        ("\\frac{\\sqrt{3}}{2}", "\\sqrt{3}/2"), ("\\frac{\\sqrt3}{2}", "\\frac{1}{2}\\sqrt{3}"), ("\\frac{1}{2}", "0.5"),
        ("\\frac{3}{4}", "3/4"), ("\\dfrac{5}{8}", "\\frac58"), ("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}"),
        ("2\\sqrt{3}", "\\sqrt{12}"), ("\\frac{\\pi}{4}", "\\pi/4"), ("\\frac{-1}{3}", "-\\frac{1}{3}"),
    ],
    "text answers": [
        ("\\text{Odd}", "Odd"), ("\\text{odd}", "\\text{Odd}"), ("\\text{even}", "\\textbf{even}"),
        ("\\text{neither}", "neither"), ("\\text{Sunday}", "\\mbox{Sunday}"), ("\\text{yes}", "Yes"),
    ],
    "multiple choice": [
        ("\\text{(C)}", "C"), ("(C)", "C"), ("\\text{(B)}", "(B)"), ("C", "\\text{C}"), ("\\textbf{(D)}", "D"),
        ("(E)", "\\text{(E)}"),
    ],
    "intervals": [
        ("(2,3)", "\\left(2, 3\\right)"), ("[1,5]", "[1, 5]"), ("(-\\infty, 3)", "(-\\infty,3)"),
        ("[0, \\infty)", "[0,\\infty)"), ("(-2, 5]", "\\left(-2,5\\right]"),
        ("(-\\infty,-1)\\cup(1,\\infty)", "(-\\infty, -1) \\cup (1, \\infty)"), ("[\\frac{1}{2}, 2]", "[0.5, 2]"),
        ("(0, \\frac{\\pi}{2})", "\\left(0,\\frac\\pi2\\right)"),
    ],
    "matrices and tuples": [
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"),
        ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}"),
        ("\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{2}\\\\3\\end{pmatrix}"),
        ("\\begin{pmatrix} -1 \\\\ 0 \\end{pmatrix}", "\\begin{pmatrix}-1\\\\0\\end{pmatrix}"),
        ("(1, 2, 3)", "\\left(1,2,3\\right)"),
        ("\\begin{pmatrix} 2 & 0 \\\\ 0 & 2 \\end{pmatrix}", "\\begin{pmatrix} 2&0\\\\0&2 \\end{pmatrix}"),
    ],
    "units, equations, scripts": [
        ("30^\\circ", "30"), ("y = 2x+1", "2x+1"), ("x^{2}", "x^2"), ("9\\pi", "9\\pi \\text{ square units}"),
    ],
}

#: Different answers that a symbolic fallback must not make equal: (reference, a different answer).
LATEX_DIFFERENT: list[tuple[str, str]] = [
    ("[1,5]", "(1,5)"), ("[1,5]", "[1,5)"), ("\\frac{\\sqrt3}{2}", "\\frac{\\sqrt{3}}{3}"), ("9\\pi", "9\\pi^2"),
    ("(2,3)", "-(2,3)"), ("x+1", "x-1"), ("\\text{Odd}", "\\text{Dod}"), ("\\text{(C)}", "D"), ("560", "560^2"),
    ("560", "\\sqrt{560}"), ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"),
    ("2", "\\{2, 3\\}"), ("x^2+2x+1", "x^2+2x"), ("\\text{Sunday}", "\\text{Sundya}"),
]
