"""The build engine: determinism, seeding, resume, schema failures, filters, Hub layout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import dsgen
from dsgen.errors import DsgenError, RecordInvalid
from dsgen.recipe import load_recipe
from dsgen.writer import read_parquet


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a build folder by relative path (bytes), for byte-identity checks."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def records_of(folder: Path, config: str) -> list[dict]:
    return [r for p in sorted((folder / "data" / config).glob("*.parquet")) for r in read_parquet(p)]


def test_output_is_byte_identical_whatever_the_worker_count(toy_recipe, tmp_path):
    one = dsgen.build(toy_recipe, out=tmp_path / "one", workers=1)
    two = dsgen.build(toy_recipe, out=tmp_path / "two", workers=2)
    assert one.records == two.records == 2500 + 300
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    # splits follow the recipe: roughly 80/20 by hash; the level split puts every record in its level's split
    sums = one.datasets["sums"].splits
    assert 0.75 < sums["train"] / 2500 < 0.85
    for record in records_of(tmp_path / "one", "small"):
        assert record["level"] in ("easy", "hard")
    assert {p.name.split("-")[0] for p in (tmp_path / "one" / "data" / "small").glob("*.parquet")} == {"train", "test"}


def test_records_are_pure_functions_of_seed_path_and_index(toy_recipe, tmp_path):
    dsgen.build(toy_recipe, out=tmp_path / "a", workers=1)
    recipe = load_recipe(toy_recipe, overrides=["datasets.sums.count=900"])
    dsgen.build(recipe, out=tmp_path / "b", workers=1)
    by_index = {r["provenance"]["index"]: r for r in records_of(tmp_path / "a", "sums")}
    for record in records_of(tmp_path / "b", "sums"):
        other = by_index[record["provenance"]["index"]]
        assert (record["id"], record["prompt"], record["answer"]) == (other["id"], other["prompt"], other["answer"])


def test_adjacent_seeds_share_no_more_records_than_chance(toy_recipe, tmp_path):
    """seed + i schemes make seed 43 item 0 equal seed 42 item 1; hashed seeds must not."""
    a = dsgen.build(load_recipe(toy_recipe, seed=42), out=tmp_path / "s42", workers=1)
    b = dsgen.build(load_recipe(toy_recipe, seed=43), out=tmp_path / "s43", workers=1)
    assert a.records == b.records
    prompts = lambda folder: [r["prompt"][0]["content"] for r in records_of(folder, "sums")]  # noqa: E731
    pa, pb = prompts(tmp_path / "s42"), prompts(tmp_path / "s43")
    # with max_value 500 there are 250,000 distinct prompts: 2500 draws overlap in ~25 by chance
    assert len(set(pa) & set(pb)) < 60
    by_index_a = {r["provenance"]["index"]: r["prompt"] for r in records_of(tmp_path / "s42", "sums")}
    by_index_b = {r["provenance"]["index"]: r["prompt"] for r in records_of(tmp_path / "s43", "sums")}
    shifted = sum(by_index_b[i] == by_index_a.get(i + 1) for i in by_index_b)
    assert shifted < 5
    assert not {r["id"] for r in records_of(tmp_path / "s42", "sums")} & {
        r["id"] for r in records_of(tmp_path / "s43", "sums")
    }


def test_interrupted_build_resumes_reusing_complete_shards(toy_recipe, tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    dsgen.build(toy_recipe, out=clean, workers=1)
    out = tmp_path / "out"
    monkeypatch.setenv("DSGEN_TOY_CRASH_AT", "2100")
    with pytest.raises(RuntimeError, match="crash at 2100"):
        dsgen.build(toy_recipe, out=out, workers=1)
    monkeypatch.delenv("DSGEN_TOY_CRASH_AT")
    assert not (out / "manifest.json").exists()  # an interrupted build does not look complete
    # a half-written temporary file and a corrupted shard are found and redone
    (out / "data" / "sums" / ".train-00009.parquet.tmp-999").write_bytes(b"partial")
    victim = sorted((out / "data" / "sums").glob("train-*.parquet"))[1]
    victim.write_bytes(victim.read_bytes()[:-10])
    # resuming with a different recipe is refused
    with pytest.raises(DsgenError, match="different recipe"):
        dsgen.build(load_recipe(toy_recipe, seed=1), out=out, workers=1, resume=True)
    result = dsgen.build(toy_recipe, out=out, workers=2, resume=True)
    assert result.reused_units == 4  # units 0-4 finished before the crash; unit 1 was corrupted
    assert tree(out) == tree(clean)


def test_resume_of_a_complete_build_reuses_everything(toy_recipe, tmp_path):
    first = dsgen.build(toy_recipe, out=tmp_path / "o", workers=2)
    again = dsgen.build(toy_recipe, out=tmp_path / "o", workers=2, resume=True)
    assert again.reused_units == again.units == first.units
    assert again.records == first.records


def test_rebuild_refuses_a_foreign_nonempty_folder(toy_recipe, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(DsgenError, match="not a dsgen build"):
        dsgen.build(toy_recipe, out=tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_invalid_record_stops_the_build_naming_dataset_index_field_and_rule(toy_recipe, tmp_path):
    recipe = load_recipe(toy_recipe, overrides=["datasets.sums.params.break_at=77"])
    with pytest.raises(RecordInvalid) as info:
        dsgen.build(recipe, out=tmp_path / "o", workers=2)
    error = info.value
    assert (error.dataset, error.index, error.path, error.rule) == ("sums", 77, "/metadata/b", "minimum")
    assert "record 77 of dataset 'sums'" in str(error)


def test_rejects_can_be_routed_to_a_file(toy_recipe, tmp_path):
    recipe = load_recipe(
        toy_recipe,
        overrides=["datasets.sums.params.break_at=77", "datasets.sums.params.skip_every=100", "output.rejects=true"],
    )
    result = dsgen.build(recipe, out=tmp_path / "o", workers=2)
    rejects = result.datasets["sums"].rejects
    assert rejects["schema: /metadata/b (minimum)"] == 1 and rejects["builder: every n-th"] == 25
    assert result.datasets["sums"].written == 2500 - 26
    rows = [json.loads(line) for line in (tmp_path / "o" / "rejects" / "sums.jsonl").read_text().splitlines()]
    assert len(rows) == 26 and [r["index"] for r in rows] == sorted(r["index"] for r in rows)
    broken = next(r for r in rows if r["stage"] == "schema")
    assert broken["index"] == 77 and json.loads(broken["record"]["metadata"])["b"] == -1


def test_records_checked_in_small_batches_give_the_same_output(toy_recipe, tmp_path, monkeypatch):
    """Records are schema-checked a batch at a time as they are made: skips and rejects that fall in
    different batches keep their indices, and the files are the same as with one batch per unit."""
    from dsgen import units

    recipe = load_recipe(
        toy_recipe,
        overrides=["datasets.sums.params.break_at=77", "datasets.sums.params.skip_every=10", "output.rejects=true"],
    )
    whole = dsgen.build(recipe, out=tmp_path / "whole", workers=1)
    monkeypatch.setattr(units, "CHECK_BATCH", 7)
    small = dsgen.build(recipe, out=tmp_path / "small", workers=1)
    assert small.datasets["sums"].rejects == whole.datasets["sums"].rejects
    assert small.datasets["sums"].rejects["schema: /metadata/b (minimum)"] == 1
    assert tree(tmp_path / "small") == tree(tmp_path / "whole")


def test_filters_count_annotate_and_stay_worker_independent(toy_recipe, tmp_path):
    text = toy_recipe.read_text().replace("output:", "filters:\n  - filter: toy.first_answer\noutput:")
    text = text.replace("    params: {max_value: 500}", "    params: {max_value: 500}\n    filters: [{filter: toy.drop_odd}]")
    toy_recipe.write_text(text + "  rejects: true\n")
    one = dsgen.build(toy_recipe, out=tmp_path / "one", workers=1)
    dsgen.build(toy_recipe, out=tmp_path / "two", workers=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    sums = records_of(tmp_path / "one", "sums")
    assert sums and all(int(r["answer"]) % 2 == 0 for r in sums)
    answers = [r["answer"] for r in sums + records_of(tmp_path / "one", "small")]
    assert len(answers) == len(set(answers))  # the build-wide filter saw both datasets
    assert all(r["metadata"]["filters"]["toy.drop_odd"] == {"parity": 0} for r in sums)
    assert one.datasets["sums"].rejects["toy.drop_odd: odd answer"] > 1000
    assert one.datasets["small"].rejects["toy.first_answer: same answer"] > 0
    rejected = [json.loads(x) for x in (tmp_path / "one" / "rejects" / "small.jsonl").read_text().splitlines()]
    assert all(r["measurements"]["first"] for r in rejected if r["stage"] == "toy.first_answer")


def test_hub_layout_loads_with_datasets(toy_recipe, tmp_path):
    import datasets

    out = tmp_path / "o"
    dsgen.build(toy_recipe, out=out, workers=2)
    default = datasets.load_dataset(str(out))
    assert set(default) == {"train", "test"} and default["train"].num_rows + default["test"].num_rows == 2500
    small = datasets.load_dataset(str(out), "small")
    assert small["train"].num_rows + small["test"].num_rows == 300
    features = default["train"].features
    assert features["difficulty"].dtype == "float64" and features["provenance"]["index"].dtype == "int64"
    assert features["prompt"].feature["content"].dtype == "string"
    mine = {r["id"]: r for r in records_of(out, "sums")}
    for row in default["train"].select(range(50)):
        record = mine[row["id"]]
        assert row["prompt"] == record["prompt"] and row["answer"] == record["answer"]
        assert json.loads(row["metadata"]) == record["metadata"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sum(manifest["configs"]["sums"]["splits"].values()) == 2500
    for info in manifest["configs"].values():
        for rel, meta in info["files"].items():
            assert pq.read_metadata(out / rel).num_rows == meta["rows"]
    group = pq.read_metadata(next((out / "data" / "sums").glob("*.parquet"))).row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    # repeated values get a dictionary, distinct ones are plain; long texts carry no min/max statistics
    assert "RLE_DICTIONARY" in chunks["level"].encodings and "RLE_DICTIONARY" not in chunks["id"].encodings
    assert chunks["difficulty"].is_stats_set and chunks["provenance.index"].statistics.min >= 0
    assert not chunks["metadata"].is_stats_set and not chunks["prompt.list.element.content"].is_stats_set


def test_sample_matches_the_build(toy_recipe, tmp_path):
    dsgen.build(toy_recipe, out=tmp_path / "o", workers=1)
    samples = dsgen.sample("toy.add", {"max_value": 500}, count=3, seed=7, dataset="sums")
    assert [s["provenance"]["index"] for s in samples] == [0, 1, 2]
    mine = {r["provenance"]["index"]: r for r in records_of(tmp_path / "o", "sums")}
    assert [s["prompt"] for s in samples] == [mine[i]["prompt"] for i in range(3)]


def test_heavy_libraries_are_not_imported_by_the_cli():
    code = (
        "import sys, dsgen.cli.main as m\n"
        "from click.testing import CliRunner\n"
        "assert CliRunner().invoke(m.main, ['--help']).exit_code == 0\n"
        "heavy = [x for x in ('torch', 'transformers', 'datasets', 'ray', 'pyarrow', 'spacy') if x in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_grouped_builders_give_both_records_of_a_group_the_same_item(tmp_path):
    """Clean twins: with variants both, records 2k and 2k+1 are the same item, noisy and clean."""
    recipe = dsgen.Recipe.model_validate(
        {"name": "twins", "seed": 5, "output": {"shard_size": 7},
         "datasets": {"d": {"builder": "distraction", "count": 40, "params": {"variants": "both"}}}}
    )
    dsgen.build(recipe, out=tmp_path / "o", workers=2)
    by_index = {r["provenance"]["index"]: r for r in records_of(tmp_path / "o", "d")}
    pairs = [(by_index[i], by_index[i + 1]) for i in range(0, 40, 2) if i in by_index and i + 1 in by_index]
    assert len(pairs) >= 10
    for noisy, clean in pairs:
        assert noisy["metadata"]["group_id"] == clean["metadata"]["group_id"]
        assert (noisy["metadata"]["variant"], clean["metadata"]["variant"]) == ("noisy", "clean")
        assert noisy["id"] != clean["id"]


def test_a_build_warns_when_the_parameter_space_is_too_small(toy_recipe, tmp_path):
    roomy = ["datasets.sums.params.max_value=1000000", "datasets.small.params.max_value=1000000",
             "hub.license=cc-by-4.0"]  # an unknown licence is warned about too
    assert dsgen.build(load_recipe(toy_recipe, overrides=roomy), out=tmp_path / "p", workers=1).warnings == []
    small = load_recipe(toy_recipe, overrides=[roomy[0], roomy[2], "datasets.small.params.max_value=20"])  # 400 sums
    result = dsgen.build(small, out=tmp_path / "o", workers=1)
    assert len(result.warnings) == 1
    assert "dataset 'small': its parameters allow about 400 distinct problems" in result.warnings[0]
