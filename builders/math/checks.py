"""Checks of a math word problem's text that need nothing but the text: grammar slips and implausible
quantities. ``benchmarks/audit_math.py`` runs them over whole builds (and over reasoning-gym's problems);
the tests run them over every builder's records and over lists of bad and good sentences.

The slip patterns (``slips_of``) are general: which word is a noun, a verb or an adjective comes from
``lemminflect``'s lexicon, and whether a noun is singular or plural, and its article, from ``inflect``:

* a count and its noun: "1 hours" ('1' + plural); "3 mug", "3 large mug" (number > 1 + singular: the last
  word of the noun phrase after the number is a singular countable noun); "1 more/fewer eggs";
* an article and its noun: "a opera", "an cake" (inflect's article), "a pencils" (article + plural: the
  noun phrase ends on a plural);
* agreement: "There is 5 apples" / "There are 1 apple"; a counted subject and its verb ("5 apples is",
  "1 apple are"); "each/every ... have/are" ("each of the 24 students have");
* a modal and its verb: "will buys", "can bought" (a modal takes the base form);
* two plural nouns in a row ("playoffs games"): English writes the first of a noun pair in the singular
  (plural-only modifiers such as "sports", "savings" are their own lemma, so they pass);
* a lowercase word no English lexicon knows ("orpington hens": a breed or a name written in lowercase,
  or a misspelling);
* a zero quantity ("all but 0", "0 ducks", "0 more"); time words that contradict ("this evening … by
  noon"); a repeated word ("the the"); template residue ("{{", "None", a double space).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .texts import inflector

_NUMBER_TOKEN = r"(?<![\w.$])(\d[\d,]*(?:\.\d+)?)"
#: closed-class words (pronouns, determiners, prepositions, conjunctions, auxiliaries) and words that
#: follow a number without being its noun; lemminflect tags some of them as nouns ("each", "she")
_CLOSED = set("""
    a an the this that these those each every either neither any some all both no none other another such
    i you he she it we they me him her us them my your his its our their mine yours hers ours theirs who whom
    whose which what where when why how whoever whatever there here
    is are was were be been being am has have had do does did will would can could shall should may might must
    and or but nor so yet if then than as of in on at by for to from with without into onto over under about
    after before during until since per each via plus minus times less more fewer most least only just also
    still even not ago apiece altogether together left over again too very already
    percent dozen hundred thousand million billion half quarter among between through across around toward
    towards within upon off out up down away back onto because although though while unless whether few many
    several
""".split())


@lru_cache(maxsize=None)
def _number_words() -> frozenset[str]:
    """Numbers written as words ("three", "twenty-one", "sixth"), which the lexicon leaves out."""
    words = set()
    for n in range(101):
        text = inflector().number_to_words(n)
        words |= set(text.split("-")) | set(inflector().ordinal(text).split("-"))
    return frozenset(words)


#: real words the lexicon lacks that the math templates use (a word missing here and from the lexicon is
#: flagged: "orpington" is a breed written in lowercase)
_MORE_WORDS = set("""mollies platies swordtails macarons keychain carpool stockroom hotspot trolleybus bistro
    barista bookshop margherita smartwatch smallholding dishwashing veggie lab housewarming sketchbook sleepover
    pizzeria smoothie pepperoni lakeside calorie fundraiser condo beanie waterslide saute penpal""".split())
#: units abbreviated after numbers, which no lexicon inflects
_UNITS = {"km", "kg", "cm", "mm", "m", "g", "l", "ml", "mph", "kmh", "lb", "lbs", "oz", "ft", "mi", "am", "pm",
          "h", "min", "st", "nd", "rd", "th", "x", "p", "sq"}
#: amounts that read as one sum with a singular verb ("20 minutes is enough", "5 dollars was")
_AMOUNTS = set("""cents dollars hours minutes seconds days weeks months years miles kilometers kilometres meters
    metres centimeters liters litres gallons pounds kilograms grams ounces feet inches points percent""".split())
_MODALS = {"will", "would", "could", "should", "must", "might", "shall", "can", "may"}
#: modals that are also nouns after a determiner ("each can holds")
_MODAL_NOUNS = {"can", "may", "will", "must"}
_WORD = re.compile(r"\d[\d,]*(?:\.\d+)?|[A-Za-z][A-Za-z'-]*|[^\sA-Za-z\d]")


@lru_cache(maxsize=None)
def _lemmas(word: str) -> dict:
    """lemminflect's lemmas of ``word`` by part of speech ({} for a word it does not know)."""
    import lemminflect

    return lemminflect.getAllLemmas(word)


