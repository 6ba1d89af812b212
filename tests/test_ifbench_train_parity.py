"""dsgen's ``ifbench_train`` checks against upstream's (open-instruct's IFEvalG, vendored in ``reference/``).

Differences are allowed only where dsgen deliberately departs from upstream (``ifbench_train.FIXES``), and
only on the cases each fix is about (``EXPLAINED``: a predicate on the case that says why the verdicts
may differ); everything else must agree. Then every fix is shown on the case it is about, and every
checker is gamed (empty, echo, look-alikes, huge input).
"""

from __future__ import annotations

import re

import ifbench_train_pool
import ifbench_train_reference
import parity
import pytest

from dsgen.errors import DsgenError
from dsgen.verifiers import folding, ifbench, ifbench_train, ifeval, instructions


def _folds(text: str) -> bool:
    return folding.clean(text) != text.lower()


def _bigram_broken(text: str) -> bool:
    words = text.split()
    pairs = zip(words[::2], words[1::2])
    return (
        len(words) < 2 or len(words) % 2 == 1 or any(a.endswith(">>") or b.startswith("<<") for a, b in pairs)
    )


def _composition_differs(text: str, kw: dict) -> bool:
    parts = re.split(r"\s?\*\*\*\s?", text)
    edges = bool(parts) and (not parts[0].strip() or not parts[-1].strip())
    return edges or any(
        len(ifeval.word_tokens(s)) != ifeval.count_words(s) for p in parts for s in ifbench.split_sentences(p)
    )


def _unique_differs(text: str, kw: dict) -> bool:
    tokens = ifeval.word_tokens(text)
    punctuation = [t for t in tokens if not any(c.isalnum() for c in t)]
    cased = {t.casefold() for t in tokens}
    return (
        len(punctuation) != len(set(punctuation))
        or len(cased) != len(set(tokens))
        or any(re.search(r"\w\W+\w", w) for w in text.split())
        or _folds(text)
    )


def _palindrome_differs(text: str, kw: dict) -> bool:
    upstream = [w for w in text.split() if w == w[::-1]]
    short_or_symbol = bool(upstream) and all(len(w) < 3 or not w.isalpha() for w in upstream)
    dressed = any((c := re.sub(r"^\W+|\W+$", "", w).casefold()) == c[::-1] and c != w for w in text.split())
    return short_or_symbol or dressed


def _start_end_differs(text: str, kw: dict) -> bool:
    tokens = ifeval.word_tokens(text)
    return bool(tokens) and not (any(c.isalnum() for c in tokens[0]) and any(c.isalnum() for c in tokens[-1]))


def _first_letters_dressed(text: str, kw: dict) -> bool:
    return any(not w[0].isalnum() or not w[0].isascii() for w in text.split())


def _exclusion_dressed(text: str, kw: dict) -> bool:
    return folding.clean(kw["keyword"]) in folding.clean(text)


def _first_word_dressed(text: str, kw: dict) -> bool:
    firsts = [s.split()[0] for s in ifbench.split_sentences(text) if s.split()] + text.split()[:1]
    return any(re.search(r"[^\w\s]", w) for w in firsts)


def _position_dressed(text: str, kw: dict) -> bool:
    sentences = ifbench.split_sentences(text)
    return len(sentences) >= kw["n"] and any(
        not any(c.isalnum() for c in t) for t in ifeval.word_tokens(sentences[kw["n"] - 1])
    )


def _phrase_change_cosmetic(text: str, kw: dict) -> bool:
    """The phrase is a regex upstream, or a copy differs from it by case, punctuation or look-alikes only."""
    words = kw["phrase"].split()
    if re.escape(kw["phrase"]) != kw["phrase"]:
        return True
    copies = [m.split() for m in re.findall(rf"{words[0]} .*? {words[-1]}", text)]
    return any(a != b and _plain(a) == _plain(b) for c in copies for a, b in zip(c, words))


def _plain(word: str) -> str:
    return re.sub(r"[^\w\s]", "", folding.clean(word))


