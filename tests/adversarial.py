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
    "numbered list": "Options:\n1. {b}\n2. {a}",
    "comma list": "Candidates: {b}, {a}",
    "bare lines": "{b}\n{a}",
    "list in the box": "\\boxed{{{a}, {b}}}",
    "or inside the box": "\\boxed{{{a} \\text{{ or }} {b}}}",
    "slash": "Answer: {a} / {b}",
    "new answer after the box": "\\boxed{{{a}}}\nActually, the answer is {b}.",
    "wait maybe": "Answer: {a}\n\nWait, maybe it is {b}.",
    "not sure": "Answer: {a} (not sure, could be {b})",
}

#: Completions that voice doubt about the one right answer (no second candidate needed), or ask it: every
#: verifier scores 0 (issue 25's second audit).
DOUBTS = {
    "question mark": "{a}?",
    "boxed question": "\\boxed{{{a}}}?",
    "answer line question": "Answer: {a}?",
    "not sure after": "The answer is {a}. Not sure.",
    "either alone": "Either {a}.",
    "probably another": "\\boxed{{{a}}}. Probably {b}.",
    "I guess": "The answer is {a}, I guess.",
    "probably in parentheses": "Answer: {a} (probably)",
    "I think before": "I think the answer is {a}.",
    "most likely": "Answer: most likely {a}",
    "ish": "Answer: {a}-ish",
    "not certain after the box": "\\boxed{{{a}}}\nI am not certain.",
    "maybe alone": "The answer is maybe {a}.",
}

