"""Recipes: one YAML file parsed into typed config that rejects unknown keys.

Errors name the file, the line and the key path, say what was expected, and suggest the closest
known key or builder.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import types
import typing
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import DsgenError, did_you_mean
from .inputs import resolve_inputs

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
MAX_NAME = 100  # dataset and split names become folder and file names (255 bytes at most on most systems)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Component(Model):
    """A builder or wrapper by registered name, with its parameters."""

    builder: str
    params: dict[str, Any] = {}


class FilterSpec(Model):
    """A filter by registered name, with its parameters."""

    filter: str
    params: dict[str, Any] = {}


class Splits(Model):
    """How records are assigned to splits, and in which order they are written.

    - ``fraction``: ``fractions`` of a hash of the record id (a random split);
    - ``template``: ``fractions`` of a hash of the record's ``metadata.scenario`` (math: the template
      scenario or compose frame), so whole scenarios are held out (out-of-distribution evaluation);
    - ``level``: ``levels`` lists the builder levels of each split;
    - ``difficulty``: ``thresholds`` give each split's upper bound of difficulty, ascending;
    - ``quantile``: ``fractions`` are shares of the dataset in difficulty order (easiest first);
    - ``bins``: ``bins`` equal-size splits ``bin_0`` (easiest) … by difficulty.
    ``order: difficulty`` writes each split easiest first (curriculum training); ties break by id.
    """

    by: Literal["fraction", "template", "level", "difficulty", "quantile", "bins"] = "fraction"
    fractions: dict[str, float] = {"train": 1.0}
    levels: dict[str, list[str]] = {}
    thresholds: dict[str, float] = {}
    bins: int = Field(0, ge=0, le=1000)
    order: Literal["index", "difficulty"] = "index"

    @property
    def names(self) -> list[str]:
        """The split names, in order."""
        if self.by == "bins":
            return [f"bin_{i}" for i in range(self.bins)]
        return list({"level": self.levels, "difficulty": self.thresholds}.get(self.by, self.fractions))

    @property
    def only(self) -> str | None:
        """The split every record goes to, when a random split gives all to one (no hashing needed)."""
        if self.by != "fraction":
            return None
        shares = [name for name, fraction in self.fractions.items() if fraction > 0]
        return shares[0] if len(shares) == 1 else None

    @property
    def global_rule(self) -> bool:
        """True when a record's split or position depends on the other records (needs every record first)."""
        return self.by in ("quantile", "bins") or self.order == "difficulty"

    @model_validator(mode="after")
    def _check(self) -> Splits:
        for name in self.names:
            if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
                raise ValueError(f"split name '{name}' must be a letter followed by letters, digits or '_'")
            if len(name) > MAX_NAME:
                raise ValueError(f"split name '{name[:40]}…' is {len(name)} characters long; at most {MAX_NAME} "
                                 "(it becomes part of file names)")
        if self.by in ("fraction", "template", "quantile"):
            if any(f < 0 for f in self.fractions.values()) or abs(sum(self.fractions.values()) - 1) > 1e-9:
                raise ValueError(f"fractions must be non-negative and sum to 1, got {self.fractions}")
        elif self.by == "bins":
            if self.bins < 2:
                raise ValueError("'by: bins' needs 'bins: N' with N >= 2")
        elif self.by == "difficulty":
            bounds = list(self.thresholds.values())
            if not bounds or bounds != sorted(bounds) or bounds[-1] < 1:
                raise ValueError(
                    "'by: difficulty' needs ascending 'thresholds' ending at 1.0, e.g. {easy: 0.3, medium: 0.7, hard: 1.0}"
                )
        elif not self.levels:
            raise ValueError("'by: level' needs 'levels', e.g. {train: [easy, medium], test: [hard]}")
        else:
            seen: dict[str, str] = {}
            for split, levels in self.levels.items():
                for level in levels:
                    if level in seen:
                        raise ValueError(f"level '{level}' is in both splits '{seen[level]}' and '{split}'")
                    seen[level] = split
        return self

    def describe(self) -> str:
        """The rule in words (for the dataset card)."""
        rule = {
            "fraction": lambda: "random by a hash of the record id: "
            + ", ".join(f"{k} {v:g}" for k, v in self.fractions.items()),
            "template": lambda: "held-out templates, by a hash of metadata.scenario: "
            + ", ".join(f"{k} {v:g}" for k, v in self.fractions.items()),
            "level": lambda: "by level: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in self.levels.items()),
            "difficulty": lambda: "by difficulty threshold: "
            + ", ".join(f"{k} ≤ {v:g}" for k, v in self.thresholds.items()),
            "quantile": lambda: "by difficulty quantile (easiest first): "
            + ", ".join(f"{k} {v:g}" for k, v in self.fractions.items()),
            "bins": lambda: f"{self.bins} equal-size bins by difficulty (bin_0 easiest)",
        }[self.by]()
        return rule + ("; each split written easiest first" if self.order == "difficulty" else "")


