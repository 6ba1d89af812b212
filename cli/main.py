"""The ``dsgen`` command: parses arguments and calls the public API (heavy imports stay inside commands)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from dsgen import __version__

#: a build estimated larger than this asks first (``--yes`` skips the question)
CONFIRM_BYTES = 20 * 10**9


class UserError(click.ClickException):
    """Bad input: one paragraph on stderr, exit code 2, no traceback."""

    exit_code = 2


def user_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from dsgen.errors import DsgenError

        try:
            return fn(*args, **kwargs)
        except DsgenError as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:  # the file system said no: a folder not writable, a name too long, a full disk
            raise UserError(os_error_message(exc)) from None

    return wrapper


def os_error_message(exc: OSError) -> str:
    """An OSError as one line naming the file and what the system said, without a traceback."""
    import errno

    where = " -> ".join(f"'{f}'" for f in (exc.filename, exc.filename2) if f is not None)
    what = exc.strerror or str(exc)
    hint = {
        errno.EACCES: "choose a folder you can write to (-o) or fix its permissions",
        errno.EPERM: "choose a folder you can write to (-o) or fix its permissions",
        errno.ENAMETOOLONG: "use shorter dataset, split or folder names",
        errno.ENOSPC: "free some disk space or build into another disk (-o), then resume with --resume",
        errno.EROFS: "choose a writable folder (-o)",
    }.get(exc.errno)
    return f"{what}: {where or '(no file named)'}" + (f"; {hint}" if hint else "")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dsgen")
def main() -> None:
    """Build verifiable post-training datasets for LLMs.

    Every record carries what is needed to grade a model's answer (a verifier and a reference
    answer), a difficulty in [0, 1] and its provenance; the same recipe and seed give byte-identical
    output whatever the number of workers. Start with `dsgen build` (the embedded default recipe),
    `dsgen list` (the builders) and `dsgen recipe` (a recipe to copy).
    """


@main.command()
@click.argument("recipe", required=False, type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Override a recipe value, e.g. --set datasets.math_compose.count=50000 (repeatable; YAML values).")
@click.option("--seed", type=int, help="Override the recipe's seed.")
@click.option("-o", "--out", type=click.Path(file_okay=False), help="Output folder (default: the recipe's output.dir).")
@click.option("-w", "--workers", type=click.IntRange(min=1),
              help="Worker processes (default: all CPUs); with --executor ray, the CPUs of a local Ray instance.")
@click.option("--resume", is_flag=True, help="Continue an interrupted build, reusing its complete, verified shards.")
@click.option("--executor", type=click.Choice(["local", "ray"]),
              help="Where units run: local worker processes or Ray (default: the recipe's executor, local).")
@click.option("--ray-address", metavar="ADDRESS",
              help="Ray cluster to run on (implies --executor ray; 'auto' finds one started by `ray start`).")
@click.option("--spacy-model", metavar="NAME", help="Installed spaCy pipeline for builders that extract entities.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary table.")
@click.option("--push", "push_", is_flag=True, help="Then push the folder to the recipe's hub.repo_id (see `dsgen push`).")
@click.option("--token", metavar="TOKEN", help="Hugging Face token for --push (default: HF_TOKEN or `hf auth login`).")
@click.option("-y", "--yes", is_flag=True,
              help=f"Build even when the estimate exceeds {CONFIRM_BYTES // 10**9} GB (without asking on a terminal).")
@user_errors
def build(recipe: str | None, overrides: tuple[str, ...], seed: int | None, out: str | None, workers: int | None,
          resume: bool, executor: str | None, ray_address: str | None, spacy_model: str | None, quiet: bool,
          push_: bool, token: str | None, yes: bool) -> None:
    """Build the datasets of RECIPE (a YAML file; the embedded default recipe when omitted).

    The output folder is laid out as a Hugging Face dataset repository (README.md with configs,
    data/<config>/<split>-*.parquet, manifest.json of shard hashes): load it with
    datasets.load_dataset(folder, config).
    """
    import dsgen

    params = {"spacy_model": spacy_model} if spacy_model else {}
    if recipe is None:
        loaded = dsgen.default_recipe(overrides=list(overrides), seed=seed, out=out, params=params)
    else:
        loaded = dsgen.load_recipe(recipe, overrides=list(overrides), seed=seed, out=out, params=params)
    if push_:  # fail before a long build, not after it
        from dsgen.hub import check_repo_id, resolve_token

        if not loaded.hub.repo_id:
            raise UserError("--push needs 'hub: {repo_id: owner/name}' in the recipe (or use `dsgen push FOLDER REPO_ID`)")
        check_repo_id(loaded.hub.repo_id)
        token = resolve_token(token)
    _check_size(loaded, yes)
    result = _run_build(loaded, quiet, workers=workers, resume=resume, executor=executor, ray_address=ray_address)
    if push_:
        _push(result.out, None, token=token)


def _check_size(recipe, yes: bool) -> None:
    """Stop a build that cannot fit on the disk, and ask (or need --yes) before a very large one."""
    from pathlib import Path

    from dsgen.errors import plural
    from dsgen.sizing import estimate, human_bytes

    est = estimate(recipe, Path(recipe.output.dir))
    what = (f"this build makes {plural(est.records, 'record')} in {plural(est.units, 'unit')}, about "
            f"{human_bytes(est.bytes)} of Parquet (estimated from a sample)")
    if est.free is not None and est.bytes > est.free:
        raise UserError(f"{what}, but '{recipe.output.dir}' has {human_bytes(est.free)} free: lower the counts, "
                        "or build into a larger disk with -o")
    if est.bytes <= CONFIRM_BYTES or yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{what}; pass --yes to build it (or lower the counts)")
    click.confirm(f"{what}. Build it?", abort=True, err=True)


def _run_build(recipe, quiet: bool, **options: Any):
    """``dsgen.build`` with a progress bar and a summary table unless ``quiet``; Ctrl-C says how to resume."""
    import dsgen

    try:
        if quiet:
            return dsgen.build(recipe, **options)
        from rich.console import Console

        from dsgen.report import BuildProgress, summary

        with BuildProgress(recipe) as progress:
            result = dsgen.build(recipe, progress=progress, stage=progress.stage, **options)
        Console().print(summary(result))
        return result
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: the units finished so far are kept in '{recipe.output.dir}'; run the same command with "
                   "--resume to continue from them", err=True)
        sys.exit(130)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["auto", "gsm8k", "math"]), default="auto", show_default=True,
              help="Input format (auto: from the column names).")
@click.option("--split", "input_split", metavar="NAME", help="Split to read from an input folder holding several.")
@click.option("--set", "params", multiple=True, metavar="KEY=VALUE",
              help="A math.annotate parameter, e.g. --set question_column=prompt (repeatable; YAML values).")
@click.option("--responses", type=click.Path(exists=True, dir_okay=False),
              help="Response matrix (CSV / Parquet, long or wide) of model × item correctness.")
@click.option("--irt", type=click.Choice(["none", "1pl", "2pl"]), default="1pl", show_default=True,
              help="IRT model fitted to --responses.")
@click.option("--difficulty-from", type=click.Choice(["auto", "features", "pass_rate", "irt"]), default="auto",
              show_default=True, help="auto: irt with --responses (pass_rate with --irt none), else features.")
@click.option("--split-by", type=click.Choice(["quantile", "bins", "difficulty", "level"]),
              help="Split by difficulty (default: one train split).")
@click.option("--quantiles", metavar="NAME=SHARE,...", help="Shares for --split-by quantile (easy=0.3,medium=0.4,hard=0.3).")
@click.option("--thresholds", metavar="NAME=BOUND,...",
              help="Upper bounds for --split-by difficulty (easy=0.35,medium=0.6,hard=1.0).")
@click.option("--bins", type=click.IntRange(2, 1000), help="Number of equal-size bins for --split-by bins (default 3).")
@click.option("--curriculum", is_flag=True, help="Write each split easiest first.")
@click.option("--skip-missing", is_flag=True, help="Skip rows without a question or final answer instead of stopping.")
@click.option("--name", help="Dataset (config) name (default: the input's file name).")
@click.option("-o", "--out", type=click.Path(file_okay=False), help="Output folder (default: <name>-annotated).")
@click.option("-w", "--workers", type=click.IntRange(min=1), help="Worker processes (default: all CPUs).")
@click.option("--resume", is_flag=True, help="Continue an interrupted annotation, reusing its complete shards.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary table.")
@user_errors
def annotate(input_path: str, fmt: str, input_split: str | None, params: tuple[str, ...], responses: str | None,
             irt: str, difficulty_from: str, split_by: str | None, quantiles: str | None, thresholds: str | None,
             bins: int | None, curriculum: bool, skip_missing: bool, name: str | None, out: str | None,
             workers: int | None, resume: bool, quiet: bool) -> None:
    """Annotate INPUT (GSM8K / MATH-format JSONL, JSON, Parquet or a datasets folder) with difficulty.

    Each row becomes a dsgen record (prompt, exact answer, verifier, difficulty features); with
    --responses, per-item pass rates and an IRT fit give the difficulty. The whole input is checked
    before anything is written.
    """
    from dsgen.annotate import annotation_recipe
    from dsgen.recipe import apply_override

    for flag, value, rule in (("--quantiles", quantiles, "quantile"), ("--thresholds", thresholds, "difficulty"),
                              ("--bins", bins, "bins")):
        if value is not None and split_by != rule:
            raise UserError(f"{flag} applies to --split-by {rule}"
                            f"{f', not --split-by {split_by}' if split_by else ', which was not given'}")

    values: dict[str, Any] = {}
    for item in params:
        apply_override(values, item)
    values.update(format=fmt, split=input_split, responses=responses, irt=irt, difficulty_from=difficulty_from,
                  on_missing_answer="skip" if skip_missing else "error")
    recipe = annotation_recipe(input_path, name=name, split_by=split_by, quantiles=quantiles, thresholds=thresholds,
                               bins=bins, curriculum=curriculum, out=out, **values)
    _run_build(recipe, quiet, workers=workers, resume=resume)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.argument("repo_id", required=False)
@click.option("--private/--public", default=None, help="Visibility of a repo this push creates (default: recipe's hub.private).")
@click.option("--revision", metavar="BRANCH", help="Commit to this branch, created from main if missing.")
@click.option("--create-pr", is_flag=True, help="Open a pull request instead of committing to the branch.")
@click.option("--token", metavar="TOKEN", help="Hugging Face token (default: HF_TOKEN, then the `hf auth login` cache).")
@user_errors
def push(folder: str, repo_id: str | None, private: bool | None, revision: str | None, create_pr: bool,
         token: str | None) -> None:
    """Publish FOLDER (a dsgen build) to the Hub dataset repo REPO_ID (owner/name) in one commit.

    REPO_ID and the options default to the hub: section of the folder's recipe.yaml. The folder is
    validated first; .dsgen/ is not uploaded; remote data/, rejects/ and figures/ files the build no
    longer has are removed in the same commit. An unchanged folder makes no commit. Prints the commit
    (or pull request) URL. Honours HF_ENDPOINT.
    """
    _push(folder, repo_id, private=private, revision=revision, create_pr=create_pr or None, token=token)


def _push(folder, repo_id: str | None, **options: Any) -> None:
    import dsgen
    from dsgen.hub import PushFailed

    try:
        result = dsgen.push(folder, repo_id, **options)
    except PushFailed as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if result.changed:
        what = "pull request" if result.pr_url else f"commit on {result.revision}"
        from dsgen.errors import plural

        click.echo(f"pushed {plural(result.files, 'file')} to {result.repo_id} ({what}"
                   f"{', ' + plural(result.deleted, 'stale file') + ' removed' if result.deleted else ''}): {result.url}")
    else:
        click.echo(f"{result.repo_id}@{result.revision} already has these files: no commit made ({result.commit_url})")


@main.command("list")
def list_builders() -> None:
    """List the registered builders (built-in and plugins) with a one-line description."""
    from rich.console import Console
    from rich.table import Table

    from dsgen import registry
    from dsgen.builder import Wrapper

    table = Table(box=None, pad_edge=False)
    for column in ("builder", "kind", "description"):
        table.add_column(column)
    for name in registry.names("builder"):
        try:
            cls = registry.load("builder", name)
        except Exception as exc:  # a broken plugin must not hide the others
            table.add_row(name, "?", f"[red]cannot be loaded: {exc}[/]")
            continue
        role = f"{cls.kind} (wrapper)" if issubclass(cls, Wrapper) else cls.kind
        table.add_row(name, role, cls.description)
    Console().print(table)


@main.command()
@click.argument("name")
@click.option("-n", "--count", default=3, show_default=True, type=click.IntRange(0, 100), help="Sample records.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--index", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1 - 10_000),
              help="First sample index.")
@click.option("--set", "params", multiple=True, metavar="KEY=VALUE", help="A builder parameter (YAML value).")
@click.option("--dataset", default="sample", show_default=True,
              help="Dataset name of a build, to reproduce that build's records (with its --seed).")
@click.option("--schema/--no-schema", "show_schema", default=False, show_default=True,
              help="Also print the record schema (JSON Schema of the builder's kind; long).")
@user_errors
def show(name: str, count: int, seed: int, index: int, params: tuple[str, ...], dataset: str,
         show_schema: bool) -> None:
    """Show builder NAME: its parameters (types, defaults, ranges, valid names) and sample records."""
    from pydantic import ValidationError
    from rich.console import Console
    from rich.json import JSON
    from rich.table import Table

    import dsgen
    from dsgen import registry
    from dsgen.builder import Wrapper
    from dsgen.recipe import apply_override
    from dsgen.records import dumps
    from dsgen.validation import schema

    cls = registry.load("builder", name)
    values: dict[str, Any] = {}
    for item in params:
        apply_override(values, item)
    try:  # before anything is printed, naming the --set values rather than an internal recipe
        cls.Params.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"--set {'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}".replace("--set :", "--set:")
            for e in exc.errors()
        )
        raise UserError(f"builder '{name}': {problems}") from None
    console = Console()
    console.print(f"[bold]{name}[/] — {cls.description}\n")
    table = Table(title="parameters", title_justify="left")
    for column in ("name", "type", "default", "range", "description"):
        table.add_column(column)
    properties = cls.Params.model_json_schema().get("properties", {})
    for pname, prop in properties.items():
        table.add_row(pname, _type_of(prop), dumps(prop.get("default", "(required)")), _range_of(prop),
                      prop.get("description", ""))
    console.print(table)
    for pname, prop in properties.items():
        if prop.get("choices"):
            console.print(f"[bold]{pname}[/]: {', '.join(map(str, prop['choices']))}", highlight=False)
    if show_schema:
        console.print(f"\n[bold]record schema[/] ({cls.kind}.schema.json)")
        console.print(JSON(dumps(schema(cls.kind))))
    else:
        console.print(f"\nrecords follow {cls.kind}.schema.json (print it with --schema)", highlight=False)
    if count and not issubclass(cls, Wrapper):
        for record in dsgen.sample(name, values, count=count, seed=seed, start=index, dataset=dataset):
            console.print(f"\n[bold]sample[/] (seed {seed}, index {record['provenance']['index']})")
            console.print(JSON(dumps(record)))


def _type_of(prop: dict) -> str:
    if "anyOf" in prop:
        return " | ".join(_type_of(p) for p in prop["anyOf"])
    if "enum" in prop:
        return " | ".join(map(str, prop["enum"]))
    if prop.get("type") == "array":
        return f"list[{_type_of(prop.get('items', {}))}]"
    return prop.get("type", prop.get("$ref", "any").rsplit("/", 1)[-1])


def _range_of(prop: dict) -> str:
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low}..{'' if high is None else high}"


@main.command()
@click.argument("path", type=click.Path(exists=True))
@user_errors
def validate(path: str) -> None:
    """Check a built folder, a Parquet or a JSONL file against the record schemas (exit 1 if invalid).

    A folder's shards are also checked against the hashes in its manifest.json.
    """
    import dsgen

    report = dsgen.validate_path(path)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    from dsgen.errors import plural

    click.echo(f"{plural(report.records, 'record')} in {plural(report.files, 'file')}: "
               f"{'all valid' if report.ok else plural(len(report.problems), 'problem')}")
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("data", type=click.Path(exists=True))
@click.option("-c", "--completions", required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSONL or Parquet of {id, completion} rows (completion: text or chat messages).")
@user_errors
def score(data: str, completions: str) -> None:
    """Grade model completions against the records of DATA (a built folder or file): mean and per level."""
    from rich.console import Console
    from rich.table import Table

    import dsgen
    from dsgen.errors import plural

    report = dsgen.score_file(data, completions)
    if report.max_samples == 1:
        click.echo(f"{plural(report.samples, 'completion')} scored, mean {report.mean:.4f}")
    else:
        each = (f"{report.min_samples} each" if report.min_samples == report.max_samples
                else f"{report.min_samples} to {report.max_samples} each")
        passes = ", ".join(f"pass@{k} {report.pass_at(k):.4f}" for k in report.ks())
        click.echo(f"{plural(report.samples, 'completion')} scored as samples of {plural(report.scored, 'record')} "
                   f"({each}): mean {report.mean:.4f} (each record's mean over its samples); {passes} "
                   f"(a sample passes with full reward; unbiased estimate from each record's samples)")
    table = Table()
    for column in ("level", "records", "mean"):
        table.add_column(column, justify="right" if column != "level" else "left")
    for level in report.levels():
        values = report.by_level[level]
        table.add_row(level, f"{len(values):,}", f"{sum(values) / len(values):.4f}")
    Console().print(table)
    if report.missing:
        click.echo(f"{plural(report.missing, 'record')} had no completion")
    if report.unmatched:
        click.echo(f"{plural(report.unmatched, 'completion')} named an id that no record of {data} has: not scored")
    if report.unreadable:
        click.echo(f"{plural(report.unreadable, 'row')} of {data} could not be read as records "
                   f"(see `dsgen validate {data}`)")


@main.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--to", "to", required=True, type=click.Choice(["verl", "openrlhf", "jsonl", "lm-eval"]),
              help="verl Parquet, OpenRLHF JSONL (+ reward_func.py), plain JSONL, or lm-eval task folders.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@click.option("--dataset-path", metavar="PATH_OR_REPO",
              help="lm-eval: where tasks load the data (default: FOLDER's absolute path; a Hub repo after a push).")
@user_errors
def export(folder: str, to: str, out: str, dataset_path: str | None) -> None:
    """Export the build in FOLDER for a trainer or evaluator, one file per config and split."""
    from dsgen.export import export as run

    result = run(folder, to, out, dataset_path=dataset_path)
    for rel, rows in result.files.items():
        click.echo(f"{result.out / rel}\t{rows}")


@main.command()
def recipe() -> None:
    """Print the embedded default recipe (a starting point: dsgen recipe > my.yaml)."""
    from dsgen.recipe import default_recipe_text

    click.echo(default_recipe_text(), nl=False)


if __name__ == "__main__":
    main()
