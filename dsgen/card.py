"""The dataset card: ``README.md`` whose YAML front matter declares the Hub configs and splits.

The front matter is what ``datasets.load_dataset(folder)`` and the Hub read; the body says how the
data was made. Everything in it derives from the recipe and the manifest, so a rebuild gives the
same card byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .recipe import Recipe
from .writer import atomic_write_text


def front_matter(recipe: Recipe, manifest: dict[str, Any]) -> dict[str, Any]:
    configs = []
    for name, info in manifest["configs"].items():
        splits = [s for s, n in info["splits"].items() if n > 0]
        if not splits:
            continue
        config: dict[str, Any] = {"config_name": name}
        if not configs:
            config["default"] = True
        config["data_files"] = [{"split": s, "path": f"data/{name}/{s}-*.parquet"} for s in splits]
        configs.append(config)
    total = sum(sum(c["splits"].values()) for c in manifest["configs"].values())
    return {
        "configs": configs,
        "pretty_name": recipe.name,
        "tags": ["dsgen", "synthetic", "verifiable-rewards"],
        "size_categories": [_size_category(total)],
    }


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M" if n < 10_000_000 else "n>10M"


def render_card(recipe: Recipe, manifest: dict[str, Any]) -> str:
    head = yaml.safe_dump(front_matter(recipe, manifest), sort_keys=False, allow_unicode=True)
    lines = [
        f"---\n{head}---",
        f"# {recipe.name}",
        "",
        recipe.description or "A verifiable post-training dataset built with dsgen.",
        "",
        f"Built with dsgen {manifest['dsgen_version']} from recipe `{recipe.name}` "
        f"(hash `{manifest['recipe_hash']}`, seed {manifest['seed']}). Every record carries what is needed "
        "to grade a completion (`verifier`, `answer`), a `difficulty` in [0, 1] with a `level`, and its "
        "provenance; `dsgen.score(record, completion)` grades one, `dsgen.reward` plugs into TRL.",
        "",
        "| config | builder | split | records |",
        "|---|---|---|---|",
    ]
    for name, info in manifest["configs"].items():
        for split, n in info["splits"].items():
            lines.append(f"| {name} | `{info['builder']}` | {split} | {n} |")
    dropped = [(name, reason, n) for name, info in manifest["configs"].items() for reason, n in info["rejects"].items()]
    if dropped:
        lines += ["", "Dropped or rejected records, by reason:", "", "| config | reason | records |", "|---|---|---|"]
        lines += [f"| {name} | {reason} | {n} |" for name, reason, n in dropped]
    recipe_yaml = yaml.safe_dump(
        recipe.model_dump(mode="json", exclude={"output": {"dir"}}), sort_keys=False, allow_unicode=True
    )
    lines += ["", "## Recipe", "", "```yaml", recipe_yaml.rstrip(), "```", ""]
    return "\n".join(lines)


def write_card(out: Path, recipe: Recipe, manifest: dict[str, Any]) -> None:
    atomic_write_text(out / "README.md", render_card(recipe, manifest))