class Dataset(Model):
    """One dataset of the build; it becomes one Hub config."""

    builder: str
    count: PositiveInt
    params: dict[str, Any] = {}
    wrappers: list[Component] = []
    splits: Splits = Splits()
    filters: list[FilterSpec] = []
    allow_empty: bool = Field(False, description="a build that yields no record of this dataset is not an error")
    system: str | None = Field(None, description="system message put first in every prompt of this dataset")
    answer_format: str | None = Field(
        None, description="instruction appended to the last user turn, e.g. 'Put the final answer after ####.'"
    )


class Output(Model):
    dir: str = "dsgen-out"
    shard_size: PositiveInt = Field(10_000, description="records per generation unit and Parquet shard")
    rejects: bool = Field(False, description="route invalid and dropped records to rejects/<dataset>.jsonl")


class Hub(Model):
    """Where ``dsgen build --push`` publishes, and what the dataset card declares."""

    repo_id: str | None = Field(None, description="owner/name of the Hub dataset repository")
    private: bool = False
    revision: str | None = Field(None, description="branch to commit to (created from main if missing)")
    create_pr: bool = False
    license: str | None = Field(None, description="Hub licence id, e.g. apache-2.0, cc-by-4.0 (card: 'unknown')")
    language: list[str] | None = Field(None, description="language codes for the card (default: en)")
    task_categories: list[str] | None = Field(None, description="Hub task categories for the card")
    pretty_name: str | None = Field(None, description="card title (default: the recipe name)")
    tags: list[str] = Field([], description="tags added to dsgen's own")


class Recipe(Model):
    """A whole build: datasets (Hub configs), build-wide filters, output and hub settings."""

    name: str = Field(pattern=NAME)
    seed: int = Field(0, ge=-(2**63), le=2**63 - 1,
                      description="signed 64-bit: every record's provenance carries it, in an int64 column")
    description: str = ""
    datasets: dict[str, Dataset] = Field(min_length=1)
    filters: list[FilterSpec] = []
    output: Output = Output()
    hub: Hub = Hub()
    executor: Literal["local", "ray"] = Field("local", description="where units run: worker processes or Ray")
    ray_address: str | None = Field(None, description="Ray cluster to join; none: start one on this machine")

    @field_validator("datasets")
    @classmethod
    def _names(cls, datasets: dict[str, Dataset]) -> dict[str, Dataset]:
        for name in datasets:
            if not re.match(NAME, name):
                raise ValueError(f"dataset name '{name}' must match {NAME} (it becomes a Hub config name)")
            if len(name) > MAX_NAME:
                raise ValueError(f"dataset name '{name[:40]}…' is {len(name)} characters long; at most {MAX_NAME} "
                                 "(it becomes a folder and a Hub config name)")
        return datasets

    def to_yaml(self) -> str:
        """The recipe as YAML, without its output folder (the copy kept with a build and in its card)."""
        dumped = self.model_dump(mode="json", exclude={"output": {"dir"}})
        return yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True)

    def content_hash(self) -> str:
        """Hash of everything that decides the records (not the output folder, hub target or executor)."""
        from .records import dumps

        where = {"executor": True, "ray_address": True}
        data = self.model_dump(mode="json", exclude={"output": {"dir"}, "hub": True, **where})
        return hashlib.sha256(dumps(data).encode()).hexdigest()[:16]


# --- loading -----------------------------------------------------------------------------------


def default_recipe_text() -> str:
    """The embedded default recipe, as YAML text."""
    return files("dsgen").joinpath("default_recipe.yaml").read_text(encoding="utf-8")


