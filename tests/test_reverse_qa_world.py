"""The generated world and the blurring of values: documents, names, taxonomy, ranges that never leak."""

from __future__ import annotations

import re

import pytest
from dsgen.builders.reverse_qa import obfuscate
from dsgen.builders.reverse_qa.world import World, taxonomy
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def world():
    return World(2000, 21)


def test_every_type_is_populated(world):
    assert set(world.kb.type_lists) == {"person", "organisation", "place", "work", "event"}
    assert len(world.kb) == 2000


def test_names_and_aliases_are_unique(world):
    kb = world.kb
    texts = [t.casefold() for name, aliases in zip(kb.names, kb.aliases) for t in (name, *aliases)]
    assert len(texts) == len(set(texts))
    assert sum(1 for a in kb.aliases if a) > 100


def test_each_fact_is_in_two_documents_that_state_it(world):
    kb = world.kb
    for e in range(0, len(kb), 37):
        for fact in world.entity_facts(e):
            sources = world.sources(fact)
            assert len({doc for doc, _ in sources}) == 2
            for doc_id, sentence in sources:
                assert sentence in world.document(doc_id)["text"]


def test_numbers_never_sit_on_a_bucket_end(world):
    for attr, column in world.kb.attrs.items():
        if world.kb.kinds[attr] == "number":
            for value in column:
                if value is not None:
                    assert all(value not in obfuscate.number_range(level, value) for level in (1, 2))


def test_broader_categories_never_repeat_a_leaf():
    leaves, broader = taxonomy()
    for leaf, (group, top) in broader.items():
        for name in (group, top):
            assert not re.search(rf"\b{re.escape(leaf)}\b", name), (leaf, name)


def test_category_blur_reads_as_broader():
    _, broader = taxonomy()
    assert obfuscate.phrase("category", 0, "violinist", broader) == "a violinist"
    assert obfuscate.phrase("category", 1, "violinist", broader) == "some kind of musician"
    assert obfuscate.phrase("category", 2, "violinist", broader) == "some kind of person working in the arts"
    assert obfuscate.phrase("category", 0, "university", broader) == "a university"
    assert obfuscate.phrase("category", 0, "orchestra", broader) == "an orchestra"
    assert obfuscate.key("category", 1, "not in the taxonomy", broader) is None


def test_year_and_number_phrases():
    assert obfuscate.phrase("year", 0, 1953, {}) == "in 1953"
    assert obfuscate.phrase("year", 1, 1953, {}) == "in the 1950s"
    assert obfuscate.phrase("year", 2, 1953, {}) == "in the 1950s, 1960s or 1970s"
    assert obfuscate.phrase("number", 1, 12_400, {}) == "between 10,000 and 19,999"
    assert obfuscate.phrase("number", 2, 12_400, {}) == "between 10,000 and 99,999"
    assert obfuscate.constraint("year", 2, 1953, {}) == {"range": [1950, 1979]}


@given(st.integers(min_value=100, max_value=2099), st.sampled_from([1, 2]))
def test_blurred_years_contain_the_year_and_do_not_state_it(year, level):
    lo, hi = obfuscate.year_range(level, year)
    assert lo <= year <= hi
    assert not obfuscate.leaks("year", year, obfuscate.phrase("year", level, year, {}))


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from([1, 2]))
def test_blurred_numbers_contain_the_number(value, level):
    lo, hi = obfuscate.number_range(level, value)
    assert lo <= value <= hi
    if value not in (lo, hi):
        assert not obfuscate.leaks("number", value, obfuscate.phrase("number", level, value, {}))


def test_leak_detection_is_by_whole_number_or_word():
    assert obfuscate.leaks("number", 12400, "about 12,400 people")
    assert obfuscate.leaks("number", 12400, "12400 people")
    assert not obfuscate.leaks("number", 12400, "112,400 people")
    assert not obfuscate.leaks("number", 400, "12,400 people")
    assert not obfuscate.leaks("year", 1950, "in the 1950s")
    assert obfuscate.leaks("category", "violinist", "X is a Violinist.")
    assert not obfuscate.leaks("category", "poet", "X is a poetess")


def test_document_ids_render_titles(world):
    doc = world.document("index/birth_year/1950")
    assert doc["title"] == "Index of entries by birth year: 1950 to 1959"
    sentences = re.split(r"(?<=\.) ", doc["text"])
    assert len(sentences) > 5 and all(re.search(r" was born in 195\d\.$", s) for s in sentences)
