"""The builder contract kit: its strategies, its perturbations, and the bugs it must catch (and shrink)."""

from __future__ import annotations

import json
import math
import random
import re
import shlex
import subprocess
import sys
from typing import Any, ClassVar, Literal

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import Field

import dsgen
from dsgen import testing
from dsgen.builder import Builder, Params, Wrapper
from dsgen.errors import DsgenError
from dsgen.recipe import apply_override
from dsgen.records import from_row, to_row
from dsgen.testing import Case, check_builder

FAST = dict(max_examples=8, skip=["fresh_process"])


# --- a correct builder and wrapper, and buggy variants -------------------------------------------


class SumParams(Params):
    max_value: int = Field(100, ge=2, le=10**9, description="largest addend")
    min_terms: int = Field(2, ge=2, le=5)
    max_terms: int = Field(3, ge=2, le=5)
    style: Literal["plain", "story"] = "plain"


def _one_number(completion: str, answer: str | None, params: dict) -> float:
    """A small strict verifier: the completion names exactly one number, and it is the answer."""
    numbers = set(re.findall(r"-?\d+(?:\.\d+)?(?:/\d+)?", completion))
    return 1.0 if numbers == {answer} else 0.0


def _contains(completion: str, answer: str | None, params: dict) -> float:
    """A verifier that accepts any completion mentioning the answer (hedges too: the bug under test)."""
    return 1.0 if answer and answer in completion else 0.0


def _exact(completion: str, answer: str | None, params: dict) -> float:
    """A verifier that accepts only the bare answer ("The answer is 5." fails: too strict for the kit)."""
    return 1.0 if completion.strip() == answer else 0.0


def _lenient_empty(completion: str, answer: str | None, params: dict) -> float:
    """one_number, except that an empty completion passes."""
    return 1.0 if not completion.strip() else _one_number(completion, answer, params)


class Sums(Builder):
    """Correct: sums of 2-5 terms; difficulty grows with max_value and the number of terms."""

    description: ClassVar[str] = "sums (kit test builder)"
    kind: ClassVar[str] = "kitsum"
    Params = SumParams
    difficulty_params: ClassVar[dict[str, int]] = {"max_value": 1, "max_terms": 1}
    verifier: ClassVar[dict[str, Any]] = {"kind": "kit.one_number", "params": {}}
    schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [{"$ref": "https://dsgen.dev/schemas/record.schema.json"}],
        "properties": {
            "answer": {"type": "string", "pattern": "^[0-9]+$"},
            "metadata": {
                "type": "object",
                "required": ["terms"],
                "properties": {"terms": {"type": "array", "items": {"type": "integer", "minimum": 1}}},
            },
        },
    }

    def capacity(self) -> int:
        p = self.params
        return sum(p.max_value**k for k in range(p.min_terms, p.max_terms + 1))

    def terms(self, rng: random.Random) -> list[int]:
        p = self.params
        return [rng.randint(1, p.max_value) for _ in range(rng.randint(p.min_terms, p.max_terms))]

    def difficulty(self, terms: list[int]) -> float:
        return round(0.5 * math.log10(max(terms)) / 9 + 0.5 * (len(terms) - 2) / 3, 6)

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        terms = self.terms(rng)
        text = " + ".join(map(str, terms))
        story = self.params.style == "story"
        prompt = f"Ann adds {text}. What does she get?" if story else f"What is {text}?"
        value = self.difficulty(terms)
        return {
            "prompt": prompt,
            "answer": str(sum(terms)),
            "verifier": self.verifier,
            "difficulty": value,
            "level": "easy" if value < 0.5 else "hard",
            "metadata": {"terms": terms},
        }


class GlobalRandom(Sums):
    def terms(self, rng):
        return [random.randint(1, self.params.max_value) for _ in range(2)]


class HashSeeded(Sums):
    def terms(self, rng):
        return [rng.randint(1, self.params.max_value), 1 + hash("dsgen") % 10**6]


class Constant(Sums):
    def terms(self, rng):
        return [7, 35]


class Stateful(Sums):
    made = 0

    def terms(self, rng):
        self.made += 1
        return [rng.randint(1, self.params.max_value), self.made]


class SharedVerifier(Sums):
    """Returns the same verifier dict in every record (as a module constant would be)."""

    verifier: ClassVar[dict[str, Any]] = {"kind": "kit.one_number", "params": {}}


