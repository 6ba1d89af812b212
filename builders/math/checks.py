"""Checks of a math word problem's text that need nothing but the text: grammar slips and implausible
quantities. ``benchmarks/audit_math.py`` runs them over whole builds (and over reasoning-gym's problems);
the tests run them over every builder's records.

Slip patterns (``slips_of``): a plural after "1" ("1 hours"); a wrong article ("a opera", checked with
inflect); a zero quantity ("all but 0", "0 ducks", "0 more"); "1 more/fewer <plural>"; a counted noun in
the singular after a number above 1 ("3 apple"); time words that contradict ("this evening … by noon");
a repeated word ("the the"); template residue ("{{", "None", a double space).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .texts import inflector

_NUMBER_TOKEN = r"(?<![\w.$])(\d[\d,]*(?:\.\d+)?)"
#: words that follow a number without being a counted noun, or that inflect wrongly reads as plurals
_NOT_NOUNS = {
    "is", "was", "has", "does", "plus", "minus", "times", "less", "more", "fewer", "as", "of", "and", "or",
    "percent", "this", "its", "his", "us", "yes", "bus", "gas", "glass", "news", "series", "species",
    "class", "pass", "chess", "dress", "lens", "always", "dozens", "bonus", "canvas", "across", "minus",
}
#: singular nouns inflect cannot tell from plurals, and units abbreviated after numbers
_UNITS = {"km", "kg", "cm", "mm", "m", "g", "l", "ml", "mph", "lb", "lbs", "oz", "ft", "mi", "am", "pm", "h",
          "min", "st", "nd", "rd", "th", "x", "p", "percent", "degrees"}


@lru_cache(maxsize=None)
def plural_noun(word: str) -> bool:
    """Whether ``word`` reads as a plural noun (inflect's ``singular_noun`` finds another singular: "hours",
    "children"; not "fish" or "sheep", whose plural is the singular)."""
    low = word.lower()
    if low in _NOT_NOUNS or low in _UNITS or len(low) < 3:
        return False
    singular = inflector().singular_noun(low)
    return bool(singular) and singular != low


@lru_cache(maxsize=None)
def singular_noun(word: str) -> bool:
    """Whether ``word`` is a countable noun in the singular that has a distinct plural (inflect)."""
    low = word.lower()
    if low in _NOT_NOUNS or low in _UNITS or len(low) < 3 or inflector().singular_noun(low):
        return False
    return inflector().plural_noun(low) != low and low in _COUNTED


#: nouns that follow counts in math problems; "3 apple" is a slip only for these (a closed list, since
#: "3 large", "3 red" are fine)
_COUNTED = set(
    "apple egg cookie book page hour minute day week month year mile kilometer dollar cent ticket student "
    "box bag car bus seat child friend marble sticker pencil cupcake muffin pie cake orange lemon kiwi "
    "banana flower tree plant seed shirt sock game point lap person animal cow sheep chicken duck dog cat "
    "bird fish table chair room floor window stamp coin card bottle cup glass plate slice pizza sandwich "
    "worker employee customer visitor guest player team class bracelet necklace candle toy doll ball"
    .split())

TIME_CLASHES = [
    (re.compile(r"\bthis afternoon\b|\bin the afternoon\b", re.I), re.compile(r"\bby noon\b|\bthis morning\b", re.I)),
    (re.compile(r"\bthis evening\b|\btonight\b", re.I), re.compile(r"\bby noon\b|\bthis morning\b", re.I)),
    (re.compile(r"\byesterday\b", re.I), re.compile(r"\btomorrow\b.*\bwill\b.*\byesterday\b", re.I)),
]


_FUNCTION_WORDS = {"and", "or", "in", "on", "at", "for", "to", "from", "with", "each", "per", "that", "is", "are",
                   "was", "were", "than", "of", "left", "if", "but", "so", "a", "an", "the", ""}


def _after_number(text: str) -> list[tuple[str, str, str]]:
    """(number, following word, the word after it or "" at punctuation) triples of a text."""
    return re.findall(_NUMBER_TOKEN + r" ([A-Za-z][A-Za-z'-]*)(?: ([A-Za-z]+))?", text)


@lru_cache(maxsize=None)
def _article(word: str) -> str:
    """The article inflect puts before ``word``."""
    return inflector().a(word).split(" ", 1)[0].lower()


def _article_slips(text: str) -> list[str]:
    """"a"/"an" before a word inflect would give the other article."""
    slips = []
    for article, word in re.findall(r"(?<![\w'])(a|an|A|An) ([A-Za-z][\w'-]*)", text):
        if _article(word) != article.lower():
            slips.append(f"{article} {word}")
    return slips


def slips_of(text: str) -> list[tuple[str, str]]:
    """(pattern, excerpt) for every slip found in a problem's text (prompt or solution)."""
    found: list[tuple[str, str]] = []
    for number, word, after in _after_number(text):
        value = number.replace(",", "")
        if value == "1" and plural_noun(word):
            found.append(("'1' + plural", f"1 {word}"))
        elif value == "0" and word.lower() not in _NOT_NOUNS:
            found.append(("zero quantity", f"0 {word}"))
        elif value not in ("0", "1") and "." not in value and singular_noun(word) and after in _FUNCTION_WORDS:
            found.append(("number > 1 + singular", f"{number} {word}"))
    for match in re.finditer(r"\b1 (?:more|fewer|less|extra|additional) ([a-z]+)", text):
        if plural_noun(match.group(1)):
            found.append(("'1 more/fewer' + plural", match.group(0)))
    for match in re.finditer(r"\b(?:all but|only|just|exactly) 0\b|\b0 (?:more|fewer|less|times)\b", text):
        found.append(("zero quantity", match.group(0)))
    found += [("article", s) for s in _article_slips(text)]
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
        r"\b(?:runs?|ran|jogs?|walks?|walked|hikes?|swims?) (\d[\d,.]*) (?:km|kilometers|miles)\b"),
     60, re.compile(r"\bweeks?\b|\bmonths?\b|\bin total\b|\baltogether\b", re.I)),
    ("distance cycled in a day", re.compile(r"\b(?:cycles?|cycled|bikes?|biked) (\d[\d,.]*) (?:km|kilometers|miles)\b"),
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


def text_range_issues(text: str) -> list[str]:
    """Names of the text checks a problem fails (see ``TEXT_RANGES``)."""
    issues = []
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        for name, pattern, top, longer in TEXT_RANGES:
            if longer is not None and longer.search(sentence):
                continue
            for match in pattern.finditer(sentence):
                number = next(g for g in match.groups() if g)
                if float(number.replace(",", "")) > top:
                    issues.append(name)
    return issues
