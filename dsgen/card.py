"""The dataset card: ``README.md`` with the YAML front matter the Hub and ``datasets`` read, and a body
that explains how the data was made, plus one difficulty histogram per config under ``figures/``.

Everything in it derives from the recipe, the manifest and the written shards (read back for their
``difficulty`` and ``level`` columns only), so a rebuild gives the same card and figures byte for byte.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any

import yaml

from .recipe import Recipe
from .writer import atomic_write_bytes, atomic_write_text

FIGURES = "figures"
BINS = 20

# Card metadata the recipe's `hub:` section may set; these are the defaults when it does not.
# The licence is the user's call: dsgen does not pick one on their behalf, so the default says so.
CARD_DEFAULTS: dict[str, Any] = {
    "license": "unknown",
    "language": ["en"],
    "task_categories": ["question-answering", "text-generation"],
    "tags": [],
    "pretty_name": None,
}
BASE_TAGS = ["dsgen", "synthetic", "verifiable-rewards"]


def card_setting(recipe: Recipe, key: str) -> Any:
    """A card field from ``recipe.hub`` (``license``, ``language``, ...) or its default."""
    value = getattr(recipe.hub, key, None)
    return CARD_DEFAULTS[key] if value is None else value


def license_warning(recipe: Recipe) -> list[str]:
    """The build's warning when the card's licence is unknown (the user's call, never dsgen's)."""
    if card_setting(recipe, "license") != "unknown":
        return []
    return ["the dataset card says license: unknown; set hub.license in the recipe (e.g. cc-by-4.0, apache-2.0) "
            "before publishing"]


# --- what the shards say -------------------------------------------------------------------------


@dataclass
class SplitStats:
    """Difficulties and level counts of one split of one config, and its sizes."""

    difficulties: list[float] = field(default_factory=list)
    levels: Counter = field(default_factory=Counter)
    level_sums: Counter = field(default_factory=Counter)
    level_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # level -> (min, max)
    num_bytes: int = 0
    download_size: int = 0

    @property
    def count(self) -> int:
        return len(self.difficulties)


Stats = dict[str, dict[str, SplitStats]]  # config -> split -> stats


def split_of(rel: str) -> str:
    """The split of a shard path ``data/<config>/<split>-<unit>.parquet``."""
    return Path(rel).name.rsplit("-", 1)[0]


def read_stats(out: Path, manifest: dict[str, Any]) -> Stats:
    """{config: {split: stats}} from the shards the manifest lists (two columns and the Parquet metadata)."""
    import pyarrow.parquet as pq

    stats: dict[str, dict[str, SplitStats]] = {}
    for name, info in manifest["configs"].items():
        per_split: dict[str, SplitStats] = {}
        for rel in sorted(info["files"]):
            split = per_split.setdefault(split_of(rel), SplitStats())
            parquet = pq.ParquetFile(out / rel)
            meta = parquet.metadata
            split.num_bytes += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            split.download_size += (out / rel).stat().st_size
            columns = parquet.read(columns=["difficulty", "level"]).to_pydict()
            split.difficulties.extend(columns["difficulty"])
            split.levels.update(columns["level"])
            for difficulty, level in zip(columns["difficulty"], columns["level"]):
                split.level_sums[level] += difficulty
                low, high = split.level_ranges.get(level, (difficulty, difficulty))
                split.level_ranges[level] = (min(low, difficulty), max(high, difficulty))
        stats[name] = dict(sorted(per_split.items()))
    return stats


# --- front matter --------------------------------------------------------------------------------


def features_yaml(schema) -> list[dict[str, Any]]:
    """The ``dataset_info.features`` list of an Arrow schema, as ``datasets`` writes it."""
    return [_feature(f.name, f.type) for f in schema]


def _feature(name: str, arrow_type) -> dict[str, Any]:
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        return {"name": name, "struct": [_feature(f.name, f.type) for f in arrow_type]}
    if pa.types.is_list(arrow_type):
        inner = _feature(name, arrow_type.value_type)
        return {"name": name, "list": inner.get("struct", inner.get("dtype"))}
    dtypes = {pa.string(): "string", pa.float64(): "float64", pa.int64(): "int64", pa.bool_(): "bool"}
    if arrow_type not in dtypes:
        raise TypeError(f"column '{name}': no card dtype for Arrow type {arrow_type}")
    return {"name": name, "dtype": dtypes[arrow_type]}


def front_matter(recipe: Recipe, manifest: dict[str, Any], stats: Stats) -> dict[str, Any]:
    from .records import arrow_schema

    features = features_yaml(arrow_schema())
    configs, infos = [], []
    for name in manifest["configs"]:
        splits = [s for s, st in stats[name].items() if st.count > 0]  # the recipe's split order
        if not splits:
            continue
        config: dict[str, Any] = {"config_name": name}
        if not configs:
            config["default"] = True
        config["data_files"] = [{"split": s, "path": f"data/{name}/{s}-*.parquet"} for s in splits]
        configs.append(config)
        per_split = stats[name]
        infos.append(
            {
                "config_name": name,
                "features": features,
                "splits": [
                    {"name": s, "num_bytes": per_split[s].num_bytes, "num_examples": per_split[s].count}
                    for s in splits
                ],
                "download_size": sum(per_split[s].download_size for s in splits),
                "dataset_size": sum(per_split[s].num_bytes for s in splits),
            }
        )
    for name in manifest.get("extra_configs", {}):  # shipped beside the records: a corpus, say
        configs.append({"config_name": name, "data_files": [{"split": "train", "path": f"data/{name}/train-*.parquet"}]})
    total = sum(sum(c["splits"].values()) for c in manifest["configs"].values())
    kinds = sorted({_family(info["builder"]) for info in manifest["configs"].values()})
    tags = list(dict.fromkeys(BASE_TAGS + kinds + list(card_setting(recipe, "tags"))))
    return {
        "configs": configs,
        "dataset_info": infos,
        "license": card_setting(recipe, "license"),
        "language": list(card_setting(recipe, "language")),
        "task_categories": list(card_setting(recipe, "task_categories")),
        "tags": tags,
        "size_categories": [_size_category(total)],
        "pretty_name": card_setting(recipe, "pretty_name") or recipe.name,
    }


def _family(builder: str) -> str:
    """The family tag of a builder path: ``math.compose+distraction.inject`` → ``math``."""
    return builder.split("+", 1)[0].split(".", 1)[0].replace("_", "-")


def _size_category(n: int) -> str:
    limits = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
    for limit, label in limits:
        if n < limit:
            return label
    return "1M<n<10M" if n < 10_000_000 else "n>10M"


# --- the figure ----------------------------------------------------------------------------------


#: Split colours in split order: matplotlib's default cycle, so the figures look familiar.
SPLIT_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: Figure size and the plot box inside it (left, top, right, bottom), in pixels.
_SIZE, _BOX = (640, 320), (72, 32, 616, 268)


def bin_counts(per_split: dict[str, SplitStats]) -> dict[str, list[int]]:
    """Records per difficulty bin of each non-empty split: ``BINS`` bins [k/BINS, (k+1)/BINS), 1.0 in the last."""
    counts = {}
    for name, stats in per_split.items():
        if stats.count:
            row = counts[name] = [0] * BINS
            for difficulty in stats.difficulties:
                row[min(int(difficulty * BINS), BINS - 1)] += 1
    return counts


def _tick_label(value: int) -> str:
    """A count as a short tick label: 950, 12k, 1.5M."""
    if value >= 10**6:
        return f"{value / 10**6:g}M"
    return f"{value // 1000}k" if value >= 10**4 else str(value)


def _y_step(top: int) -> int:
    """A 1-2-5 tick step giving at most 7 ticks up to ``top``."""
    step = 1
    while top / step > 7:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def level_thresholds(per_split: dict[str, SplitStats]) -> list[tuple[str, float]]:
    """(level, lowest difficulty of its records) for each level after the easiest whose records all lie
    above the previous level's: the thresholds between levels as the data shows them (none where they overlap).
    """
    ranges: dict[str, tuple[float, float]] = {}
    for st in per_split.values():
        for level, (low, high) in st.level_ranges.items():
            old = ranges.get(level, (low, high))
            ranges[level] = (min(old[0], low), max(old[1], high))
    order = [level for level in _level_order(per_split) if level in ranges]
    return [
        (level, ranges[level][0])
        for previous, level in zip(order, order[1:])
        if ranges[previous][1] < ranges[level][0]
    ]


def histogram_png(config: str, per_split: dict[str, SplitStats]) -> bytes:
    """A stacked histogram of difficulty by split, as PNG bytes that are identical for identical input.

    Splits are stacked in each bin; a dashed line marks where each level starts (``level_thresholds``).

    Drawn with Pillow rather than matplotlib, which took about 1.1 s of every build to import and draw.
    """
    from PIL import Image, ImageDraw, ImageFont

    counts = bin_counts(per_split)
    colors = dict(zip(counts, cycle(SPLIT_COLORS)))
    font, title_font = ImageFont.load_default(size=12), ImageFont.load_default(size=14)
    image = Image.new("RGB", _SIZE, "white")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = _BOX
    y_max = max(1.0, max(map(sum, zip(*counts.values())), default=0) * 1.05)
    step = _y_step(int(y_max))

    def x_at(value: float) -> int:
        return round(left + value * (right - left))

    def y_at(value: float) -> int:
        return round(bottom - value / y_max * (bottom - top))

    for k in range(BINS):
        base = 0
        for name, row in counts.items():
            y_top, y_bottom = y_at(base + row[k]), y_at(base) - 1
            if y_bottom >= y_top:  # a bar under half a pixel tall is not drawn (as in matplotlib)
                draw.rectangle((x_at(k / BINS), y_top, x_at((k + 1) / BINS) - 1, y_bottom), fill=colors[name])
            base += row[k]
    draw.rectangle((left, top, right, bottom), outline="black")
    for level, at in level_thresholds(per_split):
        x = x_at(at)
        for y in range(top + 1, bottom, 8):
            draw.line((x, y, x, min(y + 4, bottom - 1)), fill="#555555")
        draw.text((x + 3, top + 4), level, font=font, fill="#555555", anchor="lt")
    for tick in range(0, 11, 2):
        x = x_at(tick / 10)
        draw.line((x, bottom, x, bottom + 4), fill="black")
        draw.text((x, bottom + 6), f"{tick / 10:.1f}", font=font, fill="black", anchor="mt")
    for value in range(0, int(y_max) + 1, step):
        y = y_at(value)
        draw.line((left - 4, y, left, y), fill="black")
        draw.text((left - 7, y), _tick_label(value), font=font, fill="black", anchor="rm")
    draw.text(((left + right) // 2, _SIZE[1] - 12), "difficulty", font=font, fill="black", anchor="md")
    draw.text(
        ((left + right) // 2, top - 8),
        f"{config}: difficulty by split (bars stacked)",
        font=title_font,
        fill="black",
        anchor="md",
    )
    label = Image.new("RGB", (80, 16), "white")
    ImageDraw.Draw(label).text((40, 8), "records", font=font, fill="black", anchor="mm")
    image.paste(label.rotate(90, expand=True), (16, (top + bottom) // 2 - 40))
    if counts:  # the legend, in the upper right corner of the plot
        width = 36 + max(font.getlength(name) for name in ["split", *counts])
        x0, y0 = right - 10 - width, top + 10
        draw.rectangle((x0, y0, right - 10, y0 + 26 + 18 * len(counts)), fill="white", outline="#cccccc")
        draw.text((x0 + width / 2, y0 + 6), "split", font=font, fill="black", anchor="mt")
        for i, name in enumerate(counts):
            y = y0 + 24 + 18 * i
            draw.rectangle((x0 + 8, y, x0 + 24, y + 10), fill=colors[name])
            draw.text((x0 + 30, y + 5), name, font=font, fill="black", anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def figure_path(config: str) -> str:
    return f"{FIGURES}/{config}-difficulty.png"


# --- the body ------------------------------------------------------------------------------------


def _builder_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """A builder's parameters with its defaults filled in (what the records were really made with)."""
    from . import registry

    return registry.load("builder", name).Params(**params).model_dump(mode="json")


