"""The prose of reverse-QA questions: exact sentences for a hand-made knowledge base."""

from __future__ import annotations

import random
import re

from dsgen.builders.reverse_qa.kb import KB, Chain, Clue
from dsgen.builders.reverse_qa.question import compose, join_clauses
from dsgen.builders.reverse_qa.world import taxonomy


def small_kb() -> KB:
    """Two towns in a province, a violinist born in one, a society he founded there."""
    names = ["Roulgim", "Orlavia", "Tessmere", "Kestrin Halvard", "Tessary Society"]
    types = ["place", "place", "place", "person", "organisation"]
    attrs = {
        "founding_year": [1412, 1100, 1530, None, 1881],
        "population": [12_400, 800_000, 3_100, None, None],
        "birth_year": [None, None, None, 1853, None],
        "death_year": [None, None, None, 1920, None],
        "employees": [None, None, None, None, 23],
        "category": ["market town", "province", "river town", "violinist", "historical society"],
    }
    relations = {"located_in": [(0, 1), (2, 1)], "born_in": [(3, 0)], "founded_by": [(4, 3)],
                 "headquartered_in": [(4, 0)]}
    return KB(names, types, [()] * 5, attrs, relations, taxonomy()[1])


def sentences(path, edges, clues, seed=0):
    said, ask, nouns = compose(small_kb(), random.Random(seed), path, edges, clues)
    return " ".join(said), ask, nouns


def test_clues_become_relative_clauses_and_a_category_names_the_entity():
    text, ask, nouns = sentences([4, 3], [("founded_by", True)],
                                 [Clue(0, "founding_year", 1, 1880), Clue(1, "category", 1, "musician"),
                                  Clue(1, "birth_year", 1, 1850)])
    assert nouns == ["organisation", "musician"]
    assert text == ("I have in mind an organisation that was established in the 1880s. This organisation was "
                    "founded by a musician who was born sometime in the 1850s.")
    assert ask == "Name this organisation."


def test_an_answer_without_its_own_clue_opens_with_its_first_hop():
    text, _, _ = sentences([3, 0], [("born_in", True)], [Clue(1, "population", 2, 10_000)], seed=1)
    assert text == "I have in mind a person who was born in a place that has a population of between 10,000 and 99,999."


def test_repeated_nouns_read_another_and_ordinals():
    text, _, nouns = sentences([0, 1, 2], [("located_in", True), ("located_in", False)],
                               [Clue(0, "founding_year", 1, 1410), Clue(2, "founding_year", 2, 1530)], seed=3)
    assert nouns == ["place", "place", "place"]
    assert text == ("Picture a place that was founded in the 1410s. This place is located in another place that "
                    "includes a third place that came into being between the 1530s and the 1550s.")
    text, _, _ = sentences([0, 1, 2], [("located_in", True), ("located_in", False)],
                           [Clue(0, "founding_year", 1, 1410), Clue(1, "founding_year", 1, 1100),
                            Clue(2, "founding_year", 2, 1530)], seed=3)
    assert "That second place" in text and "a third place that" in text
    assert not re.search(r"\b(1412|1530)\b", text)  # blurred: "the 1410s", "between the 1530s and the 1550s"


def test_clauses_join_with_commas_and_a_final_and():
    assert join_clauses(["a"]) == "a"
    assert join_clauses(["a", "b"]) == "a and b"
    assert join_clauses(["a", "b", "c"]) == "a, b and c"


def test_a_same_type_entity_under_another_noun_reads_different():
    text, _, nouns = sentences([0, 1], [("located_in", True)],
                               [Clue(0, "category", 0, "market town"), Clue(1, "founding_year", 1, 1100)], seed=2)
    assert nouns == ["market town", "place"]
    assert text.endswith("in a different place that was founded in the 1100s.") or text.endswith(
        "in a different place that was established in the 1100s.") or text.endswith(
        "in a different place that came into being in the 1100s."), text


def test_the_proof_reads_path_entities_as_distinct_like_the_words():
    """A place in a province that contains a place founded in the 1530s: Tessmere itself fits if the two
    places may be one, so only distinctness ("another place") pins Roulgim, and the prover uses it."""
    kb = small_kb()
    chain = Chain(("place", "place", "place"), (("located_in", True), ("located_in", False)))
    clues = [Clue(2, "founding_year", 1, 1530)]
    assert kb.candidates(chain, clues) == {0, 2}
    assert kb.pins(chain, clues, 0)
    assert not kb.pins(chain, clues, 2)
    assert not kb.pins(chain, [], 0)  # both towns then have a distinct witness
    text, _, _ = sentences([0, 1, 2], list(chain.edges), clues)
    assert "another place" in text and "a third place" in text


def test_a_broad_category_is_referred_back_to_by_its_head_noun():
    text, _, nouns = sentences([4, 3, 0], [("founded_by", True), ("born_in", True)],
                               [Clue(0, "founding_year", 1, 1880), Clue(1, "category", 2, "person working in the arts"),
                                Clue(2, "population", 2, 10_000)])
    assert nouns[1] == "person working in the arts"
    assert text == ("Picture an organisation that was established in the 1880s. This organisation was founded by a "
                    "person working in the arts. That person came into the world in a place that is home to between "
                    "10,000 and 99,999 people.")


def test_a_hop_to_an_entity_with_no_clue_runs_on_into_the_next_hop():
    text, _, _ = sentences([3, 0, 1], [("born_in", True), ("located_in", True)],
                           [Clue(0, "birth_year", 2, 1830), Clue(2, "founding_year", 1, 1100)], seed=2)
    assert text == ("I'm trying to identify a person who was born between the 1830s and the 1850s. This person was "
                    "born in a place that lies in another place that was founded in the 1100s.")
    assert "in a place." not in text


def test_same_type_entities_under_other_nouns_read_different_then_ordinal():
    text, _, nouns = sentences([0, 1, 2], [("located_in", True), ("located_in", False)],
                               [Clue(0, "category", 0, "market town"), Clue(2, "founding_year", 1, 1530)])
    assert nouns == ["market town", "place", "place"]
    assert text == ("I have in mind a market town that lies in a different place that contains a third place that "
                    "was established in the 1530s.")