class Hedgeable(Sums):
    verifier: ClassVar[dict[str, Any]] = {"kind": "kit.contains", "params": {}}


class TooStrict(Sums):
    verifier: ClassVar[dict[str, Any]] = {"kind": "kit.exact", "params": {}}


class EmptyPasses(Sums):
    verifier: ClassVar[dict[str, Any]] = {"kind": "kit.lenient_empty", "params": {}}


class Backwards(Sums):
    difficulty_params: ClassVar[dict[str, int]] = {"max_value": -1}


class BreaksAbove(Sums):
    """Writes a record its schema rejects once max_value exceeds 500 (the kit must shrink to 501)."""

    def generate(self, rng, index):
        item = super().generate(rng, index)
        if self.params.max_value > 500:
            item["metadata"]["terms"] = [0]
        return item


class TagParams(Params):
    label: Literal["a", "b"] = "a"
    min_words: int = Field(0, ge=0, le=3, description="the answer must follow this many words")


class Tag(Wrapper):
    """Correct wrapper: adds a metadata key and an extra check, keeping the inner verifier first."""

    description: ClassVar[str] = "tags a record (kit test wrapper)"
    kind: ClassVar[str] = "kittag"
    Params = TagParams
    schema: ClassVar[dict[str, Any]] = {
        "allOf": [{"$ref": "https://dsgen.dev/schemas/record.schema.json"}],
        "properties": {"metadata": {"type": "object", "required": ["tag"]}},
    }

    def wrap(self, record, rng, index):
        parts = [record["verifier"], {"kind": "kit.contains", "params": {}}]
        verifier = {"kind": "all", "params": {"parts": parts}}
        return {**record, "verifier": verifier, "metadata": {**record["metadata"], "tag": self.params.label}}


class AnswerChanger(Tag):
    def wrap(self, record, rng, index):
        return {**super().wrap(record, rng, index), "answer": record["answer"] + "0"}


class VerifierDropper(Tag):
    def wrap(self, record, rng, index):
        return {**super().wrap(record, rng, index), "verifier": {"kind": "kit.contains", "params": {}}}


class Mutator(Tag):
    def wrap(self, record, rng, index):
        record["verifier"]["params"]["rel_tol"] = 0.5  # edits the inner builder's shared verifier dict
        return super().wrap(record, rng, index)


BUILDERS = {
    "kit.sums": Sums, "kit.global_random": GlobalRandom, "kit.hash_seeded": HashSeeded,
    "kit.constant": Constant, "kit.stateful": Stateful, "kit.hedgeable": Hedgeable,
    "kit.too_strict": TooStrict,
    "kit.empty_passes": EmptyPasses, "kit.backwards": Backwards, "kit.breaks_above": BreaksAbove,
    "kit.tag": Tag, "kit.answer_changer": AnswerChanger, "kit.verifier_dropper": VerifierDropper,
    "kit.mutator": Mutator, "kit.shared": SharedVerifier,
}
for _name, _cls in BUILDERS.items():
    dsgen.register("builder", _name, _cls)
dsgen.register("verifier", "kit.one_number", _one_number)
dsgen.register("verifier", "kit.contains", _contains)
dsgen.register("verifier", "kit.exact", _exact)
dsgen.register("verifier", "kit.lenient_empty", _lenient_empty)


def contract_failure(name: str, **kwargs: Any) -> str:
    with pytest.raises(AssertionError) as failure:
        check_builder(name, **kwargs)
    return str(failure.value)


# --- the contract: what passes, what fails, and how failures are reported ---------------------------


def test_a_correct_builder_passes_every_property():
    report = check_builder("kit.sums")
    assert report.checked == ["schema", "determinism", "fresh_process", "variety", "answer",
                              "difficulty_range", "difficulty_direction"]
    assert report.examples == 15
    assert "wrapper" in report.skipped


def test_a_builder_class_can_be_checked_without_a_name():
    report = check_builder(Sums, **FAST)
    assert report.builder == "kit.sums"


def test_global_random_breaks_determinism():
    message = contract_failure("kit.global_random", **FAST)
    assert "'kit.global_random' breaks 'determinism'" in message
    assert "reproduce: dsgen show kit.global_random --count 1 --seed" in message


def test_hash_of_str_is_caught_in_a_fresh_process():
    message = contract_failure("kit.hash_seeded", max_examples=3)
    assert "breaks 'fresh_process'" in message and "PYTHONHASHSEED" in message
    assert "first difference at /answer" in message
    assert "reproduce: dsgen show kit.hash_seeded --count 1 --seed 0 --index 0" in message