def _yaml_block(value: Any) -> list[str]:
    text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False).rstrip()
    return ["```yaml", text, "```"]


def _num(x: float) -> str:
    return f"{x:.3f}"


def _config_section(
    recipe: Recipe, name: str, info: dict[str, Any], per_split: dict[str, SplitStats]
) -> list[str]:
    ds = recipe.datasets[name]
    lines = [f"### `{name}`", "", f"{info['requested']} records requested from `{info['builder']}`.", ""]
    lines += [f"Builder `{ds.builder}`, parameters (defaults filled in):", ""]
    lines += _yaml_block(_builder_params(ds.builder, ds.params) or {})
    for w in ds.wrappers:
        lines += ["", f"Wrapper `{w.builder}`, parameters:", ""]
        lines += _yaml_block(_builder_params(w.builder, w.params) or {})
    if ds.system:
        lines += ["", "System message, first in every prompt:", "", *_quoted(ds.system)]
    if ds.answer_format:
        lines += ["", "Answer-format instruction, closing the user turn of every prompt:", "", *_quoted(ds.answer_format)]
    filters = [(f, "build-wide") for f in recipe.filters] + [(f, "this config") for f in ds.filters]
    if filters:
        lines += ["", "Filters, in order:", ""]
        lines += [f"- `{f.filter}` ({scope}) {_inline(f.params)}".rstrip() for f, scope in filters]
    lines += ["", f"Splits: {ds.splits.describe()}."]
    lines += ["", "| split | records | difficulty mean | min | median | max |", "|---|" + "---:|" * 5]
    for split, st in per_split.items():
        d = st.difficulties
        if d:
            lines.append(
                f"| {split} | {st.count} | {_num(statistics.fmean(d))} | {_num(min(d))} | "
                f"{_num(statistics.median(d))} | {_num(max(d))} |"
            )
    levels = _level_order(per_split)
    if levels:
        splits = list(per_split)
        lines += ["", f"| level | {' | '.join(splits)} | total |", "|---|" + "---:|" * (len(splits) + 1)]
        for level in levels:
            counts = [per_split[s].levels[level] for s in splits]
            lines.append(f"| {level} | {' | '.join(map(str, counts))} | {sum(counts)} |")
    if info["rejects"]:
        lines += ["", "Dropped or rejected records, by reason:", "", "| reason | records |", "|---|---:|"]
        lines += [f"| {reason} | {n} |" for reason, n in info["rejects"].items()]
    if any(st.count for st in per_split.values()):
        lines += ["", f"![difficulty histogram of {name}]({figure_path(name)})", "", _figure_caption(per_split)]
    return lines + [""]