EXPLAINED = {
    "first_word:first_word_sent": _first_word_dressed,
    "first_word:first_word_answer": _first_word_dressed,
    "keywords:keyword_specific_position": _position_dressed,
    "detectable_format:sentence_hyphens": lambda t, kw: len(ifbench.split_sentences(t.replace("-", " "))) < 2,
    "keywords:no_adjacent_consecutive": _first_letters_dressed,
    "keywords:word_once": lambda t, kw: _folds(t),
    "keywords:word_count_different_numbers": lambda t, kw: _folds(t),
    "count:count_increment_word": lambda t, kw: _folds(t),
    "keywords:exclude_word_harder": _exclusion_dressed,
    "copy:repeat_phrase": _phrase_change_cosmetic,
    "detectable_format:bigram_wrapping": lambda t, kw: _bigram_broken(t),
    "punctuation:punctuation_dot": lambda t, kw: "." not in t and "." in folding.clean(t),
    "punctuation:punctuation_exclamation": lambda t, kw: (
        "!" not in t and ("!" in folding.clean(t) or any(c in t for c in "ǃ❗❕‽⁉‼"))
    ),
    "count:lowercase_counting": lambda t, kw: not t.isascii(),
    "letters:letter_counting": lambda t, kw: not t.isascii(),
    "letters:letter_counting2": lambda t, kw: _folds(t),
    "count:counting_composition": _composition_differs,
    "count:count_unique": _unique_differs,
    "keywords:palindrome": _palindrome_differs,
    "keywords:start_end": _start_end_differs,
}


def explained(iid: str, kwargs: dict, response: str, theirs: bool | None) -> bool:
    """Whether a difference on this case is one of ``ifbench_train.FIXES`` (an upstream crash counts as one)."""
    return theirs is None or (iid in EXPLAINED and EXPLAINED[iid](response, kwargs))


def compare(ids, n_per_id: int, seed: int) -> dict[str, dict]:
    return parity.compare(
        ifbench_train_pool.cases(ids, n_per_id, seed),
        lambda response, iid, kwargs: bool(response.strip()) and ifbench_train.compile_check(iid, kwargs)(response),
        ifbench_train_reference.reference_check,
        explained,
    )


def test_every_id_agrees_with_upstream_except_the_documented_fixes():
    table = compare(ifbench_train.INSTRUCTION_IDS, 40, seed=11)
    cases = sum(r["cases"] for r in table.values())
    bad = [(iid, b) for iid, r in table.items() for b in r["bad"]]
    assert len(bad) <= cases * 0.001, bad[:5]
    assert set(ifbench_train.FIXES) == set(EXPLAINED)
    # the pool reaches both verdicts of every id (a pool that always passes or fails proves nothing)
    assert all(0 < r["passes"] < r["cases"] for r in table.values()), {
        i: r["passes"] for i, r in table.items()
    }


def test_the_registry_is_upstreams_training_block_and_a_family():
    assert set(ifbench_train_reference.registry()) == set(ifbench_train.INSTRUCTION_IDS)
    assert len(ifbench_train.INSTRUCTION_IDS) == 29
    assert instructions.FAMILIES["ifbench_train"] == ifbench_train.INSTRUCTION_IDS
    assert all(instructions.family_of(i) == "ifbench_train" for i in ifbench_train.INSTRUCTION_IDS)


@pytest.mark.parametrize(
    ("iid", "kwargs", "response"),
    [
        ("detectable_format:sentence_hyphens", {}, "Just one sentence with no hyphen."),
        ("keywords:no_adjacent_consecutive", {}, "*alpha* *beta* *gamma*"),
        ("keywords:no_adjacent_consecutive", {}, "alpha \u0412eta"),
        ("copy:repeat_phrase", {"phrase": "The early bird catches the worm", "small_n": 2},
         "The early Bird catches the worm. The early b\u0456rd catches the worm."),
        ("copy:repeat_phrase", {"phrase": "The early bird catches the worm", "small_n": 1},
         "The early bird, catches the worm"),
        ("keywords:word_once", {"keyword": "focus"}, "Focus on one thing, then f\u043ecus again."),
        ("keywords:word_count_different_numbers", {"keyword": "plan", "frequency": 2, "relation": "less than"},
         "The plan is a pl\u0430n, a pl\u0430n."),
        ("count:count_increment_word", {"keyword1": "cat", "keyword2": "dog"}, "A cat, a c\u0430t, a dog and a dog."),
        ("keywords:exclude_word_harder", {"keyword": "lighthouse"}, "Lighthouse keepers love the lighthouse."),
        ("detectable_format:bigram_wrapping", {}, "<<I am>> <<at home>> alone"),
        ("detectable_format:bigram_wrapping", {}, "<<one>> <<by>> <<one>> <<word>>"),
        ("punctuation:punctuation_dot", {}, "It ends here\u2024 Then again\uff0e"),
        ("punctuation:punctuation_exclamation", {}, "Wow\uff01 Great\u01c3"),
        ("count:lowercase_counting", {"N": 2}, "h\u0435llo th\u0435r\u0435 my fri\u0435nd"),
        ("letters:letter_counting", {"N": 6, "relation": "less than"}, "\uff48\uff45\uff4c\uff4c\uff4f world"),
        ("letters:letter_counting2", {"letter": "a", "let_frequency": 2, "let_relation": "less than"},
         "b\u0430n\u0430n\u0430"),
        ("count:count_unique", {}, "The cat saw the dog"),
        ("keywords:palindrome", {}, "I saw a dog today"),
        ("keywords:start_end", {}, "* this is not a word at either end *"),
    ],
)  # fmt: skip
def test_upstreams_false_passes_fail_here(iid, kwargs, response):
    assert ifbench_train_reference.reference_check(response, iid, kwargs) is True
    assert ifbench_train.compile_check(iid, kwargs)(response) is False