def test_records_that_ignore_the_rng_break_variety():
    message = contract_failure("kit.constant", **FAST)
    assert "breaks 'variety'" in message and "identical prompts" in message
    assert "minimal example: params={}, seed=0, index=0" in message


def test_state_kept_across_records_breaks_determinism():
    message = contract_failure("kit.stateful", **FAST)
    assert "breaks 'determinism'" in message


def test_a_verifier_that_accepts_hedges_breaks_answer():
    message = contract_failure("kit.hedgeable", **FAST)
    assert "breaks 'answer': a wrong or hedged completion scored 1.0" in message
    assert "minimal example: params={}, seed=0, index=0" in message
    assert "reproduce: dsgen show kit.hedgeable --count 1 --seed 0 --index 0" in message


def test_a_verifier_rejecting_the_phrased_reference_breaks_answer():
    message = contract_failure("kit.too_strict", **FAST)
    assert "the reference completion scored 0.0" in message and "The answer is" in message


def test_an_empty_completion_must_not_pass():
    message = contract_failure("kit.empty_passes", **FAST)
    assert "an empty completion scored 1.0" in message


def test_a_fast_form_that_disagrees_with_the_schema_is_reported(monkeypatch):
    from dsgen import validation

    class RejectsAll:
        def is_valid(self, records) -> bool:
            return False

    written = validation._validators
    monkeypatch.setattr(validation, "_validators", lambda kind: (written(kind)[0], RejectsAll()))
    message = contract_failure("kit.sums", max_examples=2, skip=["fresh_process"])
    assert "breaks 'schema': the fast form of the 'kitsum' schemas rejects a record that the schemas accept" in message


def test_difficulty_must_move_the_declared_way():
    message = contract_failure("kit.backwards", max_examples=2, skip=["fresh_process"])
    assert "'max_value' is declared to lower difficulty" in message
    assert "low:  dsgen show kit.backwards --count 1 --seed 0 --index 0 --set max_value=2" in message


def test_failures_shrink_to_the_smallest_failing_parameters():
    message = contract_failure("kit.breaks_above", max_examples=40, skip=["fresh_process"])
    assert "breaks 'schema': the record is invalid at /metadata/terms/0 (minimum)" in message
    assert "minimal example: params={'max_value': 501}, seed=0, index=0" in message
    command = "dsgen show kit.breaks_above --count 1 --seed 0 --index 0 --set max_value=501"
    assert message.splitlines()[-1] == f"  reproduce: {command}"


def test_a_correct_wrapper_passes():
    report = check_builder("kit.tag", inner="kit.sums", max_examples=8)
    assert {"schema", "determinism", "fresh_process", "wrapper", "difficulty_range"} <= set(report.checked)
    assert "answer" in report.skipped  # no reference_completion: only wrong answers are checked


@pytest.mark.parametrize(
    ("name", "inner", "problem"),
    [
        ("kit.answer_changer", "kit.sums", "answer '"),
        ("kit.verifier_dropper", "kit.sums", "the inner verifier is neither kept nor the first part"),
        ("kit.mutator", "kit.shared", "wrapping changed the inner builder's later records"),
    ],
)
def test_broken_wrappers(name, inner, problem):
    message = contract_failure(name, inner=inner, **FAST)
    assert f"'{name}' breaks 'wrapper'" in message and problem in message
    call = f"import dsgen, json; print(json.dumps(dsgen.sample('{inner}', {{}}"
    assert f'reproduce: python -c "{call}' in message


def test_required_parameters_need_test_params():
    class Needs(Params):
        path: str

    class NeedsBuilder(Sums):
        Params = Needs

    with pytest.raises(DsgenError, match="parameter 'path' has no default.*test_params"):
        check_builder(NeedsBuilder)


def test_unknown_skip_names_and_profiles_are_errors(monkeypatch):
    with pytest.raises(DsgenError, match="unknown properties \\['varietyy'\\]"):
        check_builder("kit.sums", skip=["varietyy"])
    monkeypatch.setenv(testing.PROFILE_ENV, "fast")
    with pytest.raises(DsgenError, match="unknown Hypothesis profile 'fast'"):
        check_builder("kit.sums")


