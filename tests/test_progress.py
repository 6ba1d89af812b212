"""What a build tells the user while it runs: stages, rates and ETA that ignore reused units, plurals,
and tables in recipe order."""

from __future__ import annotations

import io

from rich.console import Console

import dsgen
from dsgen.errors import plural
from dsgen.recipe import load_recipe
from dsgen.report import BuildProgress, summary


def log_of(recipe, **options) -> tuple[str, object]:
    buffer = io.StringIO()
    progress = BuildProgress(recipe, Console(file=buffer, force_terminal=False, width=200), interval=0)
    with progress:
        result = dsgen.build(recipe, progress=progress, stage=progress.stage, **options)
    return buffer.getvalue(), result


def test_resume_and_finishing_stages_are_printed(toy_recipe, tmp_path):
    recipe = load_recipe(toy_recipe, overrides=["filters=[{filter: toy.first_answer}]", "datasets.sums.count=900"])
    out = tmp_path / "o"
    log, _ = log_of(recipe, out=out, workers=1)
    assert "dsgen: building" in log and "finishing: filter 'toy.first_answer' over sums, small (pass 1 of 1)" in log
    assert "dsgen: writing the manifest and the dataset card" in log
    log, result = log_of(recipe, out=out, workers=1, resume=True)
    assert log.index("checking the 4 units of the earlier build") < log.index("dsgen: building")
    assert result.reused_units == 4


def test_the_eta_ignores_reused_units():
    recipe = load_recipe_text()
    buffer = io.StringIO()
    progress = BuildProgress(recipe, Console(file=buffer, force_terminal=False, width=200), interval=0)
    progress.stage("checking the 10 units of the earlier build")
    for _ in range(5):
        progress("d", 100)  # reused: found complete at once, not work to time
    progress.stage("building")
    progress.base_time -= 10.0  # the first unit built takes 10 s
    progress("d", 100)
    line = buffer.getvalue().splitlines()[-1]
    # 100 records in 10 s, 400 left: 40 s (counting the reused 500 as made in those 10 s would say 7 s)
    assert "600/1,000 records (60%)" in line and " 10 rec/s" in line and "ETA 40s" in line


def load_recipe_text():
    from dsgen.recipe import Recipe

    return Recipe.model_validate({"name": "p", "datasets": {"d": {"builder": "toy.add", "count": 1000}},
                                  "output": {"shard_size": 100}})


def test_counts_read_in_the_singular_and_tables_follow_the_recipe(toy_recipe, tmp_path):
    assert plural(1, "unit") == "1 unit" and plural(2, "unit") == "2 units" and plural(1000, "record") == "1,000 records"
    recipe = load_recipe(toy_recipe, overrides=["datasets.sums.count=100", "datasets.small.count=10",
                                                "output.shard_size=1000"])
    result = dsgen.build(recipe, out=tmp_path / "o", workers=1)
    text = io.StringIO()
    Console(file=text, width=200).print(summary(result))
    table = text.getvalue()
    assert table.index("│ train") < table.index("│ test ")  # recipe order (train, test), not alphabetical
    assert "2 units" in table
