"""The command line through click's CliRunner: exit codes, messages, and what each command prints."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from click.testing import CliRunner
from conftest import write_recipe

from cli.main import main
from dsgen.writer import read_parquet


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_prints_a_summary_and_writes_a_dataset(toy_recipe, tmp_path):
    result = run("build", str(toy_recipe), "-o", str(tmp_path / "o"), "--workers", "2", "--set", "datasets.sums.count=500")
    assert result.exit_code == 0, result.output
    assert "sums" in result.output and "records in" in result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert sum(manifest["configs"]["sums"]["splits"].values()) == 500


def test_build_errors_exit_2_without_traceback(tmp_path):
    bad = write_recipe(tmp_path / "bad.yaml", "name: x\ndatasets:\n  a: {builder: toy.add, count: [}\n")
    result = run("build", str(bad))
    assert result.exit_code == 2 and "YAML syntax error" in result.output and "Traceback" not in result.output
    result = run("build", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "does not exist" in result.output
    good = write_recipe(tmp_path / "good.yaml", "name: x\ndatasets:\n  a: {builder: toy.add, count: 5}\n")
    result = run("build", str(good), "--set", "datasets.a.coutn=4")
    assert result.exit_code == 2 and "did you mean 'count'" in result.output
    result = run("build", str(good), "--workers", "0")
    assert result.exit_code == 2
    result = run("build", str(good), "--seed", str(2**64), "-o", str(tmp_path / "o"))  # provenance is int64
    assert result.exit_code == 2 and "'seed'" in result.output and "9223372036854775807" in result.output
    assert not (tmp_path / "o").exists()


def test_list_and_show(tmp_path):
    result = run("list")
    assert result.exit_code == 0 and "toy.add" in result.output and "Adds two numbers" in result.output
    result = run("show", "toy.add", "-n", "2", "--set", "max_value=9")
    assert result.exit_code == 0, result.output
    assert "max_value" in result.output and "2..1000000000" in result.output and "largest addend" in result.output
    assert result.output.count("sample (seed 0") == 2 and '"kind": "toy"' in result.output
    result = run("show", "toy.ad")
    assert result.exit_code == 2 and "did you mean 'toy.add'" in result.output


def test_validate_reports_every_invalid_record(toy_recipe, tmp_path):
    out = tmp_path / "o"
    assert run("build", str(toy_recipe), "-o", str(out), "-q").exit_code == 0
    result = run("validate", str(out))
    assert result.exit_code == 0 and "2,800 records" in result.output and "all valid" in result.output
    # break two records of one shard (rewritten through pyarrow, so the hash check fires as well)
    shard = sorted((out / "data" / "sums").glob("train-*.parquet"))[0]
    table = pq.read_table(shard).to_pylist()
    table[3]["difficulty"] = 1.5
    table[5]["metadata"] = json.dumps({"a": 1})
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist(table, schema=pq.read_schema(shard)), shard)
    result = run("validate", str(out))
    assert result.exit_code == 1
    assert f"{shard} row 4: /difficulty (maximum)" in result.output
    assert f"{shard} row 6: /metadata (required)" in result.output
    assert "sha256 differs from manifest.json" in result.output
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text('{"not": "a record"}\nnot json\n')
    result = run("validate", str(jsonl))
    assert result.exit_code == 1 and "row 2: / (json)" in result.output
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2 and "is not a dsgen build" in result.output


def test_score_grades_a_completions_file(toy_recipe, tmp_path):
    out = tmp_path / "o"
    run("build", str(toy_recipe), "-o", str(out), "-q", "--set", "datasets.sums.count=200")
    records = [r for p in sorted((out / "data" / "small").glob("*.parquet")) for r in read_parquet(p)]
    rows = [{"id": r["id"], "completion": f"The answer is {r['answer']}." if i % 2 else "I think 0."}
            for i, r in enumerate(records)]
    completions = tmp_path / "c.jsonl"
    completions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("score", str(out), "-c", str(completions))
    assert result.exit_code == 0, result.output
    expected = sum(i % 2 for i in range(len(records))) / len(records)
    assert f"{len(records)} completions scored, mean {expected:.4f}" in result.output
    assert "easy" in result.output and "hard" in result.output and "200 records had no completion" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    result = run("score", str(out), "-c", str(bad))
    assert result.exit_code == 2 and "line 1" in result.output and "'completion'" in result.output
    bad.write_text(json.dumps(rows[0]) + "\n" + json.dumps({"id": records[0]["id"], "completion": 0}) + "\n")
    result = run("score", str(out), "-c", str(bad))
    assert result.exit_code == 2 and "line 2" in result.output and "got int 0" in result.output


def test_recipe_command_prints_the_default_recipe():
    result = run("recipe")
    assert result.exit_code == 0 and "datasets:" in result.output and "seed:" in result.output