def test_profiles(monkeypatch):
    monkeypatch.delenv(testing.PROFILE_ENV, raising=False)
    ci = testing.contract_settings()
    assert (ci.derandomize, ci.max_examples, ci.deadline) == (True, 15, None)
    monkeypatch.setenv(testing.PROFILE_ENV, "dsgen-dev")
    dev = testing.contract_settings()
    assert (dev.derandomize, dev.max_examples) == (False, 100)


def test_the_pytest_fixture_is_the_kit(dsgen_contract):
    assert dsgen_contract is check_builder


def test_import_dsgen_and_the_plugin_stay_light():
    code = (
        "import sys, dsgen, dsgen.pytest_plugin; dsgen.score; dsgen.sample; "
        "heavy = ('hypothesis', 'dsgen.testing', 'hypothesis_jsonschema'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- reproduction commands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["yes", "1.0", "a: b", "", None, True, 3, 2.5, ["add", "sub"], {"a": {"builder": "x", "weight": 0.5}}],
)
def test_set_values_round_trip_through_yaml(value):
    command = Case("kit.sums", {"key": value}, 1, 2).command()
    words = shlex.split(command)
    assert words[:9] == ["dsgen", "show", "kit.sums", "--count", "1", "--seed", "1", "--index", "2"]
    data: dict = {}
    apply_override(data, words[10])
    assert data == {"key": value}


def test_the_command_reproduces_the_record():
    case = Case("kit.sums", {"max_value": 7, "style": "story"}, 99, 5)
    record = dsgen.sample("kit.sums", case.params, count=1, seed=99, start=5)[0]
    from dsgen.cli.main import main

    result = CliRunner().invoke(main, shlex.split(case.command())[1:])
    assert result.exit_code == 0, result.output
    assert record["id"] in result.output and "Ann adds" in result.output


# --- strategies -------------------------------------------------------------------------------------


@settings(settings.get_profile("dsgen-ci"), max_examples=60)
@given(testing.params("math.compose"))
def test_drawn_params_are_accepted_and_within_their_ranges(values):
    from dsgen.builders.math import ComposeParams

    p = ComposeParams.model_validate(values)
    assert 1 <= p.min_steps <= p.max_steps <= 20 and 20 <= p.max_value <= 10**9
    assert "frames" not in values  # a free-form list of names: the kit keeps the default
    assert all(values[k] != ComposeParams.model_fields[k].default for k in values)  # only non-defaults


@settings(settings.get_profile("dsgen-ci"), max_examples=40)
@given(testing.params(Sums, {"max_value": range(10, 21), "style": "story", "min_terms": st.just(3)}))
def test_overrides_replace_field_strategies(values):
    assert 10 <= values["max_value"] <= 20 and values["style"] == "story" and values["min_terms"] == 3


def test_field_strategy_mapping():
    from annotated_types import Ge, Gt, Le, Lt, MaxLen

    draw = testing._field_strategy
    assert draw(str, [], "x") is None and draw(dict[str, int], [], {}) is None
    assert draw(list[str] | None, [], None) is None and draw(tuple[int, ...], [], ()) is None

    @settings(settings.get_profile("dsgen-ci"), max_examples=50)
    @given(
        draw(float, [Gt(0), Le(2)], 1.0),
        draw(int, [Ge(5), Lt(9)], 5),
        draw(int, [], 7),
        draw(list[Literal["a", "b", "c"]] | None, [MaxLen(2)], None),
        draw(tuple[Literal["x", "y"], ...], [], ("x",)),
        draw(bool, [], False),
    )
    def check(f, i, free, options, pair, flag):
        assert 0 < f <= 2 and 5 <= i <= 8 and abs(free - 7) <= testing.OPEN_RANGE
        assert options is None or (1 <= len(options) <= 2 and len(set(options)) == len(options))
        assert isinstance(pair, tuple) and set(pair) <= {"x", "y"} and isinstance(flag, bool)

    check()


def test_record_schemas_are_inlined_and_keep_their_meaning():
    import jsonschema

    record = dsgen.sample("math.compose", count=1)[0]
    inlined = testing.record_schema("math")
    assert "$ref" not in json.dumps(inlined)
    validator = jsonschema.Draft202012Validator(inlined)
    assert validator.is_valid(record)
    assert not validator.is_valid({**record, "difficulty": 1.5})
    assert not validator.is_valid({**record, "kind": "math+kittag"})
    assert not validator.is_valid({**record, "verifier": {"kind": "exact", "params": {}}})
    assert "$ref" not in json.dumps(testing.record_schema("kitsum+kittag"))


