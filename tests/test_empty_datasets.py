"""A dataset that yields no records is an error unless the recipe allows it; card, validate and push
handle an allowed empty one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import dsgen
from cli.main import main
from dsgen.errors import DsgenError
from dsgen.hub import check_build
from dsgen.recipe import load_recipe


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_an_empty_dataset_is_an_error_naming_it_and_why(toy_recipe, tmp_path):
    recipe = load_recipe(toy_recipe, overrides=["datasets.small.params.skip_every=1"])
    with pytest.raises(DsgenError, match=r"dataset 'small' yielded no records: all 300 were dropped "
                                         r"\(builder: every n-th: 300\).*allow_empty: true"):
        dsgen.build(recipe, out=tmp_path / "o", workers=1)
    assert not (tmp_path / "o" / "manifest.json").exists()  # the failed build does not look complete
    result = run("build", str(toy_recipe), "-o", str(tmp_path / "c"), "-q", "--set", "datasets.small.params.skip_every=1")
    assert result.exit_code == 2 and "yielded no records" in result.output


def test_an_allowed_empty_dataset_stays_in_the_card_and_validates(toy_recipe, tmp_path):
    out = tmp_path / "o"
    recipe = load_recipe(toy_recipe, overrides=["datasets.small.params.skip_every=1", "datasets.small.allow_empty=true"])
    result = dsgen.build(recipe, out=out, workers=1)
    assert result.datasets["small"].written == 0 and result.datasets["sums"].written == 2500
    card = (out / "README.md").read_text()
    assert "| small | `toy.add` | (none: empty, as the recipe allows) | 0 |" in card
    assert run("validate", str(out)).exit_code == 0
    check_build(out)  # push accepts it


def test_a_build_whose_every_dataset_is_empty_validates_but_is_not_pushed(toy_recipe, tmp_path):
    out = tmp_path / "o"
    recipe = load_recipe(toy_recipe, overrides=[f"datasets.{n}.{k}" for n in ("sums", "small")
                                                for k in ("params.skip_every=1", "allow_empty=true")])
    dsgen.build(recipe, out=out, workers=1)
    result = run("validate", str(out))
    assert result.exit_code == 0 and "0 records in 0 files: all valid" in result.output
    with pytest.raises(DsgenError, match="no records in any config: nothing to publish"):
        check_build(out)


def test_an_empty_config_without_allow_empty_is_a_validation_problem(toy_recipe, tmp_path):
    out = tmp_path / "o"
    recipe = load_recipe(toy_recipe, overrides=["datasets.small.params.skip_every=1", "datasets.small.allow_empty=true"])
    dsgen.build(recipe, out=out, workers=1)
    (out / "recipe.yaml").write_text((out / "recipe.yaml").read_text().replace("allow_empty: true", "allow_empty: false"))
    result = run("validate", str(out))
    assert result.exit_code == 1 and "data/small: / (empty)" in result.output and "1 problem\n" in result.output


def test_an_empty_jsonl_is_not_all_valid(tmp_path):
    (tmp_path / "e.jsonl").write_text("")
    result = run("validate", str(tmp_path / "e.jsonl"))
    assert result.exit_code == 1 and "holds no records" in result.output
