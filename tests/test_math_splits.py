"""``by: template`` splits hold out whole math scenarios (GSM-Symbolic style out-of-distribution evaluation)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from dsgen.builders.math import ComposedProblems, TemplateProblems

import dsgen
from dsgen.pipeline import assign_split, unassigned_reason
from dsgen.recipe import Splits
from dsgen.records import RecordMaker

HELD_OUT = Splits.model_validate({"by": "template", "fractions": {"train": 0.8, "test": 0.2}})


def _records(builder, n: int) -> list[dict]:
    maker = RecordMaker("d", "math", builder, seed=4)
    maker.setup()
    return [maker.make(i) for i in range(n)]


def test_every_scenario_lands_in_one_split_and_both_splits_get_some():
    for builder in (TemplateProblems(), ComposedProblems()):
        where: dict[str, set[str]] = {}
        for record in _records(builder, 1500):
            where.setdefault(record["metadata"]["scenario"], set()).add(assign_split(HELD_OUT, record))
        assert all(len(splits) == 1 for splits in where.values())
        held_out = [name for name, splits in where.items() if splits == {"test"}]
        assert 0 < len(held_out) < len(where)
    # about a fifth of the 101 scenarios are held out
    assert 8 <= sum(assign_split(HELD_OUT, {"id": "x", "metadata": {"scenario": name}}) == "test"
                    for name in dsgen.builders.math.scenario_names()) <= 35


def test_metadata_as_json_and_records_without_a_scenario():
    record = _records(TemplateProblems(), 1)[0]
    as_json = {**record, "metadata": json.dumps(record["metadata"])}
    assert assign_split(HELD_OUT, as_json) == assign_split(HELD_OUT, record)
    bare = {"id": "abc", "metadata": {}}
    assert assign_split(HELD_OUT, bare) is None
    assert "no metadata.scenario" in unassigned_reason(HELD_OUT, bare)
    assert HELD_OUT.describe() == "held-out templates, by a hash of metadata.scenario: train 0.8, test 0.2"


def test_a_build_with_a_template_split_holds_out_whole_scenarios(tmp_path):
    recipe = dsgen.Recipe.model_validate({
        "name": "ood", "seed": 3,
        "datasets": {"tpl": {"builder": "math.template", "count": 600,
                             "splits": {"by": "template", "fractions": {"train": 0.7, "test": 0.3}}}},
    })
    dsgen.build(recipe, out=tmp_path / "o", workers=1)
    scenarios = {}
    for path in (tmp_path / "o" / "data" / "tpl").glob("*.parquet"):
        split = path.name.split("-")[0]
        for row in pq.read_table(path).to_pylist():
            scenarios.setdefault(split, set()).add(json.loads(row["metadata"])["scenario"])
    assert set(scenarios) == {"train", "test"} and not scenarios["train"] & scenarios["test"]