def default_recipe(**kwargs: Any) -> Recipe:
    """The embedded default recipe (every builder family, small counts), with overrides as in ``load_recipe``."""
    return _parse(default_recipe_text(), "<default recipe>", base=Path.cwd(), **kwargs)


def load_recipe(
    path: str | Path,
    *,
    overrides: list[str] = (),
    seed: int | None = None,
    out: str | None = None,
    params: dict[str, Any] | None = None,
) -> Recipe:
    """Read, override, validate and check a recipe file.

    ``overrides`` are ``path.to.key=value`` strings; ``params`` sets a parameter on every dataset
    whose builder declares it (``--spacy-model``). Relative input paths (``dsgen.inputs``) and
    ``output.dir`` in the file resolve against its folder; those in ``overrides`` and ``out`` against
    the working directory.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DsgenError(f"recipe file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DsgenError(f"recipe file '{path}' could not be read: {exc}") from None
    return _parse(text, str(path), base=path.parent, overrides=overrides, seed=seed, out=out, params=params)


def _parse(
    text: str,
    source: str,
    *,
    base: Path,
    overrides: list[str] = (),
    seed: int | None = None,
    out: str | None = None,
    params: dict[str, Any] | None = None,
) -> Recipe:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise DsgenError(f"{where}: YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise DsgenError(f"{source}: YAML error: {exc}") from None
    if not isinstance(data, dict):
        raise DsgenError(f"{source}: a recipe is a YAML mapping (name, seed, datasets, …), got {type(data).__name__}")
    data = copy.deepcopy(data)
    resolve_inputs(data, base)
    output = data.get("output")
    if isinstance(output, dict) and isinstance(output.get("dir"), str):  # like an input: against the recipe's folder
        output["dir"] = os.path.normpath(base.absolute() / os.path.expanduser(output["dir"]))
    for item in overrides:
        apply_override(data, item)
    resolve_inputs(data, Path.cwd())
    if seed is not None:
        data["seed"] = seed
    if out is not None:
        data.setdefault("output", {})
        if not isinstance(data["output"], dict):
            raise DsgenError(f"{source}: 'output' must be a mapping")
        data["output"]["dir"] = str(out)
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise DsgenError(_explain(exc, Recipe, source, node, ())) from None
    for key, value in (params or {}).items():
        _set_builder_param(recipe, key, value)
    check_components(recipe, source, node)
    return recipe


def _set_builder_param(recipe: Recipe, key: str, value: Any) -> None:
    from . import registry

    takers = []
    for name, ds in recipe.datasets.items():
        if ds.builder in registry.names("builder") and key in registry.load("builder", ds.builder).Params.model_fields:
            ds.params[key] = value
            takers.append(name)
    if not takers:
        raise DsgenError(f"no dataset of this recipe has a builder with a '{key}' parameter")


def apply_override(data: dict[str, Any], item: str) -> None:
    """Set ``a.b.c=value`` in raw recipe data; the value is parsed as YAML (``3``, ``true``, ``[a, b]``)."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise DsgenError(f"--set '{item}': expected path.to.key=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise DsgenError(f"--set '{item}': the value is not valid YAML: {exc}") from None
    parts = key.strip().split(".")
    target: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(target, list):
            if not part.isdigit() or int(part) >= len(target):
                raise DsgenError(f"--set '{item}': '{where}' needs an index below {len(target)}")
            if last:
                target[int(part)] = value
            else:
                target = target[int(part)]
        elif isinstance(target, dict):
            if last:
                target[part] = value
            elif i == 1 and parts[0] == "datasets" and part not in target:
                known = list(target)
                raise DsgenError(f"--set '{item}': the recipe has no dataset '{part}'{did_you_mean(part, known)}; "
                                 f"its datasets: {', '.join(known) or 'none'}")
            else:
                target = target.setdefault(part, {})
        else:
            raise DsgenError(f"--set '{item}': '{'.'.join(parts[:i])}' is a {type(target).__name__}, not a mapping")


