"""The build: generate → validate → filter → split → write, streamed by index-range units.

Each dataset's indices are cut into units of ``output.shard_size``. A unit is a pure function of the
recipe, so workers can run units in any order and the output is byte-identical for any worker count.
A unit writes its files atomically and then a small marker with their hashes; ``resume`` reuses the
units whose marker and files agree. Filters of the ``dataset`` and ``build`` stages need every record
first: those datasets are staged under ``.dsgen/`` and finished in passes after generation.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import registry
from .builder import Builder
from .errors import DsgenError, RecordInvalid, Skip
from .recipe import Dataset, FilterSpec, Recipe, Splits, default_recipe, load_recipe
from .records import RecordMaker
from .seeding import unit_interval
from .validation import check, check_many
from .writer import (
    atomic_write_bytes,
    atomic_write_text,
    remove_partial,
    sha256_file,
    write_json,
    write_jsonl,
    write_parquet,
)

STATE = ".dsgen"
#: records generated, then schema-checked, at a time: checked while they are still in the CPU's caches
#: (a unit's records, checked together at its end, are not)
CHECK_BATCH = 512


@dataclass(frozen=True)
class Unit:
    dataset: str
    number: int
    start: int
    stop: int

    @property
    def name(self) -> str:
        return f"{self.number:05d}"


@dataclass
class DatasetReport:
    """What a build made of one dataset."""

    name: str
    builder: str
    requested: int
    splits: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return sum(self.splits.values())


@dataclass
class BuildResult:
    out: Path
    recipe: Recipe
    datasets: dict[str, DatasetReport]
    seconds: float
    units: int
    reused_units: int
    warnings: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(d.written for d in self.datasets.values())


# --- instantiating builders and filters (cached per process) -------------------------------------


def make_maker(name: str, ds: Dataset, recipe: Recipe, recipe_hash: str) -> RecordMaker:
    builder_cls = registry.load("builder", ds.builder)
    wrappers = [(w.builder, registry.load("builder", w.builder)(**w.params)) for w in ds.wrappers]
    return RecordMaker(name, ds.builder, builder_cls(**ds.params), wrappers, seed=recipe.seed, recipe_hash=recipe_hash)


def _filter_specs(recipe: Recipe, dataset: str) -> list[tuple[str, FilterSpec, bool]]:
    """(label, spec, build_wide) of the filters that apply to ``dataset``: build-wide first, in order."""
    specs = [(f, True) for f in recipe.filters] + [(f, False) for f in recipe.datasets[dataset].filters]
    names = Counter(f.filter for f, _ in specs)
    seen: Counter = Counter()
    labelled = []
    for spec, wide in specs:
        seen[spec.filter] += 1
        label = spec.filter if names[spec.filter] == 1 else f"{spec.filter}.{seen[spec.filter]}"
        labelled.append((label, spec, wide))
    return labelled


def _stage(spec: FilterSpec) -> str:
    return registry.load("filter", spec.filter).stage


def _new_filter(spec: FilterSpec):
    flt = registry.load("filter", spec.filter)(**spec.params)
    flt.setup()
    return flt


class _Process:
    """Per-process state of a build: the recipe and the makers and record filters it instantiated."""

    recipe: Recipe
    recipe_hash: str
    out: Path
    makers: dict[str, RecordMaker] = {}
    filters: dict[str, list] = {}

    @classmethod
    def init(cls, recipe_json: str, out: str) -> None:
        cls.recipe = Recipe.model_validate_json(recipe_json)
        cls.recipe_hash, cls.out, cls.makers, cls.filters = cls.recipe.content_hash(), Path(out), {}, {}

    @classmethod
    def maker(cls, dataset: str) -> RecordMaker:
        if dataset not in cls.makers:
            maker = make_maker(dataset, cls.recipe.datasets[dataset], cls.recipe, cls.recipe_hash)
            maker.setup()
            cls.makers[dataset] = maker
        return cls.makers[dataset]

    @classmethod
    def record_filters(cls, dataset: str) -> list:
        if dataset not in cls.filters:
            cls.filters[dataset] = [
                (label, _new_filter(spec))
                for label, spec, _ in _filter_specs(cls.recipe, dataset)
                if _stage(spec) == "record"
            ]
        return cls.filters[dataset]


# --- one unit ----------------------------------------------------------------------------------


def split_keys(record: dict[str, Any]) -> list[str]:
    """What a fraction split hashes: ``metadata.split_keys`` (an answer and the entities on its path),
    else ``metadata.group_id`` (noisy/clean twins), else the id, so groups are never cut apart."""
    metadata = record.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if metadata.get("split_keys"):
        return list(metadata["split_keys"])
    return [metadata["group_id"]] if metadata.get("group_id") else [record["id"]]


def _fraction_split(splits: Splits, key: str) -> str | None:
    u, total = unit_interval(key + "/split"), 0.0
    last = None
    for name, fraction in splits.fractions.items():
        if fraction > 0:
            total += fraction
            last = name
            if u < total:
                return name
    return last


def assign_split(splits: Splits, record: dict[str, Any]) -> str | None:
    """The split of a record: by a hash of its split keys against cumulative fractions, or by its level.

    None when no split takes it: its level is in no split, or its split keys fall in different splits
    (a reverse-QA path that would leak an entity across splits); ``unassigned_reason`` says which."""
    if splits.by == "level":
        return next((s for s, levels in splits.levels.items() if record["level"] in levels), None)
    if splits.by == "difficulty":
        return next(s for s, bound in splits.thresholds.items() if record["difficulty"] <= bound)
    names = {_fraction_split(splits, key) for key in split_keys(record)}
    return names.pop() if len(names) == 1 else None


def unassigned_reason(splits: Splits, record: dict[str, Any]) -> str:
    """The counted reason for a record that ``assign_split`` puts in no split."""
    if splits.by == "level":
        return f"split: level '{record['level']}' is in no split"
    return "split: its split keys (answer and path entities) fall in different splits"


def _reject_row(dataset: str, stage: str, reason: str, record: dict | None, index: int, measurements=None) -> dict:
    from .records import to_row

    return {
        "dataset": dataset,
        "index": index,
        "stage": stage,
        "reason": reason,
        "measurements": measurements or {},
        "record": to_row(record) if record is not None else None,
    }


def apply_filter(
    label: str, flt, records: list[dict], dataset: str, counts: Counter, rejects: list,
    verdicts: list | None = None,
) -> list[dict]:
    """Run one filter on a batch: annotate kept records, count and collect dropped ones.

    ``verdicts`` given: ``flt``'s verdicts on ``records`` computed elsewhere (a model filter's actors)."""
    if verdicts is None:
        verdicts = flt.apply(records) if records else []
    if len(verdicts) != len(records):
        raise DsgenError(f"filter '{label}' returned {len(verdicts)} verdicts for {len(records)} records")
    kept = []
    for record, verdict in zip(records, verdicts):
        if verdict.measurements:
            filters = {**record["metadata"].get("filters", {}), label: verdict.measurements}
            record["metadata"] = {**record["metadata"], "filters": filters}
        if verdict.difficulty is not None:
            if not 0.0 <= verdict.difficulty <= 1.0:
                raise DsgenError(f"filter '{label}' set difficulty {verdict.difficulty} outside [0, 1]")
            record["difficulty"] = verdict.difficulty
        if verdict.level is not None:
            record["level"] = verdict.level
        if verdict.keep:
            kept.append(record)
        else:
            reason = f"{label}: {verdict.reason or 'dropped'}"
            counts[reason] += 1
            rejects.append(
                _reject_row(dataset, label, reason, record, record["provenance"]["index"], verdict.measurements)
            )
    return kept


def _write_splits(out: Path, unit: Unit, splits: Splits, records: list[dict], counts: Counter, rejects: list):
    """Write a unit's records into ``data/<dataset>/<split>-<unit>.parquet``; returns {relpath: file info}."""
    by_split: dict[str, list[dict]] = {}
    only = splits.only  # one split taking every record: no hash of each id
    for record in records:
        split = only or assign_split(splits, record)
        if split is None:
            reason = unassigned_reason(splits, record)
            counts[reason] += 1
            rejects.append(_reject_row(unit.dataset, "split", reason, record, record["provenance"]["index"]))
        else:
            by_split.setdefault(split, []).append(record)
    files = {}
    for split, rows in by_split.items():
        rel = f"data/{unit.dataset}/{split}-{unit.name}.parquet"
        files[rel] = {"sha256": write_parquet(out / rel, rows), "rows": len(rows), "split": split}
    return files


