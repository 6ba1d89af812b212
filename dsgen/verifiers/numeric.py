"""Verifier kind ``numeric``: does a completion's final answer equal the reference number, exactly?

Extraction, in order of authority:

1. explicit final-answer markers — every ``#### x`` line and every ``\\boxed{x}`` / ``\\fbox{x}``.
   Each must hold exactly one number, and all of them must agree; two different explicit answers
   (or one marker holding ``5 or 6``, ``5, 6``) is hedging and scores 0;
2. otherwise the *last* prose statement "answer is / answer: / answer = x" (earlier statements in the
   reasoning may be retracted), scored 0 when its line hedges ("5 or maybe 6");
3. otherwise the last number in the completion.

Whatever the path, an answer offered as one of several is hedging and scores 0: a number joined to
a different neighbouring number on its line (the one before the last number; those either side of a
``\\boxed{}``) by "or", "either", "maybe", "perhaps", "possibly", "alternatively" ("49 or 48",
"48, 49, or 50", "\\boxed{49} or 48"), by a new sentence that starts with one ("49. Or maybe 48."),
or as the end of a range ("between 40 and 50", "about 40 to 50"); the hedge word must stand in the
last clause between the two and within 64 characters of the answer. Several numbers joined otherwise
are reasoning, not alternatives ("7 × 7 = 49, minus 1 is 48" reads as 48; "48 apples in 3 boxes" as 3).

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
#: A sentence break inside the text between two numbers; what follows it must open with a hedge word.
_SENTENCE_BREAK = re.compile(r"[.!?;]\s|\n")
_HEDGE_OPENING = re.compile(r"\W*(?:or|maybe|perhaps|possibly)\b[^.!?;:=\n]{0,32}$", re.IGNORECASE)
#: Where a clause ends inside the text between two numbers (the hedge word must be in the last one).
_CLAUSE = re.compile(r"[,;()\[\]]")
_RANGE_JOIN = frozenset({"and", "to", "-", "\u2013", "\u2014"})
_RANGE_OPENING = re.compile(
    r"\b(?:between|somewhere(?: from)?|anywhere(?: from)?|roughly|about|around|approximately)\W{0,3}$",
    re.IGNORECASE,
)
#: Characters before a number searched for the number offered as its alternative.
_HEDGE_WINDOW = 160
#: Characters next to a number searched for a hedge word (a cheap test before looking closer).
_NEAR = 64
_RANGE_ENDINGS = (" and ", " to ", "-", "- ", "\u2013", "\u2013 ", "\u2014", "\u2014 ")
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


def _joined(text: str, first_start: int, first_end: int, second_start: int) -> bool:
    """Whether the text between a number at ``first_start:first_end`` and one at ``second_start`` offers
    them as alternatives: a hedge word in the same sentence, a next sentence opening with one, a range."""
    gap = text[first_end:second_start]
    breaks = None
    for breaks in _SENTENCE_BREAK.finditer(gap):
        pass
    if breaks is not None:
        return _HEDGE_OPENING.match(gap, breaks.end()) is not None
    if _HEDGE.search(gap):
        clauses = [c for c in _CLAUSE.split(gap) if c.strip()]  # "1, or rather ..., so 48" is not
        return not clauses or _HEDGE.search(clauses[-1]) is not None
    if gap.strip(" ,").lower() not in _RANGE_JOIN:
        return False
    return _RANGE_OPENING.search(text, max(0, first_start - 32), first_start) is not None


def _hinted(near: str) -> bool:
    """A cheap test (substring tests, much faster than a case-insensitive regex) that the text ``near``
    a number may hold a hedge word; ``_joined`` then decides."""
    return (("or" in near or "Or" in near) and (" or" in near or "(or" in near or "\nor" in near or "Or" in near)
            or "aybe" in near or "erhaps" in near or "ossibl" in near or "lternativ" in near or "ither" in near)


def _hedged_before(text: str, start: int, value: Number | None, line_only: bool = False) -> bool:
    """Whether the number at ``start`` (of ``value``) is offered as the alternative of a different
    number just before it (on its line when ``line_only``); callers first test ``_hinted``."""
    low = start - _HEDGE_WINDOW if start > _HEDGE_WINDOW else 0
    if line_only:
        low = max(low, text.rfind("\n", low, start) + 1)
    digit = _LAST_DIGIT.match(text, low, start)
    if digit is None:
        return False
    gap = text[digit.end() : start]
    if _HEDGE.search(gap) is None and gap.strip(" ,").lower() not in _RANGE_JOIN:
        return False
    begin = digit.start(1)  # the number before: back over its digits, then room for a sign or currency
    while begin > low and (text[begin - 1].isdigit() or text[begin - 1] in ",./"):
        begin -= 1
    previous = None
    for previous in _NUMBER.finditer(text, max(low, begin - 24), start):
        pass
    return (previous is not None and _value(previous) != value
            and _joined(text, previous.start(), previous.end(), start))


def _hedged_after(text: str, start: int, end: int, value: Number | None, line_only: bool = False) -> bool:
    """Whether the answer at ``start:end`` is offered with a different number just after it (on its
    line when ``line_only``); callers first test ``_hinted``."""
    stop = text.find("\n", end, end + _HEDGE_WINDOW) if line_only else -1
    stop = stop if stop != -1 else min(len(text), end + _HEDGE_WINDOW)
    following = _NUMBER.search(text, end, stop)
    return (following is not None and _value(following) != value
            and _joined(text, start, end, following.start()))


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
    close = text.find("}", start)
    if close != -1 and text.find("{", start, close) == -1:  # no nested braces: two searches, no loop
        return text[start:close]
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
    # one-character searches (memchr) first: most completions have no "#" and no backslash, and a
    # longer substring search through a 1 KB completion costs about 1 µs
    first = text.find("#")
    pos = text.find("####", first) if first != -1 else -1
    while pos != -1:
        end = text.find("\n", pos)
        line = text[pos + 4 : end if end != -1 else len(text)]
        found.append(_single(line.lstrip("#")))
        pos = text.find("####", end) if end != -1 else -1
    if "\\" in text:
        for m in _BOXED.finditer(text):
            content = _braced(text, m.end())
            value = _single(content)
            start, end = m.start(), m.end() + len(content) + 1
            if (
                value is not None and value is not _AMBIGUOUS
                and _hinted(text[max(0, start - _NEAR) : end + _NEAR])
                and (_hedged_before(text, start, value, True) or _hedged_after(text, start, end, value, True))
            ):
                value = _AMBIGUOUS  # "\boxed{49} or 48"
            found.append(value)
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
        digits = line.rstrip().removesuffix(".")
        if digits.isdigit() and digits.isascii() and len(digits) <= _MAX_DIGITS:
            # "... is 630.": the number is the line (a regex search and match groups cost 4 µs)
            value, rest = int(digits), line[len(digits) :]
        else:
            first = _NUMBER.search(line)
            if first is None:
                continue
            value = _value(first)
            rest = line[first.end() :]
        hedge = _HEDGE.search(rest)
        if hedge and any(v != value for v in _numbers(rest[hedge.end() :])):
            return _AMBIGUOUS
        # the next line opening with a hedge word: "The answer is 49.\nOr maybe 48."
        if stop != -1 and _hinted(text[stop : stop + _NEAR]) and _hedged_after(text, stop, stop, value):
            return _AMBIGUOUS
        return value


def _last_number(text: str) -> Number | None | object:
    """The last number of the completion, found from its last digit (fast on long text); _AMBIGUOUS when
    it is offered as the alternative of the number before it ("49 or 48")."""
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
    last = value = None
    if start > 1 and text[start - 1] in " \n" and text[start - 2].isalpha():
        # after "word ": no sign, currency, \frac or mixed-number part can belong to it, and no earlier
        # number can run into it, so the last number starts in the digit run itself
        run = text[start : last_digit + 1]
        if run.isdigit() and run.isascii():  # digits only, and no digit follows: a whole number
            value = int(run)
        else:
            for last in _NUMBER.finditer(text, start, last_digit + 2):
                pass
    if value is None and last is None:
        # room for a sign, a currency, a mixed number's whole part, \frac{
        low = start - 24 if start > 24 else 0
        space = text.rfind(" ", low - 16 if low > 16 else 0, low)
        for last in _NUMBER.finditer(text, space if space > 0 else low, last_digit + 2):  # + a closing brace
            pass
        if last is None:
            return None
    if last is not None:
        value, start = _value(last), last.start()
    near = text[start - _NEAR if start > _NEAR else 0 : start]
    if near.endswith(_RANGE_ENDINGS) or _hinted(near):
        return _AMBIGUOUS if _hedged_before(text, start, value) else value
    return value


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
