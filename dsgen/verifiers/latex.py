"""Verifier kind ``latex_exact``: a final answer in LaTeX (expression, interval, set) equals the reference
after normalisation — for MATH answers that are not plain numbers (those use ``numeric``).

The final answer is the completion's last ``\\boxed{…}``, else its "Answer: …" lines, else its last line
(``dsgen.verifiers.answer_match.final_answers``); answer lines that disagree score 0. Both sides are
normalised (:func:`normalise`) and compared as strings: math delimiters (``$``, ``\\(``, ``\\[``),
``\\left``/``\\right``/``\\big``, spacing commands (``\\!``, ``\\,``, ``\\;``, ``\\:``, ``\\ ``, ``~``,
``\\quad``), ``\\displaystyle`` and all whitespace are dropped; ``\\dfrac``/``\\tfrac`` → ``\\frac``,
``\\dbinom``/``\\tbinom`` → ``\\binom``, ``\\leq``/``\\geq``/``\\neq`` → ``\\le``/``\\ge``/``\\ne``;
``\\frac12`` → ``\\frac{1}{2}``, ``\\sqrt3`` → ``\\sqrt{3}``, ``x^{2}`` → ``x^2``; ``\\text{…}``,
``\\textbf``, ``\\mathrm``, ``\\mbox`` are unwrapped, except a unit at the end after a value, which is dropped
(``5\\text{ cm}`` → ``5``); degrees (``^\\circ``), ``\\%``, ``\\$`` and a trailing period go; a leading
``x =`` (one letter) goes; ``.5`` → ``0.5``. It is *not* algebra: ``x+1`` and ``1+x`` differ.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dsgen.verifiers.answer_match import final_answers

_DELIMITERS = re.compile(r"^\s*(?:\$\$?|\\\(|\\\[)(.*?)(?:\$\$?|\\\)|\\\])\s*$", re.S)
_UNIT = re.compile(r"(?<=[\w}])\s*\\(?:text|mbox|mathrm)\s*\{[^{}]*\}\s*$")
_WRAPPERS = re.compile(r"\\(?:text|textbf|textnormal|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_DROP = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|displaystyle|qquad|quad)(?![A-Za-z])|\\[!,;: ]|~"
)
_RENAME = (("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\dbinom", "\\binom"), ("\\tbinom", "\\binom"),
           ("\\leq", "\\le"), ("\\geq", "\\ge"), ("\\neq", "\\ne"))
_DEGREES = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ")
_SHORT_FRAC = re.compile(r"\\(frac|binom)\s*(\w)\s*(\w)")
_HALF_FRAC = re.compile(r"\\(frac|binom)\s*(\{[^{}]*\})\s*(\w)")
_SHORT_SQRT = re.compile(r"\\sqrt\s*(\w)")
_SINGLE_SCRIPT = re.compile(r"([\^_])\{(\w)\}")
_LEADING_VAR = re.compile(r"^[A-Za-z]=(?!.*=)")
_BARE_DECIMAL = re.compile(r"(?<![\d}])\.(\d)")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The canonical string of a LaTeX answer (see the module docstring for every rule)."""
    s = text.strip()
    match = _DELIMITERS.match(s)
    if match:
        s = match.group(1)
    s = _UNIT.sub("", s)
    previous = None
    while previous != s:  # nested wrappers: \text{\textbf{A}}
        previous, s = s, _WRAPPERS.sub(r"\1", s)
    s = _DROP.sub("", s)
    for old, new in _RENAME:
        s = s.replace(old, new)
    s = _DEGREES.sub("", s).replace("\\%", "").replace("%", "").replace("\\$", "")
    s = _SHORT_FRAC.sub(r"\\\1{\2}{\3}", s)
    s = _HALF_FRAC.sub(r"\\\1\2{\3}", s)
    s = _SHORT_SQRT.sub(r"\\sqrt{\1}", s)
    s = "".join(s.split())
    s = _SINGLE_SCRIPT.sub(r"\1\2", s)
    s = s.rstrip(".")
    s = _LEADING_VAR.sub("", s)
    s = _BARE_DECIMAL.sub(r"0.\1", s)
    while len(s) > 1 and s[0] == "{" and s[-1] == "}" and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def score(completion: str, answer: str | None, params: dict) -> float:
    """1.0 when the completion's one final answer normalises to the normalised reference, else 0.0."""
    if not answer or not completion:
        return 0.0
    finals = {normalise(a.lstrip("#").strip()) for a in final_answers(completion)}
    finals.discard("")
    if len(finals) != 1:
        return 0.0
    return 1.0 if finals.pop() == normalise(answer) else 0.0
