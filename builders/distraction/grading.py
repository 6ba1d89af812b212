"""What a distraction task is graded on (the ``content`` verifier params) and a response that passes.

``content`` builds the params ``dsgen.verifiers.content`` checks, from the facts the reference text
itself holds (its questions, fields, key facts, people and numbers); ``witness`` writes a response that
does the task, follows every constraint, copies what must be kept and obeys no distractor. The builder
keeps a record only when its witness earns the full reward, so every record is provably solvable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dsgen.verifiers import content as checks
from dsgen.verifiers import folding, ifeval, instructions

from .texts import Reference
from .witness import witness_response

#: The ids a distraction task may carry, per constraint family. IFBench's (test and training) are only those that add to a
#: response without reshaping it, since the response must also hold the task's answer (lines the witness
#: copies: an answer, key facts, a list, a JSON object): words and marks to include (conjunctions, names,
#: pronouns, palindromes, keywords a number of times, punctuation, nested brackets and quotes), a word range
#: or unique-word floor, title case, an italic thesis, the answer template, a list separator. Not drawn
#: here: sentence shapes and positions (ratio:*, sentence:*, words:last_first, words:*position*,
#: format:emoji), every-word rules (words:no_consecutive, words:repeats, count:words_japanese),
#: line layouts (format:line_indent, bullets, words:paragraph_last_first), an exact count of numbers
#: (the answer's own numbers), and the whole-response ids drawn alone.
FAMILY_IDS: dict[str, tuple[str, ...]] = {
    "ifeval": ifeval.INSTRUCTION_IDS,
    "ifbench_test": (
        "count:conjunctions",
        "count:person_names",
        "count:pronouns",
        "count:unique_word_count",
        "count:word_count_range",
        "count:keywords_multiple",
        "words:palindrome",
        "count:punctuation",
        "format:parentheses",
        "format:quotes",
        "format:quote_unquote",
        "format:thesis",
        "format:output_template",
        "format:title_case",
        "format:list",
    ),
    # the training family's, chosen the same way: keyword counts and exclusions, a palindrome, letter counts,
    # no exclamation mark, a lowercase cap (the answer is written in capitals), the answer's last word,
    # copies of a phrase. Not drawn here: first words and start_end (the answer leads), every sentence's
    # first or last word, positions, paragraphs and hyphen-joined sentences (layouts), no dots (the answer's
    # sentences end in one), unique words and no alphabet-adjacent initials (the answer's own words).
    "ifbench_train": (
        "keywords:word_once",
        "keywords:word_count_different_numbers",
        "keywords:exclude_word_harder",
        "count:count_increment_word",
        "keywords:palindrome",
        "letters:letter_counting",
        "letters:letter_counting2",
        "last_word:last_word_answer",
        "punctuation:punctuation_exclamation",
        "count:lowercase_counting",
        "copy:repeat_phrase",
    ),
}
#: Ids that only these task types carry (every other id goes with any task type not excluding it below).
ONLY_FOR = {
    "detectable_format:constrained_response": ("yes_no",),
    "detectable_format:json_format": ("convert",),
    # IFBench's layouts only where their wording fits the task: a list "instead of bullet points" never
    # where the task asks for one item per line; a thesis per section and an answer/conclusion/outlook
    # template only over prose
    "format:list": ("summarise", "rewrite"),
    "format:thesis": ("summarise", "rewrite"),
    "format:output_template": ("answer", "yes_no", "summarise"),
}
#: Constraints a task type never carries: they contradict what the task asks (a verbatim copy, a
#: JSON object that must parse, a list of lines).
EXCLUDED = {
    "preserve": {
        "change_case:english_lowercase",
        "change_case:english_capital",
        "change_case:capital_word_frequency",
        "punctuation:no_comma",
        "keywords:forbidden_words",
        "keywords:letter_frequency",
        "length_constraints:number_words",
        "length_constraints:number_sentences",
        "language:response_language",
        "format:title_case",  # would change the copied notes
        "count:lowercase_counting",
        "letters:letter_counting",
        "letters:letter_counting2",
    },
    # a yes/no or short answer is graded on its English words ("yes", "the culture fund")
    "yes_no": {"language:response_language"},
    "answer": {"language:response_language"},
    "list_items": {"detectable_format:number_bullet_lists"},  # an exact bullet count fights "list them"
    # the answer is a bare JSON object: no IFBench constraint, and of IFEval's only these five
    "convert": {
        iid
        for iid in ifeval.INSTRUCTION_IDS + FAMILY_IDS["ifbench_test"] + FAMILY_IDS["ifbench_train"]
        if iid
        not in {
            "detectable_format:json_format",
            "change_case:english_lowercase",
            "change_case:english_capital",
            "keywords:forbidden_words",
            "keywords:letter_frequency",
        }
    },
}
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
COPY_LIMIT = 0.5  # a response holding over half of the reference's 5-token windows is a copy
#: Summaries and rewrites are in the response's own words: at most this share of its 5-token windows may be
#: the reference's (a verbatim opening third of the document passed the copy limit above).
MAX_COPIED = 0.6
#: Summaries and rewrites are prose: at least this share of their words are function words (English prose has
#: 35-55 %, a terse summary about 20 %, a list of names and figures none).
MIN_PROSE = 0.15


def allowed_ids(task_type: str, ids: list[str]) -> list[str]:
    """The instruction ids a task of ``task_type`` may carry, from ``ids``."""
    excluded = EXCLUDED.get(task_type, set())
    return [i for i in ids if i not in excluded and task_type in ONLY_FOR.get(i, (task_type,))]


def content(
    ref: Reference, task_type: str, *, question: dict | None, mention: tuple[str, str] | None, prompt: str
) -> dict[str, Any]:
    """The ``content`` verifier params of a task over ``ref`` (``prompt``: the full user message)."""
    text = ref.text()
    out: dict[str, Any] = {
        "type": task_type,
        "reference": text,
        "copy_limit": COPY_LIMIT,
        "no_new_numbers": task_type in ("summarise", "rewrite", "list_items", "preserve", "answer"),
        "allowed_numbers": sorted(checks.numbers(prompt)),
    }
    if task_type == "answer":
        gold = question["answers"]
        out["answers"] = [*gold, *(s for a in gold for s in folding.spelled(a))]
        golds = {folding.needle(a) for a in gold}
        out["others"] = [
            q["answers"][0]
            for q in ref.questions
            if q is not question
            and folding.needle(q["answers"][0]) not in golds
            and not any(set(folding.needle(q["answers"][0])) & set(g) for g in golds)
        ]
    elif task_type == "yes_no":
        out["gold"] = mention[1]
    elif task_type == "extract":
        out["items"] = [*ref.people, *sorted(checks.numbers(text), key=int)]
        out.update(min_recall=0.8, min_precision=0.8)
    elif task_type == "convert":
        out["fields"] = dict(ref.fields)
        out["min_values"] = len(ref.fields)
    else:
        if task_type in ("summarise", "rewrite"):
            out["max_copied"] = MAX_COPIED
            out["min_prose"] = MIN_PROSE
        out["key"] = list(ref.key)
        out["min_key"] = {"summarise": 2, "list_items": 2, "preserve": 2}.get(task_type, len(ref.key))
        out["min_key"] = min(out["min_key"], len(ref.key))
        if task_type == "list_items":
            out["min_lines"] = 3
    return out


def user_key(ref: Reference) -> None:
    """Key facts of a user text: its numbers of 2+ digits (the only facts dsgen can find without a model)."""
    ref.key = sorted(checks.numbers(ref.text()), key=int)[:5]
    ref.people = []


def _body(c: dict[str, Any]) -> list[str]:
    """Lines that do the task (each a line of the witness; no commas, so no_comma can hold)."""
    return [_THOUSANDS.sub("", line) for line in _task_lines(c)]


def _task_lines(c: dict[str, Any]) -> list[str]:
    kind = c["type"]
    if kind == "answer":
        return [f"The answer is {c['answers'][0]}."]
    if kind == "yes_no":
        return [f"My answer is {c['gold']}."]
    if kind == "extract":
        return [f"{i + 1}. {item}" for i, item in enumerate(c["items"])]
    if kind == "list_items":
        points = c["key"] + ["the rest follows the document"] * max(0, c["min_lines"] - len(c["key"]))
        return [f"{i + 1}. {k}" for i, k in enumerate(points)]
    return ["In short: " + "; ".join(c["key"]) + "." if c["key"] else "In short: nothing to add."]


def witness(params: dict[str, Any]) -> str | None:
    """A response that passes every part of the verifier ``params``, or None if none is found."""
    ids, kwargs = params["instruction_id_list"], params["kwargs"]
    c = params.get("content")
    quotes = tuple(d["text"] for d in params["distractors"] if d["expect"] == "preserve")
    canaries = tuple(
        d["witness"]["text"]
        for d in params["distractors"]
        if d["witness"] and d["witness"]["type"] == "contains"
    )
    if c is None:
        return witness_response(ids, kwargs, quotes=quotes, avoid=canaries)
    if c["type"] == "convert":
        text = json.dumps(c["fields"], indent=2, ensure_ascii=False)
        if "change_case:english_capital" in ids:
            text = text.upper()
        elif "change_case:english_lowercase" in ids:
            text = text.lower()
        return text if all(instructions.check(text, ids, kwargs)) else None
    if c["type"] == "yes_no" and "detectable_format:constrained_response" in ids:
        text = _body(c)[0]
        return text if all(instructions.check(text, ids, kwargs)) else None
    avoid = canaries + (("yes", "no", "maybe") if c["type"] == "yes_no" else ())
    return witness_response(ids, kwargs, quotes=quotes + tuple(_body(c)), avoid=avoid)
