"""Property-based testing of builders: Hypothesis strategies and the builder contract (``check_builder``).

``check_builder(name)`` runs the contract every builder must pass and, on a failure, raises an
``AssertionError`` naming the minimal (params, seed, index) Hypothesis shrank to and the command
that reproduces the record (``dsgen show NAME --count 1 --seed S --index I --set k=v``). Strategies:
``params(builder)`` (a builder's typed parameters within their declared ranges), ``seeds()``,
``indices()`` and ``records(kind)`` (any record valid under a kind's JSON Schema).

Only tests import this module (it imports Hypothesis at its top); ``import dsgen`` never does.
Optional hooks a builder may declare for the kit (read with ``getattr``):

* ``test_params: ClassVar[dict]`` — per parameter, a fixed value, a ``range`` of integers, or a
  Hypothesis strategy: how the kit draws it (required parameters, or ranges cheaper to test);
* ``reference_completion(self, record) -> str | None`` — a completion that must score 1.0, for
  records whose ``answer`` alone does not (an instruction-following task has no single answer);
* ``capacity(self) -> int`` — how many distinct prompts the parameters allow (duplicates among
  *n* records are then allowed up to about n²/(2·capacity));
* ``__len__(self) -> int`` — a builder over a finite source (record *i* is row *i*, whatever the
  seed) says how many records it has: indices are drawn below it, and variety is checked across
  rows only.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import shlex
import subprocess
import sys
import time
import types
import typing
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal
from fractions import Fraction
from importlib.metadata import entry_points
from typing import Any

import hypothesis
import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from . import registry, scoring
from .builder import Builder, Wrapper
from .errors import DsgenError, Skip
from .records import RecordMaker, arrow_schema, dumps, from_row, to_row
from .validation import BASE_URI, check, schema

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup

#: The dataset name records are made under: ``dsgen show`` uses it by default, so commands need no --dataset.
DATASET = "sample"
#: Every property of the contract; ``check_builder(skip=...)`` names the ones to leave out.
PROPERTIES = (
    "schema", "determinism", "fresh_process", "variety", "answer",
    "difficulty_range", "difficulty_direction", "wrapper",
)
PROFILE_ENV = "DSGEN_HYPOTHESIS_PROFILE"
#: Records per group in the variety check (one group varies the index, one the seed).
VARIETY_GROUP = 10
#: Seconds Hypothesis may spend shrinking a failure before the smallest case found so far is reported.
SHRINK_SECONDS = 15
#: How far from its one declared bound (or its default) an integer or float parameter is drawn.
OPEN_RANGE = 10**6

#: No explain phase: it re-runs a failing case under a tracer, which costs more than it tells here.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile(
    "dsgen-ci",
    max_examples=15,
    phases=_PHASES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dsgen-dev",
    max_examples=100,
    phases=_PHASES,
    derandomize=False,  # explicit: under CI=true Hypothesis's defaults derandomise
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def contract_settings(profile: str | None = None) -> settings:
    """Settings of the contract: ``profile``, else ``$DSGEN_HYPOTHESIS_PROFILE``, else ``dsgen-ci``."""
    name = profile or os.environ.get(PROFILE_ENV) or "dsgen-ci"
    try:
        chosen = settings.get_profile(name)
    except hypothesis.errors.InvalidArgument:
        raise DsgenError(
            f"unknown Hypothesis profile '{name}' (dsgen registers dsgen-ci and dsgen-dev)"
        ) from None
    return settings(chosen, report_multiple_bugs=False)


# --- strategies ---------------------------------------------------------------------------------


def seeds() -> st.SearchStrategy[int]:
    """Recipe seeds."""
    return st.integers(0, 2**32 - 1)


def indices() -> st.SearchStrategy[int]:
    """Record indices."""
    return st.integers(0, 10**6)


def builder_class(builder: str | type[Builder]) -> type[Builder]:
    return registry.load("builder", builder) if isinstance(builder, str) else builder


def params(
    builder: str | type[Builder], overrides: Mapping[str, Any] | None = None
) -> st.SearchStrategy[dict]:
    """Parameter dicts a builder accepts, holding only the values that differ from the defaults.

    Each field is drawn from its type within its ``Field`` bounds: bool, int and float (ge/gt/le/lt;
    an open side reaches ``OPEN_RANGE`` past the other bound or the default), ``Literal`` and enums,
    lists or tuples of those, and ``X | None``. Other fields (free strings, nested models, dicts)
    keep their default; a drawable field is its default or a drawn value, so failures shrink towards
    the defaults. ``test_params`` of the builder, then ``overrides``, replace a field's
    strategy with a fixed value, a ``range`` or a strategy. ``min_x``/``max_x`` pairs are drawn
    ordered; combinations the ``Params`` validators reject are filtered out.
    """
    cls = builder_class(builder)
    model = cls.Params
    spec = {**getattr(cls, "test_params", {}), **(overrides or {})}
    unknown = sorted(set(spec) - set(model.model_fields))
    if unknown:
        raise DsgenError(f"{cls.__name__}: test parameters {unknown} are not fields of {model.__name__}")
    drawn: dict[str, st.SearchStrategy] = {}
    for name, info in model.model_fields.items():
        if name in spec:
            drawn[name] = _spec_strategy(spec[name])
            continue
        if info.is_required():
            raise DsgenError(
                f"{cls.__name__}: parameter '{name}' has no default for the kit to use; declare it in the "
                f"builder's test_params or pass check_builder(params={{'{name}': ...}})"
            )
        default = info.get_default(call_default_factory=True)
        strategy = _field_strategy(info.annotation, info.metadata, default)
        if strategy is not None:  # the default first: Hypothesis shrinks a one_of towards its first branch
            drawn[name] = st.one_of(st.just(default), strategy)
    defaults = _defaults(model)
    return (
        st.fixed_dictionaries(drawn)
        .map(lambda values: _order_pairs(values, frozenset(spec)))
        .map(_jsonable)
        .filter(lambda values: _accepts(model, values))
        .map(lambda values: {k: v for k, v in values.items() if k not in defaults or v != defaults[k]})
    )


def base_params(builder: str | type[Builder], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters of the once-per-builder checks: defaults, with fixed test values (a range's start)."""
    cls = builder_class(builder)
    spec = {**getattr(cls, "test_params", {}), **(overrides or {})}
    values = {}
    for name, value in spec.items():
        if isinstance(value, range):
            values[name] = value.start
        elif not isinstance(value, st.SearchStrategy):
            values[name] = value
    return _jsonable(values)


