"""The build: plan units, run them, finish the staged passes, write the manifest and the card.

Each dataset's indices are cut into units of ``output.shard_size`` (``units``), which an executor runs
(``executors``) on worker processes or Ray. Filters of the ``dataset`` and ``build`` stages need every
record first: those datasets are staged under ``.dsgen/`` and finished in passes after generation
(``stages``). The modules import downwards in that order; this one sits on top.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import registry
from .builder import Builder
from .errors import DsgenError, RecordInvalid, Skip, plural
from .executors import executor_for
from .inputs import input_digests
from .recipe import Dataset, Recipe, default_recipe, load_recipe
from .splits import assign_split, split_keys, unassigned_reason
from .stages import finish_staged
from .units import STATE, DatasetReport, Unit, complete_marker, filter_specs, filter_stage, make_maker
from .validation import check
from .writer import atomic_write_bytes, atomic_write_text, remove_partial, write_json

__all__ = ["BuildResult", "assign_split", "build", "capacity_warnings", "plan", "sample", "split_keys",
           "unassigned_reason"]


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
        if ds.splits.global_rule or any(filter_stage(s) != "record" for _, s, _ in filter_specs(recipe, name))
    }


def _prepare(out: Path, recipe: Recipe, resume: bool) -> None:
    """Check that ``--resume`` continues a build of this recipe and these inputs, or empty ``out``."""
    state = out / STATE / "state.json"
    recipe_hash = recipe.content_hash()
    inputs = input_digests(recipe.model_dump(mode="json"))
    if resume and state.is_file():
        previous = json.loads(state.read_text())
        if previous.get("recipe_hash") != recipe_hash:
            raise DsgenError(
                f"--resume: '{out}' holds a build of a different recipe (hash {previous.get('recipe_hash')}, "
                f"this one {recipe_hash}); build into another folder, or drop --resume to rebuild it from scratch"
            )
        if inputs and "inputs" not in previous:
            raise DsgenError(f"--resume: '{out}' was built by a dsgen that did not record the hashes of its input "
                             "files, so whether they changed cannot be told: drop --resume to rebuild from scratch")
        before = previous.get("inputs", {})
        changed = [f"'{now['path']}' ({where})" for where, now in inputs.items() if before.get(where) != now]
        changed += [f"'{was['path']}' ({where}, now missing)" for where, was in before.items() if where not in inputs]
        if changed:
            raise DsgenError(
                f"--resume: input {', '.join(changed)} changed since '{out}' was built from it; its records "
                f"would mix old and new input: drop --resume to rebuild from scratch"
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
    write_json(state, {"recipe_hash": recipe_hash, "inputs": inputs, "recipe": recipe.model_dump(mode="json")})


def build(
    recipe: Recipe | str | Path | None = None,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    resume: bool = False,
    progress: Callable[[str, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    executor: str | None = None,
    ray_address: str | None = None,
) -> BuildResult:
    """Build ``recipe`` (a Recipe, a path, or None for the default recipe) into ``out``.

    ``workers`` defaults to the number of CPUs; the output is the same for any value.
    ``progress(dataset, n)`` is called as units of ``n`` records finish (or are found complete by
    ``resume``); ``stage(text)`` as the build moves on ('checking …', 'building', 'finishing: …').
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
    stage = stage or (lambda text: None)
    if resume:
        stage(f"checking the {plural(len(units), 'unit')} of the earlier build")
        for unit in units:
            marker = complete_marker(out, unit)
            if marker is not None:
                markers[unit] = marker
                if progress:
                    progress(unit.dataset, unit.stop - unit.start)
    reused = len(markers)
    pending = [(u, u.dataset in staged) for u in units if u not in markers]
    name = executor or ("ray" if ray_address else recipe.executor)
    address = ray_address or (recipe.ray_address if name == "ray" else None)
    with executor_for(name, recipe, out, workers=workers, address=address) as runner:
        stage("building")
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
        from .card import license_warning

        warnings = capacity_warnings(recipe) + license_warning(recipe)
        if staged:
            warnings += finish_staged(recipe, out, units, markers, staged, reports, model_pool=runner.model_pool,
                                      stage=stage)
    _check_not_empty(recipe, reports)
    stage("writing the manifest and the dataset card")
    _finish(out, recipe, units, markers, reports)
    return BuildResult(out, recipe, reports, time.perf_counter() - started, len(units), reused, warnings)


def _check_not_empty(recipe: Recipe, reports: dict[str, DatasetReport]) -> None:
    """A dataset that yielded no record is an error (before the build looks complete), unless allowed."""
    for name, report in reports.items():
        if report.written == 0 and not recipe.datasets[name].allow_empty:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in report.rejects.most_common(3))
            raise DsgenError(
                f"dataset '{name}' yielded no records: all {report.requested:,} were dropped"
                f"{f' ({reasons})' if reasons else ''}; fix the recipe (`output.rejects: true` keeps the dropped "
                f"records with their reason), or set 'allow_empty: true' on the dataset if an empty config is meant"
            )


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


def _write_extra_configs(out: Path, recipe: Recipe, reports: dict[str, DatasetReport]) -> dict[str, dict[str, Any]]:
    """Write the configs builders ship beside their records (``Builder.extra_configs``), one Parquet file each,
    named after the dataset when two would share a name; {config: {dataset, rows, files}} for the manifest.
    Each such builder's ``source_report()`` goes into its dataset's report."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written: dict[str, dict[str, Any]] = {}
    for dataset, ds in recipe.datasets.items():
        builder = registry.load("builder", ds.builder)(**ds.params)
        if type(builder).extra_configs is Builder.extra_configs and type(builder).source_report is Builder.source_report:
            continue
        builder.setup()
        reports[dataset].source = builder.source_report()
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
    extras = _write_extra_configs(out, recipe, reports)
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
                **({"source": r.source} if r.source else {}),
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
