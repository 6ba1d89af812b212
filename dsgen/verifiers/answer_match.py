"""Verifier kind ``answer_match``: a short factual answer against the record's answer and its aliases.

The final answer is taken from the completion (the last ``\\boxed{…}``, else the last "Answer: …"
line, else the last bold span or line), normalised (Unicode compatibility forms and accents folded,
case folded, articles, punctuation and spacing removed) and compared exactly with the answer and
``params["aliases"]``. A small misspelling passes when every differing word is long enough (5+
characters) and one edit (insertion, deletion, substitution or swap) away, and the whole answer is at least
``params["threshold"]`` similar (rapidfuzz ratio): "Halvrad" passes for "Halvard", "Joan" never
passes for "John". Names of other entities that come that close (``params["reject"]``, filled by the
builder from its corpus) never pass. A completion whose answer lines disagree, or whose final answer
names several candidates ("A or B", "either A or B", "A, B"), matches none of the names and scores 0.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

DEFAULT_THRESHOLD = 0.9
_TAIL = 4000  # the final answer lives at the end; huge completions are only read this far back
_ARTICLES = frozenset(("a", "an", "the"))
_NON_WORD = re.compile(r"[\W_]+")
_ANSWER_LINE = re.compile(r"(?i)[^\w\n]*(?:final\s+)?answer[*_\s]*(?:is\s*)?[:：]\s*(.*\S)")  # within one line
_ANSWER_IS = re.compile(r"(?i)\b(?:final\s+)?answer\s+is\s+(.+?)\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_PARENTHETICAL = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_LEAD_INS = (
    "answer is ", "it is ", "it s ", "this is ", "that is ", "i believe ", "i think ",
    "probably ", "likely ", "most likely ",
)
_LEAD_IN_WORDS = frozenset(lead.split(" ", 1)[0] for lead in _LEAD_INS)


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Fold Unicode forms, accents and case; drop articles, punctuation and extra spacing."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = unicodedata.normalize("NFKC", "".join(c for c in text if not unicodedata.combining(c)))
    words = _NON_WORD.sub(" ", text.casefold()).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def close_enough(candidate: str, target: str, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether normalised ``candidate`` is a small misspelling of normalised ``target`` (see module doc)."""
    got, want = candidate.split(), target.split()
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g != w and (len(w) < 5 or not w.isalpha() or OSA.distance(g, w, score_cutoff=1) > 1):
            return False
    return fuzz.ratio(candidate, target) >= threshold * 100


def _boxed(text: str) -> str | None:
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 1, start + 7
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j]
    return None


def _answer_lines(text: str) -> list[str]:
    """What follows "Answer:" on each line that starts with it (found by plain search: faster than a regex scan)."""
    low, found, pos = text.lower(), [], 0
    while (pos := low.find("answer", pos)) >= 0:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        match = _ANSWER_LINE.match(text, start, end)
        if match:
            found.append(match.group(1))
        pos = end
    return found


def final_answers(completion: str) -> list[str]:
    """The completion's final answer(s), raw: one string, or several when its answer lines disagree."""
    text = completion[-_TAIL:]
    boxed = _boxed(text)
    if boxed is not None:
        return [boxed]
    marked = _answer_lines(text)
    if marked:
        return list(dict.fromkeys(marked))
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    last = lines[-1]
    inline = _ANSWER_IS.search(last)
    if inline:
        return [inline.group(1)]
    bold = _BOLD.findall(last)
    return [next(g for g in bold[-1] if g)] if bold else [last]


@lru_cache(maxsize=65536)
def _clean(answer: str) -> str:
    """The normalised final answer without LaTeX text wrappers, a trailing remark in brackets or a lead-in."""
    if "\\" in answer:
        answer = _LATEX_TEXT.sub(r"\1", answer)
    answer = answer.strip()
    if answer.endswith((")", "]")):
        answer = _PARENTHETICAL.sub("", answer)
    norm = normalise(answer)
    if norm.split(" ", 1)[0] in _LEAD_IN_WORDS:
        for lead in _LEAD_INS:
            if norm.startswith(lead):
                norm = norm[len(lead):]
    return norm


def score(completion: str, answer: str | None, params: dict) -> float:
    """1.0 when the completion's single final answer names the answer (or an alias), else 0.0."""
    if not answer or not completion:
        return 0.0
    finals = {_clean(a) for a in final_answers(completion)}
    finals.discard("")
    if len(finals) != 1:
        return 0.0
    got = finals.pop()
    targets = [normalise(answer), *(normalise(a) for a in params.get("aliases", ()))]
    if got in targets:
        return 1.0
    threshold = params.get("threshold", DEFAULT_THRESHOLD)
    best = max((fuzz.ratio(got, t) for t in targets if close_enough(got, t, threshold)), default=None)
    if best is None:  # not even a misspelling of the answer: the near names need no look
        return 0.0
    rejects = [normalise(r) for r in params.get("reject", ())]
    return 0.0 if got in rejects or any(fuzz.ratio(got, r) >= best for r in rejects) else 1.0
