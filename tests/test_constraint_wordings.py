"""Every wording of every constraint id of the three families agrees in number with the count before its noun
("at least 1 time", "exactly 2 more words"; audit2 M4), rendered at its boundary kwargs (each count 1 and 2)."""

from __future__ import annotations

import random
import re

import pytest
from dsgen.builders.distraction import constraints
from dsgen.builders.math.texts import inflector

FAMILIES = ["ifeval", "ifbench_test", "ifbench_train"]
#: Nouns the wordings count; modifiers that may stand between the number and the noun.
NOUNS = frozenset(
    "time word sentence paragraph number section placeholder pronoun letter point conjunction name palindrome "
    "character bullet row item keyword copy vowel line".split()
)
COUNTED = re.compile(
    r"\b(\d+) (?:(?:more|fewer|different|unique|coordinating|bullet|single-word)\s+)*([a-z]+)\b"
)
REQUEST = (
    "Write a short guide to keeping a vegetable garden alive through a dry summer, for first-time owners."
)


def slips(text: str) -> list[str]:
    found = []
    for match in COUNTED.finditer(text):
        count, noun = int(match.group(1)), match.group(2)
        singular = inflector().singular_noun(noun) or noun
        if singular in NOUNS and noun != inflector().plural(singular, count):
            found.append(match.group(0))
    return found


def test_the_detector_catches_the_audited_slips():
    assert slips("words with all capital letters should appear at least 1 times.") == ["1 times"]
    assert slips("Each sentence must contain exactly 1 more words than the previous one.") == ["1 more words"]
    assert slips("Include exactly 1 numbers in the response.") == ["1 numbers"]
    assert slips("Use 3 word and 1 sentence and 2 sentences.") == ["3 word"]


def boundary(kw: dict) -> list[dict]:
    """The kwargs with every count set to 1, then to 2."""
    counts = [k for k, v in kw.items() if isinstance(v, int) and not isinstance(v, bool)]
    return [{**kw, **{k: n for k in counts}} for n in (1, 2)] if counts else [kw]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_wording_agrees_in_number_at_its_boundary_kwargs(family):
    compiled = constraints.spec()["compiled"]
    bad = []
    for iid in constraints.family_ids(family):
        for seed in range(3):
            kw = constraints.sample_kwargs(random.Random(seed), [iid], prompt_to_repeat=REQUEST)[0]
            for variant in boundary(kw):
                for template in compiled[iid]:
                    text = constraints.render(template, variant)
                    bad += [(iid, s) for s in slips(text)]
    assert not bad, sorted(set(bad))
