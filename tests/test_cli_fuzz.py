"""Hypothesis fuzzes the command line: generated recipes (valid and broken), completions files,
annotate inputs and files to validate. Whatever the input:

- no command lets an exception escape (a traceback) — click's runner records one as ``exception``;
- exit codes are the documented ones: 0 done, 1 invalid data (``validate``), 2 bad input;
- nothing valid is lost silently: every requested record of a build is written or counted with a
  reason, every completion is scored or counted as unmatched, every input row of annotate becomes a
  record or a counted skip.

Each test runs ``FUZZ_EXAMPLES`` cases (the ``DSGEN_FUZZ_EXAMPLES`` environment variable; the default
keeps the suite near 30 s); ``DSGEN_FUZZ_EXAMPLES=500 pytest tests/test_cli_fuzz.py`` runs a longer
campaign.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from dsgen.writer import read_parquet

FUZZ_EXAMPLES = int(os.environ.get("DSGEN_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=not os.environ.get("DSGEN_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
GSM8K = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
CASES: dict[str, int] = {}


def invoke(*args: str):
    """Run the CLI in-process; fail on an escaped exception (what a user would see as a traceback)."""
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dsgen {' '.join(args)} raised {result.exception!r}:\n{result.output}") \
            from result.exception
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    yield
    cases = {k: n for k, n in CASES.items() if " exit " not in k}
    print(f"\nCLI fuzz: {sum(cases.values())} generated cases ({', '.join(f'{k} {n}' for k, n in CASES.items())})")


def count(kind: str) -> None:
    CASES[kind] = CASES.get(kind, 0) + 1


# --- recipes -------------------------------------------------------------------------------------

VALID_SPLITS = st.one_of(
    st.none(),
    st.sampled_from([{"fractions": {"train": 0.8, "test": 0.2}}, {"fractions": {"train": 1.0}},
                     {"fractions": {"a": 0.5, "b": 0.25, "c": 0.25}},
                     {"by": "level", "levels": {"train": ["easy"], "test": ["hard"]}},
                     {"by": "level", "levels": {"train": ["easy"]}},  # 'hard' records: dropped, counted
                     {"by": "difficulty", "thresholds": {"easy": 0.4, "hard": 1.0}},
                     {"by": "quantile", "fractions": {"easy": 0.3, "hard": 0.7}},
                     {"by": "bins", "bins": 3}, {"by": "bins", "bins": 2, "order": "difficulty"},
                     {"fractions": {"train": 0.5, "test": 0.5}, "order": "difficulty"}]),
)
VALID_FILTERS = st.lists(st.fixed_dictionaries({"filter": st.sampled_from(
    ["toy.drop_odd", "toy.first_answer", "dedup", "dedup.build"])}), max_size=2)
DATASET = st.fixed_dictionaries(
    {"builder": st.sampled_from(["toy.add"] * 4 + ["math.compose"]), "count": st.integers(1, 40)},
    optional={"splits": VALID_SPLITS, "filters": VALID_FILTERS, "allow_empty": st.booleans()},
)
TOY_PARAMS = st.fixed_dictionaries({}, optional={"max_value": st.integers(2, 300), "skip_every": st.integers(0, 4)})
VALID_RECIPES = st.fixed_dictionaries(
    {"name": st.just("fuzz"), "datasets": st.dictionaries(st.sampled_from(["sums", "small", "m", "a.b-c_d"]),
                                                           DATASET, min_size=1, max_size=3)},
    optional={"seed": st.integers(-(2**63), 2**63 - 1), "filters": VALID_FILTERS,
              "output": st.fixed_dictionaries({}, optional={"shard_size": st.integers(1, 25),
                                                            "rejects": st.booleans()})},
)
#: one mistake a user makes: (key path, bad value); None deletes the key
MISTAKES = st.sampled_from([
    (("name",), ""), (("name",), "has space"), (("seed",), 2**64), (("seed",), "x"), (("datasets",), {}),
    (("datasets",), None), (("colour",), "blue"), (("output", "shard_size"), 0), (("output", "shard_size"), "x"),
    (("filters",), [{"filter": "dedupe"}]), (("filters",), "dedup"),
    ((0, "builder"), "toy.ad"), ((0, "builder"), "distraction.inject"), ((0, "count"), 0),
    ((0, "count"), -3), ((0, "count"), "ten"), ((0, "count"), 2.5), ((0, "count"), 10**15), ((0, "builder"), None),
    ((0, "params"), {"max_value": "big"}), ((0, "params"), {"max_value": 1}), ((0, "params"), {"nope": 1}),
    ((0, "params"), {"break_at": 3}), ((0, "params"), {"skip_every": 1}),
    ((0, "splits"), {"fractions": {"train": 0.5}}), ((0, "splits"), {"fractions": {"9x": 1.0}}),
    ((0, "splits"), {"by": "random"}), ((0, "splits"), {"by": "bins", "bins": 1}),
    ((0, "splits"), {"by": "level", "levels": {"train": ["easy", "medum"]}}),
    ((0, "splits"), {"by": "difficulty", "thresholds": {"a": 0.9, "b": 0.2}}),
    ((0, "splits"), {"fractions": {"x" * 150: 1.0}}), ((0, "filters"), [{"filter": "toy.drop_odd", "params": {"a": 1}}]),
    ((0, "extra"), 1), (("datasets", "x" * 300), {"builder": "toy.add", "count": 2}),
    (("datasets", "bad name"), {"builder": "toy.add", "count": 2}),
])


@st.composite
def recipes(draw) -> tuple[dict, bool]:
    """(recipe, broken?): a valid recipe, or one with one or two mistakes in it."""
    recipe = clean(draw(VALID_RECIPES))
    for ds in recipe["datasets"].values():
        if ds["builder"] == "toy.add":
            ds["params"] = draw(TOY_PARAMS)
    mistakes = draw(st.lists(MISTAKES, max_size=2)) if draw(st.booleans()) else []
    for path, value in mistakes:
        target = recipe
        if isinstance(path[0], int):
            target = next(iter(recipe.get("datasets") or {"d": {}}.values()), {}) if isinstance(
                recipe.get("datasets"), dict) else {}
            path = path[1:]
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(target, dict) else {}
        if isinstance(target, dict):
            if value is None:
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
    return recipe, bool(mistakes)


def clean(value: Any) -> Any:
    """Drop None values (an omitted key), so the YAML reads as a user would write it."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    return value


