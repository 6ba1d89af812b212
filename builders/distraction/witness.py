"""Witness responses: a response that meets a whole constraint set, so every drawn set is proved satisfiable.

``witness_response(ids, kwargs, quotes=, avoid=)`` writes, without randomness, a response that follows
every constraint of one family (``ifeval``, ``ifbench_test`` or ``ifbench_train``), copies ``quotes`` (lines the response
must hold, such as a task's answer) verbatim and contains none of ``avoid``; it returns None when it finds
none, and the builders then draw another set. Every witness is checked with the real checkers
(``dsgen.verifiers.instructions``), so a returned witness is a proof, never an assumption.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dsgen.verifiers import ifbench, ifeval, instructions

from . import constraints


def witness_response(
    ids: list[str], kwargs: list[dict[str, Any]], *, quotes: tuple[str, ...] = (), avoid: tuple[str, ...] = ()
) -> str | None:
    """A response that follows every constraint of the set (all of one family), copies ``quotes`` and
    contains none of ``avoid``; None when none is found."""
    families = {instructions.family_of(iid) for iid in ids}
    if families <= {"ifeval"}:
        return _ifeval_witness(ids, kwargs, quotes=quotes, avoid=avoid)
    if families in ({"ifbench_test"}, {"ifbench_train"}):
        return _ifbench_witness(ids, kwargs, quotes=quotes, avoid=avoid)
    return None


# --- IFEval ----------------------------------------------------------------------------------------------

_FILLER = (
    "report team plan work notes review budget dates costs items group owner track points risk steady "
    "week month today final draft clear short main next first open close agreed checked listed shared "
    "noted moved kept found looked began ended stays looks covers lists needs holds shows gives takes "
    "makes brings sets runs about after before while these those each every most some many few two three "
    "four other same new old good small large long brief early late quiz jazz box fox jump zone quick "
    "vivid kayak wax yes why gym"
).split()
#: Function words alternate with the filler so witnesses read as natural English ("or" left out: after a
#: stated answer it reads as a hedge).
_FUNCTION = (
    "the and of to with for is that this from on at by as into was it are be we will can all which".split()
)




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


def _ifeval_witness(
    ids: list[str], kwargs: list[dict[str, Any]], *, quotes: tuple[str, ...] = (), avoid: tuple[str, ...] = ()
) -> str | None:
    """A response that follows every IFEval constraint (and copies ``quotes`` verbatim), or None if none
    is found.

    Deterministic: the same constraints always give the same witness. ``avoid`` lists strings the
    filler must not contain (canaries of distractors). Counts (words, sentences, letters, capital
    words) are corrected over a few rounds against the real checker.
    """
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


# --- IFBench (``ifbench_test`` and ``ifbench_train``) -------------------------------------------------------------------------

#: Filler for IFBench witnesses: many first letters and lengths (for "no two consecutive words share a
#: first letter", equal-length sentences, repeat caps), no digits, apostrophes or quote marks, and no word
#: that hedges or takes back an answer stated before it ("likely", "wait", "instead": ``verifiers.hedging``).
_WORDS = (
    "able above across active after again agreed almost along always amount annual anchor arrive "
    "basic become before begin behind below beside better beyond board bright broad brought build "
    "calm careful carry central certain change charge check choice clear close common complete cover "
    "daily deep define detail direct during duty early easy effort eight edge enough entire equal "
    "even every exact expect extra fair family fast field final find firm first floor follow formal "
    "fresh front full gather general gentle given global goal good grand great green ground guide "
    "habit half handle happy hard heavy held help here high hold home honest hour huge idea ideal "
    "include indeed inner inside input issue item joint journey judge just keen keep kind known "
    "label large later latest lead learn least left level light lively limit line little local long "
    "main major make many market measure medium method middle minor modern moment month more most "
    "narrow near neat needed never next nice night normal north notice number object obvious offer "
    "often older only open order other outer over owner pace paper part past path patient place plain "
    "plenty point power proper public quick quiet quite rapid rather ready real recent record regular "
    "remain result right river round rule safe same scale second secure select short simple single "
    "small smooth solid some sound spare stable start steady still strong such sure table taken "
    "task team thorough through today total toward travel true under unit until upper urban useful "
    "usual valid various very view visit vital voice wise walk warm water week whole wide within "
    "worth write yard year yellow young youth zero zone"
).split()
_JAPANESE_WORDS = (
    "計画 予算 報告 会議 時間 情報 結果 目標 資料 確認 改善 作業 担当 期限 品質 進捗 課題 方針 重要 順調 "
    "準備 検討 変更 調整 連絡 相談 提案 評価 分析 対応 管理 運用 開発 設計 試験 導入 説明 整理 共有 記録"
).split()
_EMOJI = ("🙂", "🚀", "📌", "✅", "🌱", "📊", "🎯", "💡")
_PALINDROMES = (
    "level radar civic kayak refer rotor madam racecar stats tenet sagas solos reviver redder minim deified "
    "repaper rotator"
).split()
_PRONOUNS = (
    "they we it he she you them us him her their our its his your me my themselves itself ourselves yours "
    "theirs ours mine hers himself herself myself yourself"
).split()
#: Coordinating conjunctions, "or" last: after a stated answer it reads as a hedge ("Answer: X ... or ...").
_CONJUNCTIONS = ("and", "but", "so", "yet", "nor", "for", "or")
#: words:start_verb's first word: NLTK's tagger reads few sentence-initial imperatives as verbs
#: ("Consider" + two filler words: VB 298 times in 300; "Review" 0, "Make" 4, "Check" 38).
_VERB = "Consider"
#: The word changed in each copy of copy:repeat_phrase's phrase.
_SUBSTITUTES = ("really", "always", "often", "surely")
_NUMBERS = ("12", "37", "45", "58", "64", "71", "83", "96")
_MIXED = [_WORDS[(i * 37) % len(_WORDS)] for i in range(len(_WORDS))] if len(_WORDS) % 37 else _WORDS
#: Ids drawn alone (they fix the whole response), with IFBench's fixed-prompt tasks.
_ALONE = constraints.IFBENCH_EXCLUSIVE | constraints.TRAIN_EXCLUSIVE | set(ifbench.CUSTOM_PROMPTS)
#: Sentence-shaping ids (IFBench's first group): at most one per set.
_SHAPES = constraints.IFBENCH_GROUPS[0]
_STRIP = ifbench.PUNCTUATION + " "
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_NO_PUNCTUATION = str.maketrans("", "", ifbench.PUNCTUATION)


@dataclass(eq=False)  # compared by identity: two blank slots are different slots
class _Slot:
    """One whitespace-separated token of a witness: a word (None until filled) with what is glued to it."""

    word: str | None = None
    pre: str = ""
    post: str = ""
    fixed: bool = False  # a required word (keyword, name, marker), never replaced
    exact: bool = False  # compared case-sensitively by its check: never capitalised
    letter: str | None = None  # first letter the filler must have (an alliterative run)
    mirror: _Slot | None = None  # must repeat this slot's word (last word = next first word)
    japanese: bool = False
    joined: bool = False  # must follow the slot before it ("Answer:" after "My")
    brk: str = " "  # what comes before it: a space, a newline, a newline and an indent

    def text(self) -> str:
        return self.pre + (self.word or "") + self.post


@dataclass
class _Shape:
    """Sentence count and length of an IFBench witness, corrected round by round."""

    sentences: int
    words: int  # filler words a sentence (the first, for sentence:increment)
    shift: int = 0  # where words:keywords_specific_position's keyword goes, relative to its m-th word
    pad: int = 0  # extra words in the first sentence (moves every later word by one)
    rich: int = 0  # words holding letters:letter_counting2's letter, for "at least"
    extra: int = 0  # words added to (or, negative, taken from) the sentences one each, from the first


def _ifbench_witness(
    ids: list[str], kwargs: list[dict[str, Any]], *, quotes: tuple[str, ...] = (), avoid: tuple[str, ...] = ()
) -> str | None:
    """A response that meets every IFBench constraint of the set (test or training family), or None if
    none is found."""
    kw = dict(zip(ids, kwargs))
    if len(ids) == 1 and ids[0] in _ALONE:
        text = _whole_response(ids[0], kw[ids[0]])
        return text if text is not None and all(instructions.check(text, ids, kwargs)) else None
    if any(i in _ALONE for i in ids):
        return None  # drawn alone: never with another constraint
    banned = _banned(kw, avoid)
    for variant in range(4):
        shape = _initial_shape(kw, variant)
        for _ in range(8):
            text = _ifbench_text(kw, shape, quotes, banned, variant)
            if text is None:
                break
            verdicts = instructions.check(text, ids, kwargs)
            if all(verdicts):
                return text
            failed = [i for i, ok in zip(ids, verdicts) if not ok]
            if not all(_reshape(shape, iid, kw, text) for iid in failed):
                break
    return None


def _banned(kw: dict[str, dict], avoid: tuple[str, ...]) -> list[str]:
    """Strings no filler word may contain: counted keywords (their counts are exact) and canaries."""
    banned = [a.casefold() for a in avoid if a]
    for iid in (
        "count:keywords_multiple", "sentence:keyword", "words:keywords_specific_position", "words:words_position",
        "keywords:word_once", "keywords:word_count_different_numbers", "keywords:exclude_word_harder",
        "count:count_increment_word", "keywords:keyword_specific_position",
    ):
        banned += [str(v).casefold() for k, v in kw.get(iid, {}).items() if k.startswith(("keyword", "word"))]
    phrase = kw.get("copy:repeat_phrase")
    if phrase:  # its copies are found from its first to its last word
        banned += [w.casefold() for w in (phrase["phrase"].split()[0], phrase["phrase"].split()[-1])]
    letter = kw.get("letters:letter_counting2")
    if letter and letter["let_relation"] == "less than":
        banned.append(letter["letter"])
    return banned


def _initial_shape(kw: dict[str, dict], variant: int) -> _Shape:
    sentences, words = 5 + variant, 9
    if "count:word_count_range" in kw:
        target = (kw["count:word_count_range"]["min_words"] + kw["count:word_count_range"]["max_words"]) // 2
        sentences = max(3, target // 14) + variant
        words = max(4, target // sentences)
    words = max(words, 2 * -(-len(_required(kw)) // sentences) + 3)
    if "count:unique_word_count" in kw:
        words = max(words, kw["count:unique_word_count"]["N"] // sentences + 4)
    if "ratio:sentence_words" in kw:
        sentences = 3
    if "sentence:increment" in kw:
        sentences = min(sentences, 4 + variant % 2)
        words = max(4 + variant // 2, 2 * -(-len(_required(kw)) // sentences) + 1 - sentences)
    letters = kw.get("letters:letter_counting")
    if letters and letters["relation"] == "at least":
        words = max(words, letters["N"] // 6 // sentences + 2)
    phrase = kw.get("copy:repeat_phrase")
    if phrase:
        sentences = max(sentences, phrase["small_n"])
        words = max(words, len(phrase["phrase"].split()) + 4)
    composition = kw.get("count:counting_composition")
    if composition:
        sentences, words = 3 * composition["n_sent"], composition["n_words"]
    return _Shape(sentences, words, pad=0 if composition else variant // 2)


def _reshape(shape: _Shape, iid: str, every: dict[str, dict], text: str) -> bool:
    """Move the shape towards meeting the failed constraint ``iid`` (``every``: the set's kwargs by id);
    False when that failure has no fix here."""
    kw = every[iid]
    if iid == "count:word_count_range":
        return _grow(shape, every, (kw["min_words"] + kw["max_words"]) // 2 - ifeval.count_words(text))
    if iid == "count:unique_word_count":
        return _grow(shape, every, kw["N"] + 2 - len({w.strip(_STRIP) for w in text.lower().split()}))
    if iid == "letters:letter_counting":
        gap = kw["N"] - sum(1 for c in text if c.isalpha())
        return _grow(shape, every, gap // 6 + (1 if gap > 0 else -1))
    if iid == "letters:letter_counting2" and kw["let_relation"] == "at least":
        gap = kw["let_frequency"] - text.lower().count(kw["letter"])
        shape.rich += gap
        return _grow(shape, every, 2 * gap)  # room for the words that carry the letter
    if iid in ("words:keywords_specific_position", "keywords:keyword_specific_position"):
        sentences = ifbench.split_sentences(text)
        if len(sentences) < kw["n"]:
            return False
        tokens = ifeval.word_tokens(sentences[kw["n"] - 1])
        if kw["keyword"] not in tokens:
            return False
        shape.shift += kw["m"] - 1 - tokens.index(kw["keyword"])
        return True
    if iid == "ratio:stop_words":  # filler holds no stop words: more of it dilutes the required ones
        words = ifbench.STOP_WORD.findall(text)
        stop = sum(1 for w in words if w.lower() in ifbench.stop_words())
        return _grow(shape, every, int(stop * 100 / max(kw["percentage"], 1)) + 2 - len(words))
    if iid == "count:words_japanese":
        shape.pad += 1
        return shape.pad < 4
    return False


def _grow(shape: _Shape, kw: dict[str, dict], words: int) -> bool:
    """``words`` more (or, negative, fewer) words: spread over the sentences one each, or, where each
    sentence's length is fixed relative to the others (sentence:increment, ratio:sentence_words), on every
    sentence alike; False where every sentence's word count is given (count:counting_composition)."""
    if "count:counting_composition" in kw:
        return False
    if "sentence:increment" in kw or "ratio:sentence_words" in kw:
        shape.words += round(words / shape.sentences) or (1 if words > 0 else -1)
    else:
        shape.extra += words
    return shape.words >= 3


def _sizes(kw: dict[str, dict], shape: _Shape) -> tuple[list[int], list[str]]:
    """Word count and end mark of each sentence."""
    count, words = shape.sentences, shape.words
    marks = ["."] * count
    if "ratio:sentence_type" in kw or "ratio:sentence_balance" in kw:
        count = max(3, count - count % 3)
        cycle = (".", ".", "?") if "ratio:sentence_type" in kw else (".", "?", "!")
        marks = [cycle[i % 3] for i in range(count)]
        if "count:punctuation" in kw and "ratio:sentence_type" in kw:
            count, marks = count + 1, marks + ["!"]
    elif "count:punctuation" in kw:
        count = max(3, count)
        marks = ["."] * count
        marks[1], marks[2] = "?", "!"
    if "punctuation:punctuation_dot" in kw:
        marks = ["?" if m == "." and "punctuation:punctuation_exclamation" in kw else "!" if m == "." else m for m in marks]
    if "keywords:start_end" in kw:
        marks[-1] = ""  # the response ends with its first word, no mark after it
    if "format:sub-bullets" in kw and count % 2 == 0:
        count, marks = count + 1, marks + ["."]
    if "format:no_bullets_bullets" in kw and count < 4:
        marks += ["."] * (4 - count)
        count = 4
    if "format:emoji" in kw and "words:words_position" in kw and ("ratio:sentence_type" in kw or "ratio:sentence_balance" in kw):
        count, marks = count + 1, marks + [""]  # the last sentence ends "keyword 🙂", with no end mark
    if "format:output_template" in kw and count < 3:
        marks += ["."] * (3 - count)
        count = 3
    if "sentence:alliteration_increment" in kw:
        words = max(words, count + 4)
    step = kw.get("sentence:increment", {}).get("small_n", 0)
    sizes = [words + step * i for i in range(count)]
    if step == 0 and "ratio:sentence_words" not in kw and "count:counting_composition" not in kw:
        for i in range(abs(shape.extra)):
            sizes[i % count] += 1 if shape.extra > 0 else -1
    sizes[0] += shape.pad
    return sizes, marks


def _required(kw: dict[str, dict]) -> list[str]:
    """Words the response must hold anywhere (names, pronouns, keywords a number of times, ...)."""
    out: list[str] = []
    if "count:conjunctions" in kw:
        out += _CONJUNCTIONS[: kw["count:conjunctions"]["small_n"]]
    if "count:person_names" in kw:
        out += ifbench.PERSON_NAMES[: kw["count:person_names"]["N"]]
    if "count:pronouns" in kw:
        out += [_PRONOUNS[i % len(_PRONOUNS)] for i in range(kw["count:pronouns"]["N"])]
    if "words:palindrome" in kw:
        out += _PALINDROMES[:10]
    if "count:numbers" in kw:
        out += _NUMBERS[: kw["count:numbers"]["N"]]
    if "keywords:word_once" in kw:
        out.append(kw["keywords:word_once"]["keyword"])
    counted = kw.get("keywords:word_count_different_numbers")
    if counted:
        times = counted["frequency"] if counted["relation"] == "at least" else min(1, counted["frequency"] - 1)
        out += [counted["keyword"]] * times
    increment = kw.get("count:count_increment_word")
    if increment:
        out += [increment["keyword1"], increment["keyword2"], increment["keyword2"]]
    if "keywords:palindrome" in kw:
        out.append("level")
    multiple = kw.get("count:keywords_multiple")
    if multiple:
        for i, times in zip(range(1, 6), (1, 2, 3, 5, 7)):
            out += [multiple[f"keyword{i}"]] * times
    return out


def _rich(kw: dict[str, dict], shape: _Shape) -> list[str]:
    """Words holding letters:letter_counting2's letter, as many as the shape asks for."""
    letter = kw.get("letters:letter_counting2", {}).get("letter")
    found = [w for w in _WORDS if letter and letter in w] or [letter or ""]
    return [found[i % len(found)] for i in range(max(0, shape.rich))]


def _ifbench_text(
    kw: dict[str, dict], shape: _Shape, quotes: tuple[str, ...], banned: list[str], variant: int
) -> str | None:
    sizes, marks = _sizes(kw, shape)
    sentences = [[_Slot() for _ in range(max(1, n))] for n in sizes]
    _link(kw, sentences)
    if "sentence:alliteration_increment" in kw:
        _alliterate(sentences)
    if not _place_required(kw, sentences, shape, variant):
        return None
    _decorate(kw, sentences, marks, variant)
    slots = _lay_out(kw, sentences, quotes)
    japanese = kw.get("count:words_japanese")
    counted = {"sentence:increment", "ratio:sentence_words", "count:counting_composition"}
    if japanese and not _mark_japanese(slots, sentences, japanese["N"], len(quotes), grow=not counted & set(kw)):
        return None
    _fill(slots, kw, banned, variant)
    if "ratio:sentence_words" in kw and not _equalise(sentences, kw, banned):
        return None
    _capitalise(sentences, title="format:title_case" in kw or "count:lowercase_counting" in kw)
    body = "".join((s.brk if i else "") + s.text() for i, s in enumerate(slots))
    if not quotes:
        return body
    title = "format:title_case" in kw or "count:lowercase_counting" in kw
    head = "\n".join(_title_words(q) if title else q for q in quotes)
    return head + ("\n" if "paragraphs:paragraphs2" in kw else "\n\n") + body


def _free(sentence: list[_Slot], start: int = 1) -> list[int]:
    return [i for i in range(start, len(sentence)) if not (sentence[i].fixed or sentence[i].mirror or sentence[i].letter)]


def _link(kw: dict[str, dict], sentences: list[list[_Slot]]) -> None:
    """Words that must repeat another: a sentence's first word its predecessor's last
    (words:last_first); a line's last word its first (words:paragraph_last_first)."""
    if "words:last_first" in kw:
        for a, b in zip(sentences, sentences[1:]):
            b[0] = _Slot(mirror=a[-1])
    if "words:paragraph_last_first" in kw:
        for sentence in sentences:
            if len(sentence) > 1:
                sentence[-1].mirror = sentence[0]


def _place_required(kw: dict[str, dict], sentences: list[list[_Slot]], shape: _Shape, variant: int) -> bool:
    """Fixed words into their sentences: positional keywords first, then the rest spread evenly."""
    count = len(sentences)
    position = kw.get("words:words_position")
    if position:
        if len(sentences[0]) < 3 or len(sentences[-1]) < 3:
            return False
        sentences[0][1] = _Slot(position["keyword"], fixed=True, exact=True)
        end = sentences[-1][-1] = _Slot(position["keyword"], fixed=True, exact=True)
        if "words:paragraph_last_first" in kw:
            sentences[-1][0] = _Slot(mirror=end)  # the line then starts with the keyword too
    specific = kw.get("words:keywords_specific_position") or kw.get("keywords:keyword_specific_position")
    if specific:
        n, at = specific["n"] - 1, specific["m"] - 1 + shape.shift
        if n >= count or not 0 <= at < len(sentences[n]) - 1 or sentences[n][at].fixed:
            return False
        sentences[n][at] = _Slot(specific["keyword"], fixed=True, exact=True)
    keyword = kw.get("sentence:keyword")
    if keyword:
        n = keyword["N"] - 1
        free = _free(sentences[n]) if n < count else []
        if not free:
            return False
        sentences[n][free[len(free) // 2]] = _Slot(keyword["word"], fixed=True)
    if "words:start_verb" in kw:
        first = sentences[0][0]
        if first.fixed or first.mirror or first.letter:
            return False
        sentences[0][0] = _Slot(_VERB, fixed=True)
    if not _place_edges(kw, sentences):
        return False
    required = _required(kw) + _rich(kw, shape)
    for i, word in enumerate(required):
        target = sentences[(i + variant) % count]
        free = _free(target)
        # keep room around fixed words for a filler between them (first letters, Japanese positions)
        free = [j for j in free if not (target[j - 1].fixed or (j + 1 < len(target) and target[j + 1].fixed))] or free
        if not free:
            return False
        target[free[(i // count * 3 + variant) % len(free)]] = _Slot(word, fixed=True)
    return True


def _place_edges(kw: dict[str, dict], sentences: list[list[_Slot]]) -> bool:
    """Training constraints on sentence edges: required first and last words, a response ending on its
    first word, and copies of a phrase with one word changed (one copy a sentence)."""
    first = kw.get("first_word:first_word_sent", kw.get("first_word:first_word_answer", {})).get("first_word")
    for sentence in sentences if "first_word:first_word_sent" in kw else sentences[:1]:
        if first:
            sentence[0] = _Slot(first, fixed=True)
    last = kw.get("last_word:last_word_sent", kw.get("last_word:last_word_answer", {})).get("last_word")
    for sentence in sentences if "last_word:last_word_sent" in kw else sentences[-1:]:
        if last:
            sentence[-1] = _Slot(last, fixed=True)
    if "keywords:start_end" in kw:
        sentences[-1][-1] = _Slot(mirror=sentences[0][0])
    phrase = kw.get("copy:repeat_phrase")
    if phrase:
        words = phrase["phrase"].split()
        changed = len(words) // 2
        specific = kw.get("keywords:keyword_specific_position", {}).get("n", 0) - 1
        hosts = [sentence for i, sentence in enumerate(sentences) if i != specific][: phrase["small_n"]]
        if len(hosts) < phrase["small_n"]:
            return False
        for n, sentence in enumerate(hosts):
            copy = [_Slot(w, fixed=True, exact=True) for w in words]
            copy[changed] = _Slot(_SUBSTITUTES[n % len(_SUBSTITUTES)] if words[changed].lower() != "really" else "truly", fixed=True, exact=True)
            at = 1 if len(sentence) >= len(copy) + 2 else 0
            if len(sentence) < len(copy):
                return False
            sentence[at : at + len(copy)] = copy
    return True


def _decorate(kw: dict[str, dict], sentences: list[list[_Slot]], marks: list[str], variant: int) -> None:
    """End marks, emoji, brackets, quotes and punctuation glued onto the sentences' words."""
    count = len(sentences)
    positional = {kw[i]["n"] - 1 for i in ("words:keywords_specific_position", "keywords:keyword_specific_position") if i in kw}
    plain = [i for i in range(count) if i not in positional] or list(range(count))
    host = plain[(1 + variant) % len(plain)] if len(plain) > 1 else plain[0]
    for i, sentence in enumerate(sentences):
        end = sentence[-1]
        if "format:emoji" in kw and i == count - 1 and "words:words_position" in kw:
            # the keyword must be the second-to-last token: the response ends "keyword 🙂", no full stop
            sentence.append(_Slot(_EMOJI[(i + variant) % len(_EMOJI)], fixed=True, exact=True))
            continue
        if "format:emoji" in kw:
            end.post += _EMOJI[(i + variant) % len(_EMOJI)]
        end.post += marks[i]
    if "format:list" in kw and kw["format:list"]["sep"] == "...":
        done = 0
        for sentence, mark in zip(sentences, marks):
            if mark == "." and done < 2:
                sentence[-1].post = sentence[-1].post[:-1] + "..."
                done += 1
    sentence = sentences[max(plain, key=lambda i: (len(sentences[i]), i == host))]
    if "format:parentheses" in kw:
        run = _run(sentence, 5)
        if run is not None:
            for j, opener in zip(range(run, run + 5), "([{(["):
                sentence[j].pre = opener + sentence[j].pre
            sentence[run + 4].post = "])}])" + sentence[run + 4].post
    quoted = "format:quotes" in kw or "format:quote_unquote" in kw
    if quoted:
        target = sentences[plain[(2 + variant) % len(plain)]] if len(plain) > 2 else sentence
        size = 5 if "format:quotes" in kw else 2
        run = _run(target, size, skip_last=True)
        if run is not None:
            if size == 5:
                for j, (pre, post) in enumerate([('"', ""), ("'", ""), ('"', '"'), ("", "'"), ("", '"')]):
                    target[run + j].pre = pre + target[run + j].pre
                    target[run + j].post = target[run + j].post + post
            else:
                target[run].pre = '"' + target[run].pre
                target[run + 1].post = target[run + 1].post + '"'
    if "count:punctuation" in kw:
        longest = max(plain, key=lambda i: len(sentences[i]))
        marks_left = [",", ";", ":", "‽"]
        for j in _free(sentences[longest], 1)[:-1]:
            if not marks_left:
                break
            if not sentences[longest][j].post:
                sentences[longest][j].post = marks_left.pop(0)
    if "format:thesis" in kw:
        # inside the sentence (its first and last words may be compared with other sentences' words)
        thesis = sentences[plain[0] if count == 1 else plain[min(1, len(plain) - 1)]]
        start, end = (1, len(thesis) - 2) if len(thesis) >= 4 else (0, len(thesis) - 1)
        # "<i>word" is compared on its "i": never inside an alliterative run
        start = next((j for j in range(start, end) if not thesis[j].letter and not thesis[j].exact), start)
        thesis[start].pre = "<i>" + thesis[start].pre
        thesis[end].post = "</i>" + thesis[end].post
    if "format:list" in kw and kw["format:list"]["sep"] in ("SEPARATOR", "-", "!?!?"):
        sep = kw["format:list"]["sep"]
        target = sentences[-1]
        for j in (len(target) - 1, len(target) // 2):
            _put(target, j, [_Slot(sep, fixed=True, exact=True)], counted="sentence:increment" in kw and sep.isalpha())


def _put(sentence: list[_Slot], at: int, new: list[_Slot], *, counted: bool) -> None:
    """Insert ``new`` at ``at``; where the sentence's word count is checked (``counted``), as many free
    filler words of the sentence go, so the count stays."""
    sentence[at:at] = new
    if counted:
        spare = [s for s in sentence[:-1] if s not in new and _movable(s)][-len(new) :]
        for slot in spare if len(spare) == len(new) else ():
            sentence.remove(slot)


def _run(sentence: list[_Slot], size: int, *, skip_last: bool = False, free: bool = False) -> int | None:
    """The start of ``size`` consecutive undecorated words in ``sentence`` (free filler only, with
    ``free``; else required words too, but never a word whose position or case is checked)."""
    end = len(sentence) - (1 if skip_last else 0)
    for start in range(0, end - size + 1):
        block = sentence[start : start + size]
        if all(
            not s.exact and not s.pre and not s.post and s.mirror is None and not s.japanese
            and not (free and (s.fixed or s.letter))
            for s in block
        ):
            return start
    return None


def _lay_out(kw: dict[str, dict], sentences: list[list[_Slot]], quotes: tuple[str, ...]) -> list[_Slot]:
    """Lines, bullets, indents and templates: the slots in reading order with their line breaks."""
    count = len(sentences)
    for i, sentence in enumerate(sentences):
        sentence[0].brk = " "
    if "words:paragraph_last_first" in kw:
        for sentence in sentences:
            sentence[0].brk = "\n"
    if "format:line_indent" in kw:
        for i, sentence in enumerate(sentences):
            sentence[0].brk = "\n" + " " * (2 * (i + (len(quotes) if quotes else 0)))
    if "format:output_template" in kw:
        hosts = [1, 2, 3] if count >= 4 else [0, 1, 2]
        for host, label in zip(hosts, ("My Answer:", "My Conclusion:", "Future Outlook:")):
            first, second = label.split()
            sentence = sentences[host]
            labels = [_Slot(first, fixed=True, brk="\n"), _Slot(second, fixed=True, joined=True)]
            _put(sentence, 0, labels, counted="sentence:increment" in kw)
    if "format:sub-bullets" in kw:
        for i, sentence in enumerate(sentences[1:]):
            marker = "*" if i % 2 == 0 else "-"
            sentence.insert(0, _Slot(marker, fixed=True, brk="\n" if marker == "*" else "\n  "))
    if "format:no_bullets_bullets" in kw:
        for sentence in sentences[count - 2 :]:
            sentence.insert(0, _Slot("*", fixed=True, brk="\n"))
    groups = 2 if "paragraphs:paragraphs" in kw or "paragraphs:paragraphs2" in kw else 0
    if "count:counting_composition" in kw:
        groups = 3
    if groups:
        divider = "\n\n" if "paragraphs:paragraphs2" in kw else "\n***\n"
        size = -(-count // groups)
        for start in range(size, count, size):
            sentences[start][0].brk = divider
    if "detectable_format:sentence_hyphens" in kw:
        for sentence in sentences[1:]:
            sentence[0].brk = "-"
    slots = [slot for sentence in sentences for slot in sentence]
    if quotes and "format:line_indent" in kw:
        slots[0].brk = "\n" + " " * 2 * len(quotes)
    return slots


def _title_words(line: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in line.split(" "))


def _first(word: str) -> str:
    """The letter a word is compared on for "no two consecutive words share a first letter"."""
    bare = word.translate(_NO_PUNCTUATION).lower()
    return bare[:1]


def _mark_japanese(slots: list[_Slot], sentences: list[list[_Slot]], n: int, quoted: int, *, grow: bool) -> bool:
    """Every ``n``-th token must be Japanese: free slots there become Japanese words; before a required word
    there (a label: all its words) goes the next free word of its sentence (sentence lengths stay), or,
    with ``grow`` (no sentence length is checked), a new word."""
    if quoted:
        return False
    owner = {id(slot): sentence for sentence in sentences for slot in sentence}
    for p in range(n - 1, len(slots), n):
        for _ in range(4):
            slot = slots[p]
            bare = slot.text().strip(_STRIP)
            if _free_slot(slot) or not bare or bare.isdigit() or _JAPANESE.search(bare):
                break
            sentence = owner[id(slot)]
            at = sentence.index(slot)
            while at > 0 and sentence[at].joined:  # a label's words move together
                at -= 1
            first = sentence[at]
            later = next((j for j in range(at + 1, len(sentence)) if _movable(sentence[j])), None)
            if later is None and not grow:
                return False
            moved = _Slot() if later is None else sentence.pop(later)
            if later is not None:
                slots.remove(moved)
            owner[id(moved)] = sentence
            sentence.insert(at, moved)
            slots.insert(slots.index(first), moved)
            moved.brk, first.brk = first.brk, " "
        else:
            return False
        if _free_slot(slots[p]):
            slots[p].japanese = True
    return True


def _free_slot(slot: _Slot) -> bool:
    """Filler to choose (its decoration aside)."""
    return not (slot.fixed or slot.mirror or slot.letter)


def _movable(slot: _Slot) -> bool:
    """Undecorated filler, not yet Japanese: free to move within its sentence."""
    return _free_slot(slot) and not (slot.pre or slot.post or slot.japanese)


def _alliterate(sentences: list[list[_Slot]]) -> None:
    """sentence:alliteration_increment: sentence i (i >= 1) holds one run of i + 1 words sharing a letter."""
    letters = "spmcbtdrfglw"
    for i, sentence in enumerate(sentences[1:], 1):
        run = _run(sentence, i + 1, free=True)
        if run is None:
            continue
        for j in range(run, run + i + 1):
            sentence[j].letter = letters[i % len(letters)]


def _neighbour(slots: list[_Slot], start: int, step: int) -> str:
    """The first letter of the nearest word before (step -1) or after (step 1) ``start``, punctuation-only
    tokens (bullets, separators) skipped as the no-consecutive check skips them."""
    i = start + step
    while 0 <= i < len(slots):
        if slots[i].word is None and slots[i].mirror is None:
            return ""
        letter = _first(slots[i].pre + (slots[i].word or slots[i].mirror.word or "") + slots[i].post)
        if letter:
            return letter
        i += step
    return ""


def _next_letter(letter: str) -> str:
    return chr(ord(letter) + 1) if letter else ""


def _fill(slots: list[_Slot], kw: dict[str, dict], banned: list[str], variant: int) -> None:
    """Filler for every free slot: a first letter unlike its neighbours', unused words first, never over
    the repeat cap."""
    cap = 1 if "count:count_unique" in kw else kw.get("words:repeats", {}).get("small_n", 3)
    successor = "keywords:no_adjacent_consecutive" in kw  # no word starting with the letter after the last one's
    stop = ifbench.stop_words() if "ratio:stop_words" in kw else frozenset()
    vocab = [w for w in _MIXED if not any(b in w for b in banned) and w not in stop]
    used: dict[str, int] = {}
    for slot in slots:
        if slot.word is not None:
            used[slot.word.lower()] = used.get(slot.word.lower(), 0) + 1
    pointer = variant * 37
    japanese = 0
    for i, slot in enumerate(slots):
        if slot.mirror is not None:
            slot.word = slot.mirror.word
        if slot.word is not None:
            continue
        if slot.japanese:
            slot.word = _JAPANESE_WORDS[japanese % len(_JAPANESE_WORDS)]
            japanese += 1
            continue
        before, after = _neighbour(slots, i, -1), _neighbour(slots, i, 1)
        for limit in (1, cap):
            for step in range(len(vocab)):
                word = vocab[(pointer + step) % len(vocab)]
                if (slot.letter and word[0] != slot.letter) or (not slot.letter and word[0] in (before, after)):
                    continue
                if successor and (_next_letter(before) == word[0] or _next_letter(word[0]) == after):
                    continue
                if used.get(word, 0) >= limit:
                    continue
                slot.word = word
                used[word] = used.get(word, 0) + 1
                pointer = (pointer + step + 1) % len(vocab)
                break
            if slot.word is not None:
                break
        else:
            slot.word = vocab[pointer % len(vocab)]


def _sentence_text(sentence: list[_Slot]) -> str:
    return "".join((s.brk if i else "") + s.text() for i, s in enumerate(sentence)).replace("\n", " ").strip()


def _equalise(sentences: list[list[_Slot]], kw: dict[str, dict], banned: list[str]) -> bool:
    """ratio:sentence_words: lengthen the shorter sentences' filler words until all have the same length."""
    target = max(len(_sentence_text(s)) for s in sentences)
    by_first: dict[str, list[str]] = {}
    for word in _WORDS:
        if not any(b in word for b in banned):
            by_first.setdefault(word[0], []).append(word)
    used = {s.word.lower() for sentence in sentences for s in sentence if s.word}
    sources = {id(s.mirror) for sentence in sentences for s in sentence if s.mirror is not None}
    for sentence in sentences:
        for slot in sentence:
            if id(slot) in sources:
                continue
            gap = target - len(_sentence_text(sentence))
            if gap == 0:
                break
            if slot.fixed or slot.mirror is not None or slot.japanese or slot.letter or not slot.word:
                continue
            options = [w for w in by_first.get(slot.word[0], []) if len(w) > len(slot.word) and w not in used]
            if not options:
                continue
            best = min(options, key=lambda w: abs(len(w) - len(slot.word) - gap))
            if len(best) - len(slot.word) > gap:
                fits = [w for w in options if len(w) - len(slot.word) <= gap]
                if not fits:
                    continue
                best = max(fits, key=len)
            used.discard(slot.word)
            used.add(best)
            slot.word = best
        if len(_sentence_text(sentence)) != target:
            return False
    return True


def _capitalise(sentences: list[list[_Slot]], *, title: bool) -> None:
    """Sentence-initial capitals (every word's, in title case); exact-case keywords stay as drawn."""
    for sentence in sentences:
        for i, slot in enumerate(sentence):
            word = slot.word or ""
            if slot.exact or not word[:1].isalpha() or word[:1].upper() == word[:1]:
                continue
            if title or i == 0 or (i == 1 and sentence[0].fixed and not sentence[0].word[:1].isalpha()):
                slot.word = word[:1].upper() + word[1:]


# Whole-response constraints (drawn alone) and IFBench's fixed-prompt tasks.
_ALPHABET = (
    "all bright clear days end fine gardens have inviting jasmine kept lovely meadows near old paths quietly "
    "revealing sunlit trees under violet willows xeric yards zigzagging"
).split()
_AFRICAN_COUNTRIES = [
    "Algeria", "Angola", "Benin", "Botswana", "Burkina Faso", "Burundi", "Cabo Verde", "Cameroon",
    "Central African Republic", "Chad", "Comoros", "Congo", "Democratic Republic of the Congo", "Djibouti",
    "Egypt", "Equatorial Guinea", "Eritrea", "Eswatini", "Ethiopia", "Gabon", "Gambia", "Ghana", "Guinea",
    "Guinea-Bissau", "Ivory Coast", "Kenya", "Lesotho", "Liberia", "Libya", "Madagascar", "Malawi", "Mali",
    "Mauritania", "Mauritius", "Morocco", "Mozambique", "Namibia", "Niger", "Nigeria", "Rwanda",
    "Sao Tome and Principe", "Senegal", "Seychelles", "Sierra Leone", "Somalia", "South Africa", "South Sudan",
    "Sudan", "Tanzania", "Togo", "Tunisia", "Uganda", "Zambia", "Zimbabwe",
]
_FIXED_ANSWERS = {
    "custom:multiples": "14, 21, 28, 35, 42, 49",
    "custom:mcq_count_length": "\n".join(
        [
            "Question 1: Who painted Guernica?",
            "A. Picasso", "B. Matisse", "C. Dali", "D. Miro", "E. Braque",
            "Question 2: Which movement did Marcel Duchamp help to found?",
            "A. Dada", "B. Cubism", "C. Fauvism", "D. Futurism", "E. Pop art",
            "Question 3: Which artist is best known for the drip paintings made in the late 1940s?",
            "A. Pollock", "B. Rothko", "C. de Kooning", "D. Kline", "E. Newman",
            "Question 4: Which school of art and design, founded in Weimar in 1919, joined crafts and the fine arts?",
            "A. Bauhaus", "B. De Stijl", "C. Vienna Secession", "D. Arts and Crafts", "E. Omega Workshops",
        ]
    ),
    "custom:reverse_newline": "\n".join(sorted(_AFRICAN_COUNTRIES, reverse=True)),
    "custom:word_reverse": "eagle bald the is US the of symbol national the",
    "custom:character_reverse": "elgae dlab eht si SU eht fo lobmys lanoitan ehT",
    "custom:sentence_alphabet": " ".join(
        f"{w} {rest}." for w, rest in zip(
            "Anna Before Clouds During Every From Grey Hills Ivy Just Kites Later Maybe Nobody Only Perhaps "
            "Quietly Rain Soon The Under Very When Xavier Yet Zebras".split(),
            "packed a bag|dawn she left home|gathered over the road|the walk she sang|step felt lighter|the top she saw the sea|"
            "gulls circled above|rolled away to the west|covered the old wall|then a bell rang|flew over the harbour|"
            "she found a cafe|the owner knew her name|else was there|a cat slept by the door|she would stay a while|"
            "she opened her notebook|began to fall outside|the street was empty|rain stopped at noon|a pale sky she walked on|"
            "slowly the town woke|evening came she went home|her brother was waiting|he had made soup|were on the news that night".split("|"),
        )
    ),
    "custom:european_capitals_sort": ", ".join(ifbench.EUROPEAN_CAPITALS),
    "custom:csv_city": "\n".join(
        ["ID,Country,City,Year,Count"]
        + [f"{i},{c},{t},{2015 + i},{100 * i + 7}" for i, (c, t) in enumerate(
            [("France", "Lyon"), ("Spain", "Seville"), ("Italy", "Turin"), ("Japan", "Osaka"),
             ("Brazil", "Recife"), ("Canada", "Calgary"), ("Kenya", "Mombasa")], 1)]
    ),
    "custom:csv_special_character": "\n".join(
        ["ProductID,Category,Brand,Price,Stock"]
        + [f'{100 + i},{"Home & Garden" if i == 3 else "Kitchen"},Brand{i},{9 + i}.99,{20 + i}' for i in range(1, 15)]
    ).replace("Home & Garden", '"Home & Garden"'),
    "custom:csv_quotes": "\n".join(
        ["\t".join(f'"{h}"' for h in ("StudentID", "Subject", "Grade", "Semester", "Score"))]
        + ["\t".join(f'"{v}"' for v in row) for row in (
            ("S1", "Math", "A", "Fall", "91"), ("S2", "History", "B", "Spring", "84"), ("S3", "Biology", "A", "Fall", "95"))]
    ),
    "custom:date_format_list": "1796-04-12, 1805-12-02, 1815-06-18",
    "repeat:repeat_simple": ifbench.REPEAT_SIMPLE,
    "format:no_whitespace": "Thewholeplanisreadyandtheteamagreedonthenextsteps.",
    "words:alphabet": " ".join(_ALPHABET[:12]).capitalize() + " " + " ".join(_ALPHABET[12:]) + ".",
    "words:vowel": "Rob and Ted sat on a bench at the dock and sang old songs as the boats sped back to port.",
    "words:consonants": "Strong winds brought fresh storms that crossed the flat plains and swept past the small farms.",
    "words:prime_lengths": "We all agree the new project has clear goals and our staff is ready to start today.",
    "format:newline": "The\nteam\nagreed\non\nthe\nplan\nand\nstarts\nwork\ntoday.",
}


def _whole_response(iid: str, kw: dict[str, Any]) -> str | None:
    """A witness for a constraint that shapes the whole response (drawn alone), or a fixed-prompt task."""
    if iid in _FIXED_ANSWERS:
        return _FIXED_ANSWERS[iid]
    if iid == "repeat:repeat_change":
        words = kw["prompt_to_repeat"].split()
        return " ".join(["Kindly" if words[0] != "Kindly" else "Please", *words[1:]])
    if iid == "repeat:repeat_span":
        return " ".join(kw["prompt_to_repeat"].split()[kw["n_start"] : kw["n_end"]])
    if iid in ("copy:copy", "copy:copying_simple"):
        return kw["prompt_to_repeat"]
    if iid == "copy:copying_multiple":
        return "\n******\n".join([kw["prompt_to_repeat"]] * kw["N"])
    if iid == "new:copy_span_idx":
        return kw["prompt_to_repeat"][kw["n_start"] : kw["n_end"]].strip()
    if iid == "detectable_format:square_brackets":
        return " ".join(f"[{w}]" for w in "The plan is ready and the team starts work on Monday".split())
    if iid == "detectable_format:bigram_wrapping":
        words = "The plan is ready and the team starts work on Monday morning".split()
        return " ".join(f"<<{a} {b}>>" for a, b in zip(words[::2], words[1::2]))
    if iid == "words:odd_even_syllables":
        return "The garden is quiet when morning comes over the yellow fields."
    return None
