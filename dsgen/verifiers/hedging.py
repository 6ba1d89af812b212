"""The extraction policy every answer verifier shares: where the final answer stands and what hedges it.

- ``boxes(text)``: every closed ``\\boxed{…}`` / ``\\fbox{…}`` (at most ``MAX_MARKERS`` of them, each read
  for at most ``MAX_BOX`` characters: linear time however many braces are left open);
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
_BOX_START = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BRACES = re.compile(r"[{}]")
#: The most final-answer markers (boxes, answer lines) a completion may hold: one answer is stated once,
#: and a completion that states it more often than this is degenerate (it also bounds the work).
MAX_MARKERS = 16
#: The longest box content read (a final answer is short).
MAX_BOX = 1000
#: The longest piece of text read after a hedge word (a sentence is rarely longer).
PIECE = 256


def boxes(text: str) -> list[tuple[int, int, int]] | None:
    """``(start, content_start, content_end)`` of each closed box in ``text``; None when it has more than
    ``MAX_MARKERS`` (no answer is stated once that way). A box's closing brace is looked for in its first
    ``MAX_BOX`` characters only, so the scan is linear however many braces are left open."""
    count = text.count("\\boxed") + text.count("\\fbox")
    if count == 0:
        return []
    if count > MAX_MARKERS:
        return None
    found = []
    for box in _BOX_START.finditer(text):
        depth = 1
        for brace in _BRACES.finditer(text, box.end(), box.end() + MAX_BOX):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                found.append((box.start(), box.end(), brace.start()))
                break
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
