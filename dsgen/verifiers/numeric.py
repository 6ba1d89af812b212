"""Verifier kind ``numeric``: does a completion's final answer equal the reference number, exactly?

Extraction, in order of authority:

1. explicit final-answer markers — every ``#### x`` line and every ``\\boxed{x}`` / ``\\fbox{x}``.
   Each must hold exactly one number, and all of them must agree; two different explicit answers
   (or one marker holding ``5 or 6``, ``5, 6``) is hedging and scores 0;
2. otherwise the *last* prose statement "answer is / answer: / answer = x" (earlier statements in the
   reasoning may be retracted), scored 0 when its line hedges ("5 or maybe 6");
3. otherwise the last number in the completion.

Numbers are compared as exact fractions after normalisation: thousands separators (``1,234,567``;
a comma not followed by groups of three digits separates two numbers, so ``1,5`` is two numbers),
currency signs, ``%`` (dropped: ``10%`` reads as 10, the GSM8K convention, so it does not equal
``0.1``), decimals (a dot is always a decimal point: ``1.000`` is 1), fractions ``3/4``, mixed numbers
``2 1/2``, LaTeX ``\\frac{a}{b}``/``\\dfrac``/``\\tfrac``, signs (``-``, ``−``), trailing units and
punctuation, and decimal digits of any script (``٧٢``, ``７２``). ``5.0`` equals ``5``; ``-0`` equals ``0``.
Scientific notation is not read (``1e5`` is 1). Numbers over 4300 digits are not read (never equal).
``params``: optional ``rel_tol`` (relative tolerance, default 0: exact).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from dsgen.errors import DsgenError

_AMBIGUOUS = object()
Number = int | Fraction

_NUMBER = re.compile(
    r"(?=[-\u2212\u2013\\$€£¥₹.\d])(?<![\w.])(?<!\^)(?<!\^\{)"
    r"(?P<neg>[-\u2212\u2013]\s?)?(?:\\?\$|[€£¥₹])?\s?"
    r"(?:"
    r"(?P<mw>\d+)\s*\\[dt]?frac\{(?P<mn>\d+)\}\{(?P<md>\d+)\}"
    r"|\\[dt]?frac\{(?P<fn>-?\d+(?:\.\d+)?)\}\{(?P<fd>-?\d+(?:\.\d+)?)\}"
    r"|\\[dt]?frac(?P<sn>\d)(?P<sd>\d)"
    r"|(?P<ww>\d+)\s(?P<wn>\d+)/(?P<wd>\d+)(?![\d/])"
    r"|(?P<int>\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+)(?P<dec>\.\d+)?(?:\s?/\s?(?P<den>\d+(?:\.\d+)?))?"
    r"|(?P<dot>\.\d+)"
    r")"
)
_ANSWER_TAIL = re.compile(r"\**\s*(?:is|was|would be|will be|:|=)\s*\**\s*:?\s*")
_HEDGE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|alternatively)\b", re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LATEX_SPACING = re.compile(r"\{,\}|\\[,!;: ]|\\(?:left|right)\b")
_LAST_DIGIT = re.compile(r".*(\d)", re.DOTALL)
#: Characters searched first, from the end, for the last digit.
_DIGIT_WINDOW = 128
_MAX_DIGITS = 4300


def _decimal(text: str) -> Number:
    whole, _, frac = text.partition(".")
    if not frac:
        return int(whole)
    value = Fraction(int((whole or "0") + frac), 10 ** len(frac))
    return value.numerator if value.denominator == 1 else value


def _ratio(num: Number, den: Number) -> Number:
    value = Fraction(num, den)
    return value.numerator if value.denominator == 1 else value


def _value(m: re.Match) -> Number | None:
    """The exact value of a number match, or None when it is not a number (or too long to read)."""
    group = m.group
    try:
        if (whole := group("int")) is not None:
            dec = group("dec")
            value = int(whole.replace(",", "")) if dec is None else _decimal(whole.replace(",", "") + dec)
            if (den := group("den")) is not None:
                value = _ratio(value, _decimal(den))
        elif group("mw") is not None:
            value = int(group("mw")) + _ratio(int(group("mn")), int(group("md")))
        elif (num := group("fn")) is not None:
            den = group("fd")
            value = _ratio(_decimal(num.lstrip("-")), _decimal(den.lstrip("-")))
            if num.startswith("-") != den.startswith("-"):
                value = -value
        elif group("sn") is not None:
            value = _ratio(int(group("sn")), int(group("sd")))
        elif group("ww") is not None:
            value = int(group("ww")) + _ratio(int(group("wn")), int(group("wd")))
        else:
            value = _decimal(group("dot"))
    except (ValueError, ZeroDivisionError):
        return None
    return -value if group("neg") else value


def _numbers(text: str) -> list[Number | None]:
    return [_value(m) for m in _NUMBER.finditer(text)]


def _single(content: str) -> Number | None | object:
    """The one number in an explicit answer; None if there is none, _AMBIGUOUS if it holds several."""
    plain = content.strip().rstrip(".")
    if plain.isascii() and plain.isdigit() and len(plain) <= _MAX_DIGITS:
        return int(plain)
    if "\\" in content or "{" in content:
        content = _LATEX_SPACING.sub("", content)
    values = set(_numbers(content))
    if not values:
        return None
    if len(values) > 1 or None in values:
        return _AMBIGUOUS
    return values.pop()


def _braced(text: str, start: int) -> str:
    """The text from ``start`` up to the brace closing the one just before it."""
    depth, i, n = 1, start, len(text)
    while i < n:
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return text[start:]


def _explicit(text: str) -> Number | None | object:
    """The agreed value of all ``####`` lines and ``\\boxed{}``; None when there are none."""
    found: list[object] = []
    pos = text.find("####")
    while pos != -1:
        end = text.find("\n", pos)
        line = text[pos + 4 : end if end != -1 else len(text)]
        found.append(_single(line.lstrip("#")))
        pos = text.find("####", end) if end != -1 else -1
    if "box" in text:
        for m in _BOXED.finditer(text):
            found.append(_single(_braced(text, m.end())))
    if not found:
        return None
    if _AMBIGUOUS in found:
        return _AMBIGUOUS
    values = set(found)
    if len(values) != 1:
        return _AMBIGUOUS
    return values.pop()


