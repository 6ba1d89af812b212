"""Verifier kind ``answer_match``: a short factual answer against the record's answer and its aliases.

The final answer is taken from the end of the completion (every ``\\boxed{…}`` anywhere, else every "Answer: …"
line — they must agree, with any "the answer is …" after them —, else the last bold span or line; see
``locate``), normalised (Unicode compatibility forms and accents folded, case folded, articles,
punctuation and spacing removed) and compared exactly with the answer and
``params["aliases"]``. A small misspelling passes when every differing word is long enough (5+
characters) and one edit (insertion, deletion, substitution or swap) away, and the whole answer is at least
``params["threshold"]`` similar (rapidfuzz ratio): "Halvrad" passes for "Halvard", "Joan" never
passes for "John". Names of other entities that come that close (``params["reject"]``, filled by the
builder from its corpus) never pass. A completion whose answer lines disagree, or whose final answer
names several candidates ("A or B", "either A or B", "A, B"), matches none of the names and scores 0.
So does a hedge word (``dsgen.verifiers.hedging.HEDGE``: "or", "maybe", "alternatively", …) in the final
answer or after it — "Answer: A (or B)", "Answer: A [alternatively B]", "Answer: A\\nOr maybe B." — unless the
word belongs to the answer itself; and a final line that ends a list ("- B\\n- A") or follows another bare
candidate line ("B\\nA").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from dsgen.verifiers.hedging import HEDGE, MAX_MARKERS, UNSURE, boxes, doubted, hedged

DEFAULT_THRESHOLD = 0.9
_TAIL = 4000  # the final answer lives at the end; huge completions are only read this far back
_ARTICLES = frozenset(("a", "an", "the"))
_NON_WORD = re.compile(r"[\W_]+")
_ANSWER_LINE = re.compile(r"(?i)[^\w\n]*(?:final\s+)?answer[*_\s]*(?:is\s*)?[:：][*_]*\s*(.*\S)")  # within one line
_ANSWER_IS = re.compile(r"(?i)\b(?:final\s+)?answer\s+is\s+(.+?)\s*$")
_RESTATED = re.compile(r"(?i)\banswer\s*(?:is|:)\s*(.+?)\s*(?:[.!?](?:\s|$)|$)", re.MULTILINE)
_MINERVA = re.compile(r"(?i)(?:the\s+)?(?:final\s+)?answer\s+is\s+(.+?)\.?(?:\s+I hope it is correct\.?)?\s*")
_LIST_ITEM = re.compile(r"\s*(?:[-*•+]|\d{1,2}[.)])\s+\S")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_PARENTHETICAL = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
#: A description after the answer: a dash or comma, then at least three words opening with an article or
#: a lower-case word ("X — a rowing club founded in 1880", "X, the founder of Y"); "X — Y" or "Y, X"
#: (a second name) is no description.
_GLOSS = re.compile(r"\s*(?:\s[-—–]|[—–,])\s*(?=(?:a|an|the)\s|[a-z])[^\s,—–]+(?:\s+[^\s—–]+){2,}\s*$")
#: Lead-ins dropped before the answer ("I think", "probably" are doubt: ``hedging.UNSURE``, they score 0).
_LEAD_INS = ("answer is ", "it is ", "it s ", "this is ", "that is ")
_LEAD_IN_ENDS = frozenset(("is", "are", "was", "be", "answer", "answers"))
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


def _answer_lines(text: str) -> list[re.Match]:
    """Each line that starts with "Answer:" (found by plain search: faster than a regex scan)."""
    low, found, pos = text.lower(), [], 0
    while (pos := low.find("answer", pos)) >= 0:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        match = _ANSWER_LINE.match(text, start, end)
        if match:
            found.append(match)
        pos = end
    return found


def _restated(answer: str) -> str:
    """The answer of an answer line written in the Minerva style ("Final Answer: The final answer is $X$. I
    hope it is correct."), else the line's text as it is."""
    minerva = _MINERVA.fullmatch(answer)
    return minerva.group(1) if minerva else answer


def _distinct(answers: list[str], after: str) -> list[str]:
    """``answers`` and those restated after them ("… \\boxed{A}. Actually, the answer is B."), each once."""
    return list(dict.fromkeys([*answers, *(m.group(1) for m in _RESTATED.finditer(after))]))


def locate(completion: str) -> tuple[list[str], str]:
    """The completion's final answer(s), raw, and the text after the final answer (graded for hedges with
    them). Several answers when its boxes or answer lines disagree; none when it has none. Boxes are found
    in the whole completion (so a far earlier box still disagrees), the rest in its last ``_TAIL`` characters."""
    text = completion[-_TAIL:]
    boxed, marked = boxes(completion), _answer_lines(text)
    if boxed is None or len(marked) > MAX_MARKERS:
        return [], ""  # more answers than one answer needs: none counts
    if boxed:
        after = completion[max(b for _, _, b in boxed) + 1 :]
        after = after[-_TAIL:]  # hedges are read as far back as the answer lines
        return _distinct([completion[a:b] for _, a, b in boxed], after), after
    if marked:
        after = text[marked[-1].end() :]
        return _distinct([_restated(m.group(1)) for m in marked], after), after
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return [], ""
    last = lines[-1]
    listed = len(lines) > 1 and _LIST_ITEM.match(last) and _LIST_ITEM.match(lines[-2])
    if listed or len(lines) > 1 and _bare(lines[-2]) and _bare(last):
        return [lines[-2], last], ""  # candidates: "- Mira Voss\n- Kestrin Halvard", "Mira Voss\nKestrin Halvard"
    inline = _ANSWER_IS.search(last)
    if inline:
        return [inline.group(1)], ""
    bold = None
    for bold in _BOLD.finditer(last):
        pass
    if bold is not None:  # "The person is **A**, or possibly B.": what follows the bold answer is graded
        return [bold.group(1) or bold.group(2)], last[bold.end() :]
    return [last], ""


def _bare(line: str) -> bool:
    """Whether ``line`` reads as a bare candidate (a few words, no sentence end, no lead-in such as "is")."""
    words = line.split()
    return (len(words) <= 6 and not line.rstrip().endswith((".", ":", "!", "?", ",", ";"))
            and _NON_WORD.sub("", words[-1]).lower() not in _LEAD_IN_ENDS)


def final_answers(completion: str) -> list[str]:
    """The completion's final answer(s), raw: one, or several when its boxes or answer lines disagree."""
    return locate(completion)[0]


def exempt_words(*answers: str) -> frozenset[str]:
    """The hedge and doubt words that are part of the reference answers themselves ("Either/Or", "Maybe
    Tomorrow"), never a hedge."""
    return frozenset(m.group().lower() for a in answers for words in (HEDGE, UNSURE) for m in words.finditer(a))


@lru_cache(maxsize=65536)
def _clean(answer: str) -> str:
    """The normalised final answer without LaTeX text wrappers, a trailing remark in brackets or a lead-in."""
    if "\\" in answer:
        answer = _LATEX_TEXT.sub(r"\1", answer)
    answer = answer.strip()
    if answer.endswith((")", "]")):
        answer = _PARENTHETICAL.sub("", answer)
    gloss = _GLOSS.search(answer)
    if gloss is not None:  # "X — a rowing club founded in 1880": a description of X, not a second name
        answer = answer[: gloss.start()]
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
    found, around = locate(completion)
    aliases = params.get("aliases", ())
    exempt = exempt_words(answer, *aliases)
    if hedged(" ".join(found), around, exempt) or (found and doubted(completion, found[-1], around, exempt)):
        return 0.0  # "Answer: X (or Y)", "Answer: X\nOr maybe Y.", "Answer: X (probably)", "Answer: X?"
    finals = {_clean(a) for a in found}
    finals.discard("")
    if len(finals) != 1:
        return 0.0
    got = finals.pop()
    targets = [normalise(answer), *(normalise(a) for a in aliases)]
    if got in targets:
        return 1.0
    threshold = params.get("threshold", DEFAULT_THRESHOLD)
    best = max((fuzz.ratio(got, t) for t in targets if close_enough(got, t, threshold)), default=None)
    if best is None:  # not even a misspelling of the answer: the near names need no look
        return 0.0
    rejects = [normalise(r) for r in params.get("reject", ())]
    return 0.0 if got in rejects or any(fuzz.ratio(got, r) >= best for r in rejects) else 1.0
