"""Verifier kind ``latex_exact``: a final answer in LaTeX (expression, interval, set, matrix, text, choice)
equals the reference — for MATH answers that are not plain numbers (those use ``numeric``).

The final answer is found as ``answer_match`` finds it (``dsgen.verifiers.answer_match.locate``: every
``\\boxed{…}``, else every "Answer: …" line, else the last line); answers that differ score 0, and so does a
hedge word in them or after them (``\\boxed{x^2+1\\text{ or }x^2}``, ``\\boxed{A}\\nAlternatively, B``).
Both sides are normalised (:func:`normalise`) and compared as strings: math delimiters (``$``, ``\\(``,
``\\[``), ``\\left``/``\\right``/``\\big``, spacing commands (``\\!``, ``\\,``, ``\\;``, ``\\:``, ``\\ ``,
``~``, ``\\quad``), ``\\displaystyle`` and all whitespace are dropped (a row break ``\\\\`` is kept);
``\\dfrac``/``\\tfrac`` → ``\\frac``, ``\\dbinom``/``\\tbinom`` → ``\\binom``, ``\\leq``/``\\geq``/``\\neq`` →
``\\le``/``\\ge``/``\\ne``, ``bmatrix`` → ``pmatrix``; ``\\frac12`` → ``\\frac{1}{2}``, ``\\sqrt3`` →
``\\sqrt{3}``, ``x^{2}`` and ``x²`` → ``x^2``; ``\\text{…}``, ``\\textbf``, ``\\mathrm``, ``\\mbox`` are
unwrapped, except a unit of words at the end after a value, which is dropped (``5\\text{ cm}`` → ``5``);
degrees (``^\\circ``), ``\\%``, ``\\$`` and a trailing period go; a leading ``x =`` (one letter) goes;
``.5`` → ``0.5``; a choice ``(C)`` → ``C``. Text answers (a word of three letters or more) compare without
case. When the strings differ, the answers are compared symbolically by math-verify in a killable worker
(``dsgen.verifiers.symbolic``, optional extra ``dsgen[math]``) under ``params["timeout"]`` seconds (default
3); a timeout scores 0 and is logged with its reason; a decimal must match to 10 digits (``0.8660254`` is
not ``\\frac{\\sqrt3}{2}``). ``params["symbolic"] = false`` turns the fallback off.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dsgen.verifiers import symbolic
from dsgen.verifiers.answer_match import exempt_words, locate
from dsgen.verifiers.hedging import doubted, hedged

_DELIMITERS = re.compile(r"^\s*(?:\$\$?|\\\(|\\\[)(.*?)(?:\$\$?|\\\)|\\\])\s*$", re.S)
_UNIT = re.compile(r"(?<=[\w}])\s*\\(?:text|mbox|mathrm)\s*\{\s*[A-Za-z][A-Za-z .]*\}(?:\^\{?[23]\}?)?\s*$")
_WRAPPERS = re.compile(r"\\(?:text|textbf|textnormal|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_DROP = re.compile(  # a row break ``\\`` is matched first and kept
    r"(\\\\)|\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|displaystyle|qquad|quad)(?![A-Za-z])|\\[!,;: ]|~"
)
_RENAME = (("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\dbinom", "\\binom"), ("\\tbinom", "\\binom"),
           ("\\leq", "\\le"), ("\\geq", "\\ge"), ("\\neq", "\\ne"), ("{bmatrix}", "{pmatrix}"))
_DEGREES = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ")
_SHORT_FRAC = re.compile(r"\\(frac|binom)\s*(\w|\\[A-Za-z]+)\s*(\w|\\[A-Za-z]+)")
_HALF_FRAC = re.compile(r"\\(frac|binom)\s*(\{[^{}]*\})\s*(\w)")
_SHORT_SQRT = re.compile(r"\\sqrt\s*(\w)")
_SINGLE_SCRIPT = re.compile(r"([\^_])\{(\w)\}")
_LEADING_VAR = re.compile(r"^[A-Za-z]=(?!.*=)")
_BARE_DECIMAL = re.compile(r"(?<![\d}])\.(\d)")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_CHOICE = re.compile(r"\(([A-Z])\)")
#: Mathematical content: a digit, a LaTeX command, an operator or bracket, or a lone letter (a variable or a
#: choice). "OK" has none: it is compared as text and never sent to the symbolic check.
_MATH = re.compile(r"[\d\\+\-*/^=_()\[\]{}<>|,.]|(?<![A-Za-z])[A-Za-z](?![A-Za-z])")
_OPERATOR_END = re.compile(r"(?:[+\-*/^=]|\\(?:cdot|times|div|pm|mp))\Z")
_OPERATOR_START = re.compile(r"[+\-*/^=!]|\\(?:cdot|times|div|pm|mp)(?![A-Za-z])")
#: A word of three or more letters outside a LaTeX command: a text answer, never compared symbolically
#: (math-verify reads "Odd" as o*d*d, equal to "Dod").
_WORD = re.compile(r"\\(?:begin|end)\{\w+\}|(?<![\\A-Za-z])([A-Za-z]{3,})")


def _unwrapped(text: str) -> str:
    """``text`` without surrounding math delimiters and a final period, superscript digits as ``^{n}``."""
    s = text.strip()
    match = _DELIMITERS.match(s)
    if match:
        s = match.group(1)
    if not s.isascii():
        s = _SUPERSCRIPTS.sub(lambda m: "^{" + m.group().translate(_SUPERSCRIPT_DIGITS) + "}", s)
    return s.strip().rstrip(".")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The canonical string of a LaTeX answer (see the module docstring for every rule)."""
    s = _unwrapped(text)
    s = _UNIT.sub("", s)
    previous = None
    while previous != s:  # nested wrappers: \text{\textbf{A}}
        previous, s = s, _WRAPPERS.sub(r"\1", s)
    s = _DROP.sub(r"\1", s)
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
    choice = _CHOICE.fullmatch(s)  # a multiple-choice letter: "(C)" is "C"
    return choice.group(1) if choice else s


