"""reverse_qa over user corpora: clear errors for malformed files, spaCy extraction, unique questions."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_reverse_qa_builder import solutions

from dsgen import registry, validation
from dsgen.errors import DsgenError, Skip
from dsgen.records import RecordMaker


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = [
    {"id": "a", "title": "Kestrin Halvard", "text": "Kestrin Halvard was born in Roulgim. Kestrin Halvard is a violinist."},
    {"id": "b", "title": "Roulgim", "text": "Roulgim is located in Orlavia. Roulgim was founded in 1822."},
]


def read(path, columns=("id", "title", "text")):
    from dsgen.builders.reverse_qa.corpus import read_rows

    return read_rows(str(path), columns)


def test_reads_a_good_jsonl(tmp_path):
    rows = read(write_jsonl(tmp_path / "c.jsonl", GOOD))
    assert rows[0] == ("a", "Kestrin Halvard", GOOD[0]["text"])


def test_missing_column_names_file_line_and_column(tmp_path):
    rows = [GOOD[0], {"id": "b", "title": "Roulgim", "body": "Roulgim is located in Orlavia."}]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    with pytest.raises(DsgenError, match=r"c\.jsonl, line 2: no key 'text'.*body"):
        read(path)


def test_configured_column_names(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"doc": 1, "name": "K", "body": "Some text."}])
    assert read(path, ("doc", "name", "body")) == [("1", "K", "Some text.")]


@pytest.mark.parametrize("text", ["", "   \n", None])
def test_empty_text_names_the_line(tmp_path, text):
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD[0], {"id": "b", "title": "t", "text": text}])
    with pytest.raises(DsgenError, match=r"c\.jsonl, line 2: column 'text' is empty"):
        read(path)


def test_duplicate_ids_name_both_places(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD[0], GOOD[1], {**GOOD[1], "text": "Other text."}])
    with pytest.raises(DsgenError, match=r"c\.jsonl, line 3: duplicate id 'b' in column 'id' \(first at line 2\)"):
        read(path)


def test_non_utf8_bytes_name_line_and_offset(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(json.dumps(GOOD[0]).encode() + b"\n" + b'{"id": "b", "title": "t", "text": "caf\xe9"}\n')
    with pytest.raises(DsgenError, match=r"c\.jsonl, line 2: bytes at offset 38 are not valid UTF-8"):
        read(path)


def test_invalid_json_and_non_objects(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(GOOD[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DsgenError, match=r"c\.jsonl, line 2: not valid JSON"):
        read(path)
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(DsgenError, match=r"line 1: expected a JSON object"):
        read(path)


def test_bad_id_values(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": None, "title": "t", "text": "x"}])
    with pytest.raises(DsgenError, match=r"line 1: column 'id' must be a non-empty string or an integer"):
        read(path)


def test_missing_file_unknown_format_and_empty_corpus(tmp_path):
    with pytest.raises(DsgenError, match="does not exist"):
        read(tmp_path / "nope.jsonl")
    (tmp_path / "c.csv").write_text("id,title,text\n")
    with pytest.raises(DsgenError, match=r"unknown format '\.csv'"):
        read(tmp_path / "c.csv")
    (tmp_path / "e.jsonl").write_text("\n\n")
    with pytest.raises(DsgenError, match="has no documents"):
        read(tmp_path / "e.jsonl")


def test_parquet_missing_column_and_rows(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": ["a"], "text": ["x"]}), path)
    with pytest.raises(DsgenError, match=r"c\.parquet: no column 'title'; columns: id, text"):
        read(path)
    pq.write_table(pa.table({"id": ["a", "b"], "title": ["t", "u"], "text": ["x", ""]}), path)
    with pytest.raises(DsgenError, match=r"c\.parquet, row 1: column 'text' is empty"):
        read(path)
    pq.write_table(pa.table({"id": [1, 1], "title": ["t", "u"], "text": ["x", "y"]}), path)
    with pytest.raises(DsgenError, match=r"c\.parquet, row 1: duplicate id '1'.*first at row 0"):
        read(path)


def test_parquet_binary_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "c.parquet"
    table = pa.table({"id": ["a", "b"], "title": ["t", "u"],
                      "text": pa.array([b"fine", b"caf\xe9"], type=pa.binary())})
    pq.write_table(table, path)
    with pytest.raises(DsgenError, match=r"c\.parquet, row 1: column 'text' is not valid UTF-8 \(byte 3\)"):
        read(path)


def test_damaged_parquet(tmp_path):
    path = tmp_path / "c.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DsgenError, match=r"c\.parquet: not a readable Parquet file"):
        read(path)


def test_datasets_folder(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list(GOOD).save_to_disk(str(tmp_path / "ds"))
    assert [r[0] for r in read(tmp_path / "ds")] == ["a", "b"]
    datasets.Dataset.from_list([{"id": "a", "text": "x"}]).save_to_disk(str(tmp_path / "bad"))
    with pytest.raises(DsgenError, match=r"bad: no column 'title'"):
        read(tmp_path / "bad")
    (tmp_path / "plain").mkdir()
    with pytest.raises(DsgenError, match="not one saved with datasets"):
        read(tmp_path / "plain")


def test_a_named_spacy_model_that_is_missing_says_how_to_install_it(tmp_path):
    from dsgen.builders.reverse_qa.extract import pipeline

    with pytest.raises(DsgenError, match=r"python -m spacy download xx_not_a_model_sm"):
        pipeline("xx_not_a_model_sm")
    builder = registry.load("builder", "reverse_qa")(
        corpus={"path": str(write_jsonl(tmp_path / "c.jsonl", GOOD))}, spacy_model="xx_not_a_model_sm")
    with pytest.raises(DsgenError, match="is not installed"):
        builder.setup()


def test_a_corpus_without_relations_is_refused(tmp_path):
    from dsgen.builders.reverse_qa.corpus import Corpus

    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "title": "x", "text": "Nothing to see here. It rained."}])
    with pytest.raises(DsgenError, match=r"no relations between entities could be extracted from its 1 documents"):
        Corpus(str(path))


def test_rule_based_extraction_reads_facts_and_their_sentences(tmp_path):
    from dsgen.builders.reverse_qa.corpus import Corpus

    rows = [
        {"id": "d1", "title": "Kestrin Halvard", "text": (
            "Kestrin Halvard was born in Roulgim. Kestrin Halvard was born in 1953. Kestrin Halvard is a violinist. "
            "Kestrin Halvard wrote The Silent Harbour.")},
        {"id": "d2", "title": "Roulgim", "text": (
            "Roulgim is located in Orlavia. Roulgim has a population of 12,400. "
            "The Tessary Institute was founded by Kestrin Halvard.")},
    ]
    corpus = Corpus(str(write_jsonl(tmp_path / "c.jsonl", rows)))
    kb = corpus.kb
    e = {name: i for i, name in enumerate(kb.names)}
    assert (e["Kestrin Halvard"], e["Roulgim"]) in kb.relations["born_in"]
    assert (e["The Silent Harbour"], e["Kestrin Halvard"]) in kb.relations["authored_by"]
    assert (e["Roulgim"], e["Orlavia"]) in kb.relations["located_in"]
    assert (e["The Tessary Institute"], e["Kestrin Halvard"]) in kb.relations["founded_by"]
    assert kb.attrs["birth_year"][e["Kestrin Halvard"]] == 1953
    assert kb.attrs["population"][e["Roulgim"]] == 12400
    assert kb.attrs["category"][e["Kestrin Halvard"]] == "violinist"
    assert kb.types[e["Kestrin Halvard"]] == "person" and kb.types[e["Roulgim"]] == "place"
    assert corpus.sources((e["Roulgim"], "population", 12400)) == [("d2", "Roulgim has a population of 12,400.")]


@pytest.fixture(scope="module")
def world_corpus(tmp_path_factory):
    """A generated world written out as a user corpus (JSONL), and the world itself."""
    from dsgen.builders.reverse_qa.world import World

    world = World(800, 3)
    path = tmp_path_factory.mktemp("corpus") / "world.jsonl"
    write_jsonl(path, list(world.documents()))
    return path, world


def test_extraction_recovers_the_world_facts_from_its_documents(world_corpus):
    from dsgen.builders.reverse_qa.corpus import Corpus

    path, world = world_corpus
    kb, truth = Corpus(str(path)).kb, world.kb
    assert sorted(kb.names) == sorted(truth.names)
    for rel, pairs in truth.relations.items():
        assert {(kb.names[s], kb.names[o]) for s, o in kb.relations[rel]} == {
            (truth.names[s], truth.names[o]) for s, o in pairs}, rel
    for attr, column in truth.attrs.items():
        assert {(kb.names[i], v) for i, v in enumerate(kb.attrs[attr]) if v is not None} == {
            (truth.names[i], v) for i, v in enumerate(column) if v is not None}, attr


def test_questions_from_a_corpus_are_unique_over_its_extracted_facts(world_corpus):
    path, _ = world_corpus
    builder = registry.load("builder", "reverse_qa")(corpus={"path": str(path)}, max_hops=3, min_candidates=5)
    maker = RecordMaker("rq", "reverse_qa", builder, seed=1)
    maker.setup()
    records = []
    for i in range(100):
        try:
            records.append(maker.make(i))
        except Skip:
            pass
    assert len(records) >= 30
    kb = builder.source.kb
    for record in records:
        assert validation.check(record) is None
        assert solutions(kb, record) == [record["metadata"]["path"][0]["entity_id"]]
        source = record["metadata"]["source"]
        assert source["corpus"] == "world.jsonl" and len(source["fingerprint"]) == 32
        docs = {ev["doc_id"] for ev in record["metadata"]["evidence"]}
        assert len(docs) >= 2 and all(d.startswith(("entity/", "index/")) for d in docs)