def _spec_strategy(value: Any) -> st.SearchStrategy:
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, range):
        return st.integers(value.start, value.stop - 1) if value.step == 1 else st.sampled_from(value)
    return st.just(value)


def _bounds(metadata: list, default: Any) -> tuple[Any, Any, bool, bool]:
    low = high = None
    low_open = high_open = False
    for item in metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_open = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
        if getattr(item, "lt", None) is not None:
            high, high_open = item.lt, True
    anchor = default if isinstance(default, (int, float)) and not isinstance(default, bool) else 0
    if low is None:
        low = (high if high is not None else anchor) - OPEN_RANGE
    if high is None:
        high = max(low, anchor) + OPEN_RANGE
    return low, high, low_open, high_open


def _size_limits(metadata: list, choices: int) -> tuple[int, int]:
    low = next((m.min_length for m in metadata if getattr(m, "min_length", None) is not None), 1)
    high = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), choices)
    return low, min(high, choices)


def _field_strategy(annotation: Any, metadata: list, default: Any = None) -> st.SearchStrategy | None:
    """A strategy for one field's type within its bounds, or None when the kit cannot draw it."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_field_strategy(a, metadata, default) for a in args if a is not type(None)]
        if any(o is None for o in options):
            return None
        return st.one_of(*options, *([st.none()] if type(None) in args else []))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low, high, low_open, high_open = _bounds(metadata, default)
        return st.integers(math.floor(low) + low_open, math.ceil(high) - high_open)
    if annotation is float:
        low, high, low_open, high_open = _bounds(metadata, default)
        return st.floats(low, high, exclude_min=low_open, exclude_max=high_open, allow_nan=False)
    if origin in (list, tuple) and args:
        element = args[0]
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            return None
        if typing.get_origin(element) is typing.Literal:
            choices: list = list(typing.get_args(element))
        elif isinstance(element, type) and issubclass(element, enum.Enum):
            choices = list(element)
        else:
            return None
        low, high = _size_limits(metadata, len(choices))
        lists = st.lists(st.sampled_from(choices), min_size=low, max_size=high, unique=True)
        return lists.map(tuple) if origin is tuple else lists
    return None


def _defaults(model: type) -> dict[str, Any]:
    return {
        name: _jsonable(info.get_default(call_default_factory=True))
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def _order_pairs(values: dict[str, Any], fixed: frozenset[str]) -> dict[str, Any]:
    """Swap drawn ``min_x``/``max_x`` that came the wrong way round (so the pair is not filtered away)."""
    values = dict(values)
    for key in list(values):
        pair = "max_" + key[4:]
        if key.startswith("min_") and pair in values and not {key, pair} & fixed:
            low, high = values[key], values[pair]
            if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
                values[key], values[pair] = high, low
    return values


def _jsonable(value: Any) -> Any:
    """``value`` as JSON would give it back (tuples as lists, enums as values): what a recipe holds."""
    return json.loads(dumps(value))


def _accepts(model: type, values: dict[str, Any]) -> bool:
    try:
        model.model_validate(values)
    except (ValidationError, DsgenError):
        return False
    return True


def record_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of records of ``kind`` with every ``$ref`` inlined and ``kind`` fixed.

    ``math+distraction`` is the conjunction of both kinds' schemas. hypothesis-jsonschema needs
    references resolved: the common ``record.schema.json`` and each schema's own ``#/$defs/…``.
    """
    parts = [_inline(schema(part), schema(part)) for part in kind.split("+")]
    return {"allOf": [*parts, {"properties": {"kind": {"const": kind}}}]}


