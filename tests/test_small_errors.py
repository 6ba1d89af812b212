"""The smaller mistakes of issue 29 item 9: each gets a clear, located error or the right result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from dsgen.errors import DsgenError

GSM8K = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
MATH = Path(__file__).parent / "data" / "math_sample.jsonl"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_show_index_out_of_range_is_an_option_error():
    result = run("show", "toy.add", "--index", "99999999999999999999")
    assert result.exit_code == 2 and "'--index'" in result.output and "bug" not in result.output


def test_show_checks_set_values_before_printing_and_names_them():
    result = run("show", "toy.add", "--set", "max_value=1")
    assert result.exit_code == 2 and "--set max_value:" in result.output
    assert "parameters" not in result.output and "<recipe>" not in result.output and "sample" not in result.output


def test_show_skips_the_schema_unless_asked_and_lists_valid_names():
    result = run("show", "math.compose", "-n", "0")
    assert result.exit_code == 0 and '"$schema"' not in result.output and "--schema" in result.output
    assert "frames: people" in result.output
    assert '"$schema"' in run("show", "toy.add", "-n", "0", "--schema").output


def test_set_on_a_dataset_the_recipe_lacks_names_it_not_a_line_of_the_recipe(toy_recipe):
    result = run("build", str(toy_recipe), "--set", "datasets.smal.count=5")
    assert result.exit_code == 2
    assert "no dataset 'smal' (did you mean 'small'?); its datasets: sums, small" in result.output


def test_annotate_hints_name_its_flags_and_shorten_long_values(tmp_path):
    rows = rows_of(GSM8K)
    rows[1]["answer"] = "It is big.\n#### " + "9" * 4000 + "x"
    path = write_jsonl(tmp_path / "g.jsonl", rows)
    result = run("annotate", str(path), "-o", str(tmp_path / "o"), "-q")
    assert result.exit_code == 2 and "--skip-missing" in result.output
    assert "(4,001 characters)" in result.output and "9" * 100 not in result.output


def test_annotate_reads_a_percent_answer_as_the_verifier_does(tmp_path):
    from dsgen.builders.annotate import plain_number

    assert plain_number("50%") == 50 and plain_number("12.5 %") is not None
    rows = rows_of(GSM8K)
    rows[0]["answer"] = "Half of them.\n#### 50%"
    result = run("annotate", str(write_jsonl(tmp_path / "g.jsonl", rows)), "-o", str(tmp_path / "o"), "-q")
    assert result.exit_code == 0, result.output


def test_a_math_level_out_of_range_is_an_error_naming_the_row(tmp_path):
    rows = rows_of(MATH)
    rows[2]["level"] = "Level 9"
    with pytest.raises(DsgenError, match=r"line 3 \(input row 2\): level 'Level 9' in column 'level' is not a MATH"):
        from dsgen.annotate import annotation_recipe

        annotation_recipe(write_jsonl(tmp_path / "m.jsonl", rows))
    rows[2]["level"] = "Level ?"  # MATH's own 'unknown' stays allowed
    annotation_recipe(write_jsonl(tmp_path / "m.jsonl", rows))


def test_split_flags_without_their_split_by_are_errors(tmp_path):
    result = run("annotate", str(GSM8K), "--quantiles", "a=0.5,b=0.5", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "--quantiles applies to --split-by quantile, which was not given" in result.output
    result = run("annotate", str(GSM8K), "--bins", "4", "--split-by", "quantile", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "--bins applies to --split-by bins, not --split-by quantile" in result.output


def test_push_without_a_repo_id_says_where_to_give_one(toy_recipe, tmp_path):
    run("build", str(toy_recipe), "-o", str(tmp_path / "o"), "-q")
    result = run("push", str(tmp_path / "o"), "--token", "x")
    assert result.exit_code == 2 and "None" not in result.output and "no repo id" in result.output


def test_a_truncated_shard_in_a_folder_is_a_reported_problem(toy_recipe, tmp_path):
    out = tmp_path / "o"
    run("build", str(toy_recipe), "-o", str(out), "-q")
    shard = sorted((out / "data" / "sums").glob("*.parquet"))[0]
    shard.write_bytes(shard.read_bytes()[:100])
    result = run("validate", str(out))
    assert result.exit_code == 1 and f"{shard}: / (file): " in result.output and "not a readable Parquet" in result.output
