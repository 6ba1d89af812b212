"""Recipe parsing: every kind of bad input gets a located, explained error; overrides work."""

from __future__ import annotations

import pytest
from conftest import write_recipe

from dsgen.errors import DsgenError
from dsgen.recipe import default_recipe, load_recipe

GOOD = """\
name: r
seed: 3
datasets:
  sums:
    builder: toy.add
    count: 10
"""


def error_of(tmp_path, text: str, **kwargs) -> str:
    with pytest.raises(DsgenError) as info:
        load_recipe(write_recipe(tmp_path / "r.yaml", text), **kwargs)
    return str(info.value)


def test_good_recipe_has_typed_defaults(tmp_path):
    recipe = load_recipe(write_recipe(tmp_path / "r.yaml", GOOD))
    assert recipe.seed == 3 and recipe.datasets["sums"].count == 10
    assert recipe.datasets["sums"].splits.fractions == {"train": 1.0}
    assert recipe.output.shard_size == 10_000


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    message = error_of(tmp_path, "name: r\ndatasets:\n  sums: {builder: toy.add, count: 3\n")
    assert "r.yaml:4:1" in message and "YAML syntax error" in message


def test_unknown_key_suggests_the_closest_and_names_its_line(tmp_path):
    message = error_of(tmp_path, GOOD + "    cont: 5\n")
    assert "r.yaml:7" in message
    assert "unknown key 'datasets.sums.cont'" in message and "did you mean 'count'" in message


def test_wrong_type_names_key_path_and_expectation(tmp_path):
    message = error_of(tmp_path, GOOD.replace("count: 10", "count: many"))
    assert "datasets.sums.count" in message and "integer" in message and "'many'" in message


def test_missing_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("    count: 10\n", ""))
    assert "missing required key 'datasets.sums.count'" in message


def test_unknown_builder_suggests_closest(tmp_path):
    message = error_of(tmp_path, GOOD.replace("toy.add", "toy.ad"))
    assert "unknown builder 'toy.ad'" in message and "did you mean 'toy.add'" in message and "r.yaml:5" in message


def test_builder_param_errors_name_the_param_path(tmp_path):
    message = error_of(tmp_path, GOOD + "    params: {max_value: 1}\n")
    assert "datasets.sums.params.max_value" in message and "greater than or equal to 2" in message
    message = error_of(tmp_path, GOOD + "    params: {max_valu: 10}\n")
    assert "datasets.sums.params.max_valu" in message and "did you mean 'max_value'" in message


def test_split_fractions_must_sum_to_one(tmp_path):
    message = error_of(tmp_path, GOOD + "    splits: {fractions: {train: 0.5, test: 0.4}}\n")
    assert "datasets.sums.splits" in message and "sum to 1" in message


def test_level_in_two_splits_is_an_error(tmp_path):
    text = GOOD + "    splits: {by: level, levels: {train: [easy], test: [easy, hard]}}\n"
    assert "level 'easy' is in both splits" in error_of(tmp_path, text)


def test_builder_used_as_wrapper_is_an_error(tmp_path):
    text = GOOD + "    wrappers: [{builder: toy.add}]\n"
    assert "'toy.add' is a builder, not a wrapper" in error_of(tmp_path, text)


def test_unknown_filter_suggests(tmp_path):
    text = GOOD + "    filters: [{filter: toy.drop_od}]\n"
    assert "did you mean 'toy.drop_odd'" in error_of(tmp_path, text)


def test_not_a_mapping_and_missing_file(tmp_path):
    assert "a recipe is a YAML mapping" in error_of(tmp_path, "- a\n- b\n")
    with pytest.raises(DsgenError, match="does not exist"):
        load_recipe(tmp_path / "nope.yaml")


def test_overrides_set_nested_values_as_yaml(tmp_path):
    path = write_recipe(tmp_path / "r.yaml", GOOD + "    wrappers: []\n")
    recipe = load_recipe(
        path,
        overrides=["datasets.sums.count=42", "datasets.sums.params.max_value=9", "output.rejects=true"],
        seed=11,
        out="elsewhere",
    )
    assert recipe.datasets["sums"].count == 42 and recipe.datasets["sums"].params == {"max_value": 9}
    assert recipe.output.rejects is True and recipe.seed == 11 and recipe.output.dir == "elsewhere"


def test_bad_overrides(tmp_path):
    path = write_recipe(tmp_path / "r.yaml", GOOD)
    with pytest.raises(DsgenError, match="expected path.to.key=value"):
        load_recipe(path, overrides=["datasets.sums.count"])
    with pytest.raises(DsgenError, match="unknown key 'datasets.sums.colour'"):
        load_recipe(path, overrides=["datasets.sums.colour=red"])
    with pytest.raises(DsgenError, match="'name' is a str, not a mapping"):
        load_recipe(path, overrides=["name.x=1"])


def test_recipe_hash_ignores_output_dir_but_not_content(tmp_path):
    path = write_recipe(tmp_path / "r.yaml", GOOD)
    a, b = load_recipe(path, out="a"), load_recipe(path, out="b")
    assert a.content_hash() == b.content_hash()
    assert load_recipe(path, seed=4).content_hash() != a.content_hash()


def test_default_recipe_is_valid():
    recipe = default_recipe()
    assert recipe.datasets and all(ds.count <= 5000 for ds in recipe.datasets.values())


def test_suggestions_come_from_edit_distance_not_substrings():
    from dsgen.errors import did_you_mean

    assert did_you_mean("questoin", ["question", "n"]) == " (did you mean 'question'?)"
    assert did_you_mean("zzz", ["count", "builder"]) == ""
