"""A reverse_qa build ships its corpus as a `corpus` config, and its splits keep answers and paths apart."""

from __future__ import annotations

import json

import pytest

import dsgen
from dsgen.inspect import validate_path
from dsgen.recipe import Recipe


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("rq") / "out"
    recipe = Recipe.model_validate({
        "name": "rq", "seed": 3,
        "datasets": {"qa": {"builder": "reverse_qa", "count": 240,
                            "params": {"num_entities": 4000, "world_seed": 5, "max_hops": 3},
                            "splits": {"fractions": {"train": 0.7, "test": 0.3}}}},
        "output": {"dir": str(out), "shard_size": 120},
    })
    result = dsgen.build(recipe, out=out, workers=1)
    return out, result


def records(out, split: str) -> list[dict]:
    import pyarrow.parquet as pq

    rows = [r for f in sorted((out / "data" / "qa").glob(f"{split}-*.parquet")) for r in pq.read_table(f).to_pylist()]
    return [{**r, "metadata": json.loads(r["metadata"])} for r in rows]


def test_the_corpus_config_loads_with_datasets_and_holds_the_gold_documents(built):
    import datasets

    out, _ = built
    corpus = datasets.load_dataset(str(out), "corpus")["train"]
    assert corpus.column_names == ["id", "title", "text"] and corpus.num_rows > 4000
    ids = dict(zip(corpus["id"], corpus["text"]))
    recs = records(out, "train") + records(out, "test")
    assert len(recs) >= 40
    for r in recs:
        assert r["metadata"]["gold_docs"] and set(r["metadata"]["gold_docs"]) <= set(ids)
        for ev in r["metadata"]["evidence"]:
            assert ev["text"] in ids[ev["doc_id"]]
    default = datasets.load_dataset(str(out))
    assert set(default) == {"train", "test"}


def test_the_corpus_file_is_hashed_in_the_manifest_and_the_folder_validates(built):
    out, _ = built
    manifest = json.loads((out / "manifest.json").read_text())
    files = manifest["extra_configs"]["corpus"]["files"]
    assert list(files) == ["data/corpus/train-00000.parquet"]
    assert validate_path(out).ok
    assert "config_name: corpus" in (out / "README.md").read_text()
    (out / "data" / "corpus" / "train-00000.parquet").write_bytes(b"not parquet")
    assert not validate_path(out).ok  # a changed corpus is caught by its hash


def test_no_test_answer_is_on_a_train_question_path(built):
    out, result = built
    train, test = records(out, "train"), records(out, "test")
    assert train and test
    on_train_paths = {step["entity_id"] for r in train for step in r["metadata"]["path"]}
    test_entities = {step["entity_id"] for r in test for step in r["metadata"]["path"]}
    assert not {r["metadata"]["path"][0]["entity_id"] for r in test} & on_train_paths
    assert not test_entities & on_train_paths
    assert len(test) >= 0.1 * (len(train) + len(test))  # regions keep paths whole, so few are dropped
    reason = "split: its split keys (answer and path entities) fall in different splits"
    assert result.datasets["qa"].rejects[reason] < 0.2 * len(train + test)


def test_a_user_corpus_build_reports_extraction_coverage_in_the_summary_and_manifest(tmp_path):
    from pathlib import Path

    from click.testing import CliRunner
    from dsgen.cli.main import main

    corpus = Path(__file__).parent / "data" / "reverse_qa_corpus.jsonl"
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "name: rqc\nseed: 1\ndatasets:\n  qa:\n    builder: reverse_qa\n    count: 12\n    allow_empty: true\n"
        f"    params: {{corpus: {{path: {json.dumps(str(corpus))}}}, min_hops: 1, max_hops: 2, min_candidates: 2}}\n"
    )
    result = CliRunner().invoke(main, ["build", str(recipe), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    source = json.loads((tmp_path / "out" / "manifest.json").read_text())["configs"]["qa"]["source"]
    assert source["documents"] == 34 and source["facts"] > 100 and source["per_fact_kind"]
    line = " ".join(result.output.split())
    assert f"qa source: documents 34; facts {source['facts']:,}" in line and "per fact kind (" in line
