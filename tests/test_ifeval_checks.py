"""IFEval-compatible checks: each id's meaning as IFEval defines it, strict and loose modes, bad kwargs."""

from __future__ import annotations

import pytest
from dsgen.builders.distraction import constraints

from dsgen.errors import DsgenError
from dsgen.verifiers import ifeval


def one(iid: str, response: str, loose: bool = False, **kw) -> bool:
    return ifeval.check(response, [iid], [kw], loose=loose)[0]


@pytest.mark.parametrize(
    ("iid", "kw", "good", "bad"),
    [
        (
            "keywords:existence",
            {"keywords": ["budget", "Deadline"]},
            "The BUDGET and the deadline.",
            "The budget.",
        ),
        (
            "keywords:frequency",
            {"keyword": "plan", "frequency": 2, "relation": "at least"},
            "plan a plan",
            "one plan",
        ),
        (
            "keywords:frequency",
            {"keyword": "plan", "frequency": 2, "relation": "less than"},
            "one plan",
            "plan planning",
        ),
        ("keywords:forbidden_words", {"forbidden_words": ["cat"]}, "concatenate", "the Cat sat"),
        (
            "keywords:letter_frequency",
            {"letter": "z", "let_frequency": 2, "let_relation": "at least"},
            "Zoe's zoo",
            "zoo",
        ),
        (
            "length_constraints:number_sentences",
            {"num_sentences": 3, "relation": "less than"},
            "Dr. Lee came. He left!",
            "One. Two. Three.",
        ),
        (
            "length_constraints:number_paragraphs",
            {"num_paragraphs": 2},
            "one\n***\ntwo",
            "one\n***\n\n***\ntwo",
        ),
        ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "it's a dog", "a dog"),
        (
            "length_constraints:nth_paragraph_first_word",
            {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
            'First part.\n\n"Then, the rest.',
            "First part.\n\nNext the rest.",
        ),
        (
            "detectable_content:number_placeholders",
            {"num_placeholders": 2},
            "[name] at [address]",
            "[name] only",
        ),
        ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\np.s. bye", "Hi. PS bye"),
        (
            "detectable_content:postscript",
            {"postscript_marker": "P.P.S"},
            "Hi.\nP. P. S extra",
            "Hi.\nP.S. extra",
        ),
        (
            "detectable_format:number_bullet_lists",
            {"num_bullets": 2},
            "* one\n- two",
            "* one\n- two\n  * three",
        ),
        ("detectable_format:constrained_response", {}, "Well. My answer is maybe.", "My answer is perhaps."),
        (
            "detectable_format:number_highlighted_sections",
            {"num_highlights": 2},
            "*a* and **b**",
            "*a* and ** **",
        ),
        (
            "detectable_format:multiple_sections",
            {"section_spliter": "Section", "num_sections": 2},
            "Section 1\nx\nSection 2\ny",
            "Section 1\nx\nSECTION 2\ny",
        ),
        ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', "{'a': 1}"),
        ("detectable_format:title", {}, "<<My Title>>\nbody", "<< >>\nbody"),
        ("combination:two_responses", {}, "first******second", "same******same"),
        (
            "combination:repeat_prompt",
            {"prompt_to_repeat": "Summarise the text."},
            "summarise the text. Done.",
            "Sure! Summarise the text.",
        ),
        (
            "startend:end_checker",
            {"end_phrase": "Any other questions?"},
            'Done. any other questions?"',
            "Any other questions? Yes.",
        ),
        ("startend:quotation", {}, '  "quoted"  ', '"unbalanced'),
        (
            "change_case:capital_word_frequency",
            {"capital_frequency": 2, "capital_relation": "at least"},
            "The NASA and ESA team",
            "The NASA team",
        ),
        (
            "change_case:english_capital",
            {},
            "THE REPORT IS READY AND IT COVERS ALL OF THE MAIN POINTS.",
            "ЭТО РУССКИЙ ТЕКСТ И ОН НАПИСАН ЗАГЛАВНЫМИ БУКВАМИ ДЛЯ ПРОВЕРКИ ЯЗЫКА",
        ),
        (
            "change_case:english_lowercase",
            {},
            "the report is ready and it covers all of the main points.",
            "le chat est sur la table et le chien dort dans la maison ce soir",
        ),
        ("punctuation:no_comma", {}, "no commas here", "one, two"),
    ],
)
def test_each_id_follows_ifeval_semantics(iid, kw, good, bad):
    assert one(iid, good, **kw) is True
    assert one(iid, bad, **kw) is False