def run_unit(unit: Unit, staged: bool) -> dict[str, Any]:
    """Generate, validate and record-filter one unit, write its files and then its marker."""
    recipe, out = _Process.recipe, _Process.out
    maker = _Process.maker(unit.dataset)
    route = recipe.output.rejects
    counts: Counter = Counter()
    rejects: list[dict] = []
    made: list[dict | Skip] = []
    checked: list[tuple[str, str, str] | None] = []
    for start in range(unit.start, unit.stop, CHECK_BATCH):
        batch: list[dict | Skip] = []
        for index in range(start, min(start + CHECK_BATCH, unit.stop)):
            try:
                batch.append(maker.make(index))
            except Skip as skip:
                batch.append(skip)
        made += batch
        checked += check_many([record for record in batch if not isinstance(record, Skip)])
    problems = iter(checked)
    records = []
    for index, record in enumerate(made, unit.start):
        if isinstance(record, Skip):
            counts[f"builder: {record.reason}"] += 1
            rejects.append(_reject_row(unit.dataset, "builder", record.reason, None, index))
            continue
        problem = next(problems)
        if problem is not None:
            if not route:
                raise RecordInvalid(unit.dataset, index, *problem)
            reason = f"schema: {problem[0]} ({problem[1]})"
            counts[reason] += 1
            rejects.append(_reject_row(unit.dataset, "schema", f"{reason}: {problem[2]}", record, index))
            continue
        records.append(record)
    for label, flt in _Process.record_filters(unit.dataset):
        records = apply_filter(label, flt, records, unit.dataset, counts, rejects)
    if staged:
        rel = f"{STATE}/stage/{unit.dataset}/g0/{unit.name}.parquet"
        files = {rel: {"sha256": write_parquet(out / rel, records), "rows": len(records), "split": None}}
    else:
        files = _write_splits(out, unit, recipe.datasets[unit.dataset].splits, records, counts, rejects)
    rejects_rel = None
    if rejects and route:
        rejects_rel = f"{STATE}/rejects/{unit.dataset}/g0-{unit.name}.jsonl"
        write_jsonl(out / rejects_rel, rejects)
    marker = {"files": files, "rejects": dict(counts), "rejects_file": rejects_rel, "count": unit.stop - unit.start}
    write_json(out / _marker(unit), marker)
    return marker