def _known(word: str) -> bool:
    """Whether ``word`` is a closed-class word or in lemminflect's lexicon (a hyphenated word: each part)."""
    def known(part: str) -> bool:
        singular = inflector().singular_noun(part) or part
        return part in _CLOSED or part in _UNITS or part in _number_words() or bool(_lemmas(part)) \
            or part in _MORE_WORDS or singular in _MORE_WORDS

    return all(known(part) for part in word.split("-") if part)


@lru_cache(maxsize=None)
def plural_noun(word: str) -> bool:
    """Whether ``word`` is a plural noun: inflect finds a different singular ("hours", "children"; not
    "fish" or "sheep") and the lexicon does not list the word as its own singular ("sports", "news")."""
    low = word.lower()
    if low in _CLOSED or low in _UNITS or len(low) < 3:
        return False
    singular = inflector().singular_noun(low)
    if not singular or singular == low or "ADJ" in _lemmas(low):  # "various"
        return False
    if not _lemmas(low):  # unknown to the lexicon: a plural only if its singular is known ("minibus" is not)
        return bool(_lemmas(singular))
    nouns = _lemmas(low).get("NOUN")
    return nouns is None or low not in nouns


@lru_cache(maxsize=None)
def singular_noun(word: str) -> bool:
    """Whether ``word`` is a countable noun in the singular with a distinct plural, and no adjective,
    adverb or inflected verb ("mug", "apple"; not "large", "left", "total", "fish")."""
    low = word.lower()
    if low in _CLOSED or low in _UNITS or len(low) < 3:
        return False
    lemmas = _lemmas(low)
    if "NOUN" not in lemmas or low not in lemmas["NOUN"] or {"ADJ", "ADV", "AUX"} & set(lemmas):
        return False
    if "VERB" in lemmas and low not in lemmas["VERB"]:
        return False
    if inflector().singular_noun(low):
        return False
    return inflector().plural_noun(low) != low


def _verb_form(word: str) -> bool:
    """Whether ``word`` is an inflected verb form, not a base form ("buys", "bought"; not "buy")."""
    verbs = _lemmas(word.lower()).get("VERB")
    return bool(verbs) and word.lower() not in verbs and "AUX" not in _lemmas(word.lower())


def _phrase(tokens: list[str], start: int, limit: int = 4) -> list[str]:
    """The lowercase open-class words from ``tokens[start]`` on (a noun phrase's modifiers and head)."""
    words = []
    for token in tokens[start:start + limit]:
        if not token[:1].isalpha() or not token.islower() or token in _CLOSED or token in _UNITS:
            break
        words.append(token)
        if plural_noun(token):
            break
    return words


@lru_cache(maxsize=None)
def _article(word: str) -> str:
    """The article inflect puts before ``word``."""
    return inflector().a(word).split(" ", 1)[0].lower()


def _count_slips(tokens: list[str]) -> list[tuple[str, str]]:
    """A number and its noun phrase, and a counted subject and its verb."""
    found = []
    for i, token in enumerate(tokens):
        if not token[0].isdigit() or (i and tokens[i - 1] in ("$", ".")):
            continue
        value = token.replace(",", "")
        phrase = _phrase(tokens, i + 1)
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if value == "1" and following and plural_noun(following):
            found.append(("'1' + plural", f"1 {following}"))
        elif value == "0" and following.isalpha() and following.lower() not in ("is", "was", "and", "or", "to", "of"):
            found.append(("zero quantity", f"0 {following}"))
        elif value not in ("0", "1") and "." not in value and phrase and not plural_noun(phrase[-1]) \
                and singular_noun(phrase[-1]):
            found.append(("number > 1 + singular", " ".join([token] + phrase)))
        if value == "1" and following in ("more", "fewer", "less", "extra", "additional") \
                and i + 2 < len(tokens) and plural_noun(tokens[i + 2]):
            found.append(("'1 more/fewer' + plural", f"1 {following} {tokens[i + 2]}"))
        partitive = "of" in [t.lower() for t in tokens[max(0, i - 2):i]]  # "each of the 24 students has"
        if phrase and len(phrase) < 4 and i + 1 + len(phrase) < len(tokens) and not partitive:
            verb, head = tokens[i + 1 + len(phrase)], phrase[-1]
            if value != "1" and plural_noun(head) and head not in _AMOUNTS and verb in ("is", "was", "has", "does"):
                found.append(("subject-verb agreement", f"{token} {' '.join(phrase)} {verb}"))
            elif value == "1" and singular_noun(head) and verb in ("are", "were", "have", "do"):
                found.append(("subject-verb agreement", f"1 {' '.join(phrase)} {verb}"))
    return found


