"""Extraction from a hand-written corpus (tests/data): measured precision and recall, and questions that
are unique over the facts the documents really state, not only over what was extracted."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from dsgen.builders.reverse_qa.corpus import Corpus
from dsgen.builders.reverse_qa.kb import Chain, Clue

from dsgen import registry
from dsgen.errors import Skip
from dsgen.records import RecordMaker
from dsgen.templating import read_text
from dsgen.writer import write_jsonl

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "reverse_qa_corpus.jsonl"
TRUTH = json.loads((DATA / "reverse_qa_facts.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus():
    return Corpus(str(CORPUS))


def extracted(kb) -> set[tuple[str, str, str]]:
    found = {(kb.names[s], rel, kb.names[o]) for rel, pairs in kb.relations.items() for s, o in pairs}
    return found | {(kb.names[e], attr, str(v)) for attr, col in kb.attrs.items() for e, v in enumerate(col)
                    if v is not None}


def test_the_corpus_is_hand_written_and_big_enough():
    docs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(docs) >= 30 and len(TRUTH["facts"]) >= 120
    assert {d["title"] for d in docs} == set(TRUTH["entities"])


def test_extraction_precision_and_recall(corpus):
    found, truth = extracted(corpus.kb), {tuple(f) for f in TRUTH["facts"]}
    right = found & truth
    assert len(right) / len(found) >= 0.95, sorted(found - truth)
    assert len(right) / len(truth) >= 0.9, sorted(truth - found)
    per_relation = Counter(rel for _, rel, _ in right)
    for rel in ("member_of", "organised_by", "succeeded", "located_in", "founded_by", "born_in", "held_in",
                "authored_by", "headquartered_in"):
        assert per_relation[rel] >= 1, rel


@pytest.mark.parametrize(("sentence", "fact"), [
    ("Ilse Varga, a painter, was born in Tessmere in 1870.", ("Ilse Varga", "born_in", "Tessmere")),
    ("Ilse Varga, a painter, was born in Tessmere in 1870.", ("Ilse Varga", "category", "painter")),
    ("Ilse Varga, a painter, was born in Tessmere in 1870.", ("Ilse Varga", "birth_year", "1870")),
    ("Varga was a member of the Tessary Society.", ("Ilse Varga", "member_of", "Tessary Society")),
    ("She painted Dawn over Tessmere in 1902.", ("Dawn over Tessmere", "authored_by", "Ilse Varga")),
    ("She painted Dawn over Tessmere in 1902.", ("Dawn over Tessmere", "publication_year", "1902")),
])
def test_appositives_pronouns_surnames_titles_and_the(sentence, fact, corpus):
    assert fact in extracted(corpus.kb)
    assert "Dawn" not in corpus.kb.names and "Varga" not in corpus.kb.names and "The" not in corpus.kb.names


# -- questions proved against the facts the texts state ---------------------------------------------------


@lru_cache(maxsize=1)
def ancestors() -> dict[str, list[str]]:
    tree = yaml.safe_load(read_text("reverse_qa/world.yaml"))["taxonomy"]
    return {leaf: [leaf, group, top] for tops in tree.values() for top, groups in tops.items()
            for group, leaves in groups.items() for leaf in leaves}


def truth_solutions(record: dict) -> list[str]:
    """Every entity of the hand-written truth that fits the record's question (brute force)."""
    values: dict[tuple[str, str], str] = {}
    links: dict[tuple[str, bool], dict[str, list[str]]] = {}
    for s, p, o in TRUTH["facts"]:
        if o in TRUTH["entities"] and p not in ("category",):
            links.setdefault((p, True), {}).setdefault(s, []).append(o)
            links.setdefault((p, False), {}).setdefault(o, []).append(s)
        else:
            values[(s, p)] = o
    path = record["metadata"]["path"]

    def meets(e: str, clue: dict) -> bool:
        value = values.get((e, clue["attribute"]))
        if value is None:
            return False
        c = clue["constraint"]
        if "range" in c:
            return c["range"][0] <= int(value) <= c["range"][1]
        chain = ancestors().get(value, [value])
        return len(chain) > clue["level"] and chain[clue["level"]] == c["category"]

    def fits(i: int, e: str) -> bool:
        if TRUTH["entities"][e] != path[i]["type"]:
            return False
        if not all(meets(e, c) for c in record["metadata"]["clues"] if c["about"] == path[i]["label"]):
            return False
        if i + 1 == len(path):
            return True
        return any(fits(i + 1, n) for n in links.get((path[i]["relation"], path[i]["forward"]), {}).get(e, ()))

    return [e for e in TRUTH["entities"] if fits(0, e)]


@pytest.fixture(scope="module")
def questions():
    builder = registry.load("builder", "reverse_qa")(corpus={"path": str(CORPUS)}, min_candidates=2, max_hops=2,
                                                     obfuscation=[0, 1, 2])
    maker = RecordMaker("rq", "reverse_qa", builder, seed=1)
    maker.setup()
    records, skipped = [], Counter()
    for i in range(300):
        try:
            records.append(maker.make(i))
        except Skip as exc:
            skipped[exc.reason] += 1
    return records, skipped


def test_no_question_is_non_unique_over_the_facts_the_texts_state(questions):
    records, _ = questions
    assert len(records) >= 15
    assert len({r["prompt"][0]["content"] for r in records}) >= 10
    for record in records:
        assert truth_solutions(record) == [record["answer"]], record["prompt"][0]["content"]


def test_an_entity_whose_facts_were_missed_makes_a_question_unprovable(tmp_path):
    """Nadia Holt's birth is in a sentence the rules cannot read: over the extracted facts Kestrin Halvard is
    the only violinist born in the 1850s in a town of Orlavia, but the text does not rule Nadia out."""
    docs = [
        {"id": "1", "title": "Kestrin Halvard", "text": "Kestrin Halvard was a violinist. He was born in Roulgim in 1853."},
        {"id": "2", "title": "Nadia Holt", "text": "Nadia Holt was a violinist. Born in Roulgim in 1856, she toured widely."},
        {"id": "3", "title": "Roulgim", "text": "Roulgim is a market town. It lies in Orlavia."},
        {"id": "4", "title": "Orlavia", "text": "Orlavia is a province."},
    ]
    path = tmp_path / "c.jsonl"
    write_jsonl(path, docs)
    source = Corpus(str(path))
    kb = source.kb
    e = {name: i for i, name in enumerate(kb.names)}
    chain = Chain(("person", "place"), (("born_in", True),))
    clues = [Clue(0, "birth_year", 1, 1850), Clue(1, "category", 0, "market town")]
    assert kb.candidates(chain, clues) == {e["Kestrin Halvard"]}  # unique over what was extracted
    assert not source.proven(chain, clues, e["Kestrin Halvard"])  # but not over what the texts say
    docs[1]["text"] = "Nadia Holt was a violinist. Born in Brannock in 1766, she toured widely."
    write_jsonl(path, docs)
    source = Corpus(str(path))
    assert source.proven(chain, clues, {n: i for i, n in enumerate(source.kb.names)}["Kestrin Halvard"])


def test_unprovable_questions_are_dropped_with_a_counted_reason(questions):
    _, skipped = questions
    assert set(skipped) <= {"not_unique", "too_few_hops_when_minimal", "unprovable_from_text", "hop_shortcut",
                            "too_few_clues_when_minimal", "last_hop_without_clue", "path_dead_end",
                            "single_document", "obfuscation_leak", "name_in_question", "too_few_facts"}