def _identity_of(want: str, got: str) -> bool:
    """Whether normalised ``got`` is normalised ``want`` with an operation around it (``\\frac12+0``,
    ``1\\cdot\\frac12``, ``(\\frac12)^1``): an expression that holds the answer, not the answer."""
    at = got.find(want)
    if at == -1 or not want:
        return False
    before, after = got[:at].rstrip("({["), got[at + len(want) :].lstrip(")}]")
    return bool(_OPERATOR_END.search(before) or _OPERATOR_START.match(after))


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def score(completion: str, answer: str | None, params: dict) -> float:
    """1.0 when the completion's one final answer normalises to the normalised reference, or failing that
    is symbolically equal to it (``params["symbolic"]``, default true; ``params["timeout"]`` seconds)."""
    if not answer or not completion:
        return 0.0
    found, around = locate(completion)
    exempt = exempt_words(answer)
    if hedged(" ".join(found), around, exempt) or (found and doubted(completion, found[-1], around, exempt)):
        return 0.0  # "\boxed{x^2+1 \text{ or } x^2}", "\boxed{A}\nAlternatively, B", "\boxed{A}?"
    finals = {normalise(a.lstrip("#").strip()): a.lstrip("#").strip() for a in found}
    finals.pop("", None)
    if len(finals) != 1:
        return 0.0  # no answer, or several different ones
    (got, raw), want = finals.popitem(), normalise(answer)
    if got == want:
        return 1.0
    if any(m.group(1) for m in _WORD.finditer(got + " " + want)):
        return 1.0 if got.casefold() == want.casefold() else 0.0  # text answers: "odd" is "Odd"
    if _MATH.search(got) is None or _identity_of(want, got):
        return 0.0  # "OK": nothing mathematical to compare; "\frac12+0": an expression holding the answer
    raw = _unwrapped(raw)
    if not params.get("symbolic", True) or not raw.isascii():
        return 0.0  # math-verify reads "560²" as 560: only plain LaTeX goes to the symbolic check
    timeout = params.get("timeout", symbolic.DEFAULT_TIMEOUT)
    same, _ = symbolic.equivalent(_unwrapped(answer), raw, timeout=timeout)
    return 1.0 if same else 0.0