def _prose(text: str) -> Number | None | object:
    """The number after the last "answer is/:/=" statement that has one on its line."""
    lower = text.lower()
    end = len(lower)
    while True:
        pos = lower.rfind("answer", 0, end)
        if pos == -1:
            return None
        end = pos
        tail = _ANSWER_TAIL.match(lower, pos + 6)
        if tail is None or tail.end() == pos + 6:
            continue
        stop = text.find("\n", tail.end())
        line = text[tail.end() : stop if stop != -1 else len(text)]
        first = _NUMBER.search(line)
        if first is None:
            continue
        value = _value(first)
        rest = line[first.end() :]
        hedge = _HEDGE.search(rest)
        if hedge and any(v != value for v in _numbers(rest[hedge.end() :])):
            return _AMBIGUOUS
        return value


def _last_number(text: str) -> Number | None:
    """The last number of the completion, found from its last digit (fast on long text)."""
    window = _DIGIT_WINDOW
    while True:  # the last digit (of any script), searched in growing windows from the end
        low = len(text) - window
        found = _LAST_DIGIT.match(text, low if low > 0 else 0)
        if found is not None or low <= 0:
            break
        window *= 8
    if found is None:
        return None
    last_digit = found.start(1)
    start = last_digit
    floor = last_digit - _MAX_DIGITS if last_digit > _MAX_DIGITS else 0
    while start > floor and (text[start - 1].isdigit() or text[start - 1] in ",./"):
        start -= 1
    if start == floor and floor:
        return None  # a number longer than Python reads
    if start > 1 and text[start - 1] in " \n" and text[start - 2].isalpha():
        # after "word ": no sign, currency, \frac or mixed-number part can belong to it, and no earlier
        # number can run into it, so the last number starts in the digit run itself
        run = text[start : last_digit + 1]
        if run.isdigit() and run.isascii():  # digits only, and no digit follows: a whole number
            return int(run)
        last = None
        for last in _NUMBER.finditer(text, start, last_digit + 2):
            pass
        if last is not None:
            return _value(last)
    # room for a sign, a currency, a mixed number's whole part, \frac{
    start = start - 24 if start > 24 else 0
    space = text.rfind(" ", start - 16 if start > 16 else 0, start)
    start = space if space > 0 else start
    last = None
    for last in _NUMBER.finditer(text, start, last_digit + 2):  # + a closing brace
        pass
    return None if last is None else _value(last)


def extract(completion: str) -> Number | None | object:
    """The final answer of a completion as an exact Fraction; None if none; a sentinel when it hedges."""
    if not completion:
        return None
    value = _explicit(completion)
    if value is None:
        value = _prose(completion) if ("nswer" in completion or "NSWER" in completion) else None
    if value is None:
        value = _last_number(completion)
    return value


@lru_cache(maxsize=65536)
def _reference(answer: str) -> Number:
    value = _single(answer)
    if value is None or value is _AMBIGUOUS:
        raise DsgenError(f"numeric verifier: the reference answer {answer!r} is not a single number")
    return value


def score(completion: str, answer: str | None, params: dict) -> float:
    """1.0 when the completion's single final answer equals ``answer`` (exactly, or within rel_tol)."""
    if answer is None:
        raise DsgenError("numeric verifier: the record has no reference answer")
    reference = _reference(answer)
    value = extract(completion)
    if value is None or value is _AMBIGUOUS:
        return 0.0
    tolerance = params.get("rel_tol") if params else None
    if tolerance:
        return 1.0 if abs(value - reference) <= Fraction(tolerance) * abs(reference) else 0.0
    return 1.0 if value == reference else 0.0
