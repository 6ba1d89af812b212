"""The extraction policy every answer verifier shares: where the final answer stands and what hedges it.

- ``boxes(text)``: every closed ``\\boxed{…}`` / ``\\fbox{…}`` (at most ``MAX_MARKERS`` of them, each read
  for at most ``MAX_BOX`` characters: linear time however many braces are left open);
- ``HEDGE``: the words that offer a second candidate ("or", "either", "maybe", "perhaps", "possibly",
  "possible", "alternatively", "alternative(s)", "otherwise", "might", "could", "not sure", "unsure");
- ``RETRACTION``: words that take an answer back after it ("wait", "actually", "correction", "I think", …);
- ``UNSURE`` and ``unsure(text, exempt)``: doubt about the answer itself ("probably", "likely", "I guess",
  "I think", "I believe", "not sure", "maybe", "perhaps", "either", "5ish", "5 or so"; and ``asked``: "5?"): in the sentence that states
  the final answer or after it, it scores 0 by itself, with or without a second candidate;
- ``hedge_pieces(text, start)``: the sentences after ``start`` that hold a hedge or retraction word, a new
  "answer" statement or a number asked about ("561?"), each read for at most ``PIECE`` characters either side
  of it, so that a scan of a huge tail stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_HEDGE_WORDS = (r"or|either|maybe|perhaps|possibly|possible|alternatively|alternatives?|otherwise|might|could"
                r"|not sure|unsure")
HEDGE = re.compile(rf"\b(?:{_HEDGE_WORDS})\b", re.IGNORECASE)
#: Words that take an answer back ("Wait, 561", "Actually it is 561"): after the final answer they hedge.
_RETRACTION_WORDS = (r"wait|actually|hmm+|correction|instead|on second thought|mistake|wrong|i think|seems?"
                     r"|guess")
RETRACTION = re.compile(rf"\b(?:{_RETRACTION_WORDS})\b", re.IGNORECASE)
#: Doubt about the answer itself: scores 0 in the answer's sentence or after it, with or without a second
#: candidate ("The answer is 5, I guess.", "\\boxed{5}. Probably 6.", "#### 5ish", "Either 5."). "Either
#: way" is no doubt, nor is the probability wording "equally likely", "more/less likely", "likely to".
_UNSURE_WORDS = (r"probably|(?<!equally )(?<!more )(?<!less )(?<!as )likely(?! to\b)|i guess|guess|i think|i believe"
                 r"|i suppose|not sure|unsure|not certain|uncertain|maybe|perhaps|possibly|presumably|either(?!\s+way)")
_UNSURE_FORMS = r"(?<=\d)\s*-?\s*ish\b|\bish\b|(?<=\d)\s+or so\b"
UNSURE = re.compile(rf"\b(?:{_UNSURE_WORDS})\b|{_UNSURE_FORMS}", re.IGNORECASE)
#: After the final answer: a hedge, doubt or retraction word, a new answer statement, a number asked about.
_TAIL_MARK = re.compile(rf"\b(?:{_HEDGE_WORDS}|{_UNSURE_WORDS}|{_RETRACTION_WORDS}|answer)\b|{_UNSURE_FORMS}"
                        r"|(?<![\d.,])\d[\d,./]*\s*\?", re.IGNORECASE)
#: A question mark on the answer: right after it (past closing marks) or ending its line ("5?", "\\boxed{5}?").
_ASKED = re.compile(r"[\s$*_}\])]*\?")
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")
_SENTENCE_ENDS = (". ", "! ", "? ", "; ")
#: Substrings that every ``UNSURE`` match holds (lower case): a cheap test before the regex.
_UNSURE_HINTS = ("probab", "likely", "guess", "think", "believe", "suppose", "sure", "certain", "maybe", "perhaps",
                 "possibl", "presum", "either", "ish", "or so")
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
    count = text.count("\\boxed") + text.count("\\fbox") if "\\" in text else 0
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
    """The sentences of ``text`` after ``start`` that hold a hedge word or "answer", each read from its start
    (at most ``PIECE`` characters before the word) to its end (at most ``PIECE`` after); pieces never
    overlap, so the scan is linear."""
    pos = start
    while (m := _TAIL_MARK.search(text, pos)) is not None:
        begin = max(pos, m.start() - PIECE)
        for sentence_end in _SENTENCE_END.finditer(text, begin, m.start()):
            begin = sentence_end.end()
        end = _SENTENCE_END.search(text, m.end(), m.end() + PIECE)
        stop = end.start() if end is not None else min(len(text), m.end() + PIECE)
        yield text[begin:stop]
        pos = max(stop, m.end())


def unsure(text: str, exempt: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` (the sentence that states the final answer and all after it) voices doubt: an
    ``UNSURE`` word that is not one of ``exempt`` (lower-case words of the reference answer)."""
    low = text.lower()
    for hint in _UNSURE_HINTS:
        if hint in low:
            return any(m.group().lower() not in exempt for m in UNSURE.finditer(text))
    return False


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence (or line) holding ``pos`` starts, looked for at most ``PIECE`` characters back
    (plain searches for the ends of ``_SENTENCE_END``: several times faster than a regex scan)."""
    low = max(0, pos - PIECE)
    begin = max(low, text.rfind("\n", low, pos) + 1)
    if begin == pos:
        return begin
    line = text[begin:pos]
    last = max([line.rfind(end) for end in _SENTENCE_ENDS])  # every end is two characters long
    return begin if last == -1 else begin + last + 2


def doubted(text: str, answer: str, after: str, exempt: frozenset[str] = frozenset()) -> bool:
    """Whether the final ``answer`` (a raw string, last found in ``text``), the sentence that states it or the
    text ``after`` it voice doubt (``unsure``), or the answer is asked ("Answer: X?", "\\boxed{X}?")."""
    pos = text.rfind(answer) if answer else -1
    lead = text[sentence_start(text, pos) : pos] if pos > 0 else ""
    return (unsure(f"{lead}\n{answer}\n{after}", exempt) or answer.rstrip().endswith("?")
            or (pos >= 0 and asked(text, pos + len(answer))) or asked(after, 0))


def asked(text: str, end: int) -> bool:
    """Whether the answer ending at ``end`` of ``text`` is asked rather than stated: a question mark follows
    it, past closing marks (``5?``, ``\\boxed{5}?``, ``**5**?``, ``$5$ ?``)."""
    return _ASKED.match(text, end) is not None


def hedged(answer: str, after: str, exempt: frozenset[str] = frozenset()) -> bool:
    """Whether the final ``answer`` or the text ``after`` it holds a hedge word that is not one of ``exempt``
    (lower-case words of the reference answer), or ``after`` a retraction word ("Wait", "Actually")."""
    return (any(m.group().lower() not in exempt for m in HEDGE.finditer(answer + "\n" + after))
            or RETRACTION.search(after) is not None)
