"""Split rules: random fractions, levels, difficulty thresholds, quantiles, bins and curriculum order."""

from __future__ import annotations

import pyarrow.parquet as pq
from test_build import tree

import dsgen
from dsgen.pipeline import assign_split, unassigned_reason
from dsgen.recipe import Splits, load_recipe


def split_rows(out, config: str) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for path in sorted((out / "data" / config).glob("*.parquet")):
        result.setdefault(path.name.split("-")[0], []).extend(pq.read_table(path).to_pylist())
    return result


def build(toy_recipe, tmp_path, splits: str, name="o", workers=2, shard=400):
    recipe = load_recipe(toy_recipe, overrides=[f"datasets.sums.splits={splits}", f"output.shard_size={shard}"])
    dsgen.build(recipe, out=tmp_path / name, workers=workers)
    return split_rows(tmp_path / name, "sums")


def test_quantile_splits_have_exact_sizes_and_ordered_difficulty(toy_recipe, tmp_path):
    rows = build(toy_recipe, tmp_path, "{by: quantile, fractions: {easy: 0.3, medium: 0.5, hard: 0.2}}")
    assert {k: len(v) for k, v in rows.items()} == {"easy": 750, "medium": 1250, "hard": 500}
    assert max(r["difficulty"] for r in rows["easy"]) <= min(r["difficulty"] for r in rows["medium"])
    assert max(r["difficulty"] for r in rows["medium"]) <= min(r["difficulty"] for r in rows["hard"])
    # default order keeps index order inside a split
    indices = [r["provenance"]["index"] for r in rows["easy"]]
    assert indices == sorted(indices)


def test_bins_and_curriculum_order_are_worker_independent(toy_recipe, tmp_path):
    spec = "{by: bins, bins: 4, order: difficulty}"
    rows = build(toy_recipe, tmp_path, spec, name="a", workers=1, shard=300)
    build(toy_recipe, tmp_path, spec, name="b", workers=2, shard=300)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert sorted(rows) == ["bin_0", "bin_1", "bin_2", "bin_3"] and all(len(v) == 625 for v in rows.values())
    for records in rows.values():
        keys = [(r["difficulty"], r["id"]) for r in records]
        assert keys == sorted(keys)  # easiest first, across shard boundaries
    assert len(list((tmp_path / "a" / "data" / "sums").glob("bin_0-*.parquet"))) == 3  # 625 rows / 300


def test_a_split_with_every_share_is_taken_without_hashing_ids(toy_recipe, tmp_path):
    rows = build(toy_recipe, tmp_path, "{fractions: {test: 0.0, train: 1.0, dev: 0.0}}")
    assert {k: len(v) for k, v in rows.items()} == {"train": 2500}
    splits = dsgen.Recipe.model_validate(
        {"name": "x", "datasets": {"a": {"builder": "toy.add", "count": 1,
                                         "splits": {"fractions": {"test": 0.0, "train": 1.0}}}}}
    ).datasets["a"].splits
    assert splits.only == "train"  # the shortcut gives what the hash would
    assert {assign_split(splits, {"id": f"{i:016x}"}) for i in range(2000)} == {"train"}
    for spec in ({"fractions": {"train": 0.5, "test": 0.5}}, {"by": "level", "levels": {"train": ["easy"]}}):
        assert Splits.model_validate(spec).only is None


def test_difficulty_thresholds(toy_recipe, tmp_path):
    rows = build(toy_recipe, tmp_path, "{by: difficulty, thresholds: {easy: 0.25, hard: 1.0}}")
    assert all(r["difficulty"] <= 0.25 for r in rows["easy"]) and all(r["difficulty"] > 0.25 for r in rows["hard"])
    assert len(rows["easy"]) + len(rows["hard"]) == 2500


def test_split_rule_is_described_for_the_card():
    recipe = dsgen.Recipe.model_validate(
        {"name": "x", "datasets": {"a": {"builder": "toy.add", "count": 1,
                                         "splits": {"by": "quantile", "fractions": {"easy": 0.5, "hard": 0.5}}}}}
    )
    assert recipe.datasets["a"].splits.describe() == "by difficulty quantile (easiest first): easy 0.5, hard 0.5"


def test_fraction_splits_keep_groups_whole_and_drop_straddling_paths():
    splits = Splits.model_validate({"fractions": {"train": 0.5, "test": 0.5}})
    twins = [
        {"id": f"{2 * g + t:016x}", "metadata": {"group_id": f"{g:016x}"}} for g in range(300) for t in (0, 1)
    ]
    by_group: dict[str, set] = {}
    for record in twins:
        by_group.setdefault(record["metadata"]["group_id"], set()).add(assign_split(splits, record))
    assert all(len(names) == 1 for names in by_group.values())
    assert {n for names in by_group.values() for n in names} == {"train", "test"}
    # a metadata column still JSON-encoded (the staged path) is read too
    encoded = {"id": "0" * 16, "metadata": '{"group_id": "%s"}' % twins[0]["metadata"]["group_id"]}
    assert assign_split(splits, encoded) == assign_split(splits, twins[0])
    # split keys: one split only if every key lands there, so no entity is shared across splits
    paths = [{"id": "0" * 16, "metadata": {"split_keys": [f"e{i}", f"e{i + 1}", f"e{i + 2}"]}} for i in range(400)]
    seen: dict[str, set] = {"train": set(), "test": set()}
    dropped = 0
    for record in paths:
        split = assign_split(splits, record)
        if split is None:
            dropped += 1
            assert "different splits" in unassigned_reason(splits, record)
        else:
            seen[split].update(record["metadata"]["split_keys"])
    assert seen["train"] and seen["test"] and not seen["train"] & seen["test"] and 0 < dropped < 400
