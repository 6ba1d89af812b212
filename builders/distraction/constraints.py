"""Sampling constraint sets of a family, wording them, and proving IFEval sets satisfiable.

Families (``FAMILIES``): ``ifeval`` (IFEval's ids), ``ifbench_test`` (IFBench's out-of-distribution
constraints) and ``ifbench_train`` (the IF-RLVR training constraints released with IFBench; training and
held-out evaluation must not share a family, so one set never mixes them). ``choose_ids`` draws ids
that never conflict (IFEval's table plus one rule of dsgen's, see ``EXTRA_CONFLICTS``; for IFBench,
``IFBENCH_EXCLUSIVE``, ``IFBENCH_GROUPS`` and ``IFBENCH_PAIRS``; for the training family,
``TRAIN_EXCLUSIVE``, ``TRAIN_GROUPS`` and ``TRAIN_PAIRS``) and
``sample_kwargs`` their kwargs; ``describe`` words them from ``templates/distraction/constraints.yaml``;
``witness_response`` builds, without randomness, a response that satisfies the whole set (checked with
``dsgen.verifiers.ifeval``), or returns None when it cannot: the builder then draws another set, so
every record it writes has a witness.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
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
#: sentences of "all different words" vs repeated keywords or a long word range).
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

_FILLER = (
    "report team plan work notes review budget dates costs items group owner track points risk steady "
    "week month today final draft clear short main next first open close agreed checked listed shared "
    "noted moved kept found looked began ended stays looks covers lists needs holds shows gives takes "
    "makes brings sets runs about after before while these those each every most some many few two three "
    "four other same new old good small large long brief early late quiz jazz box fox jump zone quick "
    "vivid kayak wax yes why gym"
).split()
#: Function words alternate with the filler so witnesses read as natural English.
_FUNCTION = (
    "the and of to with for is that this from on at by as or was it are be we will can all which".split()
)

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
    """The ids drawn for a family (IFBench's less ``IFBENCH_NOT_DRAWN``)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown constraint family {family!r}; expected one of {list(FAMILIES)}")
    return [iid for iid in instructions.FAMILIES[family] if iid not in IFBENCH_NOT_DRAWN]


def conflicting(a: str, b: str) -> bool:
    """Whether ids ``a`` and ``b`` are never combined (never across families; within IFEval, IFEval's
    table or ``EXTRA_CONFLICTS``; within an IFBench family, its exclusive ids, groups and pairs above)."""
    fa, fb = instructions.family_of(a), instructions.family_of(b)
    if fa != fb or a == b:
        return True
    if fa == "ifeval":
        return b in ifeval.CONFLICTS[a] or (a, b) in EXTRA_CONFLICTS or (b, a) in EXTRA_CONFLICTS
    exclusive, groups, pairs = _RULES[fa]
    if a in exclusive or b in exclusive or frozenset({a, b}) in pairs:
        return True
    return any(a in group and b in group for group in groups)


def choose_ids(rng: random.Random, count: int, allowed: list[str]) -> list[str]:
    """Up to ``count`` ids from ``allowed``, in random order, no two of them conflicting."""
    pool = list(allowed)
    rng.shuffle(pool)
    chosen: list[str] = []
    for iid in pool:
        if len(chosen) == count:
            break
        if not any(conflicting(iid, c) for c in chosen):
            chosen.append(iid)
    return chosen


def sample_kwargs(
    rng: random.Random, ids: list[str], *, prompt_to_repeat: str, language: str = "en", avoid: str = ""
) -> list[dict[str, Any]]:
    """Kwargs for each id (words drawn without repeats, so keyword constraints never clash).

    ``language`` is the one ``language:response_language`` asks for: the language the task's material
    is in (English for the built-in texts, which the witness response is written in). Keywords found
    in ``avoid`` (a wrapped task's answer) are never drawn, so no constraint forbids the answer.
    """
    lexicon = spec()["lexicon"]
    avoid = avoid.casefold()
    words = [w for w in lexicon["keywords"] if w not in avoid]
    rng.shuffle(words)
    relation = lambda: rng.choice(ifeval.RELATIONS)  # noqa: E731
    out: list[dict[str, Any]] = []
    for iid in ids:
        if iid == "keywords:existence":
            kw = {"keywords": sorted(words.pop() for _ in range(rng.randint(1, 2)))}
        elif iid == "keywords:frequency":
            kw = {"keyword": words.pop(), "frequency": rng.randint(1, 4), "relation": relation()}
        elif iid == "keywords:forbidden_words":
            kw = {"forbidden_words": sorted(words.pop() for _ in range(rng.randint(1, 3)))}
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
        elif iid == "language:response_language":
            kw = {"language": language}
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
        return {"sep": rng.choice(["...", "SEPARATOR", "!?!?", "-"])}
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
    taken = " ".join(lexicon["keywords"] + lexicon["train_phrases"]).lower()
    avoid = avoid.casefold()
    candidates = sorted(
        {
            w
            for w in re.findall(r"[a-z]+", prompt.lower())
            if len(w) >= 4 and w not in _REQUEST_WORDS and w not in taken and w not in avoid
            and not any(k in w for k in lexicon["keywords"])
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


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st: how the wordings name a position."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe(rng: random.Random, ids: list[str], kwargs: list[dict[str, Any]]) -> list[str]:
    """One sentence per constraint, in a wording drawn from ``constraints.yaml``."""
    compiled = spec()["compiled"]
    return [
        rng.choice(compiled[iid]).render(
            **kw,
            language_name=ifeval.LANGUAGES.get(kw.get("language")),
            person_names=ifbench.PERSON_NAMES,
            ordinal=ordinal,
        )
        for iid, kw in zip(ids, kwargs)
    ]


def _sentences(vocab: tuple[list[str], list[str]], count: int, words: int, offset: int) -> list[list[str]]:
    content, function = vocab
    count = max(1, count)
    per, extra = divmod(max(words, count), count)
    out, pos = [], offset
    for i in range(count):
        n = per + (1 if i < extra else 0)
        out.append(
            [
                content[(pos + j) % len(content)] if j % 2 == 0 else function[(pos + j) % len(function)]
                for j in range(n)
            ]
        )
        pos += n + 7
    return out


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


@dataclass
class _Plan:
    """Target counts of a witness response, corrected round by round."""

    words: int
    sentences: int
    letters: int = 0
    capitals: int = 0


def _vocab(kw: dict[str, dict], avoid: list[str]) -> tuple[list[str], list[str]]:
    """Content and function words the filler may use (none containing a banned word or letter)."""
    banned = [w.lower() for w in avoid]
    banned += [w.lower() for w in kw.get("keywords:forbidden_words", {}).get("forbidden_words", [])]
    frequency = kw.get("keywords:frequency")
    if frequency and frequency["relation"] == "less than":
        banned.append(frequency["keyword"].lower())
    letter = kw.get("keywords:letter_frequency")
    if letter and letter["let_relation"] == "less than":
        banned.append(letter["letter"])
    content = [w for w in _FILLER if not any(b in w for b in banned)] or ["ok"]
    function = [w for w in _FUNCTION if not any(b in w for b in banned)] or content
    return content, function


def _render(
    ids: list[str],
    kw: dict[str, dict],
    plan: _Plan,
    quotes: list[str],
    vocab: tuple[list[str], list[str]],
    offset: int,
) -> str:
    if "detectable_format:constrained_response" in kw:
        return "\n".join(quotes + ["My answer is yes."])
    bodies = _bodies(kw, plan, vocab, offset)
    words = vocab[0]
    if "detectable_format:json_format" in kw:
        obj = {"notes": quotes} if quotes else {}
        obj["answer"] = " ".join(_sentence(s) for s in bodies)
        return json.dumps(obj, ensure_ascii=False)
    head = []
    if "combination:repeat_prompt" in kw:
        head.append(kw["combination:repeat_prompt"]["prompt_to_repeat"])
    if "detectable_format:title" in kw:
        head.append("<<" + " ".join(words[(offset + 3 + i) % len(words)] for i in range(2)) + ">>")
    head += quotes
    text = _layout(kw, bodies, head, words, offset)
    if "combination:two_responses" in kw:
        text += "\n******\n" + _layout(kw, _bodies(kw, plan, vocab, offset + 11), [], words, offset + 11)
    if "change_case:english_capital" in kw:
        text = text.upper()
    elif "change_case:english_lowercase" in kw:
        text = text.lower()
    if "startend:quotation" in kw:
        text = f'"{text}"'
    return text


def _bodies(
    kw: dict[str, dict], plan: _Plan, vocab: tuple[list[str], list[str]], offset: int
) -> list[list[str]]:
    """Body sentences (as word lists) with the required words, placeholders and highlights worked in."""
    sentences = _sentences(vocab, plan.sentences, plan.words, offset)
    content = vocab[0]
    extra: list[str] = []
    extra += kw.get("keywords:existence", {}).get("keywords", [])
    frequency = kw.get("keywords:frequency")
    if frequency and frequency["relation"] == "at least":
        extra += [frequency["keyword"]] * frequency["frequency"]
    letter = kw.get("keywords:letter_frequency")
    if letter and plan.letters:
        rich = [w for w in _FILLER if letter["letter"] in w] or [letter["letter"]]
        extra += [rich[i % len(rich)] for i in range(plan.letters)]
    extra += [content[(offset + i) % len(content)].upper() for i in range(plan.capitals)]
    placeholders = kw.get("detectable_content:number_placeholders")
    if placeholders:
        extra += [
            f"[{content[(offset + 5 + i) % len(content)]}]" for i in range(placeholders["num_placeholders"])
        ]
    for i, word in enumerate(extra):
        sentences[i % len(sentences)].append(word)
    highlights = kw.get("detectable_format:number_highlighted_sections")
    if highlights:
        for i in range(highlights["num_highlights"]):
            words = sentences[i % len(sentences)]
            words.append(f"*{content[(offset + 9 + i) % len(content)]}*")
    return sentences


def _layout(
    kw: dict[str, dict], sentences: list[list[str]], head: list[str], vocab: list[str], offset: int
) -> str:
    nth = kw.get("length_constraints:nth_paragraph_first_word")
    numbered = kw.get("length_constraints:number_paragraphs")
    count = (nth or numbered or {}).get("num_paragraphs", 1)
    while len(sentences) < count:
        sentences.append([vocab[(offset + len(sentences)) % len(vocab)]])
    size = len(sentences) // count
    groups = [sentences[i * size : (i + 1) * size] for i in range(count - 1)] + [
        sentences[(count - 1) * size :]
    ]
    paragraphs: list[list[str]] = []  # each paragraph a list of lines
    for p, group in enumerate(groups):
        lines = [_sentence(s) for s in group]
        if nth and nth["nth_paragraph"] == p + 1:
            lines[0] = nth["first_word"] + " " + lines[0][0].lower() + lines[0][1:]
        paragraphs.append([" ".join(lines)])
    sections = kw.get("detectable_format:multiple_sections")
    if sections:
        _add_sections(paragraphs, sections, nth)
    if head:
        if nth and nth["nth_paragraph"] == 1:
            paragraphs[0][1:1] = head
        else:
            paragraphs[0][0:0] = head
    last = paragraphs[-1]
    bullets = kw.get("detectable_format:number_bullet_lists")
    if bullets:
        last += [
            "* " + _sentence([vocab[(offset + 2 * i + j) % len(vocab)] for j in range(3)])
            for i in range(bullets["num_bullets"])
        ]
    postscript = kw.get("detectable_content:postscript")
    if postscript:
        last.append(
            postscript["postscript_marker"]
            + " "
            + _sentence([vocab[(offset + 13 + j) % len(vocab)] for j in range(3)])
        )
    end = kw.get("startend:end_checker")
    if end:
        last.append(end["end_phrase"])
    divider = "\n***\n" if numbered else "\n\n"
    return divider.join("\n".join(lines) for lines in paragraphs)


def _add_sections(paragraphs: list[list[str]], sections: dict, nth: dict | None) -> None:
    """Section headers: a paragraph may hold several; never before the paragraph's required first word."""
    for i in range(sections["num_sections"]):
        p = i % len(paragraphs)
        header = f"{sections['section_spliter']} {i + 1}"
        if nth and nth["nth_paragraph"] == p + 1:
            paragraphs[p].append(header)
        else:
            position = i // len(paragraphs)
            paragraphs[p].insert(min(position * 2, len(paragraphs[p])), header)


def witness_response(
    ids: list[str], kwargs: list[dict[str, Any]], *, quotes: tuple[str, ...] = (), avoid: tuple[str, ...] = ()
) -> str | None:
    """A response that follows every IFEval constraint (and copies ``quotes`` verbatim), or None if none
    is found (always None for another family's constraints).

    Deterministic: the same constraints always give the same witness. ``avoid`` lists strings the
    filler must not contain (canaries of distractors). Counts (words, sentences, letters, capital
    words) are corrected over a few rounds against the real checker.
    """
    if any(instructions.family_of(iid) != "ifeval" for iid in ids):
        return None  # witnesses are written for IFEval's constraints only
    kw = dict(zip(ids, kwargs))
    vocab = _vocab(kw, list(avoid))
    words, sentences = 40, 4
    if "length_constraints:number_words" in kw:
        num, rel = (
            kw["length_constraints:number_words"]["num_words"],
            kw["length_constraints:number_words"]["relation"],
        )
        words = num if rel == "at least" else max(4, num // 2)
    if "length_constraints:number_sentences" in kw:
        num, rel = (kw["length_constraints:number_sentences"][k] for k in ("num_sentences", "relation"))
        sentences = num if rel == "at least" else max(1, num // 2)
    plan = _Plan(words, sentences)
    for _ in range(8):
        text = _render(ids, kw, plan, list(quotes), vocab, 0)
        verdicts = ifeval.check(text, ids, kwargs)
        if all(verdicts):
            return text
        for iid, ok in zip(ids, verdicts):
            if not ok and not _adjust(plan, iid, kw[iid], text):
                return None
    return None


def _adjust(plan: _Plan, iid: str, kw: dict, text: str) -> bool:
    """Move the plan towards satisfying a failed counting constraint; False if the failure cannot be fixed."""
    if iid == "length_constraints:number_words":
        gap = ifeval.count_words(text) - kw["num_words"]
        plan.words += -gap + 1 if kw["relation"] == "at least" else -(gap + 1)
        plan.sentences = min(plan.sentences, max(1, plan.words))
        return plan.words >= 1
    if iid == "length_constraints:number_sentences":
        gap = ifeval.count_sentences(text) - kw["num_sentences"]
        plan.sentences += -gap if kw["relation"] == "at least" else -(gap + 1)
        plan.words = max(plan.words, plan.sentences)
        return plan.sentences >= 1
    if iid == "keywords:letter_frequency" and kw["let_relation"] == "at least":
        plan.letters += kw["let_frequency"] - text.lower().count(kw["letter"])
        return True
    if iid == "change_case:capital_word_frequency" and kw["capital_relation"] == "at least":
        plan.capitals += kw["capital_frequency"] - ifeval.capital_words(text)
        return True
    return False