def test_every_ifeval_id_is_covered():
    assert len(ifeval.INSTRUCTION_IDS) == 25
    assert "language:response_language" in ifeval.INSTRUCTION_IDS


def test_empty_response_follows_nothing_strict_or_loose():
    ids = ["punctuation:no_comma", "keywords:forbidden_words"]
    kws = [{}, {"forbidden_words": ["x"]}]
    assert ifeval.check("", ids, kws) == [False, False]
    assert ifeval.check("  \n ", ids, kws, loose=True) == [False, False]


def test_loose_mode_drops_preamble_line_and_markdown_stars():
    response = 'Sure, here is the JSON:\n{"a": 1}'
    assert ifeval.check(response, ["detectable_format:json_format"], [{}]) == [False]
    assert ifeval.check(response, ["detectable_format:json_format"], [{}], loose=True) == [True]
    starred = "**Note** ends here. Any other questions?**"
    assert not one("startend:end_checker", starred, end_phrase="Any other questions?")
    assert one("startend:end_checker", starred, loose=True, end_phrase="Any other questions?")


def test_sentence_counter_handles_abbreviations_and_fragments():
    assert ifeval.count_sentences("") == 0
    assert ifeval.count_sentences("no end punctuation") == 1
    assert ifeval.count_sentences("Mr. Smith met Dr. Jones. They talked!  Then? Fine") == 4
    assert ifeval.count_sentences("J. R. R. Tolkien wrote it.") == 1


def test_none_kwargs_are_ignored_like_the_hf_ifeval_rows():
    kw = {"num_words": 2, "relation": "at least", "keywords": None, "end_phrase": None}
    assert ifeval.check("two words", ["length_constraints:number_words"], [kw]) == [True]


@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        (["keywords:nonsense"], [{}], "unknown IFEval instruction id"),
        (
            ["length_constraints:number_words"],
            [{"num_words": 0, "relation": "at least"}],
            "'num_words' must be an integer",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": 5, "relation": "at most"}],
            "'relation' must be one of",
        ),
        (["keywords:existence"], [{"keywords": []}], "non-empty list"),
        (["punctuation:no_comma"], [{"comma": True}], "unknown kwargs"),
        (["punctuation:no_comma"], [], "pair up"),
        (
            ["length_constraints:nth_paragraph_first_word"],
            [{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"}],
            "larger than",
        ),
    ],
)
def test_bad_instructions_are_clear_errors(ids, kwargs, message):
    with pytest.raises(DsgenError, match=message):
        ifeval.check("text", ids, kwargs)


def test_conflict_table_is_symmetric_and_matches_ifeval():
    for a, others in ifeval.CONFLICTS.items():
        assert a in others
        for b in others:
            assert a in ifeval.CONFLICTS[b]
    assert "punctuation:no_comma" in ifeval.CONFLICTS["detectable_format:json_format"]
    assert "keywords:existence" not in ifeval.CONFLICTS["detectable_format:json_format"]
    assert "detectable_format:title" in ifeval.CONFLICTS["startend:quotation"]
    assert constraints.conflicting(
        "detectable_format:multiple_sections", "change_case:english_lowercase"
    )