# --- perturbations ---------------------------------------------------------------------------------


def test_numeric_perturbations():
    def wrong(answer, params=None):
        verifier = {"kind": "numeric", "params": params or {}}
        return testing.wrong_answers({"answer": answer, "verifier": verifier})

    assert wrong("12") == ["13", "11", "120", "1.2", "-12", "1/12"]
    assert wrong("0") == ["1", "-1"]
    assert wrong("2.5") == ["3.5", "1.5", "25", "0.25", "-2.5", "0.4"]
    assert wrong("3/4") == ["7/4", "-1/4", "15/2", "3/40", "-3/4", "4/3"]
    assert wrong("1000", {"rel_tol": 0.01}) == ["10000", "100", "-1000", "0.001"]


def test_entity_perturbations_leave_out_aliases():
    record = {
        "answer": "Halvard Berg",
        "verifier": {"kind": "answer_match", "params": {"aliases": ["H. Berg"], "reject": ["Halvard Brog"]}},
        "metadata": {
            "answer_aliases": ["Berg"], "city": "Oslo", "clues": ["the Halvard Berg", "born in 1950"],
        },
    }
    wrong = testing.wrong_answers(record)
    assert wrong == ["Halvard", "Berg", "Halvar", "Halvard Brog", "Oslo", "born in 1950"]
    right, bad = testing.answer_completions(record)
    assert right == ["Halvard Berg", "The answer is Halvard Berg.", "#### Halvard Berg"]
    assert "" in bad and "Answer: Halvard\nAnswer: Halvard Berg" in bad and "Halvard or Halvard Berg" in bad


def test_records_without_answer_only_check_the_empty_completion():
    record = {"answer": None, "verifier": {"kind": "distraction", "params": {}}}
    assert testing.answer_completions(record) == ([], [""])


# --- records of each schema: valid, and unchanged through rows, Parquet and `dsgen validate` ---------


def _kinds() -> list[str]:
    from importlib.resources import files

    names = [p.name.removesuffix(".schema.json") for p in files("dsgen.schemas").iterdir()]
    return sorted(n for n in names if n not in ("record", "__init__.py", "__pycache__")) + ["kitsum+kittag"]


def _fits_int64(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_fits_int64(v) for v in value.values())
    if isinstance(value, list):
        return all(_fits_int64(v) for v in value)
    return not isinstance(value, int) or -(2**63) <= value < 2**63


#: hypothesis-jsonschema takes seconds per record of the larger schemas: those run with the dsgen-dev profile.
QUICK_KINDS = {"mixture", "reverse_qa", "kitsum+kittag"}


@pytest.mark.parametrize("kind", _kinds())
def test_schema_records_are_valid_and_round_trip(kind, tmp_path):
    from dsgen.validation import check
    from dsgen.writer import read_parquet, write_parquet

    dev = testing.contract_settings().max_examples > 15
    if kind not in QUICK_KINDS and not dev:
        pytest.skip(f"records of '{kind}' generate slowly: run with {testing.PROFILE_ENV}=dsgen-dev")
    seen: list[dict] = []

    # hypothesis-jsonschema filters internally where a schema has no constructive form (if/then, not)
    @settings(settings.get_profile("dsgen-ci"), max_examples=10 if dev else 3,
              suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
    @given(testing.records(kind))
    def check_one(record):
        # schemas allow any integer; orjson and Arrow's int64 columns stop at 64 bits (reported to the lead)
        assume(_fits_int64(record))
        assert check(record) is None
        assert from_row(to_row(record)) == record
        seen.append(record)

    check_one()
    write_parquet(tmp_path / "data.parquet", seen)
    assert read_parquet(tmp_path / "data.parquet") == seen
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(to_row(r)) + "\n" for r in seen))
    from dsgen.cli.main import main

    result = CliRunner().invoke(main, ["validate", str(tmp_path / "data.jsonl")])
    assert result.exit_code == 0 and f"{len(seen)} records in 1 file: all valid" in result.output


def test_yaml_values_of_drawn_params_parse_back():
    values = {"operations": ["add", "percent"], "max_value": 10**9}
    text = " ".join(f"{k}={testing._yaml_value(v)}" for k, v in values.items())
    assert yaml.safe_load(testing._yaml_value(values["operations"])) == ["add", "percent"]
    assert text == "operations=[add, percent] max_value=1000000000"
