"""How the math builders write numbers and the words that agree with them.

Numbers: money with cents (``8.50``), other exact numbers as ``dsgen.expressions.format_number`` writes
them. Words: plurals and articles come from the ``inflect`` library (imported on first use: it takes a
second or two to import), memoised because a problem's words come from small lists.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from quicktions import Fraction

from dsgen.expressions import format_number, format_operand


def money(value: Any) -> str:
    """Dollars with cents (``8.50``), or ``format_number`` when the value is not whole cents."""
    value = Fraction(value)
    if 100 % value.denominator:
        return format_number(value)
    cents = value.numerator * (100 // value.denominator)
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def number_texts(value: Any, is_money: bool) -> tuple[str, str, str]:
    """How a text shows a number: (in the sentence, as a calculation operand, as a calculation result);
    a word of a mixed choice is itself (quoted in calculations)."""
    if isinstance(value, str):
        return value, repr(value), value
    text = format_number(value)
    return (money(value) if is_money else text), format_operand(value), text


@lru_cache(maxsize=None)
def inflector() -> Any:
    """The inflect engine (imported on first use)."""
    import inflect

    return inflect.engine()


@lru_cache(maxsize=4096)
def plural(noun: str) -> str:
    """The plural of a noun or noun phrase ("box" → "boxes", "slice of cake" → "slices of cake")."""
    return inflector().plural_noun(noun)


@lru_cache(maxsize=4096)
def with_article(phrase: str) -> str:
    """``phrase`` after "a" or "an", as inflect chooses ("an opera house", "a university")."""
    return inflector().a(phrase)


def count(number: Any, noun: str) -> str:
    """A number and a noun that agrees with it: "1 hour", "3 hours", "2.5 hours"."""
    text = number if isinstance(number, str) else format_number(number)
    return f"{text} {noun if text == '1' else plural(noun)}"


def join_words(words: list[str]) -> str:
    """Words as a list in a sentence: "Ana, Ben and Carla" (no serial comma; inflect's ``join`` gives the
    same but checks its argument types on every call, a third of a compose record's time)."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
