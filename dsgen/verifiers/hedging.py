"""The extraction policy every answer verifier shares: where the final answer stands and what hedges it.

- ``boxes(text)``: every closed ``\\boxed{…}`` / ``\\fbox{…}``, found in one pass (linear time, however
  many are left unclosed);
- ``HEDGE``: the words that offer a second candidate ("or", "either", "maybe", "perhaps", "possibly",
  "alternatively", "otherwise", "might", "could", "not sure", "unsure");
- ``hedge_pieces(text, start)``: the sentence pieces after ``start`` that open with a hedge word (or a
  new "answer" statement), each at most ``PIECE`` characters, so that a scan of a huge tail stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_HEDGE_WORDS = r"or|either|maybe|perhaps|possibly|alternatively|otherwise|might|could|not sure|unsure"
HEDGE = re.compile(rf"\b(?:{_HEDGE_WORDS})\b", re.IGNORECASE)
#: A hedge word, a new answer statement, or a number asked about ("561?") after the final answer.
_TAIL_MARK = re.compile(rf"\b(?:{_HEDGE_WORDS}|answer)\b|(?<![\d.,])\d[\d,./]*\s*\?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")
_BOX_TOKENS = re.compile(r"\\(?:boxed|fbox)\s*\{|\{|\}")
#: The longest piece of text read after a hedge word (a sentence is rarely longer).
PIECE = 256


def boxes(text: str) -> list[tuple[int, int, int]]:
    """``(start, content_start, content_end)`` of each closed box in ``text``, in order of closing (one
    pass over the braces, with a stack: a box left open never makes the scan quadratic)."""
    starts = [i for i in (text.find("\\boxed"), text.find("\\fbox")) if i != -1]
    if not starts:
        return []
    found, stack = [], []
    for m in _BOX_TOKENS.finditer(text, min(starts)):  # braces before the first box cannot close one
        token = m.group()
        if token == "}":
            if stack:
                start, content = stack.pop()
                if start >= 0:
                    found.append((start, content, m.start()))
        else:
            stack.append((m.start(), m.end()) if token != "{" else (-1, -1))
    found.sort()
    return found


def hedge_pieces(text: str, start: int) -> Iterator[str]:
    """The pieces of ``text`` after ``start`` that open with a hedge word or "answer", each running to the end
    of its sentence (at most ``PIECE`` characters); pieces never overlap, so the scan is linear."""
    pos = start
    while (m := _TAIL_MARK.search(text, pos)) is not None:
        end = _SENTENCE_END.search(text, m.end(), m.end() + PIECE)
        stop = end.start() if end is not None else min(len(text), m.end() + PIECE)
        yield text[m.start() : stop]
        pos = max(stop, m.end())


def hedged(text: str, exempt: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds a hedge word that is not one of ``exempt`` (lower-case words of the answer)."""
    return any(m.group().lower() not in exempt for m in HEDGE.finditer(text))