def _marker(unit: Unit) -> str:
    return f"{STATE}/units/{unit.dataset}/{unit.name}.json"


def _complete(out: Path, unit: Unit) -> dict[str, Any] | None:
    """The marker of a unit whose files all exist with the recorded hashes, else None."""
    path = out / _marker(unit)
    if not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text())
        for rel, info in marker["files"].items():
            if not (out / rel).is_file() or sha256_file(out / rel) != info["sha256"]:
                return None
        if marker.get("rejects_file") and not (out / marker["rejects_file"]).is_file():
            return None
    except (ValueError, KeyError, OSError):
        return None
    return marker


# --- the build ---------------------------------------------------------------------------------


def plan(recipe: Recipe) -> list[Unit]:
    size = recipe.output.shard_size
    return [
        Unit(name, n, start, min(start + size, ds.count))
        for name, ds in recipe.datasets.items()
        for n, start in enumerate(range(0, ds.count, size))
    ]


def _staged(recipe: Recipe) -> set[str]:
    """Datasets finished after generation: a filter of the dataset or build stage, or a split rule
    (quantiles, bins, difficulty order) that needs every record first."""
    return {
        name
        for name, ds in recipe.datasets.items()
        if ds.splits.global_rule or any(_stage(s) != "record" for _, s, _ in _filter_specs(recipe, name))
    }


