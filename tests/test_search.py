"""dsgen.search: BM25 over id/title/text rows, as a function and as an OpenAI-style tool."""

from __future__ import annotations

import json

import pytest

from dsgen.errors import DsgenError
from dsgen.search import MAX_K, TOOL, Search

DOCS = [
    {"id": "a", "title": "Lernport", "text": "Lernport is a province founded in 1477. It lies in Dreickbreskwick."},
    {"id": "b", "title": "Byndridge", "text": "Byndridge is a lake town in Lernport, founded in 1357."},
    {"id": "c", "title": "Silent Harbour", "text": "The Silent Harbour is a novel written by Kestrin Halvard."},
    {"id": "d", "title": "Kestrin Halvard", "text": "Kestrin Halvard was a violinist born in Byndridge in 1953."},
]


@pytest.fixture(scope="module")
def index():
    return Search(DOCS)


def test_the_document_that_matches_comes_first(index):
    assert [d["id"] for d in index.search("violinist born in Byndridge", k=2)] == ["d", "b"]
    top = index.search("Silent Harbour novel", k=1)[0]
    assert top["id"] == "c" and top["title"] == "Silent Harbour" and top["score"] > 0


def test_only_matching_documents_come_back_and_k_caps_them(index):
    assert [d["id"] for d in index.search("Dreickbreskwick", k=10)] == ["a"]
    assert len(index.search("Lernport Byndridge Kestrin", k=2)) == 2


@pytest.mark.parametrize("query", ["", "the of and in", "zzqxw"])
def test_queries_without_an_indexed_word_find_nothing(index, query):
    assert index.search(query) == []


@pytest.mark.parametrize("k", [0, MAX_K + 1, -3, 2.5, True, "3"])
def test_bad_k_is_refused(index, k):
    with pytest.raises(DsgenError, match="k must be"):
        index.search("Lernport", k=k)


def test_a_query_must_be_a_string(index):
    with pytest.raises(DsgenError, match="string"):
        index.search(["Lernport"])


def test_the_tool_definition_is_openai_style():
    fn = TOOL["function"]
    assert TOOL["type"] == "function" and fn["name"] == "search"
    assert fn["parameters"]["required"] == ["query"] and set(fn["parameters"]["properties"]) == {"query", "k"}


def test_a_tool_call_returns_json_results_and_bad_calls_return_an_error(index):
    results = json.loads(index.call('{"query": "violinist", "k": 1}'))["results"]
    assert [r["id"] for r in results] == ["d"]
    assert json.loads(index.call({"query": "Lernport"}))["results"][0]["id"] == "a"
    for bad in ("not json", '{"k": 2}', '{"query": "x", "extra": 1}', '{"query": "x", "k": 99}', "[1, 2]"):
        assert "error" in json.loads(index.call(bad)), bad


def test_an_empty_corpus_and_a_folder_without_a_corpus_are_refused(tmp_path):
    with pytest.raises(DsgenError, match="empty"):
        Search([])
    with pytest.raises(DsgenError, match="'corpus' config"):
        Search.from_folder(tmp_path)