def written_or_counted(out: Path) -> None:
    """Every requested record of every config is in a shard or counted under a reason."""
    manifest = json.loads((out / "manifest.json").read_text())
    for name, config in manifest["configs"].items():
        rows = sum(len(read_parquet(out / rel)) for rel in config["files"])
        assert rows == sum(config["splits"].values())
        assert rows + sum(config["rejects"].values()) == config["requested"], (name, config)


@FUZZ
@given(case=recipes(), garbage=st.one_of(st.none(), st.none(), st.none(),
                                         st.sampled_from(["datasets: [", "- a\n- b", "{x: 1", "", "\t"])))
def test_build_never_tracebacks_and_never_loses_a_record(case, garbage):
    count("build")
    recipe, broken = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "recipe.yaml"
        path.write_text(garbage if garbage is not None else yaml.safe_dump(recipe))
        out = Path(tmp) / "out"
        result = invoke("build", str(path), "-o", str(out), "-q", "-w", "1")
        assert result.exit_code in (0, 2), result.output
        count(f"build exit {result.exit_code}")
        if result.exit_code == 0:
            written_or_counted(out)
            assert invoke("validate", str(out)).exit_code == 0
        else:
            assert result.output.startswith("Error: ") or "Usage:" in result.output, result.output
            if not broken and garbage is None:  # a valid recipe fails only by filtering a dataset empty
                assert "yielded no records" in result.output, result.output


# --- completions for score --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("fuzz-build")
    recipe = folder / "r.yaml"
    recipe.write_text("name: f\ndatasets:\n  s: {builder: toy.add, count: 20, params: {max_value: 30}}\n")
    assert invoke("build", str(recipe), "-o", str(folder / "out"), "-q", "-w", "1").exit_code == 0
    records = [r for p in sorted((folder / "out" / "data").rglob("*.parquet")) for r in read_parquet(p)]
    return folder / "out", records


COMPLETIONS = st.one_of(
    st.text(max_size=30), st.none(), st.integers(), st.just("#### 42"), st.just("The answer is 17."),
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(["assistant", "user", "x"]),
                                    "content": st.one_of(st.text(max_size=20), st.none())}), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@FUZZ