def _prepare(out: Path, recipe: Recipe, resume: bool) -> None:
    state = out / STATE / "state.json"
    recipe_hash = recipe.content_hash()
    if resume and state.is_file():
        previous = json.loads(state.read_text()).get("recipe_hash")
        if previous != recipe_hash:
            raise DsgenError(
                f"--resume: '{out}' holds a build of a different recipe (hash {previous}, this one {recipe_hash}); "
                f"build into another folder, or drop --resume to rebuild it from scratch"
            )
        remove_partial(out)
        return
    if out.exists() and any(out.iterdir()):
        if not (out / STATE).is_dir() and not (out / "manifest.json").is_file():
            raise DsgenError(f"output folder '{out}' is not empty and is not a dsgen build; choose another with -o")
        for name in ("data", STATE, "rejects", "figures", "README.md", "manifest.json", "recipe.yaml"):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    write_json(state, {"recipe_hash": recipe_hash, "recipe": recipe.model_dump(mode="json")})


def build(
    recipe: Recipe | str | Path | None = None,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    resume: bool = False,
    progress: Callable[[str, int], None] | None = None,
    executor: str | None = None,
    ray_address: str | None = None,
) -> BuildResult:
    """Build ``recipe`` (a Recipe, a path, or None for the default recipe) into ``out``.

    ``workers`` defaults to the number of CPUs; the output is the same for any value.
    ``progress(dataset, n)`` is called as units of ``n`` records finish.
    ``executor`` is 'local' or 'ray' (default: the recipe's; a ``ray_address`` implies 'ray');
    the output is the same for both.
    """
    if recipe is None:
        recipe = default_recipe()
    elif not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    out = Path(out if out is not None else recipe.output.dir)
    started = time.perf_counter()
    _prepare(out, recipe, resume)
    units = plan(recipe)
    staged = _staged(recipe)
    reports = {
        name: DatasetReport(name, ds.builder + "".join(f"+{w.builder}" for w in ds.wrappers), ds.count)
        for name, ds in recipe.datasets.items()
    }
    markers: dict[Unit, dict] = {}
    if resume:
        for unit in units:
            marker = _complete(out, unit)
            if marker is not None:
                markers[unit] = marker
                if progress:
                    progress(unit.dataset, unit.stop - unit.start)
    reused = len(markers)
    pending = [(u, u.dataset in staged) for u in units if u not in markers]
    from .executors import executor_for

    name = executor or ("ray" if ray_address else recipe.executor)
    address = ray_address or (recipe.ray_address if name == "ray" else None)
    with executor_for(name, recipe, out, workers=workers, address=address) as runner:
        for unit, marker in runner.run(pending):
            markers[unit] = marker
            if progress:
                progress(unit.dataset, unit.stop - unit.start)

        for unit in units:
            marker, report = markers[unit], reports[unit.dataset]
            report.rejects.update(marker["rejects"])
            if unit.dataset not in staged:
                for rel, info in marker["files"].items():
                    report.splits[info["split"]] += info["rows"]
                    report.files[rel] = info
        if staged:
            from .stages import finish_staged

            finish_staged(recipe, out, units, markers, staged, reports, model_pool=runner.model_pool)
    _finish(out, recipe, units, markers, reports)
    return BuildResult(out, recipe, reports, time.perf_counter() - started, len(units), reused, capacity_warnings(recipe))


def capacity_warnings(recipe: Recipe) -> list[str]:
    """A warning for each dataset whose builder can make too few distinct problems for its count."""
    warnings = []
    for name, ds in recipe.datasets.items():
        capacity = registry.load("builder", ds.builder)(**ds.params).capacity()
        if capacity is None:
            continue
        expected = ds.count**2 / (2 * max(capacity, 1))
        if expected >= 1:
            warnings.append(
                f"dataset '{name}': its parameters allow about {capacity:,} distinct problems, so about "
                f"{min(expected, ds.count):,.0f} of its {ds.count:,} records are expected to repeat another; "
                "widen the parameters, lower the count, or add a dedup filter"
            )
    return warnings


