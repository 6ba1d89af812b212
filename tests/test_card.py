"""The dataset card: front matter that `datasets` and the Hub read, a body that explains the build, figures."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import write_recipe
from dsgen.cli.main import main

import dsgen
from dsgen import card
from dsgen.card import BINS, SplitStats, bin_counts, features_yaml, histogram_png
from dsgen.records import arrow_schema

RECIPE = """\
name: toy
seed: 7
description: Sums for testing the card.
datasets:
  sums:
    builder: toy.add
    count: 900
    params: {max_value: 500}
    splits:
      fractions: {train: 0.8, test: 0.2}
    filters: [{filter: toy.drop_odd}]
  small:
    builder: toy.add
    count: 200
    params: {max_value: 50, skip_every: 10}
    splits:
      by: level
      levels: {train: [easy], test: [hard]}
output:
  shard_size: 300
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("card")
    dsgen.build(write_recipe(folder / "r.yaml", RECIPE), out=folder / "out", workers=1)
    return folder


def split_card(folder: Path) -> tuple[dict, str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, "the card starts with YAML front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def test_a_rebuild_gives_a_byte_identical_card_and_figures(build):
    out = build / "out"
    dsgen.build(build / "r.yaml", out=build / "again", workers=2)
    for rel in ("README.md", "figures/sums-difficulty.png", "figures/small-difficulty.png"):
        assert (out / rel).read_bytes() == (build / "again" / rel).read_bytes(), rel
    png = (out / "figures/sums-difficulty.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"Software" not in png and b"tIME" not in png


def test_front_matter_declares_configs_info_and_metadata(build):
    meta, _ = split_card(build / "out")
    manifest = json.loads((build / "out" / "manifest.json").read_text())
    assert [c["config_name"] for c in meta["configs"]] == ["sums", "small"]
    assert meta["configs"][0]["default"] is True and "default" not in meta["configs"][1]
    assert {"split": "train", "path": "data/sums/train-*.parquet"} in meta["configs"][0]["data_files"]
    import datasets

    expected = datasets.Features.from_arrow_schema(arrow_schema())._to_yaml_list()
    assert features_yaml(arrow_schema()) == expected
    for info in meta["dataset_info"]:
        assert info["features"] == expected
        counts = manifest["configs"][info["config_name"]]["splits"]
        assert {s["name"]: s["num_examples"] for s in info["splits"]} == {k: v for k, v in counts.items() if v}
        assert info["download_size"] == sum(
            (build / "out" / rel).stat().st_size for rel in manifest["configs"][info["config_name"]]["files"]
        )
        assert info["dataset_size"] == sum(s["num_bytes"] for s in info["splits"]) > 0
    assert meta["license"] == "unknown" and meta["language"] == ["en"]
    assert meta["task_categories"] == ["question-answering", "text-generation"]
    assert meta["tags"][:3] == ["dsgen", "synthetic", "verifiable-rewards"] and "toy" in meta["tags"]
    assert meta["size_categories"] == ["n<1K"] and meta["pretty_name"] == "toy"


def test_datasets_loads_the_same_features_and_rows_with_and_without_dataset_info(build):
    import datasets

    plain = build / "plain"
    shutil.copytree(build / "out", plain, dirs_exist_ok=True)
    meta, body = split_card(plain)
    del meta["dataset_info"]
    (plain / "README.md").write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n{body}")
    for config in ("sums", "small"):
        mine = datasets.load_dataset(str(build / "out"), config, cache_dir=str(build / "cache1"))
        inferred = datasets.load_dataset(str(plain), config, cache_dir=str(build / "cache2"))
        assert set(mine) == set(inferred)
        for split in mine:
            assert mine[split].features == inferred[split].features
            assert mine[split].to_list() == inferred[split].to_list()

    # the split sizes in dataset_info are checked when loading: a wrong count would break users' loads
    broken = build / "broken"
    shutil.copytree(build / "out", broken, dirs_exist_ok=True)
    meta, body = split_card(broken)
    meta["dataset_info"][0]["splits"][0]["num_examples"] += 1
    (broken / "README.md").write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n{body}")
    with pytest.raises(Exception, match="(?i)split"):
        datasets.load_dataset(str(broken), "sums", cache_dir=str(build / "cache3"))


def test_body_explains_how_the_data_was_made(build):
    _, body = split_card(build / "out")
    manifest = json.loads((build / "out" / "manifest.json").read_text())
    assert f"dsgen version: {manifest['dsgen_version']}" in body
    assert f"content hash `{manifest['recipe_hash']}`" in body and "- seed: 7;" in body
    assert "Sums for testing the card." in body
    # builder parameters with their defaults filled in, filters and their drop counts by reason
    assert "max_value: 500\nskip_every: 0\nbreak_at: -1" in body
    assert "- `toy.drop_odd` (this config)" in body
    drops = manifest["configs"]["sums"]["rejects"]["toy.drop_odd: odd answer"]
    assert f"| toy.drop_odd: odd answer | {drops} |" in body
    assert f"| builder: every n-th | {manifest['configs']['small']['rejects']['builder: every n-th']} |" in body
    # per-config and per-split counts, level tables (easiest level first), the histogram
    for config, info in manifest["configs"].items():
        for split, n in info["splits"].items():
            assert f"| {config} | `toy.add` | {split} | {n} |" in body
            assert re.search(rf"\| {split} \| {n} \| 0\.\d{{3}} \|", body)
        assert f"![difficulty histogram of {config}](figures/{config}-difficulty.png)" in body
    small = body[body.index("### `small`"):body.index("## Recipe")]
    counts = manifest["configs"]["small"]["splits"]
    assert "| level | train | test | total |" in small  # the recipe's split order
    easy, hard = f"| easy | {counts['train']} | 0 | {counts['train']} |", f"| hard | 0 | {counts['test']} |"
    assert small.index(easy) < small.index(hard)
    assert "Splits: by level: train = easy; test = hard." in small
    # the full recipe
    recipe_block = body[body.index("## Recipe"):]
    assert yaml.safe_load(recipe_block.split("```yaml\n", 1)[1].split("```", 1)[0])["datasets"]["small"]["params"] == {
        "max_value": 50, "skip_every": 10}


def test_figures_follow_the_data_and_stale_ones_are_removed(build, tmp_path):
    out = tmp_path / "o"
    dsgen.build(build / "r.yaml", out=out, workers=1)
    first = (out / "figures/sums-difficulty.png").read_bytes()
    assert first != (out / "figures/small-difficulty.png").read_bytes()
    recipe = dsgen.load_recipe(build / "r.yaml", overrides=["datasets.sums.params.max_value=40"])
    recipe.datasets.pop("small")
    dsgen.build(recipe, out=out, workers=1)
    assert (out / "figures/sums-difficulty.png").read_bytes() != first
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["sums-difficulty.png"]
    assert "small" not in (out / "README.md").read_text()


def test_bins_split_difficulty_into_twentieths_with_one_in_the_last():
    stats = SplitStats(difficulties=[0.0, 0.049, 0.05, 0.5, 0.999, 1.0])
    counts = bin_counts({"train": stats, "test": SplitStats()})
    assert list(counts) == ["train"]  # an empty split draws nothing
    assert counts["train"][0] == 2 and counts["train"][1] == 1 and counts["train"][10] == 1
    assert counts["train"][BINS - 1] == 2 and sum(counts["train"]) == 6


def _pixel(png: bytes, difficulty: float, height: float) -> tuple[int, int, int]:
    """The colour at ``difficulty`` on the x axis, ``height`` (0 to 1) of the way up the plot box."""
    from PIL import Image

    left, top, right, bottom = card._BOX
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.getpixel((round(left + difficulty * (right - left)), round(bottom - height * (bottom - top))))


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def test_the_histogram_stacks_splits_in_their_bins():
    # train: 40 records in bin 2; test: 40 in bin 2 on top of them and 80 alone in bin 15
    per_split = {"train": SplitStats(difficulties=[0.12] * 40), "test": SplitStats(difficulties=[0.12] * 40 + [0.77] * 80)}
    png = histogram_png("x", per_split)
    train, test, white = _rgb(card.SPLIT_COLORS[0]), _rgb(card.SPLIT_COLORS[1]), (255, 255, 255)
    # the y axis reaches 80 * 1.05: bin 2 is train up to 40, test from 40 to 80; bin 15 is test up to 80
    assert _pixel(png, 0.125, 0.2) == train and _pixel(png, 0.125, 0.7) == test
    assert _pixel(png, 0.775, 0.2) == test and _pixel(png, 0.775, 0.7) == test
    assert _pixel(png, 0.775, 0.99) == white and _pixel(png, 0.125, 0.99) == white
    assert _pixel(png, 0.525, 0.1) == white  # no records at 0.5
    assert png == histogram_png("x", per_split)
    assert png != histogram_png("y", per_split)  # the title names the config


def test_bars_too_small_to_draw_are_left_out():
    # one record in bin 0 beside 10,000 in bin 19 is a fraction of a pixel tall; 0 records draw nothing
    per_split = {"train": SplitStats(difficulties=[0.01] + [0.99] * 10_000), "test": SplitStats(difficulties=[0.99])}
    png = histogram_png("x", per_split)
    assert _pixel(png, 0.025, 0.0) == (0, 0, 0)  # the axis line, no bar above it
    assert _pixel(png, 0.025, 0.05) == (255, 255, 255)
    assert _pixel(png, 0.975, 0.5) == _rgb(card.SPLIT_COLORS[0])


def test_tick_steps_and_labels_stay_short():
    assert [card._y_step(n) for n in (1, 7, 8, 126, 1000, 10**6)] == [1, 1, 2, 20, 200, 200_000]
    assert [card._tick_label(n) for n in (950, 9_999, 12_000, 1_500_000)] == ["950", "9999", "12k", "1.5M"]


def test_splits_follow_the_recipe_and_the_front_matter_has_no_anchors(build):
    text = (build / "out" / "README.md").read_text(encoding="utf-8")
    meta, body = split_card(build / "out")
    assert "&id" not in text and "*id" not in text  # the features are written out for each config
    for config in meta["configs"]:
        assert [f["split"] for f in config["data_files"]] == ["train", "test"]  # recipe order, not a-z
    for info in meta["dataset_info"]:
        assert [s["name"] for s in info["splits"]] == ["train", "test"]
    table = re.findall(r"^\| (sums|small) \| `toy.add` \| (\w+) \|", body, re.M)
    assert table == [("sums", "train"), ("sums", "test"), ("small", "train"), ("small", "test")]


def test_an_unknown_license_warns_at_build_time(tmp_path):
    small = RECIPE.replace("count: 900", "count: 30")
    result = dsgen.build(write_recipe(tmp_path / "r.yaml", small), out=tmp_path / "o", workers=1)
    assert any("license: unknown; set hub.license" in w for w in result.warnings)
    licensed = dsgen.build(write_recipe(tmp_path / "l.yaml", small + "hub: {license: cc-by-4.0}\n"),
                           out=tmp_path / "l", workers=1)
    assert not any("license" in w for w in licensed.warnings)
    cli = CliRunner().invoke(main, ["build", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "c"), "-w", "1"])
    assert cli.exit_code == 0 and "warning: the dataset card says license: unknown" in cli.output


def test_the_usage_snippet_names_the_repo_it_is_pushed_to(build):
    text = (build / "out" / "README.md").read_text(encoding="utf-8")
    assert 'ds = load_dataset("path/to/this/folder", \'sums\')' in text
    pushed = card.for_repo(text, "alice/sums")
    assert 'ds = load_dataset("alice/sums", \'sums\')' in pushed
    assert pushed.replace('"alice/sums"', '"path/to/this/folder"') == text  # nothing else changes
    assert card.for_repo(pushed, "bob/other").count('load_dataset("bob/other"') == 1


def test_level_thresholds_are_marked_where_levels_do_not_overlap():
    def stats(ranges):
        st = SplitStats()
        for level, (low, high) in ranges.items():
            st.difficulties += [low, high]
            st.levels[level] += 2
            st.level_sums[level] += low + high
            st.level_ranges[level] = (low, high)
        return st

    apart = {"train": stats({"easy": (0.1, 0.3), "hard": (0.7, 0.9)}), "test": stats({"medium": (0.4, 0.6)})}
    assert card.level_thresholds(apart) == [("medium", 0.4), ("hard", 0.7)]
    overlapping = {"train": stats({"easy": (0.1, 0.5), "hard": (0.4, 0.9)})}
    assert card.level_thresholds(overlapping) == []
    unmarked = {name: SplitStats(st.difficulties, st.levels, st.level_sums) for name, st in apart.items()}
    assert card.level_thresholds(unmarked) == []
    assert histogram_png("x", apart) != histogram_png("x", unmarked)  # the dashed lines and their labels
    assert "no threshold is marked" in card._figure_caption(overlapping)


def test_the_card_says_bars_are_stacked_and_where_levels_start(build):
    _, body = split_card(build / "out")
    assert "the splits' bars stacked on each other" in body
    assert re.search(r"Dashed lines mark where each level starts in these records: `hard` from 0\.\d{3}\.", body)
