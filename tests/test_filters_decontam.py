"""Decontamination against JSONL, Parquet and datasets-folder references; clear errors for bad references."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dsgen import registry
from dsgen.errors import DsgenError
from dsgen.filters.decontam import Decontaminate
from dsgen.filters.references import Reference, read_reference

LEAKED = (
    "A train leaves the station at nine in the morning travelling at sixty miles per hour towards "
    "a city that lies three hundred miles away; when does it arrive?"
)
BENCH = [
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
    LEAKED,
    "What is the capital of France?",
]


def record(rid: str, prompt: str, answer: str | None = None) -> dict:
    return {"id": rid, "prompt": [{"role": "user", "content": prompt}], "answer": answer, "metadata": {}}


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "bench.jsonl"
    rows = [json.dumps({"question": q, "year": 2020 + i}) for i, q in enumerate(BENCH)]
    path.write_text("\n".join(rows) + "\n")
    return path


def run(params: dict, records: list[dict]):
    flt = Decontaminate(**params)
    flt.setup()
    return flt.apply(records)


def test_ngram_overlap_names_reference_set_and_item(jsonl):
    wrapped = "Solve this carefully. " + LEAKED.upper() + " Show your work."
    records = [record("a", wrapped), record("b", "A completely unrelated question about baking bread.")]
    verdicts = run({"references": [{"path": str(jsonl), "column": "question", "name": "gsm"}]}, records)
    assert not verdicts[0].keep and verdicts[0].reason == "n-gram overlap"
    assert verdicts[0].measurements["reference"] == "gsm"
    assert verdicts[0].measurements["item"] == "1"
    assert verdicts[0].measurements["matched_ngrams"] >= 10
    assert verdicts[1].keep


def test_twelve_shared_words_are_not_a_thirteen_gram_but_ngram_is_configurable(jsonl):
    twelve = " ".join(LEAKED.split()[:12])
    reference = [{"path": str(jsonl), "column": "question"}]
    assert run({"references": reference}, [record("a", twelve + " and then something else")])[0].keep
    verdict = run({"references": reference, "ngram": 8}, [record("a", twelve + " and then more")])[0]
    assert not verdict.keep and verdict.measurements["ngram"] == 8
    assert verdict.measurements["reference"] == "bench"  # default name: the file's stem


def test_short_items_match_fuzzily(jsonl):
    reference = [{"path": str(jsonl), "column": "question"}]
    verdicts = run(
        {"references": reference, "field": "prompt"},
        [record("a", "what is the capital of france"), record("b", "What is the capital of Peru?")],
    )
    assert not verdicts[0].keep and verdicts[0].reason == "fuzzy match"
    assert verdicts[0].measurements["item"] == "2" and verdicts[0].measurements["similarity"] == 1.0
    assert verdicts[1].keep
    # a stricter threshold than the 'Peru' variant reaches keeps it; a looser one drops it
    loose = {"references": reference, "fuzzy_threshold": 0.8}
    assert not run(loose, [record("b", "What is the capital of Peru?")])[0].keep


def test_parquet_reference_with_chat_messages(tmp_path):
    path = tmp_path / "bench.parquet"
    messages = [[{"role": "user", "content": q}] for q in BENCH]
    pq.write_table(pa.table({"prompt": messages}), path)
    verdicts = run({"references": [{"path": str(path), "column": "prompt"}]}, [record("a", LEAKED)])
    assert not verdicts[0].keep and verdicts[0].measurements["item"] == "1"


def test_datasets_folder_reference_names_split_and_row(tmp_path):
    import datasets

    folder = tmp_path / "bench_ds"
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"q": BENCH[:1]}),
            "test": datasets.Dataset.from_dict({"q": BENCH}),
        }
    ).save_to_disk(str(folder))
    reference = [{"path": str(folder), "column": "q", "name": "bench"}]
    verdicts = run({"references": reference}, [record("a", LEAKED)])
    assert not verdicts[0].keep
    assert verdicts[0].measurements["item"] == "test/1"
    items = read_reference(Reference(path=str(folder), column="q"))
    assert len(items) == 4


def test_answer_field_is_checked_when_asked(jsonl):
    records = [record("a", "Unrelated prompt", answer=LEAKED)]
    reference = [{"path": str(jsonl), "column": "question"}]
    assert run({"references": reference, "field": "prompt"}, records)[0].keep
    assert not run({"references": reference, "field": "prompt+answer"}, records)[0].keep


def test_missing_file_and_missing_column_are_clear_errors(tmp_path, jsonl):
    with pytest.raises(DsgenError, match=r"nope\.jsonl does not exist"):
        run({"references": [{"path": str(tmp_path / "nope.jsonl"), "column": "q"}]}, [])
    with pytest.raises(DsgenError, match=r"bench\.jsonl, line 1: no key 'questoin' \(did you mean 'question"):
        run({"references": [{"path": str(jsonl), "column": "questoin"}]}, [])
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.table({"question": BENCH}), parquet)
    with pytest.raises(DsgenError, match=r"b\.parquet: no column 'text'; columns: question"):
        run({"references": [{"path": str(parquet), "column": "text"}]}, [])


def test_bad_rows_name_line_and_expected_type(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"q": "fine"}\n{"q": 3}\n')
    with pytest.raises(DsgenError, match=r"bad\.jsonl, line 2: column 'q' holds int, expected a string"):
        read_reference(Reference(path=str(path), column="q"))
    path.write_text('{"q": "fine"}\nnot json\n')
    with pytest.raises(DsgenError, match=r"line 2: not valid JSON"):
        read_reference(Reference(path=str(path), column="q"))
    other = tmp_path / "bench.csv"
    other.write_text("q\nx\n")
    with pytest.raises(DsgenError, match="expected .jsonl, .parquet or a datasets folder"):
        read_reference(Reference(path=str(other), column="q"))


def test_params_are_validated():
    with pytest.raises(ValueError):
        Decontaminate(references=[])
    with pytest.raises(ValueError):
        Decontaminate(references=[{"path": "x.jsonl", "column": "q", "colour": "red"}])
    assert registry.load("filter", "decontaminate") is Decontaminate
    assert Decontaminate.stage == "record"
