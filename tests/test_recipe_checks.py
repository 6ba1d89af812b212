"""Recipe mistakes that used to drop records silently are errors naming the key and what is valid."""

from __future__ import annotations

import pytest
from conftest import write_recipe

from dsgen.errors import DsgenError
from dsgen.recipe import load_recipe, record_levels


def test_a_typo_in_a_split_level_list_names_the_level_and_the_valid_ones(tmp_path):
    path = write_recipe(tmp_path / "r.yaml", """\
name: x
datasets:
  m:
    builder: math.compose
    count: 10
    splits:
      by: level
      levels: {train: [easy, medum], test: [hard]}
""")
    with pytest.raises(DsgenError) as info:
        load_recipe(path)
    message = str(info.value)
    assert "r.yaml:8" in message and "split 'train' lists level 'medum'" in message
    assert "did you mean 'medium'" in message and "its levels: easy, medium, hard" in message


def test_levels_come_from_each_kinds_schema():
    assert record_levels("math") == ["easy", "medium", "hard"]
    assert record_levels("distraction") == ["easy", "medium", "hard"]
    assert record_levels("toy") is None  # a schema that does not say: nothing to check