#: Honest endings that state the one right answer: every verifier scores 1 (the controls of ``DOUBTS``).
HONEST = {
    "answer is after work": "Adding the parts gives the total.\nThe answer is {a}.",
    "double-check then answer": "Let me double-check the result once more. So the answer is {a}.",
    "boxed in a sentence": "So the answer is $\\boxed{{{a}}}$.",
    "answer line": "Answer: {a}",
    "either way": "Either way, the answer is {a}.",
    "Minerva": "Final Answer: The final answer is {a}. I hope it is correct.",
    "bold answer line": "**Answer:** {a}",
    "box, then a thank-you": "\\boxed{{{a}}}\n\nI hope this helps!",
    "probability wording": "Of the 4 equally likely outcomes, 2 are more likely to be picked, so the answer is {a}.",
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


#: Huge inputs (a prefix, then a unit repeated to the size asked), each of which must be scored 0 in time
#: linear in its length; ``{a}`` is the right answer, placed where a careless scan would look for it again
#: and again. Templates use ``str.format``: braces are doubled.
HUGE_UNITS = {
    "unclosed boxes": ("", "\\boxed{{"),
    "unclosed boxes with answer": ("", "\\boxed{{{a} "),
    "closed boxes": ("", "\\boxed{{{a}}} "),
    "nested boxes": ("", "\\boxed{{\\boxed{{"),
    "answer is": ("", "answer is "),
    "answer is with hedge": ("", "the answer is {a} or "),
    "answer lines": ("", "Answer: {a}\n"),
    "hash lines": ("", "#### x\n"),
    "hash answers": ("", "#### {a}\n"),
    "open braces": ("", "{{"),
    "open braces in a box": ("\\boxed{{", "{{"),
    "brace pairs in a box": ("\\boxed{{", "{{}}"),
    "thousands groups": ("", "1,000,"),
    "digits and dots": ("", "1.1."),
    "slashes": ("", "1/"),
    "or maybe": ("", "or maybe "),
    "same answer hedged after a box": ("\\boxed{{{a}}}\n", "or maybe {a}. "),
    "number words": ("", "five hundred "),
    "question numbers": ("", "{a}? "),
    "frac": ("", "\\frac{{"),
    "sqrt": ("", "\\sqrt{{"),
    "text": ("", "\\text{{"),
    "dollar signs": ("", "$"),
    "backslashes": ("", "\\"),
    "one line of digits": ("", "7"),
    "doubt words": ("", "probably "),
    "commas in one sentence": ("", ", "),
    "result words": ("", "so the total is "),
    "question marks": ("", "? "),
}


def huge(shape: tuple[str, str], size: int, a: str, b: str) -> str:
    """A prefix then a unit (both filled with ``a``) repeated to ``size`` characters, then a hedge offering
    ``b``: it must score 0."""
    prefix, unit = (part.format(a=a) for part in shape)
    ending = f"\nOr maybe {b}."
    return (prefix + unit * (size // len(unit) + 1))[: size - len(ending)] + ending


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

#: Different answers that a symbolic fallback must not make equal (a decimal approximation is not an exact
#: answer): (reference, a different answer).
LATEX_DIFFERENT: list[tuple[str, str]] = [
    ("[1,5]", "(1,5)"), ("[1,5]", "[1,5)"), ("\\frac{\\sqrt3}{2}", "\\frac{\\sqrt{3}}{3}"), ("9\\pi", "9\\pi^2"),
    ("(2,3)", "-(2,3)"), ("x+1", "x-1"), ("\\text{Odd}", "\\text{Dod}"), ("\\text{(C)}", "D"), ("560", "560^2"),
    ("560", "\\sqrt{560}"), ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"),
    ("2", "\\{2, 3\\}"), ("x^2+2x+1", "x^2+2x"), ("\\text{Sunday}", "\\text{Sundya}"),
    ("\\frac{\\sqrt{3}}{2}", "0.8660254"), ("2", "\\pm 2"), ("2", "2, -2"),
]


# -- a generated pool of numeric answer forms (the differential tests and the audit) --------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n: int) -> str:
    """A whole number below a billion in English words ("five hundred sixty")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + in_words(n % 100))
    for size, name in ((10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return in_words(n // size) + f" {name}" + ("" if rest == 0 else " " + in_words(rest))
    raise ValueError(n)


_REASONING = ("Let's work it out step by step. First I write down every quantity the problem gives, then I "
              "compute each intermediate amount in order.\n")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

#: Numeric form classes: name -> (template over g (the gold), w (a wrong number), expected score, whether
#: math-verify is known to be wrong on the class). ``None`` templates are built in ``numeric_pool``.
NUMERIC_CLASSES: dict[str, tuple[str | None, bool, bool]] = {
    # right answers, plainly marked
    "#### line": ("#### {g}", True, False),
    "boxed": ("So the answer is $\\boxed{{{g}}}$.", True, False),
    "reasoning + boxed": (_REASONING + "Adding these up gives $\\boxed{{{g}}}$.", True, False),
    "answer is": ("Therefore, the answer is {g}.", True, False),
    "Answer: line": ("Answer: {g}", True, False),
    "last number": (_REASONING + "Altogether that makes {g}", True, False),
    "x = in box": ("\\boxed{{x = {g}}}", True, False),
    "unit": ("#### {g} apples", True, False),
    "trailing .0": ("#### {g}.0", True, False),
    "thousands commas": ("#### {gc}", True, False),
    "dollars": ("The answer is ${g}.", True, False),
    "scientific e": ("#### {sci}", True, True),
    "times ten": ("\\boxed{{{tens}}}", True, True),
    "calculation = g": ("#### {half} * 2 = {g}", True, False),
    "words": ("The answer is {words}.", True, True),
    "prose percentage after": ("Each donor gives {g} dollars, which is about 3 percent of the total.", True, True),
    "same answer rechecked": ("The answer is {g}.\nAlternatively, {half} * 2 = {g}.", True, False),
    "mixed number": ("#### {g} 1/2", True, True),  # gold g + 1/2
    "arabic-indic digits": ("#### {arabic}", True, True),
    "full-width digits": ("#### {full}", True, True),
    # wrong answers and non-answers
    "wrong number": ("#### {w}", False, False),
    "no answer": ("I am not sure how to solve this.", False, False),
    "power": ("#### {g}^2", False, False),
    "unicode square": ("#### {g}²", False, True),
    "sqrt": ("\\boxed{{\\sqrt{{{g}}}}}", False, False),
    "factorial": ("\\boxed{{{g}!}}", False, False),
    "log": ("\\boxed{{\\log {g}}}", False, False),
    "imaginary": ("\\boxed{{{g}i}}", False, False),
    "variable": ("\\boxed{{{g}x}}", False, False),
    "e3 suffix": ("#### {g}e3", False, True),
    "minus words": ("The answer is minus {g}.", False, True),
    "plus one": ("The answer is {g} + 1.", False, False),
    "pi": ("\\boxed{{{g}\\pi}}", False, False),
    # hedges
    "or, inline": ("The answer is {g} or {w}.", False, True),
    "or maybe, next line": ("#### {g}\nOr maybe {w}.", False, False),
    "alternatively, next line": ("\\boxed{{{g}}}\nAlternatively, it could be {w}.", False, True),
    "two boxes": ("\\boxed{{{w}}} hmm \\boxed{{{g}}}", False, False),
    "parenthetical": ("Answer: {g} (or {w})", False, True),
    "list": ("It is {w}, {g}, or {w2}.", False, False),
    "range": ("It is somewhere between {g} and {w}.", False, False),
}


def numeric_pool(rng, n_golds: int, *, max_base: int = 99_999) -> list[tuple[str, str, str, bool, bool]]:
    """``(class, completion, gold, expected, math_verify_known_wrong)`` for ``n_golds`` whole-number golds
    (drawn with ``rng``, a ``random.Random``; each 20 times a base up to ``max_base``) in every class of
    ``NUMERIC_CLASSES``."""
    pool = []
    for _ in range(n_golds):
        g = rng.choice([rng.randint(3, 99), rng.randint(100, 999), rng.randint(1000, max_base)]) * 2 * 10
        w = g + rng.choice([-10, -1, 1, 7, 10])
        digits = str(g).rstrip("0")
        fill = {
            "g": g, "w": w, "w2": w + 3, "gc": f"{g:,}", "half": g // 2, "words": in_words(g),
            "sci": f"{digits[0]}.{digits[1:] or 0}e{len(str(g)) - 1}",
            "tens": f"{digits[0]}.{digits[1:] or 0} \\times 10^{{{len(str(g)) - 1}}}",
            "arabic": str(g).translate(_ARABIC_INDIC), "full": str(g).translate(_FULL_WIDTH),
        }
        for name, (template, expected, known_wrong) in NUMERIC_CLASSES.items():
            gold = f"{g}.5" if name == "mixed number" else str(g)
            pool.append((name, template.format(**fill), gold, expected, known_wrong))
    return pool
