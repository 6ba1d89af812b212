"""Verifier kind ``numeric``: is a completion's one final answer a number equal to the reference, exactly?

Extraction, in order of authority (the policy shared by every answer verifier is in the README, "What an
answer verifier grades", and in ``dsgen.verifiers.hedging``):

1. explicit final-answer markers — every ``#### x`` line, every ``\\boxed{x}`` / ``\\fbox{x}`` and every line
   that opens with "Answer:" / "Final answer:" (read as in 2); all of them must agree, and more than
   ``MAX_MARKERS`` of them score 0. A box or ``####`` line must *be* one number (after a last ``=``:
   ``#### 2*280 = 560``, ``\\boxed{x = 7}``), with a unit or currency at most: ``560^2``, ``\\sqrt{560}``,
   ``560!``, ``\\log 560``, ``560i``, ``560x``, ``560²``, ``5 or 6``, ``5, 6`` are no numbers and score 0. A
   ``####`` line that opens with a word is a Markdown heading;
2. otherwise the *last* prose statement "answer is / answer: / answer = x" with a number in its sentence
   (earlier ones may be retracted). The number opens the statement (after ``$``, "minus"/"negative") and
   is no operand, unless the sentence goes on to ``= value`` (then the value after its last ``=``); a
   bound, guess, list or question is no answer ("about 560", "560 or more", "not 560", "561, 560", "560?");
3. otherwise the last number of the completion, read the same way, REJECTED when it ends a list ("561\\n560",
   "1. 561\\n2. 560"), and skipping a percentage that follows another number of its sentence ("560 dollars,
   about 3 percent of the total" reads 560).

Numbers written in words ("five hundred sixty", "two million") are read by ``text2num`` where an answer
has no digit. Hedging scores 0: an answer offered with a different number on its line ("49 or 48",
"between 40 and 50", "\\boxed{49} or 48"), and, anywhere after the final answer, a sentence that holds a
hedge or retraction word, a new "answer" statement or a number asked about ("561?") and a different number
("#### 560\\nOr maybe 561.", "\\boxed{560}\\nWait, 561.") — unless it ends in ``= <answer>`` (the same answer
checked: "Alternatively, 12*4 = 48").

Numbers are compared as exact fractions after normalisation: thousands separators (``1,234,567``;
``1,5`` is two numbers), currency signs, ``%`` (dropped: ``10%`` reads as 10, the GSM8K convention),
decimals (a dot is always a decimal point: ``1.000`` is 1), fractions ``3/4``, mixed numbers ``2 1/2``,
LaTeX ``\\frac{a}{b}``/``\\dfrac``/``\\tfrac``, signs (``-``, ``−``), scientific notation (``2.04e3``,
``5.6 \\times 10^{2}``), trailing units and punctuation, and decimal digits of any script (``٧٢``, ``７２``).
Numbers over 4300 digits (or exponents over 4300) are not read (never equal). Every step is a bounded
search or one pass, so a completion is scored in time linear in its length.
``params``: optional ``rel_tol`` (relative tolerance, default 0: exact).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from text_to_num import alpha2digit

from dsgen.errors import DsgenError
from dsgen.verifiers.hedging import (
    HEDGE,
    MAX_MARKERS,
    PIECE,
    asked,
    boxes,
    hedge_pieces,
    sentence_start,
    unsure,
)

#: A final answer that is not one number (an expression, several numbers, a hedge): scores 0.
REJECTED = object()
Number = int | Fraction

_EXPONENT = (r"(?:[eE](?P<e1>[-+]?\d{1,4})"
             r"|\s*(?:\\times|\\cdot|×|·|\*)\s*10\s*\^\s*\{?\s*(?P<e2>[-+−]?\d{1,4})\s*\}?)")
_NUMBER = re.compile(
    r"(?=[-\u2212\u2013\\$€£¥₹.\d])(?<![\w.,])(?<!\^)(?<!\^\{)"
    r"(?P<neg>[-\u2212\u2013]\s?)?(?:\\?\$|[€£¥₹])?\s?"
    r"(?:"
    r"(?P<mw>\d+)\s*\\[dt]?frac\{(?P<mn>\d+)\}\{(?P<md>\d+)\}"
    r"|\\[dt]?frac\{(?P<fn>-?\d+(?:\.\d+)?)\}\{(?P<fd>-?\d+(?:\.\d+)?)\}"
    r"|\\[dt]?frac(?P<sn>\d)(?P<sd>\d)"
    r"|(?P<ww>\d+)\s(?P<wn>\d+)/(?P<wd>\d+)(?![\d/])"
    r"|(?P<int>\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?P<dec>\.\d+)?"
    rf"(?:{_EXPONENT}|\s?/\s?(?P<den>\d+(?:\.\d+)?))?"
    r"|(?P<dot>\.\d+)"
    r")"
)
#: Words that make a number an operand ("560 squared", "560 times 2").
_OPERATOR_WORDS = (r"(?:squared|cubed|factorial|times|plus|minus|over|divided|multiplied|raised"
                   r"|to the power)\b")
#: What may follow the number that *is* an explicit answer: a percent sign, a unit, punctuation.
_ANSWER_REST = re.compile(
    r"\s*(?:%|percent\b)?"
    rf"(?:(?:\s+|(?=[^\W\d_]{{2}}))(?!(?:st|nd|rd|th)\b|{_OPERATOR_WORDS})[^\W\d_][^\W\d_ .'/-]*"
    r"(?:[ ./-]+[^\W\d_]+)*(?:\^\{?[23]\}?|[²³])?)?"
    r"\s*\.?\s*"
)
#: Right after a number: it is an operand (``560^2``, ``560!``, ``560i``, ``560²``, ``560 * 2``; ``**560**`` is bold).
_OPERATOR_AFTER = re.compile(
    r"[\^!_'²³¹⁰⁴-⁹√]|[^\W\d_](?![^\W\d_])|\*\*\s*\d|[(\[]|\s*(?:\*(?!\*)|[×·÷+/]|" + _OPERATOR_WORDS
    + r"|\\(?!text|mathrm|mbox|quad|,|;|!|\)|\]|%|\$)[A-Za-z]+|[-−](?=\s*[\d(\\]))"
)
#: Right before a number: it is the argument of something (``\sqrt{560}``, ``\log 560``, ``2^560``, ``√560``).
_OPERATOR_BEFORE = re.compile(
    r"(?:\\(?!boxed|fbox|text|mathrm|mbox|quad|qquad|displaystyle|left|\(|\[)[A-Za-z]+\s*(?:\[[^\]]{0,8}\])?\s*[{(\[]?|[\^_√×·÷/+]\s*\{?|(?<!\*)\*\s*"
    r"|\b(?:log|ln|sqrt|sin|cos|tan|exp|root of|square root of|factorial of|times|plus|over|divided by"
    r"|multiplied by|power of)\s*\(?)\s*$",
    re.IGNORECASE,
)
_WORDS = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
          "|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
          "|million|billion")
#: A ``####`` answer line. One whose text opens with a word is a Markdown heading ("#### Step 1", "#### Two
#: cases") unless the word is a sign or bound ("#### minus 5", "#### about 5": read, and rejected as no
#: answer), "x =", or the whole line is a number in words ("#### five hundred sixty").
_HASH_LINE = re.compile(
    r"####+[ \t]*+(?!(?!(?:minus|negative|about|approx|around|roughly|nearly|almost|not|at least|at most)\b"
    rf"|[A-Za-z]\s*=|(?:(?:{_WORDS}|and|a)\b[ \t-]*)+[.!]?[ \t]*(?:\n|\Z))[^\W\d_])([^\n]*)",
    re.IGNORECASE,
)
#: Words that make a number a bound or a guess, not the answer ("about 560", "560 or more", "560 and 561").
_BOUND_BEFORE = re.compile(
    r"(?:\b(?:about|approximately|approx\.?|around|roughly|nearly|almost|at least|at most|more than|less than"
    r"|fewer than|not|over|under|between)|[~≈<>≤≥])\s*\$?\s*\Z",
    re.IGNORECASE,
)
_BOUND_AFTER = re.compile(
    r"\s*(?:\+(?!\s*\d)|(?:or|and) (?:more|less|fewer|so|above|below)\b"
    r"|and (?:a|one|\d+) (?:half|third|quarter)"
    r"|(?:[^\W\d_]+\s+){0,3}(?:and|&|plus|to)\s+[-−]?\$?\d)",
    re.IGNORECASE,
)
#: A number that ends just before another, with only separators between: a list of candidates.
_LIST_BEFORE = re.compile(r"\d[\s,;/|.]+\Z")
_LIST_AFTER = re.compile(r"[ \t]*(?:[,;/|][ \t]*|[ \t]|\n\s*)[-−]?\$?\d")
_SIGN_BEFORE = re.compile(r"\b(?:minus|negative)\s+\Z", re.IGNORECASE)
_SIGN_WORD = re.compile(r"\s*(?:minus|negative)\s+(?=\d)", re.IGNORECASE)
_LATEX_SPACING = re.compile(r"\{,\}|\\[,!;: ]|\\(?:left|right|displaystyle)\b|\\q?quad\b")
_LATEX_WRAPPER = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_MATH_DELIMITER = re.compile(r"\\[()\[\]]|\$(?!\d)")
_TAG = re.compile(r"</?[A-Za-z][\w-]{0,20}>")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")
#: A line that opens with "Answer:" / "Final answer:" (an explicit marker, like a box).
_ANSWER_LINE = re.compile(r"answer[*_ \t]*(?:is[ \t]*)?[:：][*_]*[ \t]*", re.IGNORECASE)
#: What may stand before "answer" on an answer line: nothing but marks ("**", "- ") and "final".
_LINE_OPENING = re.compile(r"(?:\A|\n)[^\w\n]*(?:final\s+)?\Z", re.IGNORECASE)
_STATEMENT = re.compile(r"answer\**\s*(?:is|was|would be|will be|:|=)\s*\**\s*:?\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")
_PERCENT_AFTER = re.compile(r"\s*(?:\\?%|percent|per cent)")
_RANGE_OPENING = re.compile(
    r"\b(?:between|somewhere(?: from)?|anywhere(?: from)?|roughly|about|around|approximately)\W{0,3}$",
    re.IGNORECASE,
)
_RANGE_JOIN = frozenset({"and", "to", "-", "\u2013", "\u2014"})
_DIGIT = re.compile(r"\d")
#: A last number stated as a result: the word just before it (after filler and an article), what opens its
#: sentence, or what follows it.
_RESULT_WORDS = frozenset(
    "is are was were be so thus therefore hence equals equal makes make made gives give gets get got totals total"
    " needs need leaves leave remains remain yields yield".split()
)
_RESULT_PAIRS = frozenset(("total of", "sum of", "comes to", "come to", "left with", "results in", "result in"))
_FILLER = " \t\n$*#(){}-\\"
#: How far before a last number its result word is looked for.
_CUE = 48
_CONCLUSION = re.compile(
    r"(?:[\W_]*|.*[,;:]\s*)(?:so|therefore|thus|hence|altogether|in total|in all|overall|finally|total"
    r"|that makes|this makes|which means|in the end)\b",
    re.IGNORECASE,
)
_RESULT_AFTER = re.compile(r"\b(?:in total|altogether|all together|in all|combined|overall|total|left|remaining|remain)\b",
                           re.IGNORECASE)
_LAST_DIGIT = re.compile(r".*(\d)", re.DOTALL)
_NUMBER_WORD = re.compile(rf"\b(?:{_WORDS})\b", re.IGNORECASE)
_RANGE_ENDINGS = (" and ", " to ", "-", "- ", "\u2013", "\u2013 ", "\u2014", "\u2014 ")
#: Characters before the last number searched (cheaply) for a hedge word or a range.
_NEAR = 64
#: The longest answer read after an "answer is" statement, and before a number for a hedge.
_WINDOW = 160
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
            digits = whole.replace(",", "")
            if len(digits) > _MAX_DIGITS:
                return None
            dec = group("dec")
            value = int(digits) if dec is None else _decimal(digits + dec)
            if (den := group("den")) is not None:
                value = _ratio(value, _decimal(den))
            exponent = group("e1") or group("e2")
            if exponent is not None:
                power = int(exponent.replace("−", "-"))
                if abs(power) > _MAX_DIGITS:
                    return None
                value = _ratio(value * Fraction(10) ** power, 1)
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


def _plain(text: str) -> str:
    """``text`` without LaTeX spacing, math delimiters, degree signs, text wrappers (their words kept) and
    markup tags (``304</think>``)."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "\\" in text or "{" in text or "$" in text:
        text = _LATEX_SPACING.sub("", text)
        text = _LATEX_WRAPPER.sub(r" \1", text)
        text = _DEGREES.sub("", _MATH_DELIMITER.sub("", text)).replace("\\%", "%")
    return text


def _in_words(text: str) -> str:
    """``text`` with numbers in words as digits ("five hundred sixty" → "560") when it has no digit."""
    if _DIGIT.search(text) is None and _NUMBER_WORD.search(text):
        return alpha2digit(text, "en", threshold=0)
    return text


def _whole(content: str) -> Number | object | None:
    """The number an explicit answer (a box's content, a ``####`` line) *is*; None when it is empty,
    REJECTED when it is anything but one number (an expression, several numbers, a hedge)."""
    plain = content.strip()
    if plain.isascii() and plain.isdigit() and len(plain) <= _MAX_DIGITS:
        return int(plain)
    plain = _plain(content)
    if HEDGE.search(plain):
        return REJECTED
    sides = plain.split("=")
    plain = _in_words(sides[-1]).strip()
    if not plain:
        return None
    if len(sides) > 1:
        value = _whole(sides[-1])
        for side in sides[:-1]:  # "#### 6 = 5": a false equation is no answer; "2*280 = 560" is a check
            if _NUMBER.fullmatch(side.strip()) and _whole(side) != value:
                return REJECTED
        return value
    sign = _SIGN_WORD.match(plain)
    number = _NUMBER.match(plain, sign.end() if sign else 0)
    if number is None or _ANSWER_REST.fullmatch(plain, number.end()) is None:
        return REJECTED
    value = _value(number)
    if value is None:
        return REJECTED
    return -value if sign else value


def _operand(text: str, m: re.Match) -> bool:
    """Whether the number matched at ``m`` is the operand of an operator (``560^2``, ``\\sqrt{560}``; ``560!``
    is a factorial, never an exclamation)."""
    if _OPERATOR_AFTER.match(text, m.end()):
        return True
    return _OPERATOR_BEFORE.search(text, max(0, m.start() - 24), m.start()) is not None


def _leading(sentence: str) -> Number | object | None:
    """The number an "answer is …" sentence opens with (after ``$``, "minus"); after a calculation the value
    after its last ``=``; None when the sentence has no number, REJECTED when the number is an operand."""
    sentence = _in_words(_plain(sentence))
    sign = _SIGN_WORD.match(sentence)
    first = _NUMBER.search(sentence, sign.end() if sign else 0)
    if first is None:
        return None
    if _operand(sentence, first):
        equals = sentence.rfind("=", first.end())
        if equals == -1:
            return REJECTED
        return _leading(sentence[equals + 1 :])
    value = _value(first)
    if (value is None or _LIST_AFTER.match(sentence, first.end()) or _BOUND_AFTER.match(sentence, first.end())
            or _BOUND_BEFORE.search(sentence, 0, first.start()) or sentence.rstrip().endswith("?")):
        return REJECTED  # "Answer: 561, 560", "560 or more", "about 560", "not 560", "560?"
    rest = sentence[first.end() :]
    hedge = HEDGE.search(rest)
    if hedge and any(_value(m) != value for m in _NUMBER.finditer(rest, hedge.end())):
        return REJECTED  # "The answer is 5 or 6"
    return -value if sign else value


def _offered_with(text: str, start: int, value: Number | None, *, line_only: bool = False) -> bool:
    """Whether the number at ``start`` is offered as the alternative of a different number just before it
    (on its line when ``line_only``): "49 or 48", "between 40 and 50", "49.\nOr maybe 48" — the hedge word
    stands in the last clause between them, or opens the sentence of the second."""
    low = max(start - _WINDOW, 0)
    if line_only:
        low = max(low, text.rfind("\n", low, start) + 1)
    before = text[low:start]
    near = before[-_NEAR:]
    if not (near.endswith(_RANGE_ENDINGS) or _hinted(near)):
        return False
    previous = None
    for previous in _NUMBER.finditer(before):
        pass
    if previous is None or _value(previous) == value:
        return False
    gap = before[previous.end() :]
    breaks = list(_SENTENCE_END.finditer(gap))
    if breaks:  # "49. Or maybe 48.": the new sentence must open with the hedge word
        return re.match(r"\W*(?:or|maybe|perhaps|possibly)\b", gap[breaks[-1].end() :], re.IGNORECASE) is not None
    if HEDGE.search(gap):
        clauses = [c for c in re.split(r"[,;()\[\]]", gap) if c.strip()]  # "1, or rather ..., so 48" is not
        return not clauses or HEDGE.search(clauses[-1]) is not None
    if gap.strip(" ,").lower() not in _RANGE_JOIN:
        return False
    return _RANGE_OPENING.search(before, max(0, previous.start() - 32), previous.start()) is not None


def _offered_after(text: str, end: int, value: Number | None) -> bool:
    """Whether a different number follows the answer ending at ``end`` on its line, joined by a hedge word
    ("\\boxed{49} or 48", "48 (or 49)")."""
    stop = text.find("\n", end, end + _WINDOW)
    after = text[end : stop if stop != -1 else end + _WINDOW]
    hedge = HEDGE.search(after)
    return hedge is not None and any(_value(m) != value for m in _NUMBER.finditer(after, hedge.end()))


def _doubt(text: str, start: int, end: int) -> bool:
    """Whether the sentence that states the final answer (the answer at ``start``, its sentence ending at
    ``end``) voices doubt: "I think the answer is 5", "#### 5ish" (its line is looked at first: cheaper)."""
    low = max(0, start - PIECE)
    line = max(low, text.rfind("\n", low, start) + 1)
    return unsure(text[line:end]) and unsure(text[sentence_start(text, start) : end])


def _hedged_after(text: str, end: int, value: Number | None) -> bool:
    """Whether, after the final answer (ending at ``end``), a sentence with a hedge word, "answer" or "N?"
    holds a number other than ``value``, or one voices doubt ("Not sure.", "Probably 6."), and it does not
    end in ``= value`` (the same answer checked: "Maybe I should double check: 12*4 = 48")."""
    for count, piece in enumerate(hedge_pieces(text, end)):
        if count == MAX_MARKERS:
            return True  # hedging again and again
        numbers = [m for m in _NUMBER.finditer(_in_words(_plain(piece)))]
        values = [_value(m) for m in numbers]
        if any(v != value for v in values) or unsure(piece):
            last = numbers[-1] if numbers else None
            if last is not None and values[-1] == value and last.string[: last.start()].rstrip().endswith("="):
                continue  # "Alternatively, 12*4 = 48": the same answer, checked another way
            return True
    return False


def _answer_words(text: str) -> list[int]:
    """Where the word "answer" (any case) stands in ``text`` (a plain search: much faster than a regex scan)."""
    lower = text.lower()
    found, pos = [], lower.find("answer")
    while pos != -1:
        found.append(pos)
        pos = lower.find("answer", pos + 6)
    return found


def _explicit(text: str, answers: list[int]) -> tuple[Number | object | None, int, int]:
    """The agreed value of all ``####`` lines, "Answer:" lines (``answers``: where "answer" stands) and boxes,
    where the last of them starts and where it ends; None if none, REJECTED as soon as one is not a number or two disagree.
    A ``####`` line that opens with a word is a Markdown heading ("#### Step 1"), not an answer."""
    agreed: object = None
    last_start = last_end = markers = 0
    for line in _HASH_LINE.finditer(text) if "####" in text else ():
        value = _whole(line.group(1))
        if value is not None:
            markers += 1
            if markers > MAX_MARKERS:
                return REJECTED, 0, line.end()  # one answer is stated once
            if value is REJECTED or agreed not in (None, value):
                return REJECTED, 0, line.end()
            agreed, last_start, last_end = value, line.start(), line.end()
    for pos in answers:
        line = _ANSWER_LINE.match(text, pos)
        if line is None or _LINE_OPENING.search(text, max(0, pos - 24), pos) is None:
            continue
        stop = _SENTENCE_END.search(text, line.end(), line.end() + _WINDOW)
        end = stop.end() if stop else min(len(text), line.end() + _WINDOW)
        value = _leading(text[line.end() : end])  # with its full stop: "3!." is a factorial, "3! " is not
        if value is not None:
            markers += 1
            if markers > MAX_MARKERS:
                return REJECTED, 0, end
            if value is REJECTED or agreed not in (None, value):
                return REJECTED, 0, end
            if end > last_end:
                last_start, last_end = pos, end
            agreed = value
    found = boxes(text)
    if found is None:
        return REJECTED, 0, len(text)  # more boxes than any one answer needs
    for start, content_start, content_end in found:
        value = _whole(text[content_start:content_end])
        if value is None:
            continue
        if (value is REJECTED or agreed not in (None, value) or _offered_with(text, start, value, line_only=True)
                or _offered_after(text, content_end + 1, value) or asked(text, content_end + 1)):
            return REJECTED, 0, content_end  # "\boxed{49} or 48", "\boxed{49}?"
        if content_end + 1 > last_end:
            last_start, last_end = start, content_end + 1
        agreed = value
    return agreed, last_start, last_end


def _prose(text: str, answers: list[int]) -> tuple[Number | object | None, int, int]:
    """The number of the last "answer is/:/=" statement whose sentence has one, where the statement starts
    and where its sentence ends
    (each statement is read up to the next one, at most ``_WINDOW`` characters: linear time)."""
    limit = len(text)
    for pos in reversed(answers):
        statement = _STATEMENT.match(text, pos, limit)
        if statement is not None and statement.end() < limit:
            begin = statement.end()
            stop = _SENTENCE_END.search(text, begin, min(limit, begin + _WINDOW))
            end = stop.end() if stop is not None else min(limit, begin + _WINDOW)
            if _DIGIT.search(text, begin, end) is not None or _NUMBER_WORD.search(text, begin, end) is not None:
                value = _leading(text[begin:end])
                if value is not None:
                    return value, pos, end
        limit = pos
    return None, 0, 0


def _last_number(text: str) -> Number | object | None:
    """The last number of the completion (its last sentence's, in words when it has no digit), REJECTED when
    it is an operand or is offered as the alternative of the number before it ("49 or 48")."""
    low = len(text) - 4 * _WINDOW
    digit = _LAST_DIGIT.match(text, low if low > 0 else 0) or (_LAST_DIGIT.match(text) if low > 0 else None)
    after = text[digit.end() :] if digit is not None else text[-PIECE:]
    sentences = "\n" in after or ". " in after or "? " in after or "! " in after
    if (sentences or digit is None) and len(after) < 4 * PIECE:
        words = _last_sentence_in_words(after)  # "... 12 boxes.\nSo she has five hundred sixty apples."
        if words is not None:
            return words
    if digit is None:
        return None
    last_digit = digit.start(1)
    start, floor = last_digit, max(0, last_digit - _MAX_DIGITS)
    while start > floor and (text[start - 1].isdigit() or text[start - 1] in ",./"):
        start -= 1
    stop = min(len(text), last_digit + 24)  # + a closing brace, "squared", "percent"
    last = None
    # from 24 characters before the digits: room for a sign, currency, "\frac{", a whole part
    for last in _NUMBER.finditer(text, max(0, start - 24), stop):
        pass
    if last is None:
        return None
    aside = _aside(text, last)
    if aside is not None or _PERCENT_AFTER.match(text, last.end()):
        # "560 dollars, about 3 percent of it" and "72 clips in total (48 in April, 24 in May)" read the
        # number before the remark, when its sentence has one
        begin = max(0, last.start() - _WINDOW)
        begin = max((m.end() for m in _SENTENCE_END.finditer(text, begin, last.start())), default=begin)
        numbers = _NUMBER.finditer(text, begin, aside if aside is not None else last.start())
        plain = [m for m in numbers if not _PERCENT_AFTER.match(text, m.end())]
        last = plain[-1] if plain else last
    value = _value(last)
    if value is None or _operand(text, last):
        return REJECTED
    if _SIGN_BEFORE.search(text, max(0, last.start() - 12), last.start()):
        value = -value  # "So the change is minus 3"
    listed = _LIST_BEFORE.search(text, max(0, last.start() - 32), last.start())
    if listed is not None:  # "561, 560", "561\n560", "1. 561\n2. 560": candidates, not reasoning
        previous = None
        for previous in _NUMBER.finditer(text, max(0, listed.start() - 64), listed.start() + 1):
            pass
        if previous is not None and _value(previous) != value:
            return REJECTED
    if _offered_with(text, last.start(), value):
        return REJECTED
    begin = sentence_start(text, last.start())
    if not _stated(text, last, begin) or asked(text, last.end()) or unsure(text[begin:]):
        return REJECTED  # "Favors come in packs of 6." (an echo), "5?", "5, probably"
    return value


def _stated(text: str, last: re.Match, begin: int) -> bool:
    """Whether the last number ``last`` is stated as a result, not merely the last number of some prose (an
    echo of the problem): it opens its sentence or line ("560", "$560 in all"), follows "=", "is", "makes",
    "gives", "total", … ("So the total is 560"), its sentence opens with "So", "Therefore", "Altogether", …,
    or ends with "in total", "altogether", "left", …; and no question follows it. ``begin``: where its
    sentence starts."""
    if "?" in text[last.end() : last.end() + 4 * PIECE]:
        return False  # the completion ends by asking something: no answer (a prompt echoed ends so)
    sentence = text[begin : last.start()]
    if _result_word(sentence):
        return True
    rest = _SENTENCE_END.search(text, last.end(), last.end() + PIECE)
    after = text[last.end() : rest.start() if rest is not None else last.end() + PIECE]
    return _CONCLUSION.match(sentence) is not None or _RESULT_AFTER.search(after) is not None


def _result_word(before: str) -> bool:
    """Whether the text ``before`` a number (in its sentence) ends in a result word ("=", ">>", ":", "is",
    "makes", "total of", "from 40 to", ...; "\\boxed{", "$", "minus", an article between) or is empty."""
    tail = before.rstrip(_FILLER)
    if tail.endswith("boxed"):
        tail = tail[:-5].rstrip(_FILLER)
    if not tail or tail.endswith(("=", ">>", ":")):
        return True
    words = tail[-_CUE:].lower().replace(",", " ").split()
    while words and words[-1] in ("minus", "negative", "a", "an", "the"):
        words.pop()
    return bool(words) and (words[-1] in _RESULT_WORDS or " ".join(words[-2:]) in _RESULT_PAIRS
                            or len(words) >= 3 and words[-1] == "to" and words[-3] == "from")


def _aside(text: str, last: re.Match) -> int | None:
    """Where the parenthesis opens when the number ``last`` stands in a remark in parentheses that ends its
    sentence ("... 72 clips (48 in April, 24 in May)."), else None."""
    opening = text.rfind("(", max(0, last.start() - _WINDOW), last.start())
    if opening == -1 or ")" in text[opening : last.start()]:
        return None
    closing = text.find(")", last.end(), last.end() + _WINDOW)
    if closing == -1 or text[closing + 1 :].strip(" .!\n") or HEDGE.search(text, opening, closing):
        return None  # not a closing remark, or one that offers another answer: "49 (or 48 if ...)"
    return opening


def _last_sentence_in_words(text: str) -> Number | object | None:
    """The last number of ``text``'s last sentence when that sentence has no digit but a number in words."""
    end = text[-PIECE:].rstrip().rstrip(".!?;")
    breaks = None
    for breaks in _SENTENCE_END.finditer(end):
        pass
    sentence = end[breaks.end() :] if breaks is not None else end
    if _DIGIT.search(sentence) is not None or _NUMBER_WORD.search(sentence) is None:
        return None
    last = None
    for last in _NUMBER.finditer(_in_words(sentence)):
        pass
    if last is None:
        return None
    value = _value(last)
    return REJECTED if value is None or _operand(last.string, last) else value


def _hinted(near: str) -> bool:
    """A cheap test (substring tests, much faster than a case-insensitive regex) that the text ``near`` a
    number may hold a hedge word; ``_offered_with`` then decides."""
    return (("or" in near or "Or" in near) and (" or" in near or "(or" in near or "\nor" in near or "Or" in near)
            or "aybe" in near or "erhaps" in near or "ossibl" in near or "lternativ" in near or "ither" in near)


def extract(completion: str) -> Number | object | None:
    """The final answer of a completion as an exact number; None if none; REJECTED when it is not one
    number or is hedged."""
    if not completion:
        return None
    answers = _answer_words(completion) if ("nswer" in completion or "NSWER" in completion) else []
    value, start, end = _explicit(completion, answers)
    if value is None and answers:
        value, start, end = _prose(completion, answers)
    if value is None:
        return _last_number(completion)
    if value is not REJECTED and (_doubt(completion, start, end) or _hedged_after(completion, end, value)):
        return REJECTED  # "\boxed{5}. Probably 6.", "The answer is 5. Not sure.", "#### 5ish"
    return value


@lru_cache(maxsize=65536)
def _reference(answer: str) -> Number:
    value = _whole(answer) if _DIGIT.search(answer) else None
    if value is None or value is REJECTED:
        raise DsgenError(f"numeric verifier: the reference answer {answer!r} is not a single number")
    return value


def score(completion: str, answer: str | None, params: dict) -> float:
    """1.0 when the completion's single final answer equals ``answer`` (exactly, or within rel_tol)."""
    if answer is None:
        raise DsgenError("numeric verifier: the record has no reference answer")
    reference = _reference(answer)
    value = extract(completion)
    if value is None or value is REJECTED:
        return 0.0
    tolerance = params.get("rel_tol") if params else None
    if tolerance:
        return 1.0 if abs(value - reference) <= Fraction(tolerance) * abs(reference) else 0.0
    return 1.0 if value == reference else 0.0
