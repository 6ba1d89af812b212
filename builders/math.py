"""Math word problems with exact answers, GSM8K-style worked solutions and a difficulty score.

Two builders:

* ``math.template`` (:class:`TemplateProblems`) — GSM-Symbolic style scenarios, one YAML file each
  under ``templates/math/scenarios/``: typed variables, constraints and a solution program whose
  expressions run in :mod:`dsgen.expressions` (never ``eval``); question and solution lines are Jinja2.
* ``math.compose`` (:class:`ComposedProblems`) — a random chain of exactly *k* operations rendered
  through the sentence templates and lexicons of ``templates/math/compose.yaml``.

Difficulty (both builders) is ``0.5 * S + 0.25 * M + 0.25 * O``, rounded to 4 places, where
``S = min(1, (steps - 1) / 11)`` (1 step → 0, 12 or more → 1), ``M = min(1, log10(max(1, n)) / 6)``
with ``n`` the largest number in the problem or its solution (10⁶ → 1), and ``O`` the largest
:data:`OPERATION_WEIGHTS` entry over the operations used (1.0 when a non-whole number occurs).
Levels: ``easy`` below 0.35, ``medium`` below 0.6, ``hard`` from 0.6.
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import Field, model_validator

from dsgen.builder import Builder, Params
from dsgen.errors import DsgenError, Skip, did_you_mean
from dsgen.expressions import Expression, ExpressionError, compile_expression, format_number, format_operand
from dsgen.templating import environment, read_text

#: Weight of each kind of operation in the difficulty term ``O``.
OPERATION_WEIGHTS = {
    "add": 0.2, "sub": 0.3, "min": 0.3, "max": 0.3, "abs": 0.3, "mul": 0.5, "round": 0.6, "floor": 0.6,
    "ceil": 0.6, "div": 0.7, "percent": 0.8, "floordiv": 0.8, "mod": 0.8, "pow": 0.9, "gcd": 0.9,
    "is_int": 0.0,
}
#: ``O`` when a problem involves a number that is not whole (money with cents, fractions).
NON_WHOLE_WEIGHT = 1.0
LEVELS = (("easy", 0.35), ("medium", 0.6), ("hard", 1.01))
MAX_ATTEMPTS = 200
VERIFIER = {"kind": "numeric", "params": {}}
_SEP = "\x1e"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def difficulty(steps: int, max_number: float, operations_weight: float) -> tuple[float, str]:
    """The documented difficulty in [0, 1] and its level (see the module docstring)."""
    s = min(1.0, (steps - 1) / 11)
    m = min(1.0, math.log10(max(1.0, max_number)) / 6)
    value = round(0.5 * s + 0.25 * m + 0.25 * operations_weight, 4)
    return value, next(name for name, upper in LEVELS if value < upper)


def operations_weight(operations: list[str] | tuple[str, ...], whole: bool) -> float:
    """The ``O`` term: the heaviest operation used, or ``NON_WHOLE_WEIGHT`` when a number is not whole."""
    if not whole:
        return NON_WHOLE_WEIGHT
    return max((OPERATION_WEIGHTS.get(op, 0.5) for op in operations), default=0.0)


def calculation(expression: str, value: Any) -> str:
    """GSM8K calculator text: ``3*12 = <<3*12=36>>36``."""
    result = format_number(value)
    return f"{expression} = <<{expression}={result}>>{result}"


def _load_yaml(relpath: str) -> Any:
    try:
        return yaml.load(read_text(relpath), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DsgenError(f"templates/{relpath}: invalid YAML: {exc}") from exc


@lru_cache(maxsize=None)
def _lexicon() -> tuple[tuple[tuple[str, dict[str, str]], ...], dict[str, dict[str, str]]]:
    data = _load_yaml("math/lexicon.yaml")
    pronouns = data["pronouns"]
    people = tuple((name, pronouns[p]) for p in sorted(data["names"]) for name in data["names"][p])
    return people, pronouns


def _money(value: Any) -> str:
    cents = value * 100
    if not (isinstance(cents, int) or cents.denominator == 1):
        return format_number(value)
    cents = int(cents)
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _whole(value: Any) -> bool:
    return isinstance(value, int) or value.denominator == 1


# ---------------------------------------------------------------------------------------------
# Text: Jinja2 source, rendered as a str.format pattern when it only substitutes variables
# ---------------------------------------------------------------------------------------------


class _Text:
    """Several Jinja2 sources compiled as one, rendered in one call and split back into parts.

    When the sources only substitute variables (``{{ name }}``), rendering is a ``str.format_map``
    of a pattern built from Jinja's own parse tree; otherwise the compiled Jinja template renders.
    """

    def __init__(self, parts: list[str], origin: str):
        from jinja2 import TemplateSyntaxError, nodes

        self.origin, self.count = origin, len(parts)
        source = _SEP.join(parts)
        env = environment()
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as exc:
            raise DsgenError(f"{origin}: template syntax error: {exc.message}") from exc
        self.names = frozenset(n.name for n in tree.find_all(nodes.Name))
        pieces: list[str] | None = []
        for node in tree.body:
            if not isinstance(node, nodes.Output):
                pieces = None
                break
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    pieces.append(child.data.replace("{", "{{").replace("}", "}}"))
                elif isinstance(child, nodes.Name):
                    pieces.append("{" + child.name + "}")
                else:
                    pieces = None
                    break
            if pieces is None:
                break
        self.pattern = None if pieces is None else "".join(pieces)
        self.template = None if pieces is not None else env.from_string(source)

    def render(self, context: dict[str, str]) -> list[str]:
        text = self.pattern.format_map(context) if self.pattern is not None else self.template.render(context)
        parts = text.split(_SEP)
        if len(parts) != self.count:
            raise DsgenError(f"{self.origin}: the template text must not remove line breaks between parts")
        return parts


# ---------------------------------------------------------------------------------------------
# Template scenarios
# ---------------------------------------------------------------------------------------------

SCENARIO_DIR = "math/scenarios"
_SCENARIO_KEYS = {"name", "topic", "variables", "constraints", "question", "solution", "answer"}
_NUMERIC_KINDS = ("int", "money", "decimal")
_PRONOUN_KEYS = ("he", "He", "his", "His", "him")
_CALC = re.compile(r"\{\{\s*calc\s*\}\}")


@lru_cache(maxsize=None)
def scenario_names() -> tuple[str, ...]:
    """Names of the built-in scenarios (file stems of ``templates/math/scenarios/*.yaml``), sorted."""
    folder = files("dsgen.templates").joinpath(SCENARIO_DIR)
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


class _Variable:
    """One typed variable: how to draw it with the rng, how big its domain is, how to show it."""

    def __init__(self, name: str, spec: Any, known: list[str], origin: str):
        self.name, self.origin = name, f"{origin}: variables.{name}"
        self.keys: tuple[str, ...] = (name,)
        if spec == "name":
            self.kind = "name"
            self.keys = (name,) + tuple(f"{name}_{k}" for k in _PRONOUN_KEYS)
            return
        if not isinstance(spec, dict) or len(set(spec) & {"choice", *_NUMERIC_KINDS}) != 1:
            raise DsgenError(
                f"{self.origin}: expected 'name' or a mapping with one of choice, int, money, decimal "
                f"(and optionally step), got {spec!r}"
            )
        extra = set(spec) - {"choice", "step", *_NUMERIC_KINDS}
        if extra:
            raise DsgenError(f"{self.origin}: unknown key(s) {sorted(extra)}; expected choice/int/money/decimal, step")
        if "choice" in spec:
            self.kind, self.choices = "choice", spec["choice"]
            if not isinstance(self.choices, list) or not self.choices:
                raise DsgenError(f"{self.origin}: 'choice' must be a non-empty list")
            if isinstance(self.choices[0], dict):
                fields = set(self.choices[0])
                if any(not isinstance(c, dict) or set(c) != fields for c in self.choices):
                    raise DsgenError(f"{self.origin}: every choice must be a mapping with the keys {sorted(fields)}")
                self.keys = tuple(f"{name}_{k}" for k in sorted(fields))
            return
        self.kind = next(k for k in _NUMERIC_KINDS if k in spec)
        bounds = spec[self.kind]
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise DsgenError(f"{self.origin}: '{self.kind}' must be a list [low, high] (numbers or expressions)")
        default_step = {"int": 1, "money": "0.01", "decimal": "0.1"}[self.kind]
        self.low, self.high, self.step = (self._bound(b, known) for b in (*bounds, spec.get("step", default_step)))
        if not isinstance(self.step, Expression) and (self.step <= 0 or not self._step_ok(self.step)):
            raise DsgenError(f"{self.origin}: step must be a positive {'whole ' if self.kind == 'int' else ''}number")

    def _step_ok(self, step: Any) -> bool:
        return step > 0 and (self.kind != "int" or _whole(step))

    def _bound(self, bound: Any, known: list[str]) -> Expression | int | Fraction:
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) or (
            isinstance(bound, str) and re.fullmatch(r"\d+(\.\d+)?", bound)
        ):
            return _exact(bound, self.origin)
        return compile_expression(str(bound), names=known, origin=self.origin)

    def domain(self, env: dict[str, Any]) -> tuple[Any, int, Any] | None:
        """(lowest value, number of values, step) of a numeric variable given earlier values; None if empty."""
        low = self.low(env) if isinstance(self.low, Expression) else self.low
        high = self.high(env) if isinstance(self.high, Expression) else self.high
        step = self.step
        if isinstance(step, Expression):
            step = step(env)
            if not self._step_ok(step):
                return None
        if self.kind == "int":
            low, high, step = math.ceil(low), math.floor(high), int(step)
            return (low, (high - low) // step + 1, step) if high >= low else None
        steps = math.floor((Fraction(high) - low) / step)
        return (low, steps + 1, step) if steps >= 0 else None

    def compile_draw(self) -> Any:
        """``draw(rng, env)``: a closure, with the range precomputed when its bounds are constants."""
        if self.kind == "choice":
            choices, count = self.choices, len(self.choices)
            return lambda rng, env: choices[rng.randrange(count)]
        if self.kind == "int" and not any(isinstance(b, Expression) for b in (self.low, self.high, self.step)):
            domain = self.domain({})
            if domain is not None:
                low, count, step = domain
                return lambda rng, env: low + step * rng.randrange(count)
        return self._draw

    def _draw(self, rng: random.Random, env: dict[str, Any]) -> Any:
        domain = self.domain(env)
        if domain is None:
            return None
        low, count, step = domain
        value = low + step * rng.randrange(count)
        return value if isinstance(value, int) else (value.numerator if value.denominator == 1 else value)


def _exact(value: Any, origin: str) -> int | Fraction:
    try:
        number = Fraction(str(value))
    except (ValueError, TypeError):
        raise DsgenError(f"{origin}: expected a number, got {value!r}") from None
    return number.numerator if number.denominator == 1 else number


class _Step:
    """One solution line: ``let: name = expression`` and its Jinja text with ``{{ calc }}``."""

    def __init__(self, index: int, spec: Any, known: list[str], origin: str):
        where = f"{origin}: solution[{index}]"
        if not isinstance(spec, dict) or set(spec) - {"let", "text", "result"} or not {"let", "text"} <= set(spec):
            raise DsgenError(f"{where}: expected a mapping with 'let' (name = expression), 'text' and optional 'result'")
        name, sep, source = str(spec["let"]).partition("=")
        self.name = name.strip()
        if not sep or not self.name.isidentifier() or self.name in known:
            raise DsgenError(f"{where}: 'let' must read 'new_name = expression' with a name not used before")
        self.expression = compile_expression(source, names=known, origin=f"{where}.let")
        self.result = spec.get("result", "whole")
        if self.result not in ("whole", "money", "positive"):
            raise DsgenError(f"{where}: result must be whole, money or positive, got {self.result!r}")
        text = str(spec["text"])
        if len(_CALC.findall(text)) != 1:
            raise DsgenError(f"{where}: text must contain '{{{{ calc }}}}' exactly once")
        self.calc_key = f"calc_{index}"
        self.text = _CALC.sub("{{ " + self.calc_key + " }}", text)

    def accepts(self, value: Any) -> bool:
        if value <= 0:
            return False
        if self.result == "whole":
            return _whole(value)
        if self.result == "money":
            return _whole(value * 100)
        return True


class Scenario:
    """A compiled scenario file: draw variables, run the solution program, render question and solution.

    A scenario file (``templates/math/scenarios/<name>.yaml``) has ``name`` (= the file name), ``topic``,
    ``variables`` (in draw order: ``name`` for a person — which also defines ``<var>_he``, ``_He``,
    ``_his``, ``_His``, ``_him`` — ``{choice: [...]}``, or ``{int|money|decimal: [low, high], step: s}``
    whose bounds and step may be expressions of earlier variables), ``constraints`` (expressions that
    must hold, over variables and solution values), ``question`` (Jinja2), ``solution`` (a list of
    ``{let: "name = expression", text: "Jinja2 with {{ calc }}", result: whole|money|positive}``;
    every value must be positive and, by default, whole) and ``answer`` (a solution name). Texts see
    numbers already formatted (money with cents); templates with control flow also get the raw
    values as ``num`` (``{% if num.count > 1 %}``). Draws failing a constraint are redrawn up to
    ``MAX_ATTEMPTS`` times.
    """

    def __init__(self, name: str, data: Any, file: str):
        self.name, self.file = name, file
        origin = f"templates/{file}"
        if not isinstance(data, dict):
            raise DsgenError(f"{origin}: expected a mapping with keys {sorted(_SCENARIO_KEYS)}")
        unknown = set(data) - _SCENARIO_KEYS
        missing = {"name", "variables", "question", "solution", "answer"} - set(data)
        if unknown or missing:
            raise DsgenError(f"{origin}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        if data["name"] != name:
            raise DsgenError(f"{origin}: 'name' is {data['name']!r} but must equal the file name '{name}'")
        if not isinstance(data["variables"], dict) or not isinstance(data["solution"], list) or not data["solution"]:
            raise DsgenError(f"{origin}: 'variables' must be a mapping and 'solution' a non-empty list")
        known: list[str] = []
        self.variables: list[_Variable] = []
        for var_name, spec in data["variables"].items():
            variable = _Variable(str(var_name), spec, known, origin)
            self.variables.append(variable)
            known.extend(variable.keys if variable.kind == "choice" else (variable.name,))
        self.names = [v for v in self.variables if v.kind == "name"]
        self.drawers = [(v.name, v.compile_draw(), v.kind in _NUMERIC_KINDS) for v in self.variables if v.kind != "name"]
        self.numeric = [v for v in self.variables if v.kind in _NUMERIC_KINDS]
        self.money = {v.name for v in self.variables if v.kind == "money"}
        self.steps: list[_Step] = []
        for i, spec in enumerate(data["solution"]):
            step = _Step(i, spec, known, origin)
            self.steps.append(step)
            known.append(step.name)
            if step.result == "money":
                self.money.add(step.name)
        self.constraints = [
            compile_expression(str(c), names=known, origin=f"{origin}: constraints[{i}]")
            for i, c in enumerate(data.get("constraints") or [])
        ]
        answer = str(data["answer"])
        if answer not in known:
            raise DsgenError(f"{origin}: answer '{answer}' is not a variable or a solution name")
        self.answer = answer
        self.topic = data.get("topic", "")
        self.text = _Text([str(data["question"])] + [s.text for s in self.steps], origin)
        question_names = _Text([str(data["question"])], origin).names
        context_keys = {k for v in self.variables for k in v.keys} | {s.name for s in self.steps}
        context_keys |= {s.calc_key for s in self.steps} | {"num"}
        undefined = self.text.names - context_keys
        if undefined:
            raise DsgenError(f"{origin}: the text uses undefined name(s) {sorted(undefined)}")
        leaked = question_names & {s.name for s in self.steps}
        if leaked:
            raise DsgenError(f"{origin}: the question must not show solution values {sorted(leaked)}")
        unused = [v.name for v in self.variables if not set(v.keys) & question_names]
        if unused:
            raise DsgenError(f"{origin}: variable(s) {unused} never appear in the question")
        self.operations = tuple(op for s in self.steps for op in s.expression.operations)

    # -- drawing ---------------------------------------------------------------------------

    def draw(self, rng: random.Random, max_value: int) -> tuple[dict[str, Any], int] | None:
        """Variables and solution values meeting every constraint (and the attempt count), or None."""
        people, _ = _lexicon()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            env = self._attempt(rng, people, max_value)
            if env is not None:
                return env, attempt
        return None

    def _attempt(self, rng: random.Random, people: tuple, max_value: int) -> dict[str, Any] | None:
        env: dict[str, Any] = {}
        if len(self.names) == 1:
            env[self.names[0].name] = people[rng.randrange(len(people))]
        elif self.names:
            for variable, person in zip(self.names, rng.sample(people, len(self.names))):
                env[variable.name] = person
        for name, draw, numeric in self.drawers:
            value = draw(rng, env)
            if value is None:
                return None
            if numeric:
                if value > max_value:
                    return None
                env[name] = value
            elif isinstance(value, dict):
                for key, field in value.items():
                    env[f"{name}_{key}"] = field
            else:
                env[name] = value
        try:
            for step in self.steps:
                value = step.expression(env)
                if not step.accepts(value) or value > max_value:
                    return None
                env[step.name] = value
            for constraint in self.constraints:
                if not constraint(env):
                    return None
        except ZeroDivisionError:
            return None
        return env

    # -- rendering -------------------------------------------------------------------------

    def render(self, env: dict[str, Any]) -> tuple[str, list[str]]:
        """The question and the solution lines (calculations included, no final ``####`` line)."""
        context: dict[str, str] = {}
        operands: dict[str, str] = {}
        for key, value in env.items():
            kind = type(value)
            if kind is int and key not in self.money:
                context[key] = operands[key] = str(value)
            elif kind is tuple:
                name, pronouns = value
                context[key] = name
                for p in _PRONOUN_KEYS:
                    context[f"{key}_{p}"] = pronouns[p]
            elif kind is str:
                context[key] = value
            else:
                context[key] = _money(value) if key in self.money else format_number(value)
                operands[key] = format_operand(value)
        for step in self.steps:
            context[step.calc_key] = calculation(step.expression.template.format_map(operands), env[step.name])
        if self.text.pattern is None:
            context["num"] = env
        parts = self.text.render(context)
        return parts[0], parts[1:]

    def space(self, rng: random.Random, draws: int = 48) -> float:
        """Estimated number of distinct questions: mean domain size over valid draws × acceptance rate."""
        people, _ = _lexicon()
        names = math.perm(len(people), len(self.names))
        logs, attempts = [], 0
        for _ in range(draws):
            drawn = self.draw(rng, 10**18)
            if drawn is None:
                attempts += MAX_ATTEMPTS
                continue
            env, tries = drawn
            attempts += tries
            size = float(names)
            for variable in self.variables:
                if variable.kind == "choice":
                    size *= len(variable.choices)
                elif variable.kind != "name":
                    size *= variable.domain(env)[1]
            logs.append(math.log(size))
        if not logs:
            return 0.0
        return math.exp(sum(logs) / len(logs)) * len(logs) / attempts


@lru_cache(maxsize=None)
def scenario(name: str) -> Scenario:
    """The compiled scenario ``name`` (compiled once per process)."""
    if name not in scenario_names():
        raise DsgenError(f"unknown math scenario '{name}'{did_you_mean(name, scenario_names())}")
    file = f"{SCENARIO_DIR}/{name}.yaml"
    return Scenario(name, _load_yaml(file), file)


class TemplateParams(Params):
    """Parameters of ``math.template``."""

    scenarios: list[str] | None = Field(
        default=None, description="scenario names to draw from (default: all built-in scenarios)"
    )
    min_steps: int = Field(default=1, ge=1, le=12, description="use scenarios with at least this many steps")
    max_steps: int = Field(default=12, ge=1, le=12, description="use scenarios with at most this many steps")
    max_value: int = Field(
        default=10**6, ge=10, le=10**12, description="redraw when a number or result exceeds this"
    )

    @model_validator(mode="after")
    def _check(self) -> TemplateParams:
        if self.min_steps > self.max_steps:
            raise ValueError(f"min_steps ({self.min_steps}) must not exceed max_steps ({self.max_steps})")
        known = scenario_names()
        for name in self.scenarios or ():
            if name not in known:
                raise ValueError(f"unknown scenario '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}")
        if self.scenarios is not None and len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios lists a name twice")
        if self.scenarios == []:
            raise ValueError("scenarios must name at least one scenario (or be left out for all)")
        return self


class TemplateProblems(Builder):
    """GSM-Symbolic style word problems from hand-written scenarios with a checked solution program."""

    description = "Math word problems from typed scenario templates (GSM-Symbolic style), exact answers"
    kind = "math"
    Params = TemplateParams
    difficulty_params = {"min_steps": +1, "max_steps": +1, "max_value": +1}

    def setup(self) -> None:
        names = self.params.scenarios or scenario_names()
        chosen = [scenario(n) for n in names]
        self.scenarios = [s for s in chosen if self.params.min_steps <= len(s.steps) <= self.params.max_steps]
        if not self.scenarios:
            raise DsgenError(
                f"math.template: no scenario has between {self.params.min_steps} and {self.params.max_steps} steps "
                f"(steps: {', '.join(f'{s.name}={len(s.steps)}' for s in chosen)})"
            )

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "scenarios"):
            self.setup()
        chosen = self.scenarios[rng.randrange(len(self.scenarios))]
        drawn = chosen.draw(rng, self.params.max_value)
        if drawn is None:
            raise Skip(f"scenario '{chosen.name}': no draw met its constraints and max_value in {MAX_ATTEMPTS} tries")
        env = drawn[0]
        question, lines = chosen.render(env)
        answer = format_number(env[chosen.answer])
        numbers = [abs(v) for v in env.values() if not isinstance(v, (str, tuple))]
        whole = all(_whole(v) for v in numbers)
        largest = max(numbers, default=0)
        steps = len(chosen.steps)
        score, level = difficulty(steps, float(largest), operations_weight(chosen.operations, whole))
        lines.append(f"#### {answer}")
        return {
            "prompt": question,
            "answer": answer,
            "verifier": VERIFIER,
            "difficulty": score,
            "level": level,
            "metadata": {
                "generator": "template",
                "scenario": chosen.name,
                "solution": "\n".join(lines),
                "steps": steps,
                "operations": list(chosen.operations),
                "max_number": int(largest) if _whole(largest) else float(largest),
            },
            "template": chosen.file,
        }

    def capacity(self) -> int:
        """Estimated number of distinct problems these params can produce (see ``Scenario.space``).

        Expected duplicate prompts among ``n`` records are about ``n² / (2 · capacity)``; a pipeline
        can warn when that is 1 or more.
        """
        if not hasattr(self, "scenarios"):
            self.setup()
        return int(sum(s.space(random.Random(s.name)) for s in self.scenarios))


# ---------------------------------------------------------------------------------------------
# Compositional problems
# ---------------------------------------------------------------------------------------------

COMPOSE_FILE = "math/compose.yaml"
OPERATIONS = ("add", "sub", "mul", "div", "percent", "sum", "diff")
#: Arithmetic kind of each compositional operation (for metadata and difficulty).
_ARITHMETIC = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "percent": "percent", "sum": "add",
               "diff": "sub"}
_PLACEHOLDERS = ("A", "B", "C", "a", "k", "times", "part", "p", "item", "P", "P_he", "verb", "base", "calc")


class _Frame:
    """One story frame of compose.yaml: entity labels, items, and sentence templates per operation."""

    def __init__(self, name: str, data: dict[str, Any], words: dict[str, Any]):
        origin = f"templates/{COMPOSE_FILE}: frames.{name}"
        self.name = name
        try:
            self.entities = data["entities"]
            if self.entities == "names":
                self.labels: tuple[str, ...] = ()
            elif self.entities == "colors":
                self.labels = tuple(words["colors"])
                self.containers = tuple(data["containers"])
            elif self.entities == "ordinals":
                self.labels = tuple(words["ordinals"])
            else:
                raise DsgenError(f"{origin}.entities: expected names, colors or ordinals, got {self.entities!r}")
            if "activities" in data:
                self.activities = tuple((a["verb"], a["base"], a["item"]) for a in data["activities"])
            else:
                self.activities = tuple(("", "", item) for item in data["items"])
            self.intro = tuple(data["intro"])
            self.steps = {op: tuple(data["steps"][op]) for op in OPERATIONS}
            self.solution = str(data["solution"])
            self.question = tuple(data["question"])
        except (KeyError, TypeError) as exc:
            raise DsgenError(f"{origin}: missing or malformed entry {exc}") from exc
        sample = dict.fromkeys(_PLACEHOLDERS, "x")
        for key, texts in [("intro", self.intro), ("solution", (self.solution,)), ("question", self.question),
                           *((f"steps.{op}", t) for op, t in self.steps.items())]:
            if not texts:
                raise DsgenError(f"{origin}.{key}: needs at least one sentence")
            for text in texts:
                try:
                    text.format_map(sample)
                except (KeyError, ValueError, IndexError) as exc:
                    raise DsgenError(
                        f"{origin}.{key}: bad placeholder in {text!r} ({exc}); allowed: {', '.join(_PLACEHOLDERS)}"
                    ) from exc

    def entity_labels(self, rng: random.Random, count: int, people: tuple) -> tuple[list[str], dict[str, str]]:
        """``count`` distinct labels in story order and the fixed placeholders (hero, item, verb)."""
        verb, base, item = self.activities[rng.randrange(len(self.activities))]
        fixed = {"item": item, "verb": verb, "base": base}
        if self.entities == "names":
            return [p[0] for p in rng.sample(people, count)], fixed
        if self.entities == "colors":
            container = self.containers[rng.randrange(len(self.containers))]
            return [f"{c} {container}" for c in rng.sample(self.labels, count)], fixed
        hero, pronouns = people[rng.randrange(len(people))]
        fixed.update(P=hero, P_he=pronouns["he"])
        return list(self.labels[:count]), fixed

    def max_entities(self, people: tuple) -> int:
        return len(people) if self.entities == "names" else len(self.labels)


@lru_cache(maxsize=None)
def _compose_data() -> tuple[dict[str, _Frame], dict[str, Any]]:
    data = _load_yaml(COMPOSE_FILE)
    words = data["words"]
    words["times"] = {int(k): v for k, v in words["times"].items()}
    words["part"] = {int(k): v for k, v in words["part"].items()}
    frames = {name: _Frame(name, spec, words) for name, spec in data["frames"].items()}
    return frames, words


def compose_frames() -> tuple[str, ...]:
    """Names of the story frames of ``math.compose``."""
    return tuple(_compose_data()[0])


class ComposeParams(Params):
    """Parameters of ``math.compose``."""

    min_steps: int = Field(default=1, ge=1, le=20, description="fewest operations in a problem")
    max_steps: int = Field(default=8, ge=1, le=20, description="most operations in a problem")
    max_value: int = Field(default=1000, ge=20, le=10**9, description="no number or intermediate result exceeds this")
    operations: list[Literal["add", "sub", "mul", "div", "percent", "sum", "diff"]] | None = Field(
        default=None, description="operations to use (default: all); must include add or sub"
    )
    frames: list[str] | None = Field(default=None, description="story frames to use (default: all)")

    @model_validator(mode="after")
    def _check(self) -> ComposeParams:
        if self.min_steps > self.max_steps:
            raise ValueError(f"min_steps ({self.min_steps}) must not exceed max_steps ({self.max_steps})")
        if self.operations is not None and not {"add", "sub"} & set(self.operations):
            raise ValueError("operations must include 'add' or 'sub' (otherwise a chain can get stuck)")
        known = compose_frames()
        for name in self.frames or ():
            if name not in known:
                raise ValueError(f"unknown frame '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}")
        if self.frames == []:
            raise ValueError("frames must name at least one frame (or be left out for all)")
        return self


class ComposedProblems(Builder):
    """Word problems built from a random chain of exactly k operations over story entities."""

    description = "Math word problems composed from a random chain of k operations (exact step count)"
    kind = "math"
    Params = ComposeParams
    difficulty_params = {"min_steps": +1, "max_steps": +1, "max_value": +1}

    def setup(self) -> None:
        frames, self.words = _compose_data()
        self.people = _lexicon()[0]
        self.frames = [frames[n] for n in (self.params.frames or frames)]
        self.operations = tuple(self.params.operations or OPERATIONS)
        too_short = [f.name for f in self.frames if f.max_entities(self.people) <= self.params.max_steps]
        if too_short:
            raise DsgenError(f"math.compose: frame(s) {too_short} have too few entities for {self.params.max_steps} steps")
        self.divisors = sorted(self.words["part"])
        self.multipliers = sorted(self.words["times"])
        self.percents = list(self.words["percents"])

    def _arguments(self, op: str, x: int, values: list[int]) -> list[Any]:
        """The arguments ``op`` can take from current value ``x`` (empty when it does not apply)."""
        top = self.params.max_value
        if op == "add":
            return [min(top - x, max(1, top // 4))] if x < top else []
        if op == "sub":
            return [x - 1] if x > 1 else []
        if op == "mul":
            return [m for m in self.multipliers if x * m <= top]
        if op == "div":
            return [d for d in self.divisors if x % d == 0]
        if op == "percent":
            return [q for q in self.percents if x * q % 100 == 0 and x * q <= top * 100]
        if op == "sum":
            return [j for j in range(len(values) - 1) if x + values[j] <= top]
        return [j for j in range(len(values) - 1) if values[j] < x]

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "frames"):
            self.setup()
        p, top = self.params, self.params.max_value
        k = rng.randint(p.min_steps, p.max_steps)
        frame = self.frames[rng.randrange(len(self.frames))]
        labels, fixed = frame.entity_labels(rng, k + 1, self.people)
        x = rng.randint(2, max(2, top // 5))
        values = [x]
        fields = dict(fixed, A=labels[0], a=x)
        sentences = [rng.choice(frame.intro).format_map(fields)]
        lines, operations = [], []
        for i in range(1, k + 1):
            # a uniformly random applicable operation: draw without replacement until one applies
            untried = list(self.operations)
            while True:
                if not untried:
                    raise Skip(f"math.compose: no allowed operation applies to {x} (operations {list(self.operations)})")
                op = untried.pop(rng.randrange(len(untried)))
                arguments = self._arguments(op, x, values)
                if arguments:
                    break
            fields = dict(fixed, A=labels[i - 1], B=labels[i])
            if op == "add":
                n = rng.randint(1, arguments[0])
                y, calc = x + n, f"{x}+{n}"
                fields["k"] = n
            elif op == "sub":
                n = rng.randint(1, arguments[0])
                y, calc = x - n, f"{x}-{n}"
                fields["k"] = n
            else:
                arg = arguments[rng.randrange(len(arguments))]
                if op == "mul":
                    y, calc = x * arg, f"{x}*{arg}"
                    fields["times"] = self.words["times"][arg]
                elif op == "div":
                    y, calc = x // arg, f"{x}/{arg}"
                    fields["part"] = self.words["part"][arg]
                elif op == "percent":
                    y, calc = x * arg // 100, f"{x}*{arg}/100"
                    fields["p"] = arg
                else:
                    y = x + values[arg] if op == "sum" else x - values[arg]
                    calc = f"{x}{'+' if op == 'sum' else '-'}{values[arg]}"
                    fields["C"] = labels[arg]
            sentences.append(rng.choice(frame.steps[op]).format_map(fields))
            fields["calc"] = calculation(calc, y)
            lines.append(frame.solution.format_map(fields))
            operations.append(_ARITHMETIC[op])
            x = y
            values.append(y)
        sentences.append(rng.choice(frame.question).format_map(dict(fixed, B=labels[k])))
        answer = str(x)
        lines.append(f"#### {answer}")
        score, level = difficulty(k, float(max(values)), operations_weight(operations, True))
        return {
            "prompt": " ".join(sentences),
            "answer": answer,
            "verifier": VERIFIER,
            "difficulty": score,
            "level": level,
            "metadata": {
                "generator": "compose",
                "frame": frame.name,
                "solution": "\n".join(lines),
                "steps": k,
                "operations": operations,
                "max_number": max(values),
            },
            "template": f"{COMPOSE_FILE}#{frame.name}",
        }

    def capacity(self) -> int:
        """A conservative estimate of distinct problems (see ``TemplateProblems.capacity``).

        Counts, for the smallest step count, the frames × items × ordered entity labels × starting
        values × (allowed operations)^k; real variety (amounts, sentence variants) is larger.
        """
        if not hasattr(self, "frames"):
            self.setup()
        k, total = self.params.min_steps, 0
        starts = max(1, self.params.max_value // 5 - 1)
        for frame in self.frames:
            labels = frame.max_entities(self.people)
            entity_orders = math.perm(labels, k + 1) if frame.entities != "ordinals" else len(self.people)
            total += len(frame.activities) * entity_orders * starts * len(self.operations) ** k
        return total