def test_huge_and_non_ascii_responses_are_checked():
    huge = ("word " * 200_000) + "Any other questions?"
    ids = [
        "length_constraints:number_words",
        "startend:end_checker",
        "detectable_format:number_highlighted_sections",
    ]
    kwargs = [
        {"num_words": 200_000, "relation": "at least"},
        {"end_phrase": "Any other questions?"},
        {"num_highlights": 1},
    ]
    assert ifeval.check(huge, ids, kwargs) == [True, True, False]
    assert ifeval.count_words("naïve café — 東京 ok") == 4
    assert one("punctuation:no_comma", "東京と大阪") is True
    assert one("punctuation:no_comma", "東京、大阪") is False  # the ideographic comma is a comma (FIXES)
    assert one("punctuation:no_comma", "東京,大阪") is False


HIDDEN = {
    "zwsp": lambda w: w[:2] + "\u200b" + w[2:],
    "soft hyphen": lambda w: w[:2] + "\u00ad" + w[2:],
    "word joiner": lambda w: w[:1] + "\u2060" + w[1:],
    "cyrillic": lambda w: w.replace("o", "\u043e").replace("e", "\u0435"),
    "greek lunate sigma": lambda w: w.replace("c", "\u03f2"),
}


@pytest.mark.parametrize("hide", HIDDEN.values(), ids=HIDDEN)
def test_prohibitions_see_through_hidden_and_look_alike_letters(hide):
    base = "The plan is ready and the team agreed on it."
    word = hide("context")
    assert word != "context"
    assert one("keywords:forbidden_words", base, forbidden_words=["context"]) is True
    assert one("keywords:forbidden_words", f"{base} Then {word} again.", forbidden_words=["context"]) is False
    many = f"{base} " + " ".join([word] * 3)
    assert one("keywords:frequency", many, keyword="context", frequency=2, relation="less than") is False
    assert one("keywords:frequency", base + " context", keyword="context", frequency=2, relation="less than")
    # 'at least' keeps lm-eval's literal count: a disguised word does not count towards it
    assert one("keywords:frequency", many, keyword="context", frequency=2, relation="at least") is False


def test_letter_frequency_less_than_counts_look_alike_letters():
    kw = {"letter": "a", "let_frequency": 3, "let_relation": "less than"}
    assert one("keywords:letter_frequency", "a cat", **kw) is True
    assert one("keywords:letter_frequency", "\u0430 c\u0430t s\u0430t", **kw) is False  # Cyrillic а
    assert one("keywords:letter_frequency", "\uff41 c\uff41t s\uff41t", **kw) is False  # full-width ａ


@pytest.mark.parametrize("comma", ["\uff0c", "\u201a", "\uff64", "\ufe50", "\u066b", "\u02cf", "\u060c", "\ua4f9"])
def test_no_comma_refuses_look_alike_commas(comma):
    assert one("punctuation:no_comma", "First this then that.") is True
    assert one("punctuation:no_comma", f"First this{comma} then that.") is False


def test_language_of_a_long_response_is_read_in_every_window():
    english = "The report is ready and the team agreed on the plan for next week. We meet on Monday. "
    german = "Der Bericht ist fertig und das Team hat sich auf den Plan geeinigt. Wir treffen uns am Montag. "
    first_page = english * 60
    assert len(first_page) > ifeval.LANGUAGE_WINDOW
    assert ifeval.follows_language(first_page, "en") is True
    assert ifeval.follows_language(first_page + german * 200, "en") is False  # English only up front
    assert ifeval.follows_language(german * 200 + first_page, "en") is False
    assert ifeval.detect_language(first_page + german * 200) is None
    assert ifeval.detect_language(english * 200) == "en"
    windows = ifeval.language_windows("x" * 200 + " " + english * 100)
    assert all(len(w) <= ifeval.LANGUAGE_WINDOW for w in windows)
    assert max(len(run) for w in windows for run in w.split()) <= 64
    assert "".join(windows).replace(" ", "") == ("x" * 200 + english * 100).replace(" ", "")
