"""Per-dataset system message and answer-format instruction in the recipe, and in the card."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import dsgen
from dsgen.records import framed

SYSTEM = "You are a careful math tutor."
FORMAT = "Put the final answer after ####."


def test_framed_puts_the_system_first_and_the_format_last():
    prompt = [{"role": "user", "content": "2+2?"}]
    assert framed(prompt, SYSTEM, FORMAT) == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"2+2?\n\n{FORMAT}"},
    ]
    assert prompt == [{"role": "user", "content": "2+2?"}]  # not changed in place
    own = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
           {"role": "user", "content": "q2"}]
    out = framed(own, SYSTEM, FORMAT)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert out[0]["content"] == f"{SYSTEM}\n\nBe brief." and out[1]["content"] == "q" and out[3]["content"] == f"q2\n\n{FORMAT}"
    assert framed(own, None, None) == own
    with pytest.raises(ValueError, match="needs a user turn"):
        framed([{"role": "system", "content": "s"}], None, FORMAT)


def test_recipe_system_and_answer_format_reach_records_and_card(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"""name: framed
seed: 1
datasets:
  tutor:
    builder: math.template
    count: 6
    system: "{SYSTEM}"
    answer_format: "{FORMAT}"
  plain:
    builder: math.template
    count: 6
output: {{dir: {tmp_path / 'out'}}}
"""
    )
    dsgen.build(recipe, workers=1)
    rows = pq.read_table(tmp_path / "out" / "data" / "tutor" / "train-00000.parquet").to_pylist()
    plain = dsgen.sample("math.template", {}, count=6, seed=1, dataset="tutor")  # the same records, unframed
    assert len(rows) == 6
    for row, other in zip(rows, plain, strict=True):
        assert row["prompt"][0] == {"role": "system", "content": SYSTEM}
        assert row["prompt"][1]["content"] == other["prompt"][0]["content"] + "\n\n" + FORMAT
        assert row["id"] == other["id"] and row["answer"] == other["answer"]
        assert dsgen.score(row, f"#### {row['answer']}") == 1.0
    assert dsgen.validate_path(tmp_path / "out").ok
    card = (tmp_path / "out" / "README.md").read_text()
    assert f"System message, first in every prompt:\n\n> {SYSTEM}" in card
    assert f"closing the user turn of every prompt:\n\n> {FORMAT}" in card