@pytest.mark.parametrize(
    ("iid", "kwargs", "response"),
    [
        ("count:count_unique", {}, "First sentence here. Second one there."),  # '.' twice upstream
        ("count:counting_composition", {"n_sent": 1, "n_words": 3},  # '.' counted as a word upstream
         "Cats sleep often.\n***\nDogs bark loudly.\n***\nBirds sing early."),
        ("count:counting_composition", {"n_sent": 1, "n_words": 3},  # a leading divider upstream means to allow
         "***\nCats sleep often\n***\nDogs bark loudly\n***\nBirds sing early"),
        ("keywords:palindrome", {}, "Anna, the level."),
        ("first_word:first_word_sent", {"first_word": "growth"}, "Growth, in short, matters. Growth helps."),
        ("first_word:first_word_answer", {"first_word": "growth"}, '"Growth" is the word.'),
        ("keywords:keyword_specific_position", {"keyword": "quality", "n": 1, "m": 3},
         "Honestly, the quality is high."),
    ],
)  # fmt: skip
def test_upstreams_false_failures_pass_here(iid, kwargs, response):
    assert ifbench_train_reference.reference_check(response, iid, kwargs) is False
    assert ifbench_train.compile_check(iid, kwargs)(response) is True


def test_a_phrase_is_read_literally_not_as_a_regex():
    # upstream's regex captures '(Re)': findall returns 'Re', never a copy of the phrase
    crash = {"phrase": "(Re)start the day with coffee", "small_n": 1}
    text = "(Re)start the day with tea coffee"
    assert ifbench_train_reference.reference_check(text, "copy:repeat_phrase", crash) is not True
    assert (
        ifbench_train.compile_check("copy:repeat_phrase", crash)("(Re)start the day with tea coffee") is False
    )
    assert ifbench_train.compile_check("copy:repeat_phrase", crash)("(Re)start the night with coffee") is True
    bracket = {"phrase": "[Time flies when having fun", "small_n": 1}  # an unterminated set: upstream crashes
    assert (
        ifbench_train_reference.reference_check("[Time runs when having fun", "copy:repeat_phrase", bracket)
        is None
    )
    assert ifbench_train.compile_check("copy:repeat_phrase", bracket)("[Time runs when having fun") is True
    group = {"phrase": "(Time) flies when having fun", "small_n": 1}
    assert (
        ifbench_train_reference.reference_check("(Time) runs when having fun", "copy:repeat_phrase", group)
        is False
    )
    assert ifbench_train.compile_check("copy:repeat_phrase", group)("(Time) runs when having fun") is True


@pytest.mark.parametrize(
    ("iid", "kwargs", "message"),
    [
        ("keywords:word_once", {}, "non-empty string"),
        ("keywords:word_once", {"keyword": "x", "n": 1}, "unknown kwargs"),
        ("letters:letter_counting", {"N": 3, "relation": "about"}, "one of"),
        (
            "letters:letter_counting2",
            {"letter": "ab", "let_frequency": 2, "let_relation": "at least"},
            "one ASCII",
        ),
        ("new:copy_span_idx", {"prompt_to_repeat": "a    b", "n_start": 1, "n_end": 4}, "blank"),
        ("new:copy_span_idx", {"prompt_to_repeat": "abc", "n_start": 2, "n_end": 2}, "larger than"),
        ("copy:repeat_phrase", {"phrase": "two words", "small_n": 2}, "3 words"),
        ("count:counting_composition", {"n_sent": 2.5, "n_words": 3}, "integer"),
        ("count:made_up", {}, "unknown"),
    ],
)
def test_bad_kwargs_are_clear_errors(iid, kwargs, message):
    with pytest.raises(DsgenError, match=message):
        ifbench_train.compile_check(iid, kwargs)


def _drawn(iid: str) -> dict:
    import random

    from dsgen.builders.distraction import constraints

    return constraints.sample_kwargs(random.Random(3), [iid], prompt_to_repeat=ifbench_train_pool.PROMPT)[0]