def _inline(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [_inline(item, root, seen) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: v for k, v in node.items() if k not in ("$schema", "$id", "$defs", "title", "description")}
    ref = node.pop("$ref", None)
    resolved = {k: _inline(v, root, seen) for k, v in node.items()}
    if ref is None:
        return resolved
    if ref in seen:
        raise DsgenError(f"schema reference {ref} is recursive; the kit cannot inline it")
    uri, _, pointer = ref.partition("#")
    document = root
    if uri:
        if not uri.startswith(BASE_URI) or not uri.endswith(".schema.json"):
            raise DsgenError(f"schema reference {ref} is outside {BASE_URI}")
        document = schema(uri[len(BASE_URI):-len(".schema.json")])
    target: Any = document
    for token in filter(None, pointer.split("/")):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    target = _inline(target, document, (*seen, ref))
    return {"allOf": [target, resolved]} if resolved else target


def records(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """Records valid under the JSON Schema of ``kind`` (for tests of validators, writers and readers).

    hypothesis-jsonschema reads Drafts 4 to 7: the inlined schema is translated to Draft 7
    (``prefixItems`` → ``items`` + ``additionalItems``, ``dependentRequired``/``dependentSchemas`` →
    ``dependencies``); a schema using a 2019+ keyword with no Draft 7 form is refused. Complex
    schemas generate slowly (seconds per record): keep ``max_examples`` small.
    """
    from hypothesis_jsonschema import from_schema

    return from_schema({"$schema": "http://json-schema.org/draft-07/schema#", **_draft7(record_schema(kind))})


_NO_DRAFT7 = (
    "unevaluatedProperties", "unevaluatedItems", "minContains", "maxContains", "$dynamicRef", "$anchor",
)


def _draft7(node: Any) -> Any:
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    unsupported = [k for k in _NO_DRAFT7 if k in node]
    if unsupported:
        raise DsgenError(
            f"records(): the schema uses {unsupported}, which Draft 7 (hypothesis-jsonschema) cannot express"
        )
    out = {k: _draft7(v) for k, v in node.items()}
    if "prefixItems" in out:
        rest = out.pop("items", None)
        out["items"] = out.pop("prefixItems")
        if rest is not None:
            out["additionalItems"] = rest
    for keyword in ("dependentRequired", "dependentSchemas"):
        if keyword in out:
            out["dependencies"] = {**out.get("dependencies", {}), **out.pop(keyword)}
    return out


# --- the contract -------------------------------------------------------------------------------


def _yaml_value(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf"), allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


@dataclass(frozen=True)
class Case:
    """One record of the contract: a builder, its parameters, a seed and an index (and a wrapper)."""

    builder: str
    params: dict[str, Any]
    seed: int
    index: int
    wrapper: tuple[str, dict[str, Any]] | None = None

    def command(self) -> str:
        """The shell command that reproduces this record."""
        if self.wrapper is not None:
            call = (
                f"import dsgen, json; print(json.dumps(dsgen.sample({self.builder!r}, {self.params!r}, "
                f"count=1, seed={self.seed}, start={self.index}, wrappers=[{self.wrapper!r}]), indent=1))"
            )
            plain = not any(c in call for c in '"$`\\!')
            return f'python -c "{call}"' if plain else f"python -c {shlex.quote(call)}"
        words = ["dsgen", "show", self.builder, "--count", "1"]
        words += ["--seed", str(self.seed), "--index", str(self.index)]
        for key, value in self.params.items():
            words += ["--set", f"{key}={_yaml_value(value)}"]
        return shlex.join(words)

    def describe(self) -> str:
        where = f"params={self.params!r}, seed={self.seed}, index={self.index}"
        return where + (f", wrapper={self.wrapper!r}" if self.wrapper else "")


class ContractError(AssertionError):
    """A builder broke a property of the contract on a (minimal) case."""

    def __init__(self, builder: str, prop: str, problem: str, case: Case | None = None, details: str = ""):
        self.builder, self.prop, self.problem, self.case = builder, prop, problem, case
        lines = [f"dsgen contract: '{builder}' breaks '{prop}': {problem}"]
        if details:
            lines += ["  " + line for line in details.rstrip().splitlines()]
        if case is not None:
            lines.append(f"  minimal example: {case.describe()}")
            lines.append(f"  reproduce: {case.command()}")
        super().__init__("\n".join(lines))


@dataclass
class ContractReport:
    """What ``check_builder`` checked, on how many examples, and what it left out and why."""

    builder: str
    checked: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    examples: int = 0

    def __str__(self) -> str:
        lines = [f"{self.builder}: {len(self.checked)} properties hold over {self.examples} examples"]
        lines += [f"  skipped {prop}: {why}" for prop, why in self.skipped.items()]
        return "\n".join(lines)


def check_builder(
    builder: str | type[Builder],
    *,
    params: Mapping[str, Any] | None = None,
    inner: str = "math.template",
    inner_params: Mapping[str, Any] | None = None,
    profile: str | None = None,
    max_examples: int | None = None,
    difficulty_records: int = 200,
    skip: Collection[str] = (),
) -> ContractReport:
    """Run the builder contract on ``builder`` (a registered name or a Builder/Wrapper class).

    ``params`` overrides how fields are drawn (see :func:`params`); a wrapper is checked around
    records of ``inner`` (with ``inner_params``). ``profile`` names the Hypothesis settings
    (default ``$DSGEN_HYPOTHESIS_PROFILE`` or ``dsgen-ci``), ``max_examples`` overrides its count.
    Raises ``AssertionError`` (a :class:`ContractError`) with the minimal failing case and the
    command that reproduces it; returns a :class:`ContractReport` otherwise.
    """
    unknown = sorted(set(skip) - set(PROPERTIES))
    if unknown:
        raise DsgenError(
            f"check_builder: unknown properties {unknown} in skip; known: {', '.join(PROPERTIES)}"
        )
    conf = contract_settings(profile)
    if max_examples is not None:
        conf = settings(conf, max_examples=max_examples)
    contract = _Contract(builder, params, inner, inner_params, conf, difficulty_records, frozenset(skip))
    contract.run()
    return contract.report


def _registered_name(cls: type) -> str:
    for name in registry.names("builder"):
        try:
            if registry.load("builder", name) is cls:
                return name
        except DsgenError:
            continue
    name = f"{cls.__module__}.{cls.__qualname__}"
    registry.register("builder", name, cls)
    return name


def _perturbed_numbers(value: Fraction, style: str) -> list[str]:
    """Other numbers a careless model might give: off by one, ×10, ÷10, negated, inverted."""
    candidates = [value + 1, value - 1, value * 10, value / 10, -value]
    if value not in (0, 1, -1):
        candidates.append(1 / value)
    out = []
    for number in candidates:
        text = _format_number(number, style)
        if number != value and text not in out:
            out.append(text)
    return out


def _format_number(number: Fraction, style: str) -> str:
    if number.denominator == 1:
        return str(number.numerator)
    if style == "fraction":
        return f"{number.numerator}/{number.denominator}"
    den = number.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    if den != 1:
        return f"{number.numerator}/{number.denominator}"
    return format(Context(prec=60).divide(Decimal(number.numerator), Decimal(number.denominator)), "f")


def _strings(value: Any, out: list[str], skip_key: Callable[[str], bool]) -> None:
    """Short strings (1–6 words) anywhere in ``value``, except under keys ``skip_key`` marks."""
    if isinstance(value, str):
        if 0 < len(value) <= 60 and 1 <= len(value.split()) <= 6:
            out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not skip_key(str(key)):
                _strings(item, out, skip_key)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out, skip_key)


def _verifier_params(verifier: dict[str, Any]) -> list[dict[str, Any]]:
    """The params of a verifier and of every part of an ``all`` verifier."""
    if verifier.get("kind") == "all":
        return [p for part in verifier["params"].get("parts", ()) for p in _verifier_params(part)]
    return [verifier.get("params") or {}]


def _as_number(answer: str) -> Fraction | None:
    """The value of a plain numeric answer (``12``, ``-2.5``, ``3/4``), else None."""
    plain = answer.strip()
    if not plain.lstrip("-").replace(".", "", 1).replace("/", "", 1).isdigit():
        return None
    try:
        return Fraction(plain)
    except (ValueError, ZeroDivisionError):
        return None


def wrong_answers(record: dict[str, Any]) -> list[str]:
    """Answers that must not score 1.0: other numbers, other entities of the record, near misses."""
    from .verifiers.answer_match import normalise

    answer = record.get("answer")
    if not answer:
        return []
    all_params = _verifier_params(record["verifier"])
    value = _as_number(answer)
    if value is not None:
        tolerances = [float(p["rel_tol"]) for p in all_params if isinstance(p.get("rel_tol"), (int, float))]
        tolerance = Fraction(max(tolerances, default=0))
        style = "fraction" if "/" in answer else "decimal"
        wrong = _perturbed_numbers(value, style)
        return [w for w in wrong if abs(Fraction(w) - value) > tolerance * abs(value)]
    accepted = {normalise(answer)} | {normalise(a) for p in all_params for a in p.get("aliases", ()) or ()}
    words = answer.split()
    candidates = [" ".join(words[:-1]), " ".join(words[1:])] if len(words) > 1 else []
    if len(answer.strip()) >= 4:
        candidates.append(answer.strip()[: len(answer.strip()) // 2])
    others: list[str] = []
    for p in all_params:
        _strings(p.get("reject", []), others, lambda key: False)
    _strings(record.get("metadata", {}), others, lambda key: "alias" in key.casefold())
    out: list[str] = []
    for text in candidates + others[:32]:
        norm = normalise(text)
        if norm and norm not in accepted and text not in out:
            out.append(text)
        if len(out) >= 6:
            break
    return out


def answer_completions(record: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(completions that must score 1.0, completions that must not) built from the record's answer.

    Right: the answer bare, as "The answer is X." and as "#### X". Wrong: empty output, each wrong
    answer bare and in a sentence, and hedges listing the answer with a wrong one (either order,
    in prose, bare, and as two final-answer lines).
    """
    answer = record.get("answer")
    if answer is None:
        return [], [""]
    right = [answer, f"The answer is {answer}.", f"#### {answer}"]
    wrong = [""]
    others = wrong_answers(record)
    for other in others:
        wrong += [other, f"The answer is {other}."]
    if others:
        w = others[0]
        marker = "####" if _as_number(answer) is not None else "Answer:"
        wrong += [
            f"The answer is {answer} or {w}.",
            f"The answer is either {w} or {answer}.",
            f"{w} or {answer}",
            f"{marker} {w}\n{marker} {answer}",
        ]
    return right, wrong


class _Contract:
    """One run of the contract on one builder or wrapper."""

    def __init__(self, builder, overrides, inner, inner_params, conf, difficulty_records, skip):
        self.cls = builder_class(builder)
        self.name = builder if isinstance(builder, str) else _registered_name(self.cls)
        self.is_wrapper = issubclass(self.cls, Wrapper)
        self.overrides = dict(overrides or {})
        self.inner = inner
        self.inner_params = _jsonable(dict(inner_params or {}))
        self.settings = conf
        self.difficulty_records = difficulty_records
        self.skip = skip
        self.report = ContractReport(self.name)
        self.refusals: Counter = Counter()
        self.ran: set[str] = set()
        self.instances: dict[str, tuple] = {}  # set-up builders of the last few params, reused
        self.fresh_checked: set[str] = set()

    def _error(self, prop: str, problem: str, case: Case | None = None, details: str = "") -> ContractError:
        return ContractError(self.name, prop, problem, case, details)

    # -- making records --

    def _subject(self, case: Case, fresh: bool = False) -> tuple[Builder, list[tuple[str, Wrapper]]]:
        """A set-up builder (and wrapper) for ``case``'s params; setup refusing them rejects the example.

        Unless ``fresh``, the instance of earlier examples with the same params is reused (setup can
        be expensive), which also puts each record after whatever that instance made before.
        """
        key = dumps([case.builder, case.params, case.wrapper])
        if not fresh and key in self.instances:
            return self.instances[key]
        try:
            builder = (registry.load("builder", case.builder) if self.is_wrapper else self.cls)(**case.params)
            wrappers = [] if case.wrapper is None else [(case.wrapper[0], self.cls(**case.wrapper[1]))]
        except (ValidationError, DsgenError) as exc:
            raise self._error("schema", f"the parameters were refused: {exc}", case) from exc
        try:
            builder.setup()
            for _, wrapper in wrappers:
                wrapper.setup()
        except DsgenError as exc:
            self.refusals[f"setup refused the parameters: {exc}"] += 1
            hypothesis.reject()
        except Exception as exc:
            raise self._error("schema", f"setup raised {type(exc).__name__}: {exc}", case) from exc
        if not fresh:
            while len(self.instances) >= 4:
                self.instances.pop(next(iter(self.instances)))
            self.instances[key] = builder, wrappers
        return builder, wrappers

    def _check_fresh(self, record: dict | None, case: Case) -> None:
        """A new instance with the same params makes the same record (checked once per params)."""
        key = dumps([case.builder, case.params, case.wrapper])
        if key not in self.fresh_checked:
            self.ran.add("determinism")
            self._check_same(record, self._make(self._subject(case, fresh=True), case), case,
                             "from a fresh builder instance")
            self.fresh_checked.add(key)

    def _make(
        self, built: tuple, case: Case, seed: int | None = None, index: int | None = None
    ) -> dict | None:
        """The record a build makes (None when skipped); an unexpected exception is a contract failure."""
        builder, wrappers = built
        seed = case.seed if seed is None else seed
        index = case.index if index is None else index
        try:
            return RecordMaker(DATASET, case.builder, builder, wrappers, seed=seed).make(index)
        except Skip:
            return None
        except Exception as exc:
            failing = Case(case.builder, case.params, seed, index, case.wrapper)
            raise self._error("schema", f"generate raised {type(exc).__name__}: {exc}", failing) from exc

    def _unwrapped(self, case: Case) -> Case:
        return Case(case.builder, case.params, case.seed, case.index)

    # -- per-example properties --

    def _check_record(self, record: dict, case: Case) -> None:
        if "schema" not in self.skip:
            self.ran.add("schema")
            problem = check(record, as_written=True)
            if problem is not None:
                path, rule, message = problem
                raise self._error("schema", f"the record is invalid at {path} ({rule}): {message}", case)
            try:
                check(record)  # the fast form the build checks against must agree
            except AssertionError as exc:
                raise self._error("schema", str(exc), case) from exc
            try:
                import pyarrow as pa

                row = to_row(record)
                pa.Table.from_pylist([row], schema=arrow_schema())
            except Exception as exc:
                raise self._error("schema", f"the record cannot be written: {exc}", case) from exc
            if from_row(row) != _jsonable(record):
                raise self._error("schema", "the record does not survive to_row/from_row", case)
            try:
                for kind in _verifier_kinds(record["verifier"]):
                    scoring.verifier(kind)
            except DsgenError as exc:
                raise self._error("schema", str(exc), case) from exc
        if "difficulty_range" not in self.skip:
            self.ran.add("difficulty_range")
            value = record["difficulty"]
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise self._error("difficulty_range", f"difficulty {value!r} is not in [0, 1]", case)

    def _check_same(self, first: dict | None, again: dict | None, case: Case, how: str) -> None:
        if dumps(first) != dumps(again):
            details = _first_difference(first, again)
            raise self._error("determinism", f"the same case gave another record {how}", case, details)

    def _check_variety(self, built: tuple, record: dict, case: Case) -> None:
        self.ran.add("variety")
        capacity = getattr(built[0], "capacity", None)
        cap = capacity() if callable(capacity) else None
        size = _size(built[0])
        if size is not None:  # record i is row i of a finite source: only other rows must differ
            others = [(case.index + j) % size for j in range(1, min(VARIETY_GROUP, size))]
            groups = {"indices": [self._make(built, case, index=i) for i in others]}
        else:
            groups = {
                "indices": [self._make(built, case, index=case.index + j) for j in range(1, VARIETY_GROUP)],
                "seeds": [
                    self._make(built, case, seed=(case.seed + j) % 2**32) for j in range(1, VARIETY_GROUP)
                ],
            }
        for label, made in groups.items():
            prompts = [dumps(r["prompt"]) for r in [record, *made] if r is not None]
            n = len(prompts)
            pairs = sum(c * (c - 1) // 2 for c in Counter(prompts).values())
            if cap:
                expected = n * (n - 1) / (2 * cap)
                allowed = math.floor(expected + 3 * math.sqrt(expected) + 1)
                rule = f"about {expected:.2f} expected from capacity() = {cap}"
            else:
                allowed = n * (n - 1) // 8
                rule = "a builder without capacity() may repeat at most a quarter of pairs"
            if pairs > allowed:
                top = Counter(prompts).most_common(1)[0]
                raise self._error(
                    "variety",
                    f"{pairs} pairs of identical prompts among {n} records of different {label} "
                    f"(allowed {allowed}: {rule})",
                    case, f"repeated {top[1]} times: {top[0][:300]}",
                )

    def _check_answer(self, record: dict, case: Case, subject: Builder) -> None:
        """The reference completion scores 1.0; wrong, hedged and empty completions score below 1.0.

        The reference is the builder's ``reference_completion(record)`` when it has one, else the
        record's answer phrased three ways (not for a wrapper, whose added checks the inner
        answer alone need not pass).
        """
        self.ran.add("answer")
        hook = getattr(subject, "reference_completion", None)
        right, wrong = answer_completions(record)
        if callable(hook):
            reference = hook(record)
            right = [] if reference is None else [reference]
        elif self.is_wrapper:
            right = []
        if not right:
            self.report.skipped.setdefault("answer", (
                "only wrong completions were checked: a record had no reference completion (no answer, "
                "or a wrapper's checks on top of it) and the builder has no reference_completion(record) "
                "returning one"))
        for completion in right:
            got = scoring.score(record, completion)
            if got < 1.0:
                raise self._error("answer", f"the reference completion scored {got}", case,
                                    f"completion: {completion[:500]!r}")
        for completion in wrong:
            got = scoring.score(record, completion)
            if got >= 1.0:
                kind = "an empty completion" if not completion else "a wrong or hedged completion"
                raise self._error("answer", f"{kind} scored {got}", case,
                                    f"answer: {record.get('answer')!r}\ncompletion: {completion[:500]!r}")

    def _check_wrapper(self, case: Case) -> None:
        self.ran.add("wrapper")
        inner_built = self._subject(self._unwrapped(case))
        case = _within(case, inner_built[0])
        inner_case = self._unwrapped(case)
        before = self._make(inner_built, inner_case)
        snapshot = dumps(before)  # the wrapper may mutate the very objects ``before`` holds
        wrapped_built = self._subject(case)
        wrapped = self._make(wrapped_built, case)
        after = self._make(inner_built, inner_case)
        if snapshot != dumps(after):
            raise self._error("wrapper", "wrapping changed the inner builder's later records "
                                "(the wrapper mutates objects it was given)", case,
                                _first_difference(json.loads(snapshot), after))
        if before is None or wrapped is None:
            hypothesis.reject()
        self._check_record(wrapped, case)
        if wrapped["kind"] != f"{before['kind']}+{self.cls.kind}":
            raise self._error("wrapper", f"kind {wrapped['kind']!r} is not {before['kind']}+{self.cls.kind}",
                                case)
        if wrapped["answer"] != before["answer"]:
            raise self._error("wrapper", f"answer {before['answer']!r} became {wrapped['answer']!r}", case)
        verifier, inner_verifier = wrapped["verifier"], before["verifier"]
        parts = verifier["params"].get("parts") if verifier["kind"] == "all" else None
        if verifier != inner_verifier and not (parts and parts[0] == inner_verifier):
            problem = "the inner verifier is neither kept nor the first part of 'all'"
            raise self._error("wrapper", problem, case,
                              f"inner: {dumps(inner_verifier)[:300]}\nwrapped: {dumps(verifier)[:300]}")
        if "determinism" not in self.skip:
            self._check_fresh(wrapped, case)
        if "answer" not in self.skip:
            self._check_answer(wrapped, case, wrapped_built[1][0][1])

    def _example(self, case: Case) -> None:
        if case.wrapper is not None:
            self._check_wrapper(case)
            return
        built = self._subject(case)
        case = _within(case, built[0])
        record = self._make(built, case)
        fresh = "determinism" not in self.skip
        if record is None:
            if fresh:
                self._check_fresh(record, case)
            self.refusals["the builder skipped the record"] += 1
            hypothesis.reject()
        # cheapest first: a failing case is re-run many times while Hypothesis shrinks it
        self._check_record(record, case)
        if "answer" not in self.skip:
            self._check_answer(record, case, built[0])
        if fresh:
            self._check_fresh(record, case)
        if "variety" not in self.skip:
            self._check_variety(built, record, case)
        if fresh:
            self._check_same(record, self._make(built, case), case, "after the builder made other records")

    # -- driving --

    def run(self) -> None:
        if self.is_wrapper:
            strategy = params(self.cls, self.overrides).map(
                lambda p: (self.inner, self.inner_params, (self.name, p))
            )
        else:
            strategy = params(self.cls, self.overrides).map(lambda p: (self.name, p, None))
        count = [0]
        failed: set[str] = set()
        first_failure: list[float] = []

        @self.settings
        @hypothesis.given(subject=strategy, seed=seeds(), index=indices())
        def contract(subject, seed, index):
            name, values, wrapper = subject
            case = Case(name, values, seed, index, wrapper)
            key = dumps([name, values, seed, index, wrapper])
            if first_failure and time.monotonic() - first_failure[0] > SHRINK_SECONDS and key not in failed:
                hypothesis.reject()  # shrinking has had its time: keep the smallest failure found so far
            try:
                self._example(case)
            except ContractError:
                failed.add(key)
                first_failure[:] = first_failure or [time.monotonic()]
                raise
            count[0] += 1

        try:
            contract()
        except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck) as exc:
            reasons = "; ".join(f"{n}x {why}" for why, n in self.refusals.most_common(3))
            reasons = reasons or str(exc).splitlines()[0]
            raise self._error("schema", f"no example could be checked ({reasons})") from None
        except BaseExceptionGroup as group:  # Hypothesis's FlakyFailure: the failure did not replay
            found = _first_contract_error(group)
            if found is None:
                raise
            problem = found.problem + (" (and not reproducibly: Hypothesis replayed the case and it passed, "
                                       "so the builder is not deterministic)")
            raise self._error(found.prop, problem, found.case) from group
        self.report.examples = count[0]
        if not self.is_wrapper and "wrapper" not in self.skip:
            self.report.skipped["wrapper"] = f"'{self.name}' is not a wrapper"
        if self.is_wrapper:
            self.report.skipped.setdefault("variety", "a wrapper's variety is its inner builder's")
        if "fresh_process" not in self.skip:
            self._fresh_process()
        if "difficulty_direction" not in self.skip:
            if not self.cls.difficulty_params:
                self.report.skipped["difficulty_direction"] = "the builder declares no difficulty_params"
            else:
                self._difficulty_direction()
        self.report.checked = [p for p in PROPERTIES if p in self.ran and p not in self.report.skipped]

    # -- once per builder --

    def _case(self, values: dict, seed: int = 0, index: int = 0) -> Case:
        """The case of the subject with ``values`` (a wrapper's are its own, around the inner builder)."""
        if self.is_wrapper:
            return Case(self.inner, self.inner_params, seed, index, (self.name, values))
        return Case(self.name, values, seed, index)

    def _fresh_process(self) -> None:
        """The same records, byte for byte, from a new interpreter with another PYTHONHASHSEED."""
        values = base_params(self.cls, self.overrides)
        base = self._case(values)
        cases = [(0, 0), (1, 1), (12345, 987)]
        spec = {
            "builder": base.builder, "params": base.params,
            "wrappers": [list(base.wrapper)] if base.wrapper else [],
            "cases": cases, "register": {},
        }
        for label in dict.fromkeys([base.builder, *([base.wrapper[0]] if base.wrapper else [])]):
            cls = registry.load("builder", label)
            installed = entry_points(group=registry.GROUPS["builder"])
            if any(ep.name == label and ep.load() is cls for ep in installed):
                continue
            if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
                self.report.skipped["fresh_process"] = (
                    f"'{label}' is registered in-process from {cls.__module__}.{cls.__qualname__}, "
                    "which a new interpreter cannot import"
                )
                return
            spec["register"][label] = [cls.__module__, cls.__qualname__]
        here = fresh_records(spec)
        hash_seed = "4242" if os.environ.get("PYTHONHASHSEED") != "4242" else "2424"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from dsgen.testing import fresh_records, _json_out; "
             "_json_out(fresh_records(__import__('json').load(sys.stdin)))"],
            input=json.dumps(spec), capture_output=True, text=True, env=env, timeout=600,
        )
        if proc.returncode != 0:
            raise self._error("fresh_process", "a new interpreter could not make the records",
                                details=proc.stderr[-2000:])
        there = json.loads(proc.stdout.strip().splitlines()[-1])
        self.ran.add("fresh_process")
        for (seed, index), a, b in zip(cases, here, there):
            if a != b:
                case = self._case(values, seed, index)
                raise self._error(
                    "fresh_process",
                    "a new interpreter (another PYTHONHASHSEED) made another record: a random choice "
                    "bypasses the rng passed in (global random, hash() of str, set order, time)", case,
                    _first_difference(json.loads(a), json.loads(b)),
                )

    def _difficulty_direction(self) -> None:
        """Mean difficulty moves the declared way between the lowest and highest workable values."""
        base = base_params(self.cls, self.overrides)
        model = self.cls.Params
        defaults = _defaults(model)
        for pname, direction in self.cls.difficulty_params.items():
            info = model.model_fields.get(pname)
            if info is None:
                raise self._error("difficulty_direction", f"difficulty_params names '{pname}', "
                                    f"which is not a parameter of {model.__name__}")
            spec = {**getattr(self.cls, "test_params", {}), **self.overrides}.get(pname)
            if isinstance(spec, range):
                low, high = spec.start, spec[-1]
            elif info.annotation in (int, float):
                low, high, low_open, high_open = _bounds(info.metadata, defaults.get(pname))
                step = 1 if info.annotation is int else (high - low) * 1e-6
                low, high = low + low_open * step, high - high_open * step
            else:
                self.report.skipped[f"difficulty_direction:{pname}"] = "not a numeric parameter"
                continue
            start = base.get(pname, defaults.get(pname))
            lows = self._workable(pname, low, start, base)
            highs = self._workable(pname, high, start, base)
            if lows is None or highs is None or lows[0] >= highs[0]:
                self.report.skipped[f"difficulty_direction:{pname}"] = (
                    f"no two workable values between {low} and {high}")
                continue
            self.ran.add("difficulty_direction")
            (v_low, p_low, d_low), (v_high, p_high, d_high) = lows, highs
            mean_low, mean_high = sum(d_low) / len(d_low), sum(d_high) / len(d_high)
            if direction * (mean_high - mean_low) <= 0:
                way = "raise" if direction > 0 else "lower"
                raise self._error(
                    "difficulty_direction",
                    f"'{pname}' is declared to {way} difficulty, but mean difficulty is {mean_low:.4f} at "
                    f"{pname}={v_low} and {mean_high:.4f} at {pname}={v_high} "
                    f"({len(d_low)}/{len(d_high)} records)",
                    details=f"low:  {self._case(p_low).command()}\nhigh: {self._case(p_high).command()}",
                )

    def _workable(self, pname: str, extreme: Any, start: Any, base: dict) -> tuple | None:
        """(value, params, difficulties) of the value nearest ``extreme`` that works, bisecting to ``start``.

        A value works when the params validate (a ``min_``/``max_`` partner follows it), setup accepts
        them and at most half of its first 20 records are skipped.
        """
        good = extreme if self._trial(pname, extreme, base, 20) is not None else None
        if good is None:
            if self._trial(pname, start, base, 20) is None:
                return None
            bad, good = extreme, start
            for _ in range(24):
                middle = _between(bad, good)
                if middle in (bad, good):
                    break
                if self._trial(pname, middle, base, 20) is None:
                    bad = middle
                else:
                    good = middle
        return self._trial(pname, good, base, self.difficulty_records)

    def _trial(self, pname: str, value: Any, base: dict, n: int) -> tuple[Any, dict, list[float]] | None:
        values = dict(base, **{pname: value})
        current = {**_defaults(self.cls.Params), **values}
        suffix = pname[4:]
        if pname.startswith("min_") and isinstance(current.get("max_" + suffix), (int, float)):
            values["max_" + suffix] = max(current["max_" + suffix], value)
        if pname.startswith("max_") and isinstance(current.get("min_" + suffix), (int, float)):
            values["min_" + suffix] = min(current["min_" + suffix], value)
        try:
            subject = self.cls(**values)
            subject.setup()
            if self.is_wrapper:
                inner = registry.load("builder", self.inner)(**self.inner_params)
                inner.setup()
                maker = RecordMaker(DATASET, self.inner, inner, [(self.name, subject)], seed=0)
            else:
                maker = RecordMaker(DATASET, self.name, subject, seed=0)
        except (ValidationError, DsgenError):
            return None
        made: list[float] = []
        size = _size(subject if not self.is_wrapper else inner)
        for index in range(n if size is None else min(n, size)):
            try:
                made.append(maker.make(index)["difficulty"])
            except Skip:
                pass
            if index == min(n, 20) - 1 and len(made) < (index + 1) / 2:
                return None
        return value, values, made


def _between(bad: Any, good: Any) -> Any:
    """A value between a failing and a working one: geometric across orders of magnitude, else halfway."""
    if bad > 0 and good > 0 and max(bad, good) / min(bad, good) > 100:
        middle = math.sqrt(bad * good)
    else:
        middle = (bad + good) / 2
    if isinstance(bad, int) and isinstance(good, int):
        return round(middle)
    return middle if abs(good - bad) > 1e-3 * max(1.0, abs(good)) else good


def _size(builder: Builder) -> int | None:
    """How many records a builder over a finite source can make (its ``len``), None when unbounded."""
    return len(builder) if hasattr(builder, "__len__") else None


def _within(case: Case, builder: Builder) -> Case:
    """``case`` with its index brought within a finite builder's records (none: the example is rejected)."""
    size = _size(builder)
    if size is None:
        return case
    if size == 0:
        hypothesis.reject()
    return dataclasses.replace(case, index=case.index % size)


def fresh_records(spec: dict[str, Any]) -> list[str]:
    """Canonical JSON of the records of ``spec`` (builder, params, wrappers, cases): run in both processes."""
    import importlib

    for label, (module, qualname) in spec.get("register", {}).items():
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        registry.register("builder", label, obj)
    builder = registry.load("builder", spec["builder"])(**spec["params"])
    wrappers = [(w, registry.load("builder", w)(**p)) for w, p in spec["wrappers"]]
    builder.setup()
    for _, wrapper in wrappers:
        wrapper.setup()
    size = _size(builder)
    out = []
    for seed, index in spec["cases"]:
        index = index if size is None else index % size
        try:
            out.append(dumps(RecordMaker(DATASET, spec["builder"], builder, wrappers, seed=seed).make(index)))
        except Skip as exc:
            out.append(f"skipped: {exc}")
    return out


def _json_out(value: Any) -> None:
    sys.stdout.write("\n" + json.dumps(value) + "\n")


def _verifier_kinds(verifier: dict[str, Any]) -> list[str]:
    if verifier.get("kind") == "all":
        return [k for part in verifier["params"].get("parts", ()) for k in _verifier_kinds(part)]
    return [verifier["kind"]]


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two JSON values first differ, and how (for failure messages)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key, ...) != b.get(key, ...):
                return _first_difference(a.get(key), b.get(key), f"{path}/{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}/{i}")
    return f"first difference at {path or '/'}: {dumps(a)[:200]} != {dumps(b)[:200]}"


def _first_contract_error(group: BaseExceptionGroup) -> ContractError | None:
    for exc in group.exceptions:
        if isinstance(exc, ContractError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_contract_error(exc)
            if found is not None:
                return found
    return None


__all__ = [
    "PROPERTIES", "Case", "ContractError", "ContractReport", "answer_completions", "base_params",
    "check_builder", "contract_settings", "indices", "params", "record_schema", "records", "seeds",
    "wrong_answers",
]
