"""`dsgen score` with several completions per id: every one is a sample of that record, none is lost."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import main
from dsgen.inspect import score_file
from dsgen.writer import read_parquet


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def built(toy_recipe, tmp_path):
    out = tmp_path / "o"
    assert run("build", str(toy_recipe), "-o", str(out), "-q", "--set", "datasets.sums.count=10",
               "--set", "datasets.small.count=10").exit_code == 0
    records = [r for p in sorted((out / "data").rglob("*.parquet")) for r in read_parquet(p)]
    return out, records


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_every_completion_of_an_id_is_graded_as_a_sample(built, tmp_path):
    out, records = built
    # the repro: a right answer, then a wrong one, for every id (the last one used to win)
    rows = [{"id": r["id"], "completion": c} for r in records for c in (f"#### {r['answer']}", "#### 999999")]
    report = score_file(out, write(tmp_path / "c.jsonl", rows))
    assert report.scored == len(records) and report.samples == 2 * len(records)
    assert report.mean == pytest.approx(0.5)
    assert report.pass_at(1) == pytest.approx(0.5) and report.pass_at(2) == pytest.approx(1.0)
    result = run("score", str(out), "-c", str(tmp_path / "c.jsonl"))
    assert result.exit_code == 0, result.output
    assert f"{2 * len(records)} completions scored as samples of {len(records)} records (2 each)" in result.output
    assert "mean 0.5000" in result.output and "pass@1 0.5000, pass@2 1.0000" in result.output


def test_pass_at_k_is_the_unbiased_estimate():
    from dsgen.inspect import ScoreReport

    report = ScoreReport(passes=[(4, 1), (4, 0), (4, 4)])
    assert report.ks() == [1, 2, 4]
    assert report.pass_at(1) == pytest.approx((0.25 + 0 + 1) / 3)
    assert report.pass_at(2) == pytest.approx((0.5 + 0 + 1) / 3)  # 1 - C(3,2)/C(4,2) = 0.5
    with pytest.raises(ValueError, match="at least 5 samples"):
        report.pass_at(5)
    assert ScoreReport(passes=[(3, 1), (5, 5)]).ks() == [1, 2, 3]


def test_unknown_ids_and_unreadable_rows_are_counted(built, tmp_path):
    out, records = built
    rows = [{"id": records[0]["id"], "completion": f"#### {records[0]['answer']}"}, {"id": "nope", "completion": "1"}]
    result = run("score", str(out), "-c", str(write(tmp_path / "c.jsonl", rows)))
    assert result.exit_code == 0, result.output
    assert "1 completion scored, mean 1.0000" in result.output
    assert "1 completion named an id that no record" in result.output
    assert f"{len(records) - 1} records had no completion" in result.output


def test_levels_are_listed_easiest_first_not_alphabetically():
    from dsgen.inspect import ScoreReport

    report = ScoreReport(by_level={"hard": [0.1], "medium": [0.5], "easy": [0.9]},
                         level_difficulty={"hard": [0.9], "medium": [0.5], "easy": [0.1]})
    assert report.levels() == ["easy", "medium", "hard"]