def _figure_caption(per_split: dict[str, SplitStats]) -> str:
    caption = f"Records per difficulty bin of width 1/{BINS}, the splits' bars stacked on each other."
    thresholds = level_thresholds(per_split)
    if thresholds:
        marks = ", ".join(f"`{level}` from {_num(at)}" for level, at in thresholds)
        return caption + f" Dashed lines mark where each level starts in these records: {marks}."
    if len(_level_order(per_split)) > 1:
        return caption + " The levels overlap in difficulty, so no threshold is marked."
    return caption


def _quoted(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.splitlines()]


def _inline(params: dict[str, Any]) -> str:
    return yaml.safe_dump(params, default_flow_style=True, sort_keys=False).strip() if params else ""


def _level_order(per_split: dict[str, SplitStats]) -> list[str]:
    """Levels from easiest to hardest by the mean difficulty of their records (ties by name)."""
    counts: Counter = Counter()
    sums: Counter = Counter()
    for st in per_split.values():
        counts.update(st.levels)
        sums.update(st.level_sums)
    return sorted(counts, key=lambda level: (sums[level] / counts[level], level))


class _NoAliases(yaml.SafeDumper):
    """Writes a value shared by several configs (the features) in full each time: no ``&id001`` anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


#: The usage line of the card; ``for_repo`` points it at the repository a push publishes to.
_USAGE = re.compile(r'^ds = load_dataset\("[^"\n]*"', re.M)


def for_repo(card: str, repo_id: str) -> str:
    """The card text with its usage snippet loading ``repo_id`` (what ``dsgen push`` publishes)."""
    return _USAGE.sub(lambda _: f'ds = load_dataset("{repo_id}"', card, count=1)


def render_card(recipe: Recipe, manifest: dict[str, Any], stats: Stats) -> str:
    head = yaml.dump(front_matter(recipe, manifest, stats), Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
    repo = recipe.hub.repo_id or "path/to/this/folder"
    default = next((name for name, info in manifest["configs"].items() if any(info["splits"].values())), None)
    license_ = card_setting(recipe, "license")
    lines = [
        f"---\n{head}---",
        f"# {card_setting(recipe, 'pretty_name') or recipe.name}",
        "",
        recipe.description or "A verifiable post-training dataset built with dsgen.",
        "",
        "Every record carries what is needed to grade a completion (`verifier`, `answer`), a `difficulty` in "
        "[0, 1] with a named `level`, and its provenance (dsgen version, builder path, recipe hash, seed, "
        "index, template). `dsgen.score(record, completion)` grades one completion; `dsgen.reward` is a "
        "TRL reward function. `verifier.params` and `metadata` are JSON strings.",
        "",
        "## Usage",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("{repo}"{f", {default!r}" if default else ""})',
        "```",
        "",
        "## How it was made",
        "",
        f"- dsgen version: {manifest['dsgen_version']}",
        f"- recipe: `{recipe.name}`, content hash `{manifest['recipe_hash']}` (the full recipe is below and "
        "in `recipe.yaml`)",
        f"- seed: {manifest['seed']}; record *i* of a config is a pure function of (seed, builder path, "
        "*i*), so the same recipe rebuilds these files byte for byte: `dsgen build recipe.yaml`",
        f"- license: {license_}"
        + (" (not set: add `hub.license` to the recipe)" if license_ == "unknown" else ""),
        "",
        "| config | builder | split | records |",
        "|---|---|---|---:|",
    ]
    for name, info in manifest["configs"].items():
        for split, st in stats[name].items():
            lines.append(f"| {name} | `{info['builder']}` | {split} | {st.count} |")
        if not any(info["splits"].values()):  # kept in the card, though it has no data files to load
            lines.append(f"| {name} | `{info['builder']}` | (none: empty, as the recipe allows) | 0 |")
    lines += ["", "## Configs", ""]
    for name, info in manifest["configs"].items():
        lines += _config_section(recipe, name, info, stats[name])
    lines += ["## Recipe", "", "```yaml", recipe.to_yaml().rstrip(), "```", ""]
    return "\n".join(lines)


def write_card(out: Path, recipe: Recipe, manifest: dict[str, Any]) -> None:
    """Write ``README.md`` and ``figures/<config>-difficulty.png``; remove the figures of configs gone."""
    stats = read_stats(out, manifest)
    for name, per_split in stats.items():  # the recipe's split order (train before test), not alphabetical
        order = recipe.datasets[name].splits.names if name in recipe.datasets else []
        rank = {split: i for i, split in enumerate(order)}
        stats[name] = dict(sorted(per_split.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))
    wanted = set()
    for name, per_split in stats.items():
        if any(st.count for st in per_split.values()):
            wanted.add(figure_path(name))
            atomic_write_bytes(out / figure_path(name), histogram_png(name, per_split))
    if (out / FIGURES).is_dir():
        for stale in (out / FIGURES).glob("*-difficulty.png"):
            if stale.relative_to(out).as_posix() not in wanted:
                stale.unlink()
    atomic_write_text(out / "README.md", render_card(recipe, manifest, stats))
