"""A generated pool of (training instruction, kwargs, response) cases for the ``ifbench_train`` parity test
and the audit.

Each id has seed responses written to follow it and near misses (boundary cases: one sentence, an odd
word, a divider at an edge, a look-alike letter); every case is a seed or a generic piece of text,
mutated (hyphens, brackets, case, punctuation, look-alike letters, words dropped or added), with kwargs
drawn around the response's own counts. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re

from ifeval_pool import PIECES

PHRASE = "The early bird catches the worm"
PROMPT = "Write a short story about a lighthouse keeper."
SEEDS: dict[str, list[str]] = {
    "copy:repeat_phrase": [
        "The early cat catches the worm. The early bird eats the worm.",
        "The late bird catches the worm and The early bird catches the worm",
        "The early bird catches the worm.",
        "The big bird catches the worm\nThe early bird grabs the worm\nThe early bird catches a worm",
        "The early Bird catches the worm. The early bird, catches the worm.",
        "The early b\u0456rd catches the worm and The early bird eats the worm",
    ],
    "copy:copy": [PROMPT, PROMPT.lower(), PROMPT + " Sure!", "  " + PROMPT + "\n"],
    "new:copy_span_idx": ["a short story", "short story about", "a short", "story about a lighthouse"],
    "detectable_format:sentence_hyphens": [
        "The sun rose.-Birds sang.-We left.",
        "The sun rose.- Birds sang.",
        "One sentence only.",
        "A well-known fact.-It holds.",
        "First.-Second.-",
        "Is it?-Yes!-Fine.",
    ],
    "keywords:no_adjacent_consecutive": [
        "Zebras often eat grass quietly.",
        "alpha beta gamma",
        "*alpha* *beta*",
        "(apple) banana",
        "apple - banana",
        "İstanbul jumps",
        "1 2 3",
    ],
    "detectable_format:square_brackets": ["[Hello] [world]", "[Hello world]", "[a] b [c]", "[x]."],
    "keywords:word_once": [
        "The budget is tight.",
        "Budget and budget.",
        "No keyword.",
        "The budgеt, then budget.",
    ],
    "keywords:word_count_different_numbers": [
        "plan plan plan",
        "The Plan is a plan.",
        "no match",
        "plаn plan",
    ],
    "keywords:exclude_word_harder": [
        "We kept the lighthouse lit.",
        "Lighthouse at the start.",
        "The end is a lighthouse",
        "A lighthouse, then more.",
        "Nothing to see here.",
        "The LIGHTHOUSE keeper.",
        "The lighthouses were tall.",
    ],
    "paragraphs:paragraphs": [
        "One.\n***\nTwo.",
        "***\nOne.\n***\nTwo.",
        "One.\n***\n\n***\nTwo.",
        "One only.",
    ],
    "paragraphs:paragraphs2": [
        "One.\n\nTwo.",
        "One.\n\n\nTwo.",
        "One.\n\n\n\nTwo.",
        "One.\nTwo.",
        "\n\nA\n\nB\n\n",
    ],
    "first_word:first_word_sent": [
        "Plan it. Plan more. Plan well.",
        "Plan it. Then go.",
        "plan. Plan!",
        "Plan, it.",
    ],
    "first_word:first_word_answer": ["Plan first.", "plan, then more", "The plan.", "Plan"],
    "last_word:last_word_sent": ["We made a plan. They like the plan!", "A plan. Not it.", "plan plan."],
    "last_word:last_word_answer": ["We made a plan.", "A plan then more", "The PLAN!!", "plan's"],
    "detectable_format:bigram_wrapping": [
        "<<I am>> <<at home>> <<with my>> <<cute dog>>",
        "<<I am>> <<at home>> stray",
        "<<one>> <<word>>",
        "<<I am>>",
        "<<I am>> at home",
        "single",
    ],
    "copy:copying_simple": [PROMPT, PROMPT.upper(), "Sure. " + PROMPT],
    "copy:copying_multiple": [
        PROMPT + "******" + PROMPT,
        PROMPT + "\n******\n" + PROMPT + "\n******\n" + PROMPT,
        PROMPT + "*******" + PROMPT,
        PROMPT,
    ],
    "punctuation:punctuation_dot": [
        "No dots here",
        "One dot.",
        "Look-alike dot\u2024",
        "Ellipsis\u2026",
        "Wide\uff0e",
    ],
    "punctuation:punctuation_exclamation": ["Calm text.", "Wow!", "Wide\uff01", "Click\u01c3", "Bang\u203c"],
    "count:lowercase_counting": [
        "ALL CAPS TEXT HERE",
        "Title Case Words Only",
        "two lowercase Words",
        "café au lait",
        "h\u0435llo w\u043erld again",
        "don't stop",
    ],
    "letters:letter_counting": [
        "abc",
        "Hello world",
        "\u0430\u0432\u0441",
        "\uff41\uff42\uff43 abc",
        "12345",
    ],
    "letters:letter_counting2": ["banana", "b\u0430n\u0430n\u0430", "apple", "AAA aaa"],
    "count:counting_composition": [
        "I am here\n***\nYou are there\n***\nWe are all",
        "I am here.\n***\nYou are there.\n***\nWe are all.",
        "***\nI am here\n***\nYou are there\n***\nWe are all",
        "I am here. You are.\n***\nThey go there. We stay.\n***\nAll is well. Good night.",
        "One two three four. Five six seven eight.\n***\nA b c d. E f g h.\n***\nI j k l. M n o p.",
        "Don't do that.\n***\nIt's fine here\n***\nWe are all",
    ],
    "count:count_unique": [
        "All words differ here",
        "The cat saw the dog",
        "One sentence. Another sentence.",
        "First part. Second bit",
        "it's he's",
        "the th\u0435",
    ],
    "count:count_increment_word": [
        "cat dog dog",
        "cat dog",
        "cat cat dog dog",
        "c\u0430t cat dog dog",
        "Cat DOG dog",
    ],
    "keywords:palindrome": [
        "a level field",
        "A man saw it",
        "Anna came.",
        "I did it",
        "wow",
        "nothing here",
        "- x -",
    ],
    "keywords:keyword_specific_position": ["The cat sat. A dog ran.", "Cat sat.", "First. Then the cat ran."],
    "keywords:start_end": [
        "Hello world hello",
        "Hello world hello.",
        "* one two *",
        ". odd .",
        "Go",
        "Yes, yes",
    ],
}
KEYWORDS = ["plan", "cat", "budget", "lighthouse", "dog"]
LOOKALIKES = str.maketrans("aeopcx.!", "\u0430\u0435\u043e\u0440\u0441\u0445\u2024\uff01")


def _mutate(rng: random.Random, text: str) -> str:
    mutation = rng.randrange(12)
    words = text.split(" ")
    if mutation == 0:
        return text.replace(" ", "-", 1)
    if mutation == 1:
        i = rng.randrange(len(words))
        return " ".join(
            words[:i] + [rng.choice(["and", "the", "plan", "[x]", "<<a", "b>>", "!", "level"])] + words[i:]
        )
    if mutation == 2:
        return text.replace(".", "", 1)
    if mutation == 3:
        return text.upper()
    if mutation == 4:
        return text.lower()
    if mutation == 5:
        return text.replace("\n", "\n\n", 1) if "\n" in text else text + "\n***\n" + rng.choice(PIECES)
    if mutation == 6:
        i = rng.randrange(len(text) + 1)
        return (
            text[:i].translate(LOOKALIKES) + text[i:]
            if rng.random() < 0.3
            else text[:i] + text[i:].translate(LOOKALIKES)
        )
    if mutation == 7:
        return text + " " + rng.choice(PIECES)
    if mutation == 8:
        return " ".join(words[:-1]) if len(words) > 1 else text
    if mutation == 9:
        return " ".join(f"[{w}]" for w in text.split())
    if mutation == 10:
        return re.sub(r"[.!?] ", lambda m: m.group(0)[0] + "-", text)
    return text.rstrip(".!?")


def _response(rng: random.Random, iid: str) -> str:
    text = rng.choice(SEEDS[iid]) if rng.random() < 0.75 else rng.choice(PIECES)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        text = _mutate(rng, text)
    return text


def kwargs_for(rng: random.Random, iid: str, response: str) -> dict:
    """Upstream kwargs for ``iid``, thresholds drawn around the response's counts."""
    near = lambda n: max(1, n + rng.randint(-1, 1))  # noqa: E731
    letters = sum(1 for c in response if c.isalpha())
    own = [w for w in (re.sub(r"^\W+|\W+$", "", w) for w in response.split()) if w]

    # half the time a word of the response itself (its first or last for those ids), so checks pass often
    def pick(at: int | None = None) -> str:
        if own and rng.random() < 0.5:
            return own[at] if at is not None else rng.choice(own)
        return rng.choice(KEYWORDS)

    if iid == "copy:repeat_phrase":
        return {"phrase": PHRASE, "small_n": rng.randint(1, 3)}
    if iid in ("copy:copy", "copy:copying_simple"):
        return {"prompt_to_repeat": PROMPT}
    if iid == "copy:copying_multiple":
        return {"prompt_to_repeat": PROMPT, "N": rng.randint(1, 3)}
    if iid == "new:copy_span_idx":
        start = rng.choice([6, 8, 14])
        return {"prompt_to_repeat": PROMPT, "n_start": start, "n_end": start + rng.choice([5, 7, 13, 19, 25])}
    if iid in ("keywords:word_once", "keywords:keyword_specific_position"):
        kw = {"keyword": pick()}
        return kw | ({"n": rng.randint(1, 2), "m": rng.randint(1, 3)} if "position" in iid else {})
    if iid == "keywords:word_count_different_numbers":
        return {
            "keyword": rng.choice(KEYWORDS),
            "frequency": rng.randint(1, 4),
            "relation": rng.choice(RELATIONS),
        }
    if iid == "keywords:exclude_word_harder":
        return {"keyword": pick()}
    if iid.startswith("first_word:"):
        return {"first_word": pick(0)}
    if iid.startswith("last_word:"):
        return {"last_word": pick(-1)}
    if iid == "count:lowercase_counting":
        return {"N": rng.randint(1, 4)}
    if iid == "letters:letter_counting":
        return {"N": near(letters), "relation": rng.choice(RELATIONS)}
    if iid == "letters:letter_counting2":
        letter = rng.choice("abnpe")
        return {
            "letter": letter,
            "let_frequency": near(response.lower().count(letter)),
            "let_relation": rng.choice(RELATIONS),
        }
    if iid == "count:counting_composition":
        return {"n_sent": rng.randint(1, 2), "n_words": rng.randint(3, 5)}
    if iid == "count:count_increment_word":
        return {"keyword1": "cat", "keyword2": "dog"}
    return {}


RELATIONS = ("less than", "at least")


def cases(ids, n_per_id: int, seed: int):
    """``n_per_id`` (iid, kwargs, response) cases per id."""
    rng = random.Random(seed)
    for iid in ids:
        for _ in range(n_per_id):
            response = _response(rng, iid)
            yield iid, kwargs_for(rng, iid, response), response
