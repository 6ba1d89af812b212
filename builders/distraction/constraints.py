"""Sampling constraint sets of a family and wording them.

Families (``FAMILIES``): ``ifeval`` (IFEval's ids), ``ifbench_test`` (IFBench's out-of-distribution
constraints) and ``ifbench_train`` (the IF-RLVR training constraints released with IFBench; training and
held-out evaluation must not share a family, so one set never mixes them). ``choose_ids`` draws ids
that never conflict (IFEval's table plus one rule of dsgen's, see ``EXTRA_CONFLICTS``; for IFBench,
``IFBENCH_EXCLUSIVE``, ``IFBENCH_GROUPS`` and ``IFBENCH_PAIRS``; for the training family,
``TRAIN_EXCLUSIVE``, ``TRAIN_GROUPS`` and ``TRAIN_PAIRS``) and
``sample_kwargs`` their kwargs; ``describe`` words them from ``templates/distraction/constraints.yaml``.
``dsgen.builders.distraction.witness`` proves a drawn set satisfiable (a response that meets it).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any

import yaml

from dsgen.templating import environment, read_text
from dsgen.verifiers import ifbench, ifbench_train, ifeval, instructions

#: Pairs dsgen never samples together besides IFEval's table: IFEval's section splitters are
#: capitalised ("Section", "SECTION"), so all-lowercase text cannot mark sections.
EXTRA_CONFLICTS = {("change_case:english_lowercase", "detectable_format:multiple_sections")}

FAMILIES = ("ifeval", "ifbench_test", "ifbench_train")
#: IFBench constraints that shape the whole response (every word, every line, or the response is a
#: copy): drawn alone, never with another constraint.
IFBENCH_EXCLUSIVE = frozenset(
    "words:alphabet words:vowel words:consonants words:prime_lengths words:odd_even_syllables format:newline "
    "format:no_whitespace repeat:repeat_simple repeat:repeat_change repeat:repeat_span".split()
)
#: At most one constraint of each group: they fix the same thing (the sentence sequence; the layout).
IFBENCH_GROUPS = (
    frozenset(
        "ratio:sentence_type ratio:sentence_balance ratio:sentence_words sentence:increment "
        "sentence:alliteration_increment words:last_first".split()
    ),
    frozenset(
        "format:line_indent format:sub-bullets format:no_bullets_bullets format:list words:paragraph_last_first "
        "format:thesis format:output_template".split()
    ),
)
#: Pairs that can contradict for some kwargs or in their wording (keyword5 seven times vs a repeat cap;
#: a word range vs a unique-word floor above it; every Nth word Japanese vs title case; three
#: sentences of "all different words" vs repeated keywords or a long word range); see also
#: ``WITNESS_PAIRS``.
IFBENCH_PAIRS = frozenset(
    {
        frozenset({"words:repeats", "count:keywords_multiple"}),
        frozenset({"count:word_count_range", "count:unique_word_count"}),
        frozenset({"count:words_japanese", "format:title_case"}),
        frozenset({"ratio:sentence_words", "count:keywords_multiple"}),  # "all different words"
        frozenset({"ratio:sentence_words", "words:repeats"}),
        frozenset({"ratio:sentence_words", "count:word_count_range"}),  # 80+ words in three sentences
    }
)
#: IFBench ids whose check depends on where sentences end (``format:list``'s "!?!?" would end several).
SENTENCE_COUNTED = frozenset(
    {*IFBENCH_GROUPS[0], "format:emoji", "sentence:keyword", "words:keywords_specific_position"}
)
#: Training constraints that fix the whole response (a copy of the request; every word bracketed or
#: paired in <<...>>): drawn alone, as upstream's conflict table has the copies.
TRAIN_EXCLUSIVE = ifbench_train.COPY_IDS | {
    "detectable_format:square_brackets",
    "detectable_format:bigram_wrapping",
}
#: At most one of each group: the layout (two paragraphs by *** or by blank lines, three paragraphs of
#: counted sentences, one hyphen-joined line), the first word, the last word.
TRAIN_GROUPS = (
    frozenset(
        "paragraphs:paragraphs paragraphs:paragraphs2 count:counting_composition "
        "detectable_format:sentence_hyphens".split()
    ),
    frozenset({"first_word:first_word_sent", "first_word:first_word_answer"}),
    frozenset({"last_word:last_word_sent", "last_word:last_word_answer"}),
)
#: Pairs that contradict for some kwargs: the same first and last word vs a required first or last word;
#: hyphen-joined sentences start with '-' (no sentence can start with a given word or keep its word
#: positions) and need sentence ends other than dots; no repeated word vs a word required twice (or at
#: every sentence start or end, or first and last); a repeated phrase's lowercase words vs a lowercase cap
#: (or its adjacent initials); counted words and sentences vs a letter count, a letter cap, a keyword
#: position, a phrase or a twice-used keyword (upstream's table); sentences counted by their end marks vs
#: no dots; two letter counts.
TRAIN_PAIRS = frozenset(
    frozenset(pair.split())
    for pair in (
        "keywords:start_end first_word:first_word_sent",
        "keywords:start_end first_word:first_word_answer",
        "keywords:start_end last_word:last_word_sent",
        "keywords:start_end last_word:last_word_answer",
        "detectable_format:sentence_hyphens first_word:first_word_sent",
        "detectable_format:sentence_hyphens keywords:keyword_specific_position",
        "detectable_format:sentence_hyphens punctuation:punctuation_dot",
        "count:count_unique count:count_increment_word",
        "count:count_unique keywords:word_count_different_numbers",
        "count:count_unique first_word:first_word_sent",
        "count:count_unique last_word:last_word_sent",
        "count:count_unique copy:repeat_phrase",
        "count:count_unique count:counting_composition",
        "count:count_unique keywords:start_end",
        "count:lowercase_counting copy:repeat_phrase",
        "keywords:no_adjacent_consecutive copy:repeat_phrase",
        "letters:letter_counting count:counting_composition",
        "keywords:keyword_specific_position count:counting_composition",
        "punctuation:punctuation_dot count:counting_composition",
        "punctuation:punctuation_dot keywords:keyword_specific_position",
        "copy:repeat_phrase count:counting_composition",
        "letters:letter_counting letters:letter_counting2",
        "letters:letter_counting2 count:counting_composition",
        "count:count_increment_word count:counting_composition",
    )
)
#: Pairs that no response meets, or only a degenerate one, found by the witness writer (``witness``:
#: sets it could not prove, read one by one); never drawn together, in either IFBench family.
WITNESS_PAIRS = frozenset(
    frozenset(pair.split())
    for pair in (
        "words:last_first words:no_consecutive",  # the shared word makes two consecutive words
        "words:last_first format:emoji",  # the shared last/first word would have to be the emoji
        "words:paragraph_last_first format:emoji",  # a paragraph would have to start with its emoji
        "words:last_first format:output_template",  # "My Answer:" starts a sentence: the one before would
        # have to end with "My"
        "format:title_case words:keywords_specific_position",  # the keyword is checked as drawn, in
        "format:title_case words:words_position",  # lower case, which title case forbids
        "sentence:alliteration_increment words:no_consecutive",  # a run is consecutive words
        "sentence:alliteration_increment count:words_japanese",  # every Nth word cuts the runs
        "ratio:sentence_words format:no_bullets_bullets",  # two sentences and two bullets are four
        # a *** divider starts the next sentence, so its first word is "***" (only a divider before a full
        # stop, ". Next", escapes it, which a 3-paragraph composition then counts as a sentence)
        "first_word:first_word_sent paragraphs:paragraphs",
        "first_word:first_word_sent count:counting_composition",
    )
)
#: Exclusive ids, groups and pairs per family with rules of that shape.
_RULES = {
    "ifbench_test": (IFBENCH_EXCLUSIVE, IFBENCH_GROUPS, IFBENCH_PAIRS),
    "ifbench_train": (TRAIN_EXCLUSIVE, TRAIN_GROUPS, TRAIN_PAIRS),
}

#: IFBench ids that are checked but never drawn onto another task, and why.
IFBENCH_NOT_DRAWN = {
    "ratio:overlap": "needs a reference text for the trigram overlap, which a drawn task does not carry",
    "format:options": "needs a question that its options (yes/no/maybe, a-d) answer",
    **{iid: "a fixed prompt of its own (the constraint is the whole task)" for iid in ifbench.CUSTOM_PROMPTS},
}

#: IFBench ids drawn only where a recipe names them (``instruction_ids``), since their check needs data
#: dsgen does not ship: drawing them by default wherever that data happens to be installed would make the
#: same recipe and seed give other records on another machine.
IFBENCH_OPT_IN = {"words:start_verb": f"NLTK's {ifbench.TAGGER} data (`{ifbench.TAGGER_COMMAND}`)"}


def opt_in_missing(iid: str) -> str | None:
    """Why opt-in id ``iid`` cannot be drawn on this machine (its data is not installed), else None."""
    if iid == "words:start_verb" and not ifbench.tagger_installed():
        return f"'{iid}' needs {IFBENCH_OPT_IN[iid]}, which is not installed"
    return None


#: Words of a request's frame rather than its subject, never the word a constraint excludes.
_REQUEST_WORDS = frozenset(
    "write could draft need please introduces compose describing aimed help prepare read about meant that "
    "this with from what which your their there have will would should into give make tell".split()
)


@lru_cache(maxsize=None)
def spec() -> dict[str, Any]:
    """The constraint wordings and word lists (parsed once per process)."""
    data = yaml.safe_load(read_text("distraction/constraints.yaml"))
    data["compiled"] = {
        iid: [environment().from_string(t) for t in variants]
        for iid, variants in {
            **data["descriptions"],
            **data["ifbench_descriptions"],
            **data["ifbench_train_descriptions"],
        }.items()
    }
    missing = sorted({iid for family in FAMILIES for iid in family_ids(family)} - set(data["compiled"]))
    assert not missing, f"constraints.yaml lacks descriptions for {missing}"
    return data


def family_ids(family: str) -> list[str]:
    """The ids drawn for a family by default (IFBench's less ``IFBENCH_NOT_DRAWN`` and ``IFBENCH_OPT_IN``)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown constraint family {family!r}; expected one of {list(FAMILIES)}")
    skipped = IFBENCH_NOT_DRAWN.keys() | IFBENCH_OPT_IN.keys()
    return [iid for iid in instructions.FAMILIES[family] if iid not in skipped]


def conflicting(a: str, b: str) -> bool:
    """Whether ids ``a`` and ``b`` are never combined (never across families; within IFEval, IFEval's
    table or ``EXTRA_CONFLICTS``; within an IFBench family, its exclusive ids, groups and pairs above and
    ``WITNESS_PAIRS``)."""
    fa, fb = instructions.family_of(a), instructions.family_of(b)
    if fa != fb or a == b:
        return True
    if fa == "ifeval":
        return b in ifeval.CONFLICTS[a] or (a, b) in EXTRA_CONFLICTS or (b, a) in EXTRA_CONFLICTS
    exclusive, groups, pairs = _RULES[fa]
    if a in exclusive or b in exclusive or frozenset({a, b}) in pairs or frozenset({a, b}) in WITNESS_PAIRS:
        return True
    return any(a in group and b in group for group in groups)


LANGUAGE = "language:response_language"
#: Drawn beside a foreign ``LANGUAGE``: a count of one of the text's letters, so that a response without
#: letters (which IFEval's language check passes, as lm-eval's does) fails.
LETTERS = "keywords:letter_frequency"
#: Copy-the-request tasks (the answer is the request, or a span of it, not a response to it), always drawn alone.
COPY_TASKS = ifbench_train.COPY_IDS | {"repeat:repeat_simple", "repeat:repeat_change", "repeat:repeat_span"}


def choose_ids(
    rng: random.Random, count: int, allowed: list[str], *, foreign_rate: float = 0.0, copy_rate: float | None = None
) -> list[str]:
    """Up to ``count`` ids from ``allowed``, in random order, no two of them conflicting; a set holding
    ``language:response_language`` is, at ``foreign_rate``, that constraint alone with a letter count
    (``LETTERS``; ``sample_kwargs`` then asks for another language than English, which the witness proves
    only so). With ``copy_rate``, a
    set is a copy task (``COPY_TASKS``) at that rate and never otherwise (they would be a large share:
    ifbench_train has five of its 29 ids)."""
    if copy_rate is not None:
        copies = [i for i in allowed if i in COPY_TASKS]
        if copies and rng.random() < copy_rate:
            return [rng.choice(copies)]
        allowed = [i for i in allowed if i not in COPY_TASKS] or allowed
    pool = list(allowed)
    rng.shuffle(pool)
    chosen: list[str] = []
    for iid in pool:
        if len(chosen) == count:
            break
        if not any(conflicting(iid, c) for c in chosen):
            chosen.append(iid)
    if foreign_rate and LANGUAGE in chosen and rng.random() < foreign_rate:
        return [LANGUAGE, LETTERS] if LETTERS in allowed else [LANGUAGE]
    return chosen


def sample_kwargs(
    rng: random.Random,
    ids: list[str],
    *,
    prompt_to_repeat: str,
    language: str = "en",
    avoid: str = "",
    foreign: bool = False,
) -> list[dict[str, Any]]:
    """Kwargs for each id (words drawn without repeats, so keyword constraints never clash).

    ``language`` is the one ``language:response_language`` asks for: the language the task's material
    is in (English for the built-in texts, which the witness response is written in); with ``foreign``
    (a plain request), drawn alone on English material, it asks for one of the languages of
    ``lexicon.language_samples`` instead, as IFEval does. Keywords come from
    ``keyword_pool``; those found in ``avoid`` (a wrapped task's answer) are never drawn, so no constraint
    forbids the answer.
    """
    lexicon = spec()["lexicon"]
    avoid = avoid.casefold()
    words = keyword_pool(rng, prompt_to_repeat, instructions.family_of(ids[0]) if ids else "ifeval", avoid)
    relation = lambda: rng.choice(ifeval.RELATIONS)  # noqa: E731
    out: list[dict[str, Any]] = []
    for iid in ids:
        if iid == "keywords:existence":
            kw = {"keywords": sorted(words.pop() for _ in range(rng.randint(1, 2)))}
        elif iid == "keywords:frequency":
            kw = {"keyword": words.pop(), "frequency": rng.randint(1, 4), "relation": relation()}
        elif iid == "keywords:forbidden_words":
            kw = {"forbidden_words": sorted(words.pop() for _ in range(rng.randint(1, 3)))}
        elif iid == LETTERS and out and ids[0] == LANGUAGE and out[0]["language"] in lexicon["language_samples"]:
            # beside a foreign language: a letter its sample text holds, at most as often as it does there
            text = lexicon["language_samples"][out[0]["language"]].lower()
            letter = rng.choice("aeinorst")
            kw = {"letter": letter, "let_frequency": rng.randint(3, min(12, text.count(letter))), "let_relation": "at least"}
        elif iid == "keywords:letter_frequency":
            rel = relation()
            freq = rng.randint(3, 12) if rel == "at least" else rng.randint(8, 40)
            kw = {
                "letter": rng.choice("abcdefghijklmnopqrstuvwxyz"),
                "let_frequency": freq,
                "let_relation": rel,
            }
        elif iid == "length_constraints:number_sentences":
            rel = relation()
            kw = {
                "num_sentences": rng.randint(2, 10) if rel == "at least" else rng.randint(4, 15),
                "relation": rel,
            }
        elif iid == "length_constraints:number_paragraphs":
            kw = {"num_paragraphs": rng.randint(2, 5)}
        elif iid == "length_constraints:number_words":
            rel = relation()
            kw = {
                "num_words": rng.randint(20, 250) if rel == "at least" else rng.randint(60, 300),
                "relation": rel,
            }
        elif iid == "length_constraints:nth_paragraph_first_word":
            num = rng.randint(2, 5)
            kw = {"num_paragraphs": num, "nth_paragraph": rng.randint(1, num), "first_word": words.pop()}
        elif iid == "detectable_content:number_placeholders":
            kw = {"num_placeholders": rng.randint(1, 4)}
        elif iid == "detectable_content:postscript":
            kw = {"postscript_marker": rng.choice(ifeval.POSTSCRIPT_MARKERS)}
        elif iid == "detectable_format:number_bullet_lists":
            kw = {"num_bullets": rng.randint(1, 5)}
        elif iid == "detectable_format:number_highlighted_sections":
            kw = {"num_highlights": rng.randint(1, 4)}
        elif iid == "detectable_format:multiple_sections":
            splitter = (
                "SECTION" if "change_case:english_capital" in ids else rng.choice(ifeval.SECTION_SPLITTERS)
            )
            kw = {"section_spliter": splitter, "num_sections": rng.randint(2, 5)}
        elif iid == "combination:repeat_prompt":
            kw = {"prompt_to_repeat": prompt_to_repeat}
        elif iid == "startend:end_checker":
            kw = {"end_phrase": rng.choice(lexicon["end_phrases"])}
        elif iid == LANGUAGE:
            # alone (with a letter count), another language than the material's (English asks nothing of an
            # English answer)
            alone = foreign and language == "en" and set(ids) <= {LANGUAGE, LETTERS}
            other = sorted(lexicon["language_samples"]) if alone else [language]
            kw = {"language": rng.choice(other)}
        elif iid in ifbench.KWARGS:
            kw = _ifbench_kwargs(rng, iid, ids, words, prompt_to_repeat)
        elif iid in ifbench_train.KWARGS:
            kw = _train_kwargs(rng, iid, words, prompt_to_repeat, avoid)
        elif iid == "change_case:capital_word_frequency":
            rel = relation()
            kw = {
                "capital_frequency": rng.randint(1, 8) if rel == "at least" else rng.randint(3, 20),
                "capital_relation": rel,
            }
        else:
            kw = {}
        out.append(kw)
    if "letters:letter_counting2" in ids:
        _train_letter(rng, out[ids.index("letters:letter_counting2")], out)
    return out


@lru_cache(maxsize=None)
def topics() -> dict[str, dict[str, list[str]]]:
    """Keywords per request subject and side (``train``, ``test``): ``templates/instructions/prompts.yaml``."""
    return yaml.safe_load(read_text("instructions/prompts.yaml"))["topic_keywords"]


def keyword_pool(rng: random.Random, prompt: str, family: str, avoid: str = "") -> list[str]:
    """Words to draw keywords from, shuffled, the next one last (``list.pop``): the words of the request's
    subject (``topics``) before the lexicon's, on the held-out side for ``ifbench_test`` and the training
    side otherwise, so held-out keyword constraints never ask for a training family's words."""
    held_out = family == "ifbench_test"
    general = spec()["lexicon"]["test_keywords" if held_out else "keywords"]
    topic = next((words for subject, words in topics().items() if subject in prompt), None)
    pools = [general, topic["test" if held_out else "train"] if topic else []]
    out: list[str] = []
    for pool in pools:
        words = [w for w in pool if w not in avoid]
        rng.shuffle(words)
        out += words
    return out


def _ifbench_kwargs(
    rng: random.Random, iid: str, ids: list[str], words: list[str], prompt: str
) -> dict[str, Any]:
    """Kwargs of one IFBench constraint, in ranges a good response can meet (IFBench's own draws, with
    positions kept inside the three sentences ``ratio:sentence_words`` allows)."""
    sentences = 3 if "ratio:sentence_words" in ids else 5
    if iid == "count:word_count_range":
        low = rng.randint(80, 300)
        return {"min_words": low, "max_words": low + max(5, rng.randint(low // 20, low // 10))}
    if iid == "count:unique_word_count":
        return {"N": rng.randint(20, 80)}
    if iid == "count:conjunctions":
        return {"small_n": rng.randint(2, 5)}
    if iid == "ratio:stop_words":
        # plain English prose is 40-55% NLTK stop words: 20-40% asks for a denser style, not word salad
        return {"percentage": rng.randint(20, 40)}
    if iid == "count:person_names":
        return {"N": rng.randint(2, 8)}
    if iid == "count:numbers":
        return {"N": rng.randint(1, 8)}
    if iid == "count:words_japanese":
        return {"N": rng.randint(3, 10)}
    if iid == "words:repeats":
        return {"small_n": rng.randint(2, 5)}
    if iid == "sentence:keyword":
        return {"word": words.pop(), "N": rng.randint(1, sentences)}
    if iid == "count:pronouns":
        return {"N": rng.randint(5, 25)}
    if iid == "sentence:increment":
        return {"small_n": rng.randint(1, 4)}
    if iid == "format:list":
        # "!?!?" ends sentences (every ! and ?): never with a constraint on sentences or their order
        counted = SENTENCE_COUNTED.intersection(ids)
        return {"sep": rng.choice(["...", "SEPARATOR", "-"] if counted else ["...", "SEPARATOR", "!?!?", "-"])}
    if iid == "count:keywords_multiple":
        return {f"keyword{i}": words.pop() for i in range(1, 6)}
    if iid == "words:keywords_specific_position":
        return {"keyword": words.pop(), "n": rng.randint(1, sentences), "m": rng.randint(1, 8)}
    if iid == "words:words_position":
        return {"keyword": words.pop()}
    if iid == "repeat:repeat_change":
        return {"prompt_to_repeat": prompt}
    if iid == "repeat:repeat_span":
        size = len(prompt.split())
        start = rng.randint(1, max(1, size - 2))  # IFBench reads n_start 0 as "not given"
        return {"prompt_to_repeat": prompt, "n_start": start, "n_end": rng.randint(start + 1, max(start + 1, size))}
    return {}


def _train_kwargs(rng: random.Random, iid: str, words: list[str], prompt: str, avoid: str) -> dict[str, Any]:
    """Kwargs of one IF-RLVR training constraint, in ranges a good answer to a request can meet (upstream
    draws from 2-3 letters or words for some, which no request answer can follow)."""
    if iid == "copy:repeat_phrase":
        return {"phrase": rng.choice(spec()["lexicon"]["train_phrases"]), "small_n": rng.randint(2, 4)}
    if iid in ("copy:copy", "copy:copying_simple"):
        return {"prompt_to_repeat": prompt}
    if iid == "copy:copying_multiple":
        return {"prompt_to_repeat": prompt, "N": rng.randint(2, 3)}
    if iid == "new:copy_span_idx":
        return _copy_span(rng, prompt)
    if iid in ("keywords:word_once", "first_word:first_word_sent", "first_word:first_word_answer"):
        return {"first_word" if iid.startswith("first") else "keyword": words.pop()}
    if iid in ("last_word:last_word_sent", "last_word:last_word_answer"):
        return {"last_word": words.pop()}
    if iid == "keywords:word_count_different_numbers":
        rel = rng.choice(ifeval.RELATIONS)
        if rel == "at least":
            return {"keyword": words.pop(), "frequency": rng.randint(1, 4), "relation": rel}
        # a cap binds only on a word the answer is drawn to: one of the request's own, as the exclusion
        keyword = _request_word(rng, prompt, avoid) or words.pop()
        return {"keyword": keyword, "frequency": rng.randint(2, 4), "relation": rel}
    if iid == "keywords:exclude_word_harder":
        return {"keyword": _request_word(rng, prompt, avoid) or words.pop()}
    if iid == "count:lowercase_counting":
        return {"N": rng.randint(2, 4)}
    if iid == "letters:letter_counting":
        rel = rng.choice(ifeval.RELATIONS)
        return {"N": 10 * (rng.randint(10, 60) if rel == "at least" else rng.randint(30, 150)), "relation": rel}
    if iid == "letters:letter_counting2":  # the letter is chosen last (_train_letter), knowing every other word
        return {"letter": "", "let_frequency": 0, "let_relation": rng.choice(ifeval.RELATIONS)}
    if iid == "count:counting_composition":
        return {"n_sent": rng.randint(2, 3), "n_words": rng.randint(4, 8)}
    if iid == "count:count_increment_word":
        return {"keyword1": words.pop(), "keyword2": words.pop()}
    if iid == "keywords:keyword_specific_position":
        # m >= 2: upstream compares case-sensitively, so a sentence-initial keyword would need a lowercase start
        return {"keyword": words.pop(), "n": rng.randint(1, 5), "m": rng.randint(2, 8)}
    return {}


def _copy_span(rng: random.Random, prompt: str) -> dict[str, Any]:
    """A span of 3 to 12 whole words of the request as character offsets (upstream's n_end is exclusive),
    never from offset 0 (upstream reads n_start 0 as "not given" and draws one)."""
    spans = [m.span() for m in re.finditer(r"\S+", prompt)]
    if len(spans) < 2:
        raise ValueError(f"new:copy_span_idx needs a request of two words or more, got {prompt!r}")
    first = rng.randint(1, max(1, len(spans) - 3))
    last = min(len(spans) - 1, first + rng.randint(2, 11))
    return {"prompt_to_repeat": prompt, "n_start": spans[first][0], "n_end": spans[last][1]}


def _request_word(rng: random.Random, prompt: str, avoid: str) -> str | None:
    """A content word of the request (upstream's "harder" exclusion: the model is tempted to reuse it), none
    overlapping a lexicon word or phrase another constraint may require, nor the wrapped task's answer."""
    lexicon = spec()["lexicon"]
    topic = [w for words in topics().values() for w in words["train"]]
    taken = " ".join(lexicon["keywords"] + lexicon["train_phrases"] + topic).lower()
    avoid = avoid.casefold()
    candidates = sorted(
        {
            w
            for w in re.findall(r"[a-z]+", prompt.lower())
            if len(w) >= 4 and w not in _REQUEST_WORDS and w not in taken and w not in avoid
            and not any(k in w for k in lexicon["keywords"] + topic)
        }
    )
    return rng.choice(candidates) if candidates else None


_COMMON_LETTERS = "etaoinsrhl"  # the ten most frequent letters of English text
#: The training kwargs that name words a response must contain.
_WORD_KWARGS = ("keyword", "keyword1", "keyword2", "first_word", "last_word", "phrase")


def _train_letter(rng: random.Random, kw: dict[str, Any], drawn: list[dict[str, Any]]) -> None:
    """The letter of ``letters:letter_counting2``, so that the count is a real constraint: for "less than", a
    common letter that no word another constraint requires contains (so the two never fight), capped at
    10-40; for "at least", a common letter 20-60 times or a rarer one 3-12 times."""
    required = " ".join(str(other[k]) for other in drawn for k in _WORD_KWARGS if k in other).lower()
    if kw["let_relation"] == "less than":
        letters = [c for c in _COMMON_LETTERS if c not in required] or [
            c for c in "abcdefghijklmnopqrstuvwxyz" if c not in required
        ]
        kw["letter"] = rng.choice(letters)
        kw["let_frequency"] = rng.randint(10, 40)
    else:
        kw["letter"] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        kw["let_frequency"] = rng.randint(20, 60) if kw["letter"] in _COMMON_LETTERS else rng.randint(3, 12)


#: Responses that ask for nothing: 12 words of filler (one word repeated; twelve different words), and a plain
#: lowercase sentence. A set that one of them meets (only prohibitions: no commas, a word left out, no "!")
#: rewards a response with no content, so ``binds`` rejects it.
FILLER_PROBES = (
    " ".join(["word"] * 12),
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima",
    "the cat sat on a mat and then it went to sleep on it",
    " ".join(str(n) for n in range(1, 13)),  # no letters: IFEval's language check passes it, as lm-eval's
)


def binds(ids: list[str], kwargs: list[dict[str, Any]], probes: tuple[str, ...], *, loose: bool = False) -> bool:
    """Whether at least one constraint of the set asks for something: no trivial response in ``probes``
    (``FILLER_PROBES``; for a wrapped task its bare answer line or plain worked solution) meets every one."""
    return not any(all(instructions.check(probe, ids, kwargs, loose=loose)) for probe in probes)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st: how the wordings name a position."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(noun: str, count: int) -> str:
    """``noun`` agreeing with ``count`` ("1 time", "2 times"), by inflect: what the wordings put after a number."""
    from ..math.texts import inflector  # the math builders' engine, imported with them on first use

    return inflector().plural(noun, count)


def render(template: Any, kw: dict[str, Any]) -> str:
    """One wording of a constraint: a compiled template of ``constraints.yaml`` rendered with its kwargs."""
    return template.render(
        **kw,
        language_name=ifeval.LANGUAGES.get(kw.get("language")),
        person_names=ifbench.PERSON_NAMES,
        ordinal=ordinal,
        plural=plural,
    )


def describe(rng: random.Random, ids: list[str], kwargs: list[dict[str, Any]]) -> list[str]:
    """One sentence per constraint, in a wording drawn from ``constraints.yaml``."""
    compiled = spec()["compiled"]
    return [render(rng.choice(compiled[iid]), kw) for iid, kw in zip(ids, kwargs)]