def _write_extra_configs(out: Path, recipe: Recipe) -> dict[str, dict[str, Any]]:
    """Write the configs builders ship beside their records (``Builder.extra_configs``), one Parquet file each,
    named after the dataset when two would share a name; {config: {dataset, rows, files}} for the manifest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written: dict[str, dict[str, Any]] = {}
    for dataset, ds in recipe.datasets.items():
        builder = registry.load("builder", ds.builder)(**ds.params)
        if type(builder).extra_configs is Builder.extra_configs:
            continue
        builder.setup()
        for key, rows in builder.extra_configs().items():
            name = key if key not in written and key not in recipe.datasets else f"{dataset}_{key}"
            columns = list(rows[0]) if rows else ["id"]
            table = pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in columns]))
            sink = pa.BufferOutputStream()
            pq.write_table(table, sink, compression="zstd")
            rel = f"data/{name}/train-00000.parquet"
            digest = atomic_write_bytes(out / rel, sink.getvalue().to_pybytes())
            written[name] = {"dataset": dataset, "rows": len(rows), "files": {rel: {"sha256": digest, "rows": len(rows)}}}
    return written


def _finish(out: Path, recipe: Recipe, units: list[Unit], markers: dict, reports: dict[str, DatasetReport]) -> None:
    """Sweep stray files, merge rejects, write the manifest, the recipe copy and the dataset card."""
    from . import __version__
    from .card import write_card

    data = out / "data"
    listed = {rel for report in reports.values() for rel in report.files}
    if data.exists():
        for path in data.rglob("*"):
            if path.is_file() and path.relative_to(out).as_posix() not in listed:
                path.unlink()
    if recipe.output.rejects:
        for name in recipe.datasets:
            parts = sorted((out / STATE / "rejects" / name).glob("*.jsonl")) if (out / STATE / "rejects").exists() else []
            rows = [line for p in parts for line in p.read_text(encoding="utf-8").splitlines() if line]
            if rows:
                atomic_write_text(out / "rejects" / f"{name}.jsonl", "\n".join(rows) + "\n")
    extras = _write_extra_configs(out, recipe)
    manifest = {
        "extra_configs": extras,
        "dsgen_version": __version__,
        "recipe": recipe.name,
        "recipe_hash": recipe.content_hash(),
        "seed": recipe.seed,
        "configs": {
            name: {
                "builder": r.builder,
                "requested": r.requested,
                "splits": dict(sorted(r.splits.items())),
                "rejects": dict(sorted(r.rejects.items())),
                "files": {rel: {"sha256": i["sha256"], "rows": i["rows"]} for rel, i in sorted(r.files.items())},
            }
            for name, r in reports.items()
        },
    }
    write_json(out / "manifest.json", manifest)
    atomic_write_text(out / "recipe.yaml", recipe.to_yaml())
    write_card(out, recipe, manifest)


# --- samples for `dsgen show` and tests --------------------------------------------------------


def sample(
    builder: str,
    params: dict[str, Any] | None = None,
    *,
    count: int = 3,
    seed: int = 0,
    start: int = 0,
    wrappers: list[tuple[str, dict[str, Any]]] = (),
    dataset: str = "sample",
) -> list[dict[str, Any]]:
    """``count`` validated records of one builder (with optional wrappers) from index ``start`` on.

    With the ``dataset`` name and ``seed`` of a build they are that build's records (the recipe
    hash in their provenance aside); skipped indices are passed over.
    """
    from .recipe import check_components

    ds = Dataset(builder=builder, count=1, params=params or {}, wrappers=[{"builder": b, "params": p} for b, p in wrappers])
    recipe = Recipe(name="sample", seed=seed, datasets={dataset: ds})
    check_components(recipe)
    maker = make_maker(dataset, ds, recipe, "")
    maker.setup()
    records = []
    index = start
    while len(records) < count and index < start + count * 100:
        try:
            record = maker.make(index)
        except Skip:
            index += 1
            continue
        problem = check(record)
        if problem is not None:
            raise RecordInvalid("sample", index, *problem)
        records.append(record)
        index += 1
    return records