@given(data=st.data())
def test_score_never_tracebacks_and_accounts_for_every_completion(built, data):
    count("score")
    out, records = built
    ids = st.one_of(st.sampled_from([r["id"] for r in records]), st.text(max_size=16), st.integers())
    rows = data.draw(st.lists(st.fixed_dictionaries({"id": ids, "completion": COMPLETIONS}), max_size=30))
    broken = data.draw(st.one_of(st.none(), st.sampled_from(["not json", "[1, 2]", '{"id": "x"}', "\x00"])))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.jsonl"
        lines = [json.dumps(r) for r in rows] + ([broken] if broken is not None else [])
        path.write_text("\n".join(lines) + "\n")
        result = invoke("score", str(out), "-c", str(path))
        assert result.exit_code in (0, 2), result.output
        count(f"score exit {result.exit_code}")
        known = {r["id"] for r in records}
        matched = [r for r in rows if str(r["id"]) in known]
        typed = all(r["completion"] is None or isinstance(r["completion"], (str, dict, list)) for r in rows)
        if broken is None and matched and typed:
            assert result.exit_code == 0, result.output
            from dsgen.inspect import score_file

            report = score_file(out, path)
            assert report.samples + report.unmatched == len(rows)
            assert report.scored + report.missing == len(records)
        else:
            assert result.exit_code == 2 and result.output.startswith("Error: ")


# --- annotate inputs ---------------------------------------------------------------------------------

ANSWERS = st.one_of(
    st.integers(-10**6, 10**6).map(lambda n: f"So it is {n}.\n#### {n}"),
    st.sampled_from(["#### 50%", "#### 1,234", "#### 3.5", "#### -7", "#### $12", "no marker", "#### ", "",
                     "#### four", "#### " + "9" * 300, "#### 1/2"]),
    st.text(max_size=20), st.none(), st.integers(),
)
QUESTIONS = st.one_of(st.text(min_size=1, max_size=40), st.just(""), st.none(),
                      st.just("How many apples are left?"))


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({"question": QUESTIONS, "answer": ANSWERS},
                                           optional={"level": st.sampled_from(["Level 2", "Level 9", "?", 3])}),
                     max_size=12),
       skip=st.booleans(), split_by=st.sampled_from([None, "quantile", "bins", "level", "difficulty"]))
def test_annotate_never_tracebacks_and_accounts_for_every_row(rows, skip, split_by):
    count("annotate")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        out = Path(tmp) / "out"
        args = ["annotate", str(path), "-o", str(out), "-q", "-w", "1", "--format", "gsm8k"]
        args += ["--skip-missing"] if skip else []
        args += ["--split-by", split_by] if split_by else []
        result = invoke(*args)
        assert result.exit_code in (0, 2), result.output
        count(f"annotate exit {result.exit_code}")
        if result.exit_code == 0:
            manifest = json.loads((out / "manifest.json").read_text())
            (config,) = manifest["configs"].values()
            assert sum(config["splits"].values()) + sum(config["rejects"].values()) == len(rows), config
        else:
            assert result.output.startswith("Error: "), result.output


# --- validate ----------------------------------------------------------------------------------------


@FUZZ
@given(lines=st.lists(st.one_of(st.text(max_size=30), st.just("{}"), st.just('{"id": 1}'),
                                st.dictionaries(st.sampled_from(["id", "kind", "prompt", "level"]),
                                                st.one_of(st.text(max_size=5), st.integers()),
                                                max_size=4).map(json.dumps)), max_size=8),
       suffix=st.sampled_from([".jsonl", ".parquet", ".json", ".txt"]))
def test_validate_never_tracebacks(built, lines, suffix):
    count("validate")
    out, _ = built
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_text("\n".join(lines))
        result = invoke("validate", str(path))
        assert result.exit_code in (1, 2) or (result.exit_code == 0 and "all valid" in result.output), result.output
        copy = Path(tmp) / "copy"
        shutil.copytree(out, copy)
        shard = next((copy / "data").rglob("*.parquet"))
        shard.write_bytes(shard.read_bytes()[: len(lines) * 7])
        assert invoke("validate", str(copy)).exit_code == 1
