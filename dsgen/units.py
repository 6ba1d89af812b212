"""One unit of a build: generate, validate and record-filter an index range, then write it.

A unit is a pure function of the recipe, so workers can run units in any order and the output is
byte-identical for any worker count. A unit writes its files atomically and then a small marker with
their hashes; ``complete_marker`` tells a finished unit that ``resume`` can reuse.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import registry
from .errors import DsgenError, RecordInvalid, Skip
from .recipe import Dataset, FilterSpec, Recipe, Splits
from .records import RecordMaker, to_row
from .splits import assign_split, unassigned_reason
from .validation import check_many
from .writer import sha256_file, write_json, write_jsonl, write_parquet

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
    source: dict[str, Any] = field(default_factory=dict)  # Builder.source_report()

    @property
    def written(self) -> int:
        return sum(self.splits.values())


def make_maker(name: str, ds: Dataset, recipe: Recipe, recipe_hash: str) -> RecordMaker:
    builder_cls = registry.load("builder", ds.builder)
    wrappers = [(w.builder, registry.load("builder", w.builder)(**w.params)) for w in ds.wrappers]
    return RecordMaker(
        name, ds.builder, builder_cls(**ds.params), wrappers, seed=recipe.seed, recipe_hash=recipe_hash,
        system=ds.system, answer_format=ds.answer_format,
    )


def filter_specs(recipe: Recipe, dataset: str) -> list[tuple[str, FilterSpec, bool]]:
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


def filter_stage(spec: FilterSpec) -> str:
    return registry.load("filter", spec.filter).stage


def new_filter(spec: FilterSpec):
    flt = registry.load("filter", spec.filter)(**spec.params)
    flt.setup()
    return flt


class WorkerState:
    """Per-process state of a build (set up in each worker by ``init``): the recipe and the makers and record filters it instantiated."""

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
                (label, new_filter(spec))
                for label, spec, _ in filter_specs(cls.recipe, dataset)
                if filter_stage(spec) == "record"
            ]
        return cls.filters[dataset]


def reject_row(dataset: str, stage: str, reason: str, record: dict | None, index: int, measurements=None) -> dict:
    """A row of the rejects file: where a record was dropped, why, what was measured, and the record."""
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
                reject_row(dataset, label, reason, record, record["provenance"]["index"], verdict.measurements)
            )
    return kept


def write_splits(out: Path, unit: Unit, splits: Splits, records: list[dict], counts: Counter, rejects: list):
    """Write a unit's records into ``data/<dataset>/<split>-<unit>.parquet``; returns {relpath: file info}."""
    by_split: dict[str, list[dict]] = {}
    only = splits.only  # one split taking every record: no hash of each id
    for record in records:
        split = only or assign_split(splits, record)
        if split is None:
            reason = unassigned_reason(splits, record)
            counts[reason] += 1
            rejects.append(reject_row(unit.dataset, "split", reason, record, record["provenance"]["index"]))
        else:
            by_split.setdefault(split, []).append(record)
    files = {}
    for split, rows in by_split.items():
        rel = f"data/{unit.dataset}/{split}-{unit.name}.parquet"
        files[rel] = {"sha256": write_parquet(out / rel, rows), "rows": len(rows), "split": split}
    return files


def run_unit(unit: Unit, staged: bool) -> dict[str, Any]:
    """Generate, validate and record-filter one unit, write its files and then its marker."""
    recipe, out = WorkerState.recipe, WorkerState.out
    maker = WorkerState.maker(unit.dataset)
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
            rejects.append(reject_row(unit.dataset, "builder", record.reason, None, index))
            continue
        problem = next(problems)
        if problem is not None:
            if not route:
                raise RecordInvalid(unit.dataset, index, *problem)
            reason = f"schema: {problem[0]} ({problem[1]})"
            counts[reason] += 1
            rejects.append(reject_row(unit.dataset, "schema", f"{reason}: {problem[2]}", record, index))
            continue
        records.append(record)
    for label, flt in WorkerState.record_filters(unit.dataset):
        records = apply_filter(label, flt, records, unit.dataset, counts, rejects)
    if staged:
        rel = f"{STATE}/stage/{unit.dataset}/g0/{unit.name}.parquet"
        files = {rel: {"sha256": write_parquet(out / rel, records), "rows": len(records), "split": None}}
    else:
        files = write_splits(out, unit, recipe.datasets[unit.dataset].splits, records, counts, rejects)
    rejects_rel = None
    if rejects and route:
        rejects_rel = f"{STATE}/rejects/{unit.dataset}/g0-{unit.name}.jsonl"
        write_jsonl(out / rejects_rel, rejects)
    marker = {"files": files, "rejects": dict(counts), "rejects_file": rejects_rel, "count": unit.stop - unit.start}
    write_json(out / marker_path(unit), marker)
    return marker


def marker_path(unit: Unit) -> str:
    return f"{STATE}/units/{unit.dataset}/{unit.name}.json"


def complete_marker(out: Path, unit: Unit) -> dict[str, Any] | None:
    """The marker of a unit whose files all exist with the recorded hashes, else None."""
    path = out / marker_path(unit)
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