def test_gaming_every_checker_fails():
    """Empty and whitespace answers, the constraint's own wording, a huge response and control characters:
    never a crash, never a pass where the answer does not follow."""
    import random

    from dsgen.builders.distraction import constraints

    huge = "The cat sat on the mat. " * 20_000
    for iid in ifbench_train.INSTRUCTION_IDS:
        kwargs = _drawn(iid)
        (wording,) = constraints.describe(random.Random(0), [iid], [kwargs])
        params = {"instruction_id_list": [iid], "kwargs": [kwargs], "echo": [wording]}
        for text in ("", "   \n", wording, "Sure. " + wording):
            assert instructions.score(text, None, params) == 0.0, (iid, text[:40])
        check = ifbench_train.compile_check(iid, kwargs)
        odd = ("\x00", "'", "*", "<<", "İ", "🙂", "-", "***", "!?", huge)
        assert all(check(t) in (True, False) for t in odd)


def test_copies_must_copy_the_request_not_answer_it():
    prompt = ifbench_train_pool.PROMPT
    for iid in ("copy:copy", "copy:copying_simple"):
        check = ifbench_train.compile_check(iid, {"prompt_to_repeat": prompt})
        assert check(prompt) and check(prompt.upper() + "\n")
        assert not check("Sure! " + prompt) and not check("The keeper climbed the stairs.")
    multiple = ifbench_train.compile_check("copy:copying_multiple", {"prompt_to_repeat": prompt, "N": 2})
    assert (
        multiple(prompt + "\n******\n" + prompt) and not multiple(prompt) and not multiple(prompt + "******x")
    )
    span = ifbench_train.compile_check(
        "new:copy_span_idx", {"prompt_to_repeat": prompt, "n_start": 8, "n_end": 19}
    )
    assert span("short story") and not span("short story about") and not span(prompt)


def test_repeat_phrase_needs_each_copy_changed_in_one_middle_word():
    check = ifbench_train.compile_check(
        "copy:repeat_phrase", {"phrase": "The early bird catches the worm", "small_n": 2}
    )
    assert check("The early cat catches the worm. The early bird eats the worm.")
    assert not check("The early bird catches the worm. The early bird catches the worm.")  # unchanged
    assert not check("The early cat catches the worm.")  # once
    assert not check("The early red cat catches the worm. The early bird eats the worm.")  # a word added


def test_repeat_phrase_spans_are_upstream_regex_matches():
    """The linear scan finds exactly what upstream's ``first .*? last`` regex finds (random texts over a
    tiny alphabet, so starts, ends, overlaps and newlines collide often)."""
    import random

    rng = random.Random(7)
    pieces = ["a", "b", "ab", "ba", "a b", " ", " ", "\n", "bb", "aa"]
    for _ in range(3000):
        first, last = rng.choice(["a", "ab", "b"]), rng.choice(["a", "b", "ba", "aa"])
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        expected = re.findall(rf"{re.escape(first)} .*? {re.escape(last)}", text)
        assert ifbench_train._spans(text, first, last) == expected, (text, first, last)


def test_lowercase_counting_counts_words_with_digits_or_underscores_attached():
    check = ifbench_train.compile_check("count:lowercase_counting", {"N": 4})
    assert check("THE PLAN IS READY and so are we all.") is False
    assert check("THE PLAN IS READY and so.") is True
    assert check("THE PLAN IS READY and1 then1 we1 go1 now1.") is False
    assert check("THE PLAN IS READY and_ then_ we_ go_ now_.") is False
    assert check("THE PLAN IS READY 1and 2then 3we 4go 5now.") is False


@pytest.mark.parametrize("dot", ["\ua4f8", "\u00b7", "\u22c5", "\u2219", "\u2e33", "\u0323", "\u2024", "\u0660"])
def test_punctuation_dot_refuses_look_alike_dots(dot):
    check = ifbench_train.compile_check("punctuation:punctuation_dot", {})
    assert check("It ends here and then more") is True
    assert check(f"It ends{dot} Then more{dot}") is False
    assert check("\u2022 a bulleted item\n\u2022 another") is True  # a bullet is no full stop


def test_letter_counting2_sees_greek_lunate_sigma_as_c():
    check = ifbench_train.compile_check(
        "letters:letter_counting2", {"letter": "c", "let_frequency": 2, "let_relation": "less than"}
    )
    assert check("a cat") is True
    assert check("a \u03f2at \u03f2an \u03f2ome") is False
    assert check("a cat can come") is False


def test_palindrome_needs_two_different_letters():
    check = ifbench_train.compile_check("keywords:palindrome", {})
    for text in ("aaa", "We heard mmm and zzzz.", "AAA!"):
        assert check(text) is False, text
    assert check("We saw a kayak.") is True
    assert check("Wow, that was quick.") is True
