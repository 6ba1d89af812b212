"""Text folding for robust matching: one comparable token stream whatever the typography.

``tokens`` maps text to lowercase ASCII tokens, runs of letters or of digits ("19th" -> "19", "th"): NFKC first (full-width and compatibility
forms), invisible format characters (zero-width spaces and joiners, soft hyphens, BOM) dropped, letters
that look Latin mapped by shape (``Н`` -> ``H``, ``ϲ`` -> ``c``: Unicode's UTS #39 confusables), then ``anyascii`` transliterates
the rest, and everything
that is not a letter or digit separates tokens; thousands separators inside numbers are dropped first
(``6,755`` -> ``6755``). ``find`` then matches a needle's tokens inside a haystack's tokens, also when
the separators between them differ or vanish (``EV-1435``, ``EV 1435``, ``EV1435``, ``E V 1 4 3 5``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f'\u2009](?=\d{3}(?!\d))")
_TOKEN = re.compile(r"[a-z]+|[0-9]+")


#: Look-alike dots and commas beyond those NFKC maps to "." and ",": UTS #39's confusables of each, its
#: confusables of the middle dot, the raised dot, and the combining dot below (``ꓸ``, ``٫``, ``‚``, ``∙``).
_EXTRA_DOTS = "\u00b7\u2e33\u0323"


@lru_cache(maxsize=1)
def _skeleton_data() -> tuple[dict[int, str], frozenset[str], frozenset[str]]:
    """(look-alike map, dots, commas) from Unicode's UTS #39 confusables (``confusable_homoglyphs``' copy).

    A non-ASCII character whose prototype is one ASCII letter or digit maps to that prototype (``ϲ`` -> ``c``,
    Cyrillic ``Н`` -> ``H``), or to its transliteration where that has the same prototype (Cyrillic ``І``
    -> ``I``, whose prototype is ``l``). Decimal digits of other scripts are left to transliteration by value
    (Bengali ``৪`` is a 4 that looks like 8)."""
    from confusable_homoglyphs.confusables import confusables_data as data

    def sources(prototype: str) -> list[str]:
        return [s for e in data.get(prototype, ()) if len(s := e["c"].strip("\u200e\u200f")) == 1]

    def prototype(char: str) -> str:
        targets = [e["c"] for e in data.get(char, ()) if e["c"].isascii()]
        return targets[0] if len(data.get(char, ())) == 1 and targets else char

    table: dict[int, str] = {}
    for proto in (c for c in data if len(c) == 1 and c.isascii() and c.isalnum()):
        for char in sources(proto):
            if char.isascii() or unicodedata.category(char) == "Nd":
                continue
            plain = anyascii(char)
            table[ord(char)] = plain if len(plain) == 1 and prototype(plain) == proto else proto
    middle = [c for c in sources("\u00b7") if c != "\u2022"]  # a bullet marks a list item, not a sentence end
    dots = frozenset(".\u2024\ufe52\uff0e\u2026\u3002\uff61" + _EXTRA_DOTS + "".join(sources(".") + middle))
    commas = frozenset(",\ufe50\uff0c\u3001\uff64\u02cf\u060c" + "".join(sources(",")))
    return table, dots, commas


def _shapes(text: str) -> str:
    shapes = _skeleton_data()[0]  # before NFKC too: it turns the lunate sigma ``ϲ`` into ``σ``
    text = unicodedata.normalize("NFKC", text.translate(shapes))
    return "".join(c for c in text if unicodedata.category(c) != "Cf").translate(shapes)


def skeleton(text: str) -> str:
    """``text`` NFKC-normalised, format characters removed, look-alikes mapped (UTS #39), casefolded, but
    not transliterated: ``cаfé`` (Cyrillic а) -> ``café``, where a letter is counted as itself."""
    return text.lower() if text.isascii() else _shapes(text).casefold()


def clean(text: str) -> str:
    """``text`` NFKC-normalised, format characters removed, look-alikes mapped (UTS #39), transliterated,
    casefolded."""
    return text.lower() if text.isascii() else anyascii(_shapes(text)).casefold()


def has_dot(text: str) -> bool:
    """Whether ``text`` holds a full stop or anything that looks like one (``ꓸ``, ``․``, ``·``, ``∙``, a
    combining dot below, in any composition)."""
    if text.isascii():
        return "." in text
    return not _skeleton_data()[1].isdisjoint(text + unicodedata.normalize("NFKD", text))


def has_comma(text: str) -> bool:
    """Whether ``text`` holds a comma or anything that looks like one (``，``, ``‚``, ``٫``, ``ˏ``, ``､``)."""
    if text.isascii():
        return "," in text
    return not _skeleton_data()[2].isdisjoint(text + unicodedata.normalize("NFKD", text))


def tokens(text: str) -> list[str]:
    """The folded letter and digit tokens of ``text`` (thousands separators inside numbers removed)."""
    return _TOKEN.findall(_THOUSANDS.sub("", clean(text)))


@lru_cache(maxsize=65536)
def needle(text: str) -> tuple[str, ...]:
    """The folded tokens of a short string to look for (cached: canaries repeat across checks)."""
    return tuple(tokens(text))


class Haystack:
    """A text's folded tokens, joined, with the offsets where tokens start and end (for ``find``)."""

    def __init__(self, text_or_tokens: str | list[str]):
        toks = tokens(text_or_tokens) if isinstance(text_or_tokens, str) else text_or_tokens
        self.tokens = toks
        self.joined = "".join(toks)
        self.offsets = list(itertools.accumulate((len(t) for t in toks), initial=0))
        self.starts = {at: i for i, at in enumerate(self.offsets[:-1])}
        self.ends = set(self.offsets[1:])
        self.set = frozenset(toks)

    def find(self, target: str | tuple[str, ...]) -> int:
        """The token index where ``target`` (its tokens run together) starts on token boundaries, or -1."""
        return self.find_from("".join(needle(target) if isinstance(target, str) else target), 0)

    def find_from(self, joined: str, token: int) -> int:
        """``find`` for an already joined target, at or after token index ``token``."""
        if not joined or token >= len(self.tokens):
            return -1
        at = self.joined.find(joined, self.offsets[token])
        while at != -1:
            if at in self.starts and at + len(joined) in self.ends:
                return self.starts[at]
            at = self.joined.find(joined, at + 1)
        return -1

    def __contains__(self, target: str | tuple[str, ...]) -> bool:
        return self.find(target) != -1


def shingles(toks: list[str], n: int = 5) -> set[tuple[str, ...]]:
    """The set of ``n``-token windows of a token list (one window when it is shorter)."""
    if len(toks) <= n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


@lru_cache(maxsize=4096)
def spelled(value: str) -> tuple[str, ...]:
    """English spellings of a whole number under 1,000,000 ("48" -> "forty-eight"), with and without
    "and" ("six thousand, seven hundred (and) fifty-five"); none for other values. num2words: inflect
    costs seconds to import (typeguard instruments it), which every worker would pay."""
    if not value.isdigit() or int(value) >= 1_000_000:
        return ()
    from num2words import num2words

    words = num2words(int(value))
    return tuple(sorted({words, words.replace(" and ", " ")}))