def _agreement_slips(tokens: list[str]) -> list[tuple[str, str]]:
    """"there is/are", "each/every ... has/have", an article and its noun, a modal and its verb, and two
    plural nouns in a row."""
    found = []
    low = [t.lower() for t in tokens]
    for i, token in enumerate(low):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "there" and nxt.lower() in ("is", "was", "are", "were") and i + 2 < len(tokens):
            first, plural_verb = tokens[i + 2], nxt.lower() in ("are", "were")
            # "there is 20% off", "there are 1+4 = 5 parts", "there is 2 times as much", "there are a total
            # of": not a count of the subject
            if tokens[i + 3:i + 4] and tokens[i + 3].lower() in ("%", "+", "-", "*", "/", "×", "times", "total",
                                                                  "number", "lot", "few", "couple"):
                continue
            many = first[0].isdigit() and first.replace(",", "") != "1"
            phrase = _phrase(tokens, i + 3 if first[0].isdigit() or first.lower() in ("a", "an") else i + 2)
            plural_head = bool(phrase) and plural_noun(phrase[-1])
            if not plural_verb and (many or plural_head) and first.lower() not in ("a", "an"):
                found.append(("subject-verb agreement", f"there {nxt} {first}"))
            elif plural_verb and (first in ("1", "a", "an") or (phrase and singular_noun(phrase[-1])
                                                               and first.lower() not in ("some", "no"))):
                found.append(("subject-verb agreement", f"there {nxt} {first}"))
        elif token in ("each", "every") and (i == 0 or low[i - 1] not in ("to", "for", "with", "from", "of")):
            j = i + 1
            if low[j:j + 2] == ["of", "the"] or (j < len(low) and low[j] == "of"):
                j += 2 if low[j + 1:j + 2] and low[j + 1] in ("the", "her", "his", "their", "its", "our") else 1
            j += j < len(tokens) and tokens[j][0].isdigit()
            phrase = _phrase(tokens, j)
            k = j + len(phrase)
            if phrase and k < len(low) and low[k] in ("are", "were", "have", "do"):
                found.append(("subject-verb agreement", " ".join(tokens[i:k + 1])))
        elif token in ("a", "an") and nxt[:1].isalpha() and not (tokens[i] == "A" and i and tokens[i - 1].isalpha()):
            if _article(nxt) != token and not nxt.isupper():
                found.append(("article", f"{tokens[i]} {nxt}"))
            phrase = _phrase(tokens, i + 1)
            after = tokens[i + 1 + len(phrase)] if i + 1 + len(phrase) < len(tokens) else "."
            if phrase and plural_noun(phrase[-1]) and not any("NOUN" in _lemmas(w) for w in phrase[:-1]) \
                    and not singular_noun(after.lower()) and not plural_noun(after):
                found.append(("article + plural", f"{tokens[i]} {' '.join(phrase)}"))
        elif token in _MODALS and nxt.islower() and nxt.isalpha():
            if token in _MODAL_NOUNS and (i == 0 or low[i - 1] in _CLOSED or low[i - 1].isdigit()) \
                    and low[i - 1:i] not in (["i"], ["you"], ["he"], ["she"], ["it"], ["we"], ["they"], ["who"]):
                continue
            verb = tokens[i + 2] if nxt in ("also", "still", "only", "then", "now", "each", "not", "never",
                                            "always", "just") and i + 2 < len(tokens) else nxt
            if _verb_form(verb):
                found.append(("modal + inflected verb", f"{token} {verb}"))
        # "9 playoffs games"; a second word that can be a verb only right after a number, outside "each of
        # the 12 hens lays" and "1 in 4 students plays"
        counted = low[i - 1:i] and low[i - 1][:1].isdigit() and "of" not in low[max(0, i - 4):i] \
            and low[i - 2:i - 1] != ["in"]
        if token.isalpha() and tokens[i].islower() and plural_noun(token) and "VERB" not in _lemmas(token) \
                and nxt.islower() and nxt.isalpha() and nxt not in _CLOSED and "NOUN" in _lemmas(nxt) \
                and inflector().singular_noun(nxt) and ("VERB" not in _lemmas(nxt) or counted):
            found.append(("plural noun + plural noun", f"{token} {nxt}"))
    return found


