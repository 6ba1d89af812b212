"""Blurs a fact's value at a level (0 exact, 1 light, 2 heavy) and says which values match the blur.

Years blur to a decade, then to three decades; numbers to a 1-2-5 bucket, then to an order of
magnitude; categories to their broader, then broadest category. The *key* of a blurred value is
what candidate indexes group entities by: two entities match a clue exactly when their keys agree.
"""

from __future__ import annotations

LEVELS = (0, 1, 2)


def number_range(level: int, value: int) -> tuple[int, int]:
    """The inclusive range a number is blurred to: itself, its 1-2-5 bucket, or its order of magnitude."""
    if level == 0 or value <= 0:
        return value, value
    p = 10 ** (len(str(value)) - 1)
    if level == 2:
        return p, 10 * p - 1
    lead = value // p
    base, top = (1, 2) if lead < 2 else (2, 5) if lead < 5 else (5, 10)
    return base * p, top * p - 1


def year_range(level: int, year: int) -> tuple[int, int]:
    """The inclusive range a year is blurred to: itself, its decade, or its block of three decades."""
    width = (1, 10, 30)[level]
    lo = year - year % width
    return lo, lo + width - 1


def key(kind: str, level: int, value, broader: dict[str, tuple[str, str]]):
    """The index key of ``value`` blurred at ``level``; None when that blur is unavailable (no taxonomy)."""
    if kind == "year":
        return year_range(level, value)[0]
    if kind == "number":
        return number_range(level, value)[0]
    if level == 0:
        return value
    ancestors = broader.get(value)
    return ancestors[level - 1] if ancestors else None


def constraint(kind: str, level: int, value, broader: dict[str, tuple[str, str]]) -> dict:
    """What a clue demands, in plain data (metadata; tests re-prove uniqueness from it)."""
    if kind == "year":
        return {"range": list(year_range(level, value))}
    if kind == "number":
        return {"range": list(number_range(level, value))}
    return {"category": key(kind, level, value, broader)}


def article(noun: str) -> str:
    """'a' or 'an' for a lower-case noun phrase (by its first letter, with the 'uni-' exception)."""
    return "an" if noun[:1] in "aeio" or (noun[:1] == "u" and not noun.startswith("uni")) else "a"


def phrase(kind: str, level: int, value, broader: dict[str, tuple[str, str]]) -> str:
    """The words a sentence uses for ``value`` blurred at ``level`` (``{v}`` in facts.yaml)."""
    if kind == "year":
        lo, hi = year_range(level, value)
        if level == 0:
            return f"in {value}"
        if level == 1:
            return f"in the {lo}s"
        return f"between the {lo}s and the {lo + 20}s"
    if kind == "number":
        if level == 0:
            return f"{value:,}"
        lo, hi = number_range(level, value)
        return f"between {lo:,} and {hi:,}"
    name = key(kind, level, value, broader)
    return f"{article(name)} {name}" if level == 0 else f"some kind of {name}"


def leaks(kind: str, value, text: str) -> bool:
    """Whether ``text`` states ``value`` exactly (as a whole word or number, whatever the case)."""
    low = text.casefold()
    surfaces = (f"{value:,}", str(value)) if kind == "number" else (str(value).casefold(),)
    for surface in surfaces:
        start = low.find(surface)
        while start >= 0:
            end = start + len(surface)
            before, after = low[start - 1:start], low[end:end + 2]
            inside_before = before.isalnum() or before in ("_", ",")
            inside_after = after[:1].isalnum() or after[:1] == "_" or (after[:1] == "," and after[1:2].isdigit())
            if not inside_before and not inside_after:
                return True
            start = low.find(surface, start + 1)
    return False
