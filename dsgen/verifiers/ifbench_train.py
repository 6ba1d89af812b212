"""IFBench's IF-RLVR training constraints (``ifbench_train``): ids, kwargs and checks.

The 29 constraints released with IFBench for training (allenai/open-instruct, ``open_instruct/IFEvalG``:
``instructions.py`` and ``instructions_registry.py``, Apache-2.0). Ids, kwargs names and the meaning of
each check are upstream's; ``tests/test_ifbench_train_parity.py`` compares every check with upstream's
code (vendored in ``tests/reference/``) on a generated pool. dsgen departs from upstream only where
upstream rewards a response that does not follow the instruction, fails one that does, or crashes:
``FIXES`` lists each departure (each one has a test). Keywords are matched literally (upstream reads
them as regular expressions), in look-alike-folded text (``folding.clean``) where a look-alike letter
would otherwise hide a word or a letter from a count.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Any

from ..errors import DsgenError
from . import folding, ifbench, ifeval
from .kwargs import as_int, as_str, known

#: What dsgen checks differently from upstream, and why.
FIXES: dict[str, str] = {
    "copy:repeat_phrase": "finds the copies in linear time (upstream's regex backtracks: quadratic), reads "
    "the phrase literally (upstream compiles its first and last words as a regular expression: '(Re)start' becomes a group, so no copy ever matches; '[Time' crashes it), and a changed "
    "word must differ in more than case, punctuation or look-alike letters: upstream takes 'Bird', 'bird,' "
    "or 'bіrd' (Cyrillic і) for a replaced 'bird'",
    "detectable_format:sentence_hyphens": "needs two sentences: upstream passes a single sentence (no hyphen "
    "at all)",
    "keywords:no_adjacent_consecutive": "reads a word's first letter past leading punctuation, skips "
    "punctuation-only tokens and folds look-alike letters: upstream compares '*' or '(' instead, so "
    "'*alpha* *beta*' passes, and so does 'alpha Вeta' (Cyrillic В)",
    "keywords:word_once": "counts the keyword in look-alike-folded text: upstream misses 'fоcus' (Cyrillic "
    "о), so a second, disguised use passes 'exactly once'",
    "keywords:word_count_different_numbers": "counts the keyword in look-alike-folded text: upstream misses "
    "'fоcus' (Cyrillic о), so disguised uses pass 'less than'",
    "count:count_increment_word": "counts the keywords in look-alike-folded text: upstream misses 'cаt' "
    "(Cyrillic а), so a disguised extra use passes 'once'",
    "keywords:exclude_word_harder": "finds the word in any case wherever no letter touches it: upstream only "
    "finds it between two spaces, so 'Focus', 'focus,' and a first or last word pass",
    "first_word:first_word_sent": "reads the first word without punctuation, as upstream reads the last word: "
    "upstream fails 'Growth, in short, ...' and '\"Growth ...' for the word growth",
    "first_word:first_word_answer": "reads the first word without punctuation, as upstream reads the last "
    "word: upstream fails 'Growth, in short, ...' for the word growth",
    "keywords:keyword_specific_position": "counts words, not punctuation tokens: upstream's word_tokenize makes "
    "the comma of 'Honestly, the quality' the 2nd word and 'quality' the 4th",
    "detectable_format:bigram_wrapping": "needs every word inside a two-word <<pair>>: upstream leaves an "
    "odd last word unchecked (a single word passes) and accepts <<one>> <<word>> wrapped each on its own",
    "punctuation:punctuation_dot": "also refuses look-alike dots ('․' one-dot leader, '．' full-width, '…', "
    "'。', UTS #39's confusables of '.' and of the middle dot such as 'ꓸ', '·', '⋅', '∙', '⸳', and a combining "
    "dot below): upstream only sees '.'",
    "punctuation:punctuation_exclamation": "also refuses look-alike exclamation marks ('！' full-width, 'ǃ', "
    "'¡', '‼', '❗'): upstream only sees '!'",
    "count:lowercase_counting": "counts lowercase words in any script, and a letter run that a digit or '_' "
    "touches is a word: upstream's \\b[a-z]+\\b misses 'café', any word with a look-alike letter ('hеllo', "
    "Cyrillic е) and 'and1' or 'the_', so lowercase text passes 'at most N'",
    "letters:letter_counting": "counts letters of any script: upstream counts a-z only, so 'less than N "
    "letters' passes text written in look-alike or full-width letters",
    "letters:letter_counting2": "counts the letter in look-alike-folded text: upstream misses Cyrillic 'а' "
    "for 'a' and Greek 'ϲ' for 'c', so disguised letters pass 'less than'",
    "count:counting_composition": "counts words as IFEval does (runs of word characters), not word_tokenize "
    "tokens: upstream counts the full stop as a word ('Cats sleep a lot.' has 5), and it allows a divider "
    "before the first or after the last paragraph, which upstream's own code means to allow but fails",
    "count:count_unique": "compares words (punctuation stripped, case and look-alikes folded): upstream "
    "compares word_tokenize tokens, so two sentences ending in '.' fail and 'The ... the' passes",
    "keywords:palindrome": "needs a word of at least three letters, not all the same (punctuation and case "
    "ignored): upstream passes any single character ('a', 'I', '-'), so nearly every response passes, and "
    "'aaa' or 'mmm' is no palindrome word",
    "keywords:start_end": "the first and last tokens must be words: upstream passes a response that starts "
    "and ends with the same punctuation ('* ... *', '. ... .')",
}

#: kwargs names per id (upstream's ``get_instruction_args_keys``); ids without kwargs take an empty dict.
KWARGS: dict[str, tuple[str, ...]] = {
    "copy:repeat_phrase": ("phrase", "small_n"),
    "copy:copy": ("prompt_to_repeat",),
    "new:copy_span_idx": ("prompt_to_repeat", "n_start", "n_end"),
    "detectable_format:sentence_hyphens": (),
    "keywords:no_adjacent_consecutive": (),
    "detectable_format:square_brackets": (),
    "keywords:word_once": ("keyword",),
    "keywords:word_count_different_numbers": ("keyword", "frequency", "relation"),
    "keywords:exclude_word_harder": ("keyword",),
    "paragraphs:paragraphs": (),
    "paragraphs:paragraphs2": (),
    "first_word:first_word_sent": ("first_word",),
    "first_word:first_word_answer": ("first_word",),
    "last_word:last_word_sent": ("last_word",),
    "last_word:last_word_answer": ("last_word",),
    "detectable_format:bigram_wrapping": (),
    "copy:copying_simple": ("prompt_to_repeat",),
    "copy:copying_multiple": ("prompt_to_repeat", "N"),
    "punctuation:punctuation_dot": (),
    "punctuation:punctuation_exclamation": (),
    "count:lowercase_counting": ("N",),
    "letters:letter_counting": ("N", "relation"),
    "letters:letter_counting2": ("letter", "let_frequency", "let_relation"),
    "count:counting_composition": ("n_sent", "n_words"),
    "count:count_unique": (),
    "count:count_increment_word": ("keyword1", "keyword2"),
    "keywords:palindrome": (),
    "keywords:keyword_specific_position": ("keyword", "n", "m"),
    "keywords:start_end": (),
}
INSTRUCTION_IDS: tuple[str, ...] = tuple(KWARGS)
#: Constraints whose answer is a copy of the request (the whole response is fixed by them).
COPY_IDS = frozenset({"copy:copy", "copy:copying_simple", "copy:copying_multiple", "new:copy_span_idx"})

_DIVIDER = re.compile(r"\s?\*\*\*\s?")  # upstream's markdown divider between paragraphs
_EDGE_NON_WORD = re.compile(r"^\W+|\W+$")
_LEADING_NON_ALNUM = re.compile(r"^[\W_]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_NOT_WORD_CHARS = re.compile(r"[^\w\s]")
_EXCLAMATIONS = frozenset("ǃ❗❕‽⁉‼")


def _count(keyword: str) -> Callable[[str], int]:
    """How often ``keyword`` occurs in a response, literally, ignoring case and look-alike letters."""
    pattern = re.compile(re.escape(folding.clean(keyword)))
    return lambda t: len(pattern.findall(folding.clean(t)))


def _paragraphs(text: str, divider: re.Pattern[str], count: int) -> list[str] | None:
    """Upstream's paragraph split: ``count`` non-empty parts between dividers (an empty first or last part,
    a divider at either end, is allowed), or None."""
    parts = divider.split(text)
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    if len(parts) != count or any(not p.strip() for p in parts):
        return None
    return parts


def _spans(text: str, first: str, last: str) -> list[str]:
    """What upstream's ``re.findall(first + " .*? " + last, text)`` finds, in linear time: from each start
    ``first + " "``, the nearest later " " + ``last`` on the same line (the regex backtracks over the
    rest of the line from every start: quadratic)."""
    opener, closer = first + " ", " " + last
    closers = _positions(text, closer)
    newlines = _positions(text, "\n")
    spans, start = [], text.find(opener)
    while start != -1:
        k = bisect.bisect_left(closers, start + len(opener))
        line_end = bisect.bisect_left(newlines, start)
        if k < len(closers) and (line_end == len(newlines) or closers[k] < newlines[line_end]):
            end = closers[k] + len(closer)
            spans.append(text[start:end])
            start = text.find(opener, end)
        else:
            start = text.find(opener, start + 1)
    return spans


def _positions(text: str, part: str) -> list[int]:
    """Every index where ``part`` starts in ``text``, overlapping ones too, in order."""
    found, at = [], text.find(part)
    while at != -1:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def _repeat_phrase(phrase: str, times: int) -> Callable[[str], bool]:
    """``times`` copies of ``phrase`` (from its first to its last word), each with exactly one word changed."""
    reference = phrase.split()
    folded = [_bare(folding.clean(w)) for w in reference]

    def check(text: str) -> bool:
        copies = [m.split() for m in _spans(text, reference[0], reference[-1])]
        return len(copies) == times and all(
            len(c) == len(reference) and sum(_bare(folding.clean(a)) != b for a, b in zip(c, folded)) == 1
            for c in copies
        )

    return check


def _sentence_hyphens(text: str) -> bool:
    gold = ifbench.split_sentences(text.replace("-", " "))
    pieces = text.split("-")
    return len(gold) >= 2 and all(p.strip() == p and p == g for p, g in zip(pieces, gold))


def _no_adjacent_consecutive(text: str) -> bool:
    firsts = [_LEADING_NON_ALNUM.sub("", w)[:1] for w in text.split()]
    firsts = [(c if c.isascii() else folding.clean(c) or c)[0].lower() for c in firsts if c]
    return all(ord(b) - ord(a) != 1 for a, b in zip(firsts, firsts[1:]))


def _exclude(keyword: str) -> Callable[[str], bool]:
    pattern = re.compile(rf"(?<![^\W\d_]){re.escape(folding.clean(keyword))}(?![^\W\d_])")
    return lambda t: pattern.search(folding.clean(t)) is None


def _bare(word: str) -> str:
    """A word without its punctuation, lowercased (upstream's reading of a last word)."""
    return _NOT_WORD_CHARS.sub("", word).lower()


def _first_word_sent(word: str) -> Callable[[str], bool]:
    word = word.lower()
    return lambda t: all(s.split() and _bare(s.split()[0]) == word for s in ifbench.split_sentences(t))


def _last_word(words: list[str]) -> str:
    return _bare(words[-1])


def _last_word_sent(word: str) -> Callable[[str], bool]:
    word = word.lower()
    return lambda t: all(s.split() and _last_word(s.split()) == word for s in ifbench.split_sentences(t))


def _bigram_wrapping(text: str) -> bool:
    words = text.split()
    return (
        len(words) >= 2
        and len(words) % 2 == 0
        and all(
            a.startswith("<<") and not a.endswith(">>") and b.endswith(">>") and not b.startswith("<<")
            for a, b in zip(words[::2], words[1::2])
        )
    )


def _copies(prompt: str, times: int) -> Callable[[str], bool]:
    prompt = prompt.strip().lower()
    return lambda t: (
        len(parts := t.split("******")) == times and all(p.strip().lower() == prompt for p in parts)
    )


def _no_dots(text: str) -> bool:
    return not folding.has_dot(text) and "." not in folding.clean(text)


def _no_exclamations(text: str) -> bool:
    return "!" not in folding.clean(text) and not _EXCLAMATIONS.intersection(text)


def _lowercase_words(text: str) -> int:
    return sum(1 for w in _LETTER_RUN.findall(text) if w.islower())


def _composition(sentences: int, words: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        paragraphs = _paragraphs(text, _DIVIDER, 3)
        if paragraphs is None:
            return False
        for paragraph in paragraphs:
            split = ifbench.split_sentences(paragraph)
            if len(split) != sentences or any(ifeval.count_words(s) != words for s in split):
                return False
        return True

    return check


def _unique_words(text: str) -> bool:
    words = [folding.clean(_EDGE_NON_WORD.sub("", w)) for w in text.split()]
    words = [w for w in words if w]
    return len(words) == len(set(words))


def _palindrome(text: str) -> bool:
    for word in text.split():
        word = _EDGE_NON_WORD.sub("", word).casefold()
        if len(word) >= 3 and word.isalpha() and word == word[::-1] and len(set(word)) >= 2:
            return True
    return False


def _start_end(text: str) -> bool:
    """word_tokenize's first and last tokens, tokenizing only the sentences that hold them (a long
    response stays cheap), must be the same word."""
    sentences = ifeval.sentences(text)
    head = next((tokens for s in sentences if (tokens := ifeval.sentence_tokens(s))), [])
    tail = next((tokens for s in reversed(sentences) if (tokens := ifeval.sentence_tokens(s))), [])
    if not head or (len(sentences) == 1 and len(head) < 2):
        return False
    a, b = head[0], tail[-1]
    return any(c.isalnum() for c in a) and any(c.isalnum() for c in b) and a.lower() == b.lower()


def _keyword_position(keyword: str, n: int, m: int) -> Callable[[str], bool]:
    """The ``m``-th word of the ``n``-th sentence (upstream's sentences; word_tokenize's tokens that hold a
    letter or digit) is ``keyword``."""

    def check(text: str) -> bool:
        sentences = ifbench.split_sentences(text)
        if len(sentences) < n:
            return False
        words = [w for w in ifeval.word_tokens(sentences[n - 1]) if any(c.isalnum() for c in w)]
        return len(words) >= m and words[m - 1] == keyword

    return check


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _compare(value: int, relation: str, threshold: int) -> bool:
    return value < threshold if relation == "less than" else value >= threshold


def _word(kw: dict, name: str, iid: str, choices: tuple[str, ...] | None = None) -> str:
    """A string kwarg without surrounding spaces (upstream strips its keywords, words and prompts)."""
    return as_str(kw, name, iid, choices).strip()


_PLAIN: dict[str, Callable[[str], bool]] = {
    "detectable_format:sentence_hyphens": _sentence_hyphens,
    "keywords:no_adjacent_consecutive": _no_adjacent_consecutive,
    "detectable_format:square_brackets": lambda t: all(
        w.startswith("[") and w.endswith("]") for w in t.split()
    ),
    "paragraphs:paragraphs": lambda t: _paragraphs(t, _DIVIDER, 2) is not None,
    "paragraphs:paragraphs2": lambda t: _paragraphs(t, re.compile(r"\n\n"), 2) is not None,
    "detectable_format:bigram_wrapping": _bigram_wrapping,
    "punctuation:punctuation_dot": _no_dots,
    "punctuation:punctuation_exclamation": _no_exclamations,
    "count:count_unique": _unique_words,
    "keywords:palindrome": _palindrome,
    "keywords:start_end": _start_end,
}


def compile_check(iid: str, kw: dict[str, Any]) -> Callable[[str], bool]:
    """The check of one training constraint as a function of the response (kwargs validated)."""
    if iid not in KWARGS:
        raise DsgenError(f"unknown IFBench training instruction id '{iid}'")
    kw = known(iid, kw, KWARGS[iid])
    if iid in _PLAIN:
        return _PLAIN[iid]
    if iid == "copy:repeat_phrase":
        phrase = _word(kw, "phrase", iid)
        if len(phrase.split()) < 3:
            raise DsgenError(f"instruction '{iid}': kwarg 'phrase' needs at least 3 words, got {phrase!r}")
        return _repeat_phrase(phrase, as_int(kw, "small_n", iid))
    if iid in ("copy:copy", "copy:copying_simple"):
        prompt = _word(kw, "prompt_to_repeat", iid).lower()
        return lambda t: t.strip().lower() == prompt
    if iid == "copy:copying_multiple":
        return _copies(_word(kw, "prompt_to_repeat", iid), as_int(kw, "N", iid))
    if iid == "new:copy_span_idx":
        _word(kw, "prompt_to_repeat", iid)
        start, end = as_int(kw, "n_start", iid, minimum=0), as_int(kw, "n_end", iid)
        if end <= start:
            raise DsgenError(f"instruction '{iid}': n_end {end} must be larger than n_start {start}")
        span = kw["prompt_to_repeat"][start:end].strip().lower()  # upstream slices: n_end is not included
        if not span:
            raise DsgenError(f"instruction '{iid}': characters {start}:{end} of prompt_to_repeat are blank")
        return lambda t: t.strip().lower() == span
    if iid == "keywords:word_once":
        count = _count(_word(kw, "keyword", iid))
        return lambda t: count(t) == 1
    if iid == "keywords:word_count_different_numbers":
        count = _count(_word(kw, "keyword", iid))
        freq, rel = as_int(kw, "frequency", iid), _word(kw, "relation", iid, ifeval.RELATIONS)
        return lambda t: _compare(count(t), rel, freq)
    if iid == "keywords:exclude_word_harder":
        return _exclude(_word(kw, "keyword", iid))
    if iid == "first_word:first_word_sent":
        return _first_word_sent(_word(kw, "first_word", iid))
    if iid == "first_word:first_word_answer":
        word = _word(kw, "first_word", iid).lower()
        return lambda t: bool(t.split()) and _bare(t.split()[0]) == word
    if iid == "last_word:last_word_sent":
        return _last_word_sent(_word(kw, "last_word", iid))
    if iid == "last_word:last_word_answer":
        word = _word(kw, "last_word", iid).lower()
        return lambda t: bool(t.split()) and _last_word(t.split()) == word
    if iid == "count:lowercase_counting":
        n = as_int(kw, "N", iid, minimum=0)
        return lambda t: _lowercase_words(t) <= n
    if iid == "letters:letter_counting":
        n, rel = as_int(kw, "N", iid), _word(kw, "relation", iid, ifeval.RELATIONS)
        return lambda t: _compare(_letters(t), rel, n)
    if iid == "letters:letter_counting2":
        letter = _word(kw, "letter", iid).lower()
        if len(letter) != 1 or not "a" <= letter <= "z":
            raise DsgenError(
                f"instruction '{iid}': kwarg 'letter' must be one ASCII letter, got {kw['letter']!r}"
            )
        freq, rel = as_int(kw, "let_frequency", iid), _word(kw, "let_relation", iid, ifeval.RELATIONS)
        return lambda t: _compare(folding.clean(t).count(letter), rel, freq)
    if iid == "count:counting_composition":
        return _composition(as_int(kw, "n_sent", iid), as_int(kw, "n_words", iid))
    if iid == "count:count_increment_word":
        one, two = _count(_word(kw, "keyword1", iid)), _count(_word(kw, "keyword2", iid))
        return lambda t: one(t) == 1 and two(t) == 2
    assert iid == "keywords:keyword_specific_position", iid
    return _keyword_position(_word(kw, "keyword", iid), as_int(kw, "n", iid), as_int(kw, "m", iid))