TIME_CLASHES = [
    (re.compile(r"\bthis afternoon\b|\bin the afternoon\b", re.I), re.compile(r"\bby noon\b|\bthis morning\b", re.I)),
    (re.compile(r"\bthis evening\b|\btonight\b", re.I), re.compile(r"\bby noon\b|\bthis morning\b", re.I)),
    (re.compile(r"\byesterday\b", re.I), re.compile(r"\btomorrow\b.*\bwill\b.*\byesterday\b", re.I)),
]


def slips_of(text: str) -> list[tuple[str, str]]:
    """(pattern, excerpt) for every slip found in a problem's text (prompt or solution)."""
    found: list[tuple[str, str]] = []
    for sentence in re.split(r"(?<=[.?!:;])\s+|\n+|<<[^>]*>>", text):
        tokens = _WORD.findall(sentence)
        found += _count_slips(tokens) + _agreement_slips(tokens)
        for token in tokens:
            if token.isalpha() and token.islower() and len(token) > 2 and not _known(token) \
                    and token not in _UNITS:
                found.append(("word no lexicon knows", token))
    for match in re.finditer(r"\b(?:all but|only|just|exactly) 0\b|\b0 (?:more|fewer|less|times)\b", text):
        found.append(("zero quantity", match.group(0)))
    for first, second in TIME_CLASHES:
        if first.search(text) and second.search(text):
            found.append(("times that contradict", f"{first.search(text).group(0)} … {second.search(text).group(0)}"))
    for match in re.finditer(r"\b(\w+) \1\b", text, re.I):
        if not match.group(1).isdigit():
            found.append(("repeated word", match.group(0)))
    for residue in ("{{", "}}", "{%", "None", "  "):
        if residue in text:
            found.append(("template residue", residue))
    return found


#: text checks of a quantity's plausibility that need no metadata: (name, regex with the number as group 1,
#: the largest plausible value, a regex that makes the sentence about a longer period (then skipped))
TEXT_RANGES: list[tuple[str, re.Pattern, float, re.Pattern | None]] = [
    ("distance run/walked in a day", re.compile(
        r"\b(?:runs?|ran|jogs?|jogged|walks?|walked|hikes?|hiked|swims?|swam) (\d[\d,.]*) "
        r"(?:km|kilometers|kilometres|miles)\b"),
     60, re.compile(r"\bweeks?\b|\bmonths?\b|\bin total\b|\baltogether\b", re.I)),
    ("distance cycled in a day", re.compile(
        r"\b(?:cycles?|cycled|bikes?|biked|rides?|rode) (\d[\d,.]*) (?:km|kilometers|kilometres|miles)\b"),
     200, re.compile(r"\bweeks?\b|\bmonths?\b|\bin total\b|\baltogether\b", re.I)),
    ("laps in a day", re.compile(r"\bswims? (\d[\d,]*) laps\b"), 200, re.compile(r"\bweeks?\b|\bmonths?\b", re.I)),
    ("pages in a day", re.compile(r"\breads? (\d[\d,]*) pages\b"), 400,
     re.compile(r"\bweeks?\b|\bmonths?\b|\bbook has\b", re.I)),
    ("items in a container", re.compile(
        r"\b(?:box|jar|basket|crate|bag|bin|drawer|bucket|carton|tray|pack) (?:holds|contains|has) (\d[\d,]*)\b"
        r"|(\d[\d,]*) \w+ (?:in|into) (?:the|each|every|a) \w* ?(?:box|jar|basket|crate|bag|bin|drawer|bucket|carton)\b"),
     500, None),
    ("hours in a day", re.compile(r"(\d[\d,.]*) hours? (?:a|per|each) day\b"), 24, None),
    ("age", re.compile(r"(\d[\d,]*) years? old\b"), 110, None),
    ("price", re.compile(r"\$(\d[\d,]*(?:\.\d+)?)"), 10_000_000, None),  # houses sell for $100,000s
]


_LONG_WIDE = re.compile(r"(\d[\d,.]*) (?:meters|metres|feet|m|cm|km) long and (\d[\d,.]*) (?:\w+ )?wide\b")


def text_range_issues(text: str) -> list[str]:
    """Names of the text checks a problem fails (see ``TEXT_RANGES``; and a length shorter than the width in
    "X meters long and Y meters wide")."""
    issues = ["length shorter than width" for long, wide in _LONG_WIDE.findall(text)
              if float(long.replace(",", "")) < float(wide.replace(",", ""))]
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        for name, pattern, top, longer in TEXT_RANGES:
            if longer is not None and longer.search(sentence):
                continue
            for match in pattern.finditer(sentence):
                number = next(g for g in match.groups() if g)
                if float(number.replace(",", "")) > top:
                    issues.append(name)
    return issues