def check_components(recipe: Recipe, source: str = "<recipe>", node: yaml.Node | None = None) -> None:
    """Resolve every builder, wrapper and filter name and validate their parameters."""
    from . import registry
    from .builder import Wrapper

    def params_of(kind: str, name: str, params: dict, loc: tuple) -> None:
        try:
            cls = registry.load(kind, name)
        except DsgenError as exc:
            raise DsgenError(f"{_where(source, node, loc)}: {exc}") from None
        if kind == "builder" and issubclass(cls, Wrapper) != ("wrappers" in loc):
            what = "a wrapper; list it under 'wrappers'" if issubclass(cls, Wrapper) else "a builder, not a wrapper"
            raise DsgenError(f"{_where(source, node, loc)}: '{name}' is {what}")
        try:
            cls.Params.model_validate(params)
        except ValidationError as exc:
            raise DsgenError(_explain(exc, cls.Params, source, node, loc[:-1] + ("params",))) from None

    for name, ds in recipe.datasets.items():
        base = ("datasets", name)
        params_of("builder", ds.builder, ds.params, base + ("builder",))
        _check_levels(ds, source, node, base + ("splits", "levels"))
        for i, w in enumerate(ds.wrappers):
            params_of("builder", w.builder, w.params, base + ("wrappers", i, "builder"))
        for i, f in enumerate(ds.filters):
            params_of("filter", f.filter, f.params, base + ("filters", i, "filter"))
    for i, f in enumerate(recipe.filters):
        params_of("filter", f.filter, f.params, ("filters", i, "filter"))


def record_levels(kind: str) -> list[str] | None:
    """The levels a kind's schema allows its records (the ``enum`` of ``level``), None if it does not say."""
    from .validation import schema

    found: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        level = node.get("properties", {}).get("level")
        if isinstance(level, dict) and isinstance(level.get("enum"), list):
            found.extend(str(v) for v in level["enum"] if str(v) not in found)
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in node.get(key, []):
                walk(branch)
        for key in ("then", "else"):
            walk(node.get(key))

    walk(schema(kind))
    return found or None


def _check_levels(ds: Dataset, source: str, node: yaml.Node | None, loc: tuple) -> None:
    """A ``by: level`` split names only levels the builder's records can have (a typo dropped them all)."""
    from . import registry

    if ds.splits.by != "level":
        return
    valid = record_levels(registry.load("builder", ds.builder).kind)
    if valid is None:
        return
    for split, levels in ds.splits.levels.items():
        for level in levels:
            if level not in valid:
                raise DsgenError(
                    f"{_where(source, node, loc + (split,))}: split '{split}' lists level '{level}'"
                    f"{did_you_mean(level, valid)}, which no record of builder '{ds.builder}' has; "
                    f"its levels: {', '.join(valid)}"
                )


# --- error messages ----------------------------------------------------------------------------


def _explain(exc: ValidationError, root: type[BaseModel], source: str, node: yaml.Node | None, prefix: tuple) -> str:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        path = _dotted(loc)
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(root, tuple(err["loc"][:-1]))
            hint = did_you_mean(str(loc[-1]), allowed)
            problems.append(
                f"{_where(source, node, loc)}: unknown key '{path}'{hint}; "
                f"allowed here: {', '.join(sorted(allowed)) or 'none'}"
            )
        elif err["type"] == "missing":
            problems.append(f"{_where(source, node, loc[:-1])}: missing required key '{path}'")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
            problems.append(f"{_where(source, node, loc)}: '{path}': {msg}{shown}")
    head = "invalid recipe" if len(problems) == 1 else f"invalid recipe ({len(problems)} problems)"
    return f"{head}: " + "; ".join(problems)


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "<root>"


def _where(source: str, node: yaml.Node | None, loc: tuple) -> str:
    """'file:line' of the deepest YAML node along ``loc`` (a key that is not in the file: its parent)."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if child is None:
                break
            line, node = child[0].start_mark.line + 1, child[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return f"{source}:{line}" if line else source


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found at ``loc`` below ``model`` (for 'did you mean')."""
    target: Any = model
    for part in loc:
        target = _unwrap(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = target.model_fields.get(str(part))
            if field is None:
                return []
            target = field.annotation
        elif typing.get_origin(target) in (dict, list):
            target = typing.get_args(target)[-1]
        else:
            return []
    target = _unwrap(target)
    if typing.get_origin(target) in (dict, list):
        target = _unwrap(typing.get_args(target)[-1])
    return list(target.model_fields) if isinstance(target, type) and issubclass(target, BaseModel) else []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
