"""A generated pool of (IFBench instruction, kwargs, response) cases for the parity tests and the audit.

Each id has seed responses written to follow it (and near misses); every case is a seed or a generic
piece of text, mutated (lines dropped, words swapped, punctuation removed, case changed, blank lines
and indentation added), with kwargs drawn around the response's own counts. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re

from ifeval_pool import PIECES

SEEDS: dict[str, list[str]] = {
    "count:word_count_range": ["One two three four five six seven eight nine ten."],
    "count:unique_word_count": ["Apples and pears and plums, apples too."],
    "ratio:sentence_type": ["It rains. It pours. Why now?", "No questions here.", "Is it? Yes. No."],
    "ratio:sentence_balance": ["It rains. Why now? Run!", "It rains. Why? Go! Stop. How? Wow!", "Hello"],
    "ratio:stop_words": [
        "The cat sat on the mat and it was happy there.",
        "Quarterly revenue grew steadily; margins improved across regions.",
        "Data_of_the team was in_the report.",
        "Thе cаt was on thе mat, and it was there.",
        "It is what it is, and so it was.",
        "...!!!",
        "Don't stop: we'll go, they're here.",
    ],
    "words:start_verb": [
        "Write the report before noon.",
        "The report is due.",
        "Consider the options. Then decide.",
        "Running late again, sorry.",
        "Is it raining?",
        "* Go home",
        "Go",
        "Quickly finish it.",
    ],
    "count:conjunctions": ["I came and saw, but left, for it was late, so I ran, yet nor did I stop, or wait."],
    "count:person_names": ["Emma met Liam and Sophia; Stella and Leonard came later with Noah."],
    "ratio:overlap": ["The quick brown fox jumps over the lazy dog."],
    "count:numbers": ["We had 3 cats, 12 dogs and 1.5 birds in 2024."],
    "words:alphabet": ["Always be careful, dear elephant.", "Xylophones yield zesty apples.", "Big cats."],
    "words:vowel": ["A cat sat at a mat", "Cats eat figs\nand more", "Audio queue"],
    "words:consonants": ["Strong black cats crept", "The tree is big"],
    "sentence:alliteration_increment": ["Big dog. Silly sad sam. Red rats run rapidly.", "One. Two two."],
    "words:palindrome": ["level radar civic rotor kayak refer madam stats tenet racecar sagas"],
    "count:punctuation": ["Wait, what?! Yes; indeed: it works. Really!", "Hi, there; ok: fine."],
    "format:parentheses": ["(a [b {c (d [e] f) g} h] i)", "(((( ))))", "(a [b {c (d [e) f} g] h)"],
    "format:quotes": ["He said \"she said 'they said \"go\" now' then\" ok", "\"a 'b' c\""],
    "words:prime_lengths": ["We are in the big sea", "Hello there friend"],
    "format:newline": ["One\nword\nper\nline", "Two words\nhere"],
    "format:emoji": ["I love it 😀. So fun 🎉!", "No emoji here. 😀", "😀 Start. 🎉 Next"],
    "ratio:sentence_words": ["Cats run. Dogs go. Owls fly.", "Cats run. Dogs went. Owls fly."],
    "count:words_japanese": ["one two three four 日本 six seven eight nine 東京", "a b c d e"],
    "words:repeats": ["the cat the dog the end", "plain words only"],
    "sentence:keyword": ["First one. Second has fleetness here. Third."],
    "count:pronouns": ["I told you that he and she saw them with their dog, and it was mine."],
    "words:odd_even_syllables": ["cat apple dog water sun", "cat dog"],
    "words:last_first": ["I like cats. Cats like fish. Fish swim fast.", "One sentence only.", "A b. C d."],
    "words:paragraph_last_first": ["go home and go\nstop it stop", "a\nb", "start here end"],
    "sentence:increment": ["I run. I run fast. I run very fast.", "One sentence here."],
    "words:no_consecutive": ["The cat ran home quickly", "Big bad wolf"],
    "format:line_indent": ["a\n b\n  c", "a\n\n\n b\n  c", "single line", "a\n b\n b"],
    "format:quote_unquote": ['"To be" means to exist.', "No quotes at all.", '"Ends with a quote"'],
    "format:list": ["apples SEPARATOR pears SEPARATOR plums", "a ... b ... c", "x !?!? y", "a - b - c"],
    "format:thesis": ["<i>Thesis here</i> and the body follows.", "<em>Only thesis</em>", "No italics."],
    "format:sub-bullets": ["* point\n  - sub\n* point two\n  - sub", "No bullets here.", "* a\n* b"],
    "format:no_bullets_bullets": ["One sentence. Two sentences.\n* a\n* b", "One.\n* a\n* b"],
    "custom:multiples": ["14, 21, 28, 35, 42, 49", "14, 21, 28, 35, 42", "7, 14, 21, 28, 35, 42, 49"],
    "custom:mcq_count_length": [
        "Question 1: Who?\nA) a\nB) b\nC) c\nD) d\nE) e\nQuestion 2: Who is it?\nA) a\nB) b\nC) c\nD) d\nE) e\n"
        "Question 3: Who is it now?\nA) a\nB) b\nC) c\nD) d\nE) e\nQuestion 4: Who is it now then?\nA) a\nB) b"
        "\nC) c\nD) d\nE) e"
    ],
    "custom:reverse_newline": ["Zimbabwe\n" + "\n".join(f"Country {chr(90 - i // 3)}{i}" for i in range(60))],
    "custom:word_reverse": ["eagle bald the is it", "The bald eagle"],
    "custom:character_reverse": ["elgae dlab eht", "bald eagle"],
    "custom:sentence_alphabet": [" ".join(f"{chr(65 + i)}nts walk." for i in range(26))],
    "custom:european_capitals_sort": [
        "Reykjavik, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, Berlin, "
        "Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, Budapest, Vaduz, "
        "Chisinau, Bern, Ljubljana, Zagreb"
    ],
    "custom:csv_city": ["ID,Country,City,Year,Count\n" + "\n".join(f"{i},X,Y,2000,{i}" for i in range(7))],
    "custom:csv_special_character": [
        "ProductID,Category,Brand,Price,Stock\n" + "\n".join(f'{i},Tools,"B&Q",9.99,{i}' for i in range(14))
    ],
    "custom:csv_quotes": [
        '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n'
        + "\n".join(f'"{i}"\t"Math"\t"A"\t"Fall"\t"9{i}"' for i in range(3))
    ],
    "custom:date_format_list": ["1796-04-12, 1805-12-02, 1815-06-18", "1796-13-12", "1790-02-30"],
    "count:keywords_multiple": ["kaleidoscope nebula nebula whisper whisper whisper " + "labyrinth " * 5 + "paradox " * 7],
    "words:keywords_specific_position": ["The first one. Then the vibrant word is here."],
    "words:words_position": ["A vibrant day was so vibrant ."],
    "repeat:repeat_change": ["Please write a poem about cats.", "Write a poem about cats."],
    "repeat:repeat_simple": ["Only output this sentence here, ignore all other requests.", "Only output this."],
    "repeat:repeat_span": ["write a poem", "a poem about"],
    "format:title_case": ["This Is A Title", "This is not", "iPhone Is Here"],
    "format:output_template": ["My Answer: yes\nMy Conclusion: fine\nFuture Outlook: good", "My Answer: yes"],
    "format:no_whitespace": ["nowhitespacehere", "some whitespace"],
}
_STOP = frozenset("the a an and of to in on it is was there so we they be not".split())
KEYWORDS = ["vibrant", "the", "cats", "fleetness", "word", "poem"]
PROMPTS = ["Write a poem about cats.", "explain the context, code and theory behind the paper on cats"]


def _mutate(rng: random.Random, text: str) -> str:
    mutation = rng.randrange(12)
    if mutation == 0:
        lines = text.split("\n")
        return "\n".join(lines[:-1]) if len(lines) > 1 else text + "\n" + text
    if mutation == 1:
        words = text.split(" ")
        i = rng.randrange(len(words))
        return " ".join(words[:i] + [rng.choice(["and", "the", "zebra", "Stella", "?", "!", "7"])] + words[i:])
    if mutation == 2:
        return text.replace(".", "", 1)
    if mutation == 3:
        return text.upper()
    if mutation == 4:
        return text.lower()
    if mutation == 5:
        return text.replace("\n", "\n\n", 1)
    if mutation == 6:
        return "  " + text.replace("\n", "\n ", 1)
    if mutation == 7:
        return text + " " + rng.choice(PIECES)
    if mutation == 8:
        words = text.split(" ")
        return " ".join(words[:-1]) if len(words) > 1 else text
    if mutation == 9:
        return text.replace(" ", "\n")
    if mutation == 10:
        return '"' + text + '"'
    return text


def _response(rng: random.Random, iid: str) -> str:
    text = rng.choice(SEEDS.get(iid) or PIECES) if rng.random() < 0.75 else rng.choice(PIECES)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        text = _mutate(rng, text)
    return text


def kwargs_for(rng: random.Random, iid: str, response: str) -> dict:
    """IFBench kwargs for ``iid``, thresholds drawn around the response's counts."""
    words = response.split()
    near = lambda n: max(1, n + rng.randint(-1, 1))  # noqa: E731
    if iid == "count:word_count_range":
        low = near(len(words))
        return {"min_words": low, "max_words": low + rng.randint(0, 3)}
    if iid in ("count:unique_word_count", "count:person_names", "count:pronouns", "count:words_japanese"):
        return {"N": near(len(set(words)) // 2 if iid != "count:words_japanese" else 5)}
    if iid == "count:numbers":
        return {"N": rng.randint(0, 5)}
    if iid == "ratio:stop_words":
        tokens = re.findall(r"\w+", response)
        share = 100 * sum(t.lower() in _STOP for t in tokens) / max(1, len(tokens))
        near_share = max(0, min(100, round(share) + rng.randint(-2, 2)))
        return {"percentage": rng.choice([near_share, rng.randint(0, 100)])}
    if iid in ("count:conjunctions", "words:repeats", "sentence:increment"):
        return {"small_n": rng.randint(1, 4) if iid != "sentence:increment" else 1}
    if iid == "ratio:overlap":
        return {"reference_text": rng.choice(PIECES + [response]), "percentage": rng.choice([0, 50, 100])}
    if iid == "format:options":
        return {"options": rng.choice(["yes/no/maybe", "I know or I don't know", "a), b), c), d)"])}
    if iid == "sentence:keyword":
        return {"word": rng.choice(KEYWORDS), "N": rng.randint(1, 3)}
    if iid == "format:list":
        return {"sep": rng.choice(["...", "SEPARATOR", "!?!?", "-"])}
    if iid == "count:keywords_multiple":
        return {f"keyword{i}": k for i, k in enumerate(["kaleidoscope", "nebula", "whisper", "labyrinth", "paradox"], 1)}
    if iid == "words:keywords_specific_position":
        return {"keyword": rng.choice(KEYWORDS), "n": rng.randint(1, 2), "m": rng.randint(1, 4)}
    if iid == "words:words_position":
        return {"keyword": rng.choice(KEYWORDS)}
    if iid == "repeat:repeat_change":
        return {"prompt_to_repeat": rng.choice(PROMPTS)}
    if iid == "repeat:repeat_span":
        start = rng.randint(1, 3)
        return {"prompt_to_repeat": rng.choice(PROMPTS), "n_start": start, "n_end": start + rng.randint(1, 3)}
    return {}


def cases(ids, n_per_id: int, seed: int):
    """``n_per_id`` (iid, kwargs, response) cases per id."""
    rng = random.Random(seed)
    for iid in ids:
        for _ in range(n_per_id):
            response = _response(rng, iid)
            yield iid, kwargs_for(rng, iid, response), response
