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
from bisect import bisect_right
from functools import lru_cache
from importlib.resources import files
from math import floor
from operator import itemgetter
from string import Formatter
from typing import Any, Literal

import yaml
from pydantic import Field, model_validator
from quicktions import Fraction

from dsgen.builder import Builder, Params
from dsgen.errors import DsgenError, Skip, did_you_mean
from dsgen.expressions import Expression, compile_expression, format_number, format_operand, parse_number
from dsgen.templating import environment, joiner, read_text

#: Weight of each kind of operation in the difficulty term ``O``.
OPERATION_WEIGHTS = {
    "add": 0.2, "sub": 0.3, "min": 0.3, "max": 0.3, "abs": 0.3, "mul": 0.5, "round": 0.6, "floor": 0.6,
    "ceil": 0.6, "div": 0.7, "percent": 0.8, "floordiv": 0.8, "mod": 0.8, "pow": 0.9, "gcd": 0.9,
    "is_int": 0.0,
}
#: ``O`` when a problem involves a number that is not whole (money with cents, fractions).
NON_WHOLE_WEIGHT = 1.0
LEVELS = (("easy", 0.35), ("medium", 0.6), ("hard", 1.01))
(_, _EASY_BELOW), (_, _MEDIUM_BELOW), _ = LEVELS
_PRONOUN_KEYS = ("he", "He", "his", "His", "him")
MAX_ATTEMPTS = 200
VERIFIER = {"kind": "numeric", "params": {}}
_SEP = "\x1e"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def difficulty(steps: int, max_number: float, operations_weight: float) -> tuple[float, str]:
    """The documented difficulty in [0, 1] and its level (see the module docstring)."""
    return _difficulty(_steps_term(steps), max_number, 0.25 * operations_weight)


def _steps_term(steps: int) -> float:
    """``0.5 * S`` of the difficulty."""
    return 0.5 * ((steps - 1) / 11 if steps < 12 else 1.0)


def _difficulty(steps_term: float, max_number: Any, operations_term: float) -> tuple[float, str]:
    """``difficulty`` from its weighted steps and operations terms (constant for a scenario);
    ``max_number`` may be any real (``log10`` reads ints and fractions without a ``float`` call)."""
    m = math.log10(max_number) / 6 if max_number > 1.0 else 0.0
    exact = steps_term + 0.25 * (m if m < 1.0 else 1.0) + operations_term
    # ``round(exact, 4)`` without the decimal conversion ``round`` makes (this function: 5.0k -> 3.9k
    # instructions); the same value, since ``scaled`` is within 1e-12 of ``exact * 10**4`` and a near
    # tie is left to ``round``
    scaled = exact * 10000.0
    whole = floor(scaled)
    rest = scaled - whole
    value = round(exact, 4) if -1e-6 < rest - 0.5 < 1e-6 else (whole + (rest > 0.5)) / 10000.0
    return value, "easy" if value < _EASY_BELOW else "medium" if value < _MEDIUM_BELOW else "hard"


def operations_weight(operations: list[str] | tuple[str, ...], whole: bool) -> float:
    """The ``O`` term: the heaviest operation used, or ``NON_WHOLE_WEIGHT`` when a number is not whole."""
    if not whole:
        return NON_WHOLE_WEIGHT
    return max((OPERATION_WEIGHTS.get(op, 0.5) for op in operations), default=0.0)


def _load_yaml(relpath: str) -> Any:
    try:
        return yaml.load(read_text(relpath), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DsgenError(f"templates/{relpath}: invalid YAML: {exc}") from exc


@lru_cache(maxsize=None)
def _lexicon() -> tuple[tuple[tuple[str, dict[str, str], tuple[str, ...]], ...], dict[str, dict[str, str]]]:
    """People as (name, pronouns, (name, he, He, his, His, him)) and the pronoun table."""
    data = _load_yaml("math/lexicon.yaml")
    pronouns = data["pronouns"]
    people = tuple(
        (name, pronouns[p], (name, *(pronouns[p][k] for k in _PRONOUN_KEYS)))
        for p in sorted(data["names"]) for name in data["names"][p]
    )
    return people, pronouns


#: Largest range drawn as ``floor(rng.random() * n)`` (exact enough and several times faster than
#: ``randrange``); larger ranges use ``rng.randrange``.
_FAST_RANGE = 1 << 31


def _below(rng: random.Random, n: int) -> int:
    """A uniform int in ``[0, n)``, deterministic for a given rng state."""
    return floor(rng.random() * n) if n <= _FAST_RANGE else rng.randrange(n)


def _distinct(random_: Any, items: tuple, count: int) -> list[Any]:
    """``count`` of the (distinct) ``items`` in random order, drawn with ``random_`` (redrawing repeats
    when few are needed, else a partial Fisher-Yates shuffle)."""
    n = len(items)
    if count * 4 <= n:
        picked: list[Any] = []
        for _ in range(count):
            item = items[floor(random_() * n)]
            while item in picked:
                item = items[floor(random_() * n)]
            picked.append(item)
        return picked
    pool = list(items)
    for i in range(count):
        j = i + floor(random_() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def _money(value: Any) -> str:
    """Dollars with cents (``8.50``), or ``format_number`` when the value is not whole cents."""
    if type(value) is int:
        cents = value * 100
    elif 100 % value.denominator == 0:
        cents = value.numerator * (100 // value.denominator)
    else:
        return format_number(value)
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


#: Largest number of values whose texts are memoised (prices and the totals made of them repeat).
_TEXT_CACHE = 1 << 14


def _number_texts(value: Any) -> tuple[str, str, str]:
    """How a scenario text shows a number that is not always whole: (in the text, as a calculation
    operand, as a calculation result); words of a mixed choice as they are (quoted in calculations)."""
    if type(value) is str:
        return value, repr(value), value
    text = format_number(value)
    return text, format_operand(value), text


def _money_texts(value: Any) -> tuple[str, str, str]:
    """``_number_texts`` of an amount of money, which the text shows with cents."""
    shown, operand, result = _number_texts(value)
    return (shown if type(value) is str else _money(value)), operand, result


@lru_cache(maxsize=_TEXT_CACHE)
def _texts_of(value: Any, money: bool) -> tuple[str, str, str]:
    """``_money_texts`` or ``_number_texts`` of an int or a word, memoised."""
    return _money_texts(value) if money else _number_texts(value)


@lru_cache(maxsize=_TEXT_CACHE)
def _fraction_texts(numerator: int, denominator: int, money: bool) -> tuple[str, str, str]:
    """``_texts_of`` a Fraction, memoised by its numerator and denominator (a Fraction's own hash is
    computed in Python, slower than formatting it again)."""
    value = Fraction(numerator, denominator)
    return _money_texts(value) if money else _number_texts(value)


def _largest(values: tuple[int, ...]) -> int:
    """The largest absolute value of some ints (0 for none)."""
    if not values:
        return 0
    high, low = max(values), min(values)
    return high if high >= -low else -low


def _whole(value: Any) -> bool:
    return isinstance(value, int) or value.denominator == 1


# ---------------------------------------------------------------------------------------------
# Text: Jinja2 source, rendered as a str.format pattern when it only substitutes variables
# ---------------------------------------------------------------------------------------------


class _Text:
    """A question and its solution lines, Jinja2 sources compiled as one and rendered in one call.

    When the sources only substitute variables (``{{ name }}``), the question and the solution (lines
    joined by newlines) render as ``pattern % values`` with positional printf-style patterns built from
    Jinja's own parse tree (the names in ``expand`` replaced by their own named patterns), the values
    fetched by one ``itemgetter`` from a mapping, or from a list by the positions in ``slots``: several
    times faster than named fields. Otherwise the compiled Jinja template renders and its output is
    split back into parts.
    """

    def __init__(self, parts: list[str], origin: str, expand: dict[str, str] | None = None,
                 slots: dict[str, int] | None = None):
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
                    pieces.append(child.data.replace("%", "%%"))
                elif isinstance(child, nodes.Name):
                    pieces.append((expand or {}).get(child.name) or f"%({child.name})s")
                else:
                    pieces = None
                    break
            if pieces is None:
                break
        self.pattern = None if pieces is None else "".join(pieces)
        self.template = None if pieces is not None else env.from_string(source)
        if self.pattern is not None:
            question, *lines = self.pattern.split(_SEP)
            self.question, self.solution = _positional(question, slots), _positional("\n".join(lines), slots)

    def render(self, context: Any) -> tuple[str, str]:
        """The first part and the others joined by newlines."""
        if self.pattern is not None:
            (question, question_values), (solution, solution_values) = self.question, self.solution
            return question % question_values(context), solution % solution_values(context)
        parts = self.template.render(context).split(_SEP)
        if len(parts) != self.count:
            raise DsgenError(f"{self.origin}: the template text must not remove line breaks between parts")
        return parts[0], "\n".join(parts[1:])


_NAMED_FIELD = re.compile(r"%\(([^)]*)\)s|%%")


def _positional(pattern: str, slots: dict[str, int] | None = None) -> tuple[str, Any]:
    """A printf-style pattern with named fields (``%(a)s``) as a positional one (``%s``) and the function
    that fetches its values, in order, from a mapping (or from a list, by the positions in ``slots``)."""
    keys: list[str] = []

    def field(match: re.Match) -> str:
        if match.group(1) is None:
            return "%%"
        keys.append(match.group(1))
        return "%s"

    pattern = _NAMED_FIELD.sub(field, pattern)
    # a name without a slot is an undefined name, which Scenario reports
    return pattern, _fetcher(keys if slots is None else [slots.get(k, k) for k in keys])


def _fetcher(keys: list[Any]) -> Any:
    """``fetch(values) -> tuple``: the items under ``keys`` (mapping keys or indices), in order."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda values: (values[key],)
    return lambda values: ()


# ---------------------------------------------------------------------------------------------
# Template scenarios
# ---------------------------------------------------------------------------------------------

SCENARIO_DIR = "math/scenarios"
_SCENARIO_KEYS = {"name", "topic", "variables", "constraints", "question", "solution", "answer"}
_NUMERIC_KINDS = ("int", "money", "decimal")
#: Largest domain of a constant-bounds money/decimal variable whose values are tabled once.
_TABLED_VALUES = 10_000
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
        extra = set(spec) - {"choice", "step", "multiple_of", *_NUMERIC_KINDS}
        if extra:
            raise DsgenError(
                f"{self.origin}: unknown key(s) {sorted(extra)}; expected choice/int/money/decimal, step or multiple_of"
            )
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
        #: ``multiple_of: m`` (ints only): the multiples of ``m`` between the bounds (a step from ``low``
        #: rounded up to a multiple), which builds divisibility into the draw instead of rejecting draws
        self.aligned = "multiple_of" in spec
        if self.aligned and (self.kind != "int" or "step" in spec):
            raise DsgenError(f"{self.origin}: multiple_of is for int variables, instead of step")
        step = spec["multiple_of"] if self.aligned else spec.get("step", default_step)
        self.low, self.high, self.step = (self._bound(b, known) for b in (*bounds, step))
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

    def domain(self, env: Any) -> tuple[Any, int, Any] | None:
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
            if self.aligned:
                low = -(-low // step) * step
            return (low, (high - low) // step + 1, step) if high >= low else None
        steps = math.floor((Fraction(high) - low) / step)
        return (low, steps + 1, step) if steps >= 0 else None

    def table(self, top: int) -> tuple[Any, ...] | None:
        """Every value a word choice or a constant-bounds number (up to ``top``) can take, or None when
        the bounds are expressions or the values too many to table."""
        if self.kind == "choice":
            return None if isinstance(self.choices[0], dict) else tuple(self.choices)
        if self.kind == "name" or any(isinstance(b, Expression) for b in (self.low, self.high, self.step)):
            return None
        domain = self.domain({})
        if domain is None:
            return ()
        low, count, step = domain
        count = min(count, math.floor((Fraction(top) - low) / step) + 1) if count > 0 else 0
        if count > _TABLED_VALUES:
            return None
        return tuple(_normal(low + step * i) for i in range(max(0, count)))

    def compile_draw(self) -> Any:
        """``draw(rng, env) -> value | None`` for a number: integer bounds that are expressions are
        computed with plain int arithmetic, others through ``domain``."""
        if self.kind == "int":
            return self._int_draw()
        return self._draw

    def _int_draw(self) -> Any:
        """Bounds that are expressions run as bare closures: ``Scenario._explain`` names one that fails."""
        bounds = (self.low, self.high, self.step)
        lo_const, hi_const, st_const = (not isinstance(b, Expression) for b in bounds)
        lo, hi, st = (b.fn if isinstance(b, Expression) else b for b in bounds)
        step_ok, aligned = self._step_ok, self.aligned

        def draw(rng: random.Random, env: Any) -> int | None:
            low = lo if lo_const else lo(env)
            high = hi if hi_const else hi(env)
            step = st if st_const else st(env)
            if type(low) is not int:
                low = math.ceil(low)
            if type(high) is not int:
                high = math.floor(high)
            if type(step) is not int or step <= 0:
                if not step_ok(step):
                    return None
                step = int(step)
            if aligned:
                low = -(-low // step) * step
            if high < low:
                return None
            count = (high - low) // step + 1
            return low + step * (floor(rng.random() * count) if count <= _FAST_RANGE else rng.randrange(count))

        return draw

    def _draw(self, rng: random.Random, env: Any) -> Any:
        domain = self.domain(env)
        if domain is None:
            return None
        low, count, step = domain
        return _normal(low + step * _below(rng, count))


def _choice_draw(choices: list[Any]) -> Any:
    values, count = tuple(choices), len(choices)
    return lambda rng, env: values[_below(rng, count)]


def _normal(value: Any) -> Any:
    """A value with a whole Fraction turned into an int."""
    return value.numerator if type(value) is Fraction and value.denominator == 1 else value


def _exact(value: Any, origin: str) -> int | Fraction:
    try:
        return parse_number(str(value))
    except (ValueError, TypeError, ZeroDivisionError):
        raise DsgenError(f"{origin}: expected a number, got {value!r}") from None


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


def _choice_columns(variable: _Variable) -> dict[str, list[Any]]:
    """The env keys a choice variable sets and the values each can take."""
    if isinstance(variable.choices[0], dict):
        return {f"{variable.name}_{k}": [c[k] for c in variable.choices] for k in variable.choices[0]}
    return {variable.name: list(variable.choices)}


def _variable_op(variable: _Variable, slots: dict[str, int]) -> Any:
    """``op(rng, env, top) -> bool``: draw one variable into ``env``; False when it has no valid value."""
    if variable.kind == "choice":  # a choice of mappings: its fields sit in consecutive slots
        draw_fields = _choice_draw([tuple(c[k] for k in sorted(c)) for c in variable.choices])
        first = slots[variable.keys[0]]
        last = first + len(variable.keys)

        def choose_fields(rng: random.Random, env: list[Any], top: int) -> bool:
            env[first:last] = draw_fields(rng, env)
            return True

        return choose_fields
    draw = variable.compile_draw()
    slot = slots[variable.name]

    def draw_number(rng: random.Random, env: list[Any], top: int) -> bool:
        value = draw(rng, env)
        if value is None or value > top:
            return False
        env[slot] = value
        return True

    return draw_number


def _steps_op(steps: list[_Step], slots: dict[str, int]) -> Any:
    """``op(rng, env, top) -> bool``: compute solution values in turn (one loop, not one call per step);
    False at the first result that is not acceptable."""
    entries = tuple((s.expression.fn, slots[s.name], s.result == "whole", s.result == "money", s.accepts)
                    for s in steps)

    def solve(rng: random.Random, env: list[Any], top: int) -> bool:
        for fn, slot, whole, money, accepts in entries:
            value = fn(env)
            kind = type(value)
            if kind is Fraction:  # checked through numerator and denominator (no Fraction arithmetic)
                num, den = value.numerator, value.denominator
                if den == 1:
                    value, kind = num, int
                elif whole or money and 100 % den or num <= 0 or num > top * den:
                    return False
            if kind is int:
                if value <= 0 or value > top:
                    return False
            elif kind is not Fraction and (not accepts(value) or value > top):
                return False
            env[slot] = value
        return True

    return solve


def _check_op(constraint: Expression) -> Any:
    fn = constraint.fn
    return lambda rng, env, top: fn(env)


def _calc_pattern(step: _Step, whole: frozenset[str]) -> str:
    """The printf-style pattern of a step's GSM8K calculation, ``%(a)s*%(=b)s = <<%(a)s*%(=b)s=%(c)s>>%(c)s``:
    whole-number keys as themselves, other operands as ``=name``, another result as ``#name``."""
    expression = step.expression.template.replace("%", "%%").format_map(
        {n: f"%({n})s" if n in whole else f"%(={n})s" for n in step.expression.names}
    )
    result = f"%({step.name})s" if step.name in whole else f"%(#{step.name})s"
    return f"{expression} = <<{expression}={result}>>{result}"


class Scenario:
    """A compiled scenario file: draw variables, run the solution program, render question and solution.

    A scenario file (``templates/math/scenarios/<name>.yaml``) has ``name`` (= the file name), ``topic``,
    ``variables`` (in draw order: ``name`` for a person — which also defines ``<var>_he``, ``_He``,
    ``_his``, ``_His``, ``_him`` — ``{choice: [...]}``, or ``{int|money|decimal: [low, high], step: s}``
    (ints may give ``multiple_of: m`` instead of a step) whose bounds and step may be expressions of
    earlier variables), ``constraints`` (expressions that
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
        #: the position of each value in a draw (``env`` is a list: cheaper to fill and read than a dict)
        self._slots: dict[str, int] = {}
        known: dict[str, int] = {}  # what expressions may read so far, with its slot
        self.variables: list[_Variable] = []
        for var_name, spec in data["variables"].items():
            variable = _Variable(str(var_name), spec, known, origin)
            self.variables.append(variable)
            base = len(self._slots)
            self._slots.update((k, base + i) for i, k in enumerate(variable.keys))
            readable = variable.keys if variable.kind == "choice" else (variable.name,)
            known.update((k, self._slots[k]) for k in readable)
        self.names = [v for v in self.variables if v.kind == "name"]
        self.numeric = [v for v in self.variables if v.kind in _NUMERIC_KINDS]
        self.money = {v.name for v in self.variables if v.kind == "money"}
        self.steps: list[_Step] = []
        for i, spec in enumerate(data["solution"]):
            step = _Step(i, spec, known, origin)
            self.steps.append(step)
            self._slots[step.name] = known[step.name] = len(self._slots)
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
        self._int_keys = self._whole_keys()
        self._numbers = self._number_keys()
        self._calc_patterns = {s.calc_key: _calc_pattern(s, self._int_keys) for s in self.steps}
        text_slots = dict(self._slots)
        for key in self._numbers:  # numbers not always whole: slots for their texts, which the text shows
            if key not in self._int_keys:
                for text_key in ("~" + key, "=" + key, "#" + key):
                    self._slots[text_key] = len(self._slots)
                text_slots.update({key: self._slots["~" + key], "=" + key: self._slots["=" + key],
                                   "#" + key: self._slots["#" + key]})
        self.text = _Text([str(data["question"])] + [s.text for s in self.steps], origin, self._calc_patterns,
                          text_slots)
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
        #: ``O`` of the difficulty when every number is whole
        self.whole_weight = operations_weight(self.operations, True)
        self._difficulty_terms = (_steps_term(len(self.steps)), 0.25 * self.whole_weight,
                                  0.25 * NON_WHOLE_WEIGHT)
        self._compile()

    # -- drawing ---------------------------------------------------------------------------

    def _compile(self) -> None:
        """What drawing and rendering need, worked out once (see ``_plan`` and ``render``)."""
        read: set[str] = set()
        for variable in self.variables:
            if variable.kind in _NUMERIC_KINDS:
                bounds = (variable.low, variable.high, variable.step)
                read.update(n for b in bounds if isinstance(b, Expression) for n in b.names)
        for expression in [s.expression for s in self.steps] + self.constraints:
            read.update(expression.names)
        self._read = read
        self._plans: dict[int, Any] = {}
        # rendering: whole-number keys format as themselves; the others' texts go under ~name (in the
        # text), =name (as a calculation operand) and #name (as a calculation result)
        numbers, slots = self._numbers, self._slots
        self._shown = [(slots[k], k in self.money, slots["~" + k], slots["=" + k], slots["#" + k])
                       for k in numbers if k not in self._int_keys]
        self._int_numbers = _fetcher([slots[k] for k in numbers if k in self._int_keys])
        others = [slots[k] for k in numbers if k not in self._int_keys]
        self._other_numbers = _fetcher(others) if others else None
        self._answer_slot = slots[self.answer]
        #: the printf patterns and value fetchers when the text needs no formatted numbers (all whole)
        self._plain = None
        if self.text.pattern is not None and not self._shown:
            self._plain = (*self.text.question, *self.text.solution)

    def _number_keys(self) -> list[str]:
        """Keys holding numbers (variables, number choices, solution values), in definition order."""
        words = {k for v in self.variables if v.kind == "choice"
                 for k, values in _choice_columns(v).items() if all(isinstance(x, str) for x in values)}
        numbers = [k for v in self.variables if v.kind != "name" for k in v.keys if k not in words]
        return numbers + [s.name for s in self.steps]

    def _whole_keys(self) -> frozenset[str]:
        """Keys whose value is always an int (shown as is): int variables, whole steps, int choices."""
        keys = {v.name for v in self.variables if v.kind == "int"}
        keys |= {s.name for s in self.steps if s.result == "whole"}
        keys |= {k for v in self.variables if v.kind == "choice"
                 for k, values in _choice_columns(v).items() if all(type(x) is int for x in values)}
        return frozenset(keys)

    def _plan(self, top: int) -> tuple[list[Any], list[Any], list[Any], list[Any]] | None:
        """How to draw with every number capped at ``top``: (tables, ops, free tables, free ops), or None
        when some variable has no value within the cap.

        Variables with constant bounds (and word choices) are drawn from value tables, capped at ``top``
        once here (the same distribution as redrawing when a value is over the cap, since such a
        variable depends on nothing). The other variables, the solution steps and the constraints are
        closures ``op(rng, env, top) -> bool``, each constraint placed right after the last value it
        reads, so a failing draw stops early. Variables no expression reads (people's names, words)
        are drawn once, after a draw succeeds.
        """
        if top in self._plans:
            return self._plans[top]
        tables, ops, free_tables, free_ops, defined_at = [], [], [], [], {}
        names_op = self._names_op()
        if names_op is not None:
            (ops if any(set(v.keys) & self._read for v in self.names) else free_ops).append(names_op)
        for variable in self.variables:
            if variable.kind == "name":
                continue
            table = variable.table(top)
            if table is not None:
                if not table:
                    self._plans[top] = None
                    return None
                drawn = tables if variable.name in self._read else free_tables
                drawn.append((self._slots[variable.name], table, len(table)))
                continue
            ops.append(_variable_op(variable, self._slots))
            defined_at.update(dict.fromkeys(variable.keys, len(ops) - 1))
        for step in self.steps:
            ops.append(step)
            defined_at[step.name] = len(ops) - 1
        checks: dict[int, list[Any]] = {}
        for constraint in self.constraints:
            after = max((defined_at.get(n, -1) for n in constraint.names), default=-1)
            checks.setdefault(after, []).append(_check_op(constraint))
        ops = checks.get(-1, []) + [x for i, op in enumerate(ops) for x in [op, *checks.get(i, [])]]
        # consecutive solution steps (no constraint between them) run as one op
        merged: list[Any] = []
        for op in ops:
            if isinstance(op, _Step):
                if merged and isinstance(merged[-1], list):
                    merged[-1].append(op)
                    continue
                op = [op]
            merged.append(op)
        ops = [_steps_op(op, self._slots) if isinstance(op, list) else op for op in merged]
        plan = self._plans[top] = (tables, ops, free_tables, free_ops)
        return plan

    def _names_op(self) -> Any:
        """``op(rng, env, top)`` drawing distinct people and writing each one's words (name, pronouns)
        into the slots of its variable (consecutive, in ``_PRONOUN_KEYS`` order after the name)."""
        if not self.names:
            return None
        people = tuple(person[2] for person in _lexicon()[0])
        count = len(people)
        spans = [(self._slots[v.keys[0]], self._slots[v.keys[0]] + len(v.keys)) for v in self.names]
        if len(spans) == 1:
            (first, last), = spans

            def draw_name(rng: random.Random, env: list[Any], top: int) -> bool:
                env[first:last] = people[floor(rng.random() * count)]
                return True

            return draw_name

        def draw_names(rng: random.Random, env: list[Any], top: int) -> bool:
            for (first, last), words in zip(spans, _distinct(rng.random, people, len(spans))):
                env[first:last] = words
            return True

        return draw_names

    def draw(self, rng: random.Random, max_value: int) -> tuple[list[Any], int] | None:
        """Variables and solution values meeting every constraint (and the attempt count), or None.

        The values sit in a list by their slots (see ``named`` for a dict by name)."""
        plan = self._plans.get(max_value) or self._plan(max_value)
        if plan is None:
            return None
        tables, ops, free_tables, free_ops = plan
        random_, size = rng.random, len(self._slots)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            env: list[Any] = [None] * size
            for slot, table, count in tables:
                env[slot] = table[floor(random_() * count)]
            try:
                for op in ops:
                    if not op(rng, env, max_value):
                        break
                else:
                    for slot, table, count in free_tables:
                        env[slot] = table[floor(random_() * count)]
                    for op in free_ops:
                        op(rng, env, max_value)
                    return env, attempt
            except ZeroDivisionError:
                continue
            except (OverflowError, TypeError, ValueError):
                self._explain(env)
                raise
        return None

    def named(self, env: list[Any]) -> dict[str, Any]:
        """The values of a draw by name (those drawn so far)."""
        return {key: env[slot] for key, slot in self._slots.items() if env[slot] is not None}

    def _explain(self, env: list[Any]) -> None:
        """Re-run bounds, solution and constraints with error reporting, to name the expression that failed."""
        bounds = [b for v in self.numeric for b in (v.low, v.high, v.step) if isinstance(b, Expression)]
        drawn = self.named(env)
        for expression in bounds + [s.expression for s in self.steps] + self.constraints:
            if set(expression.names) <= drawn.keys():
                try:
                    expression(env)
                except ZeroDivisionError:
                    pass

    # -- rendering -------------------------------------------------------------------------

    def item(self, rng: random.Random, max_value: int) -> dict[str, Any] | None:
        """A ``math`` item (see ``Builder.generate``) from one draw; None when no draw met the constraints."""
        drawn = self.draw(rng, max_value)
        if drawn is None:
            return None
        env = drawn[0]
        question, solution = self.texts(env)
        largest, whole = self.measure(env)
        answer = env[self._answer_slot]
        answer = str(answer) if type(answer) is int else format_number(answer)
        steps_term, whole_term, other_term = self._difficulty_terms
        score, level = _difficulty(steps_term, largest, whole_term if whole else other_term)
        steps = len(self.steps)
        return {
            "prompt": question,
            "answer": answer,
            "verifier": VERIFIER,
            "difficulty": score,
            "level": level,
            "metadata": {
                "generator": "template",
                "scenario": self.name,
                "solution": f"{solution}\n#### {answer}",
                "steps": steps,
                "operations": list(self.operations),
                "max_number": largest,
            },
            "template": self.file,
        }

    def render(self, env: list[Any]) -> tuple[str, list[str]]:
        """The question and the solution lines (calculations included, no final ``####`` line)."""
        question, solution = self.texts(env)
        return question, solution.split("\n")

    def texts(self, env: list[Any]) -> tuple[str, str]:
        """The question and the solution, its lines joined by newlines (no final ``####`` line).

        Printf-style ``%`` fills the text (see ``_Text``). Whole numbers and words format as themselves;
        the texts of other numbers go into their own slots of ``env``: as shown (money with cents), as a
        calculation operand and as a step result.
        """
        if self._plain is not None:
            question, question_values, solution, solution_values = self._plain
            return question % question_values(env), solution % solution_values(env)
        for slot, money, shown, operand, result in self._shown:
            value = env[slot]
            if type(value) is Fraction:
                texts = _fraction_texts(value.numerator, value.denominator, money)
            else:
                texts = _texts_of(value, money)
            env[shown], env[operand], env[result] = texts
        if self.text.pattern is not None:
            return self.text.render(env)
        # Jinja renders from names: numbers as their texts, calculations, raw values as ``num``
        values = self.named(env)
        context = dict(values)
        for key in self._numbers:
            if "~" + key in values:
                context[key] = values["~" + key]
        for key, pattern in self._calc_patterns.items():
            context[key] = pattern % context
        context["num"] = values
        return self.text.render(context)

    def measure(self, env: list[Any]) -> tuple[Any, bool]:
        """The largest absolute number in the problem and its solution (an int, or a float when that
        number is not whole), and whether all of them are whole."""
        largest = _largest(self._int_numbers(env))
        if self._other_numbers is None:
            return largest, True
        whole, fractional = True, 0.0
        for value in self._other_numbers(env):
            kind = type(value)
            if kind is int:
                if abs(value) > largest:
                    largest = abs(value)
            elif kind is Fraction:  # never whole: drawn and solved values are normalised
                whole = False
                fractional = max(fractional, abs(value.numerator / value.denominator))
        if fractional > largest:
            return fractional, whole
        return largest, whole

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
        default=None, description="scenario names to draw from (default: all built-in scenarios)",
        json_schema_extra=lambda schema: schema.update(choices=list(scenario_names())),  # for `dsgen show`
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
        scenarios = self.scenarios
        chosen = scenarios[floor(rng.random() * len(scenarios))]
        item = chosen.item(rng, self.params.max_value)
        if item is None:
            raise Skip(f"scenario '{chosen.name}': no draw met its constraints and max_value in {MAX_ATTEMPTS} tries")
        return item

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


#: Placeholders a sentence may use besides ``item``, ``verb``, ``base`` (and ``P``, ``P_he`` in frames
#: with a hero), by sentence kind; a step's own placeholder is that of its operation.
_STEP_KEY = {"add": "k", "sub": "k", "mul": "times", "div": "part", "percent": "p", "sum": "C", "diff": "C"}
#: Where each placeholder's value sits in a step's values ``(A, B, amount, P, P_he, x, operand,
#: result)`` (``amount``: the number or label the sentence adds; the last three, numbers as texts, are
#: the solution line's calculation); intro and question sentences take the first five.
_SENTENCE_SLOTS = {"A": 0, "B": 1, "a": 2, "k": 2, "times": 2, "part": 2, "p": 2, "C": 2, "P": 3, "P_he": 4}
_SOLUTION_SLOTS = {"B": 1, "P": 3, "P_he": 4}
_SENTENCE_VALUES = 1 + max(_SENTENCE_SLOTS.values())
#: The calculation of each operation over a step's values: ``x+n = <<x+n=y>>y``.
_CALCULATIONS = {
    op: [5, sign, 6, suffix + " = <<", 5, sign, 6, suffix + "=", 7, ">>", 7]
    for op, sign, suffix in [("add", "+", ""), ("sub", "-", ""), ("mul", "*", ""), ("div", "/", ""),
                             ("percent", "*", "/100"), ("sum", "+", ""), ("diff", "-", "")]
}
_STEP_VALUES = 1 + max(part for parts in _CALCULATIONS.values() for part in parts if type(part) is int)
#: Number texts are looked up in a table when numbers stay below this (else ``str``).
_TEXT_TABLE = 100_000


class _Frame:
    """One story frame of compose.yaml: entity labels, items, and sentence templates per operation.

    Sentences render as ``joiner`` functions with the activity's words (item, verb, base) already filled
    in, one set per activity, so a record fills in only the labels and number texts it draws; a step's
    sentence variant and its solution line render in one call.
    """

    def __init__(self, name: str, data: dict[str, Any], words: dict[str, Any]):
        origin = f"templates/{COMPOSE_FILE}: frames.{name}"
        self.name, self.template = name, f"{COMPOSE_FILE}#{name}"
        try:
            self.entities = data["entities"]
            people = _lexicon()[0]
            if self.entities == "names":
                self.labels: tuple[str, ...] = tuple(person[0] for person in people)
            elif self.entities == "colors":
                self.labels = tuple(words["colors"])
                #: per container, the entity labels ("red box", ...)
                self.boxes = tuple(tuple(f"{color} {container}" for color in self.labels)
                                   for container in data["containers"])
            elif self.entities == "ordinals":
                self.labels = tuple(words["ordinals"])
                self.heroes = tuple((name, pronouns["he"]) for name, pronouns, _ in people)
            else:
                raise DsgenError(f"{origin}.entities: expected names, colors or ordinals, got {self.entities!r}")
            if "activities" in data:
                self.activities = tuple((a["verb"], a["base"], a["item"]) for a in data["activities"])
            else:
                self.activities = tuple(("", "", item) for item in data["items"])
            intro = tuple(data["intro"])
            steps = {op: tuple(data["steps"][op]) for op in OPERATIONS}
            solution = str(data["solution"])
            question = tuple(data["question"])
        except (KeyError, TypeError) as exc:
            raise DsgenError(f"{origin}: missing or malformed entry {exc}") from exc
        words_used = {"item", "verb", "base"} | ({"P", "P_he"} if self.entities == "ordinals" else set())
        for key, texts, allowed in [("intro", intro, {"A", "a"}), ("solution", (solution,), {"B", "calc"}),
                                    ("question", question, {"B"}),
                                    *((f"steps.{op}", t, {"A", "B", _STEP_KEY[op]}) for op, t in steps.items())]:
            if not texts:
                raise DsgenError(f"{origin}.{key}: needs at least one sentence")
            allowed = allowed | words_used
            for text in texts:
                try:
                    fields = {field for _, field, _, _ in Formatter().parse(text) if field is not None}
                except ValueError as exc:
                    raise DsgenError(f"{origin}.{key}: bad placeholder in {text!r} ({exc})") from exc
                if fields - allowed:
                    raise DsgenError(
                        f"{origin}.{key}: bad placeholder(s) {sorted(fields - allowed)} in {text!r}; "
                        f"allowed here: {', '.join(sorted(allowed))}"
                    )
        #: per activity: (intro, the step renderers of each of OPERATIONS, question), a step renderer
        #: being ``render(*step values) -> (sentence, solution line)``, one per sentence variant
        self.texts = tuple(
            (
                tuple(joiner(_prefill(t, fixed, _SENTENCE_SLOTS), _SENTENCE_VALUES) for t in intro),
                tuple(
                    tuple(joiner(_prefill(t, fixed, _SENTENCE_SLOTS), _STEP_VALUES,
                                 _prefill(solution, fixed, _SOLUTION_SLOTS, _CALCULATIONS[op]))
                          for t in steps[op])
                    for op in OPERATIONS
                ),
                tuple(joiner(_prefill(t, fixed, _SENTENCE_SLOTS), _SENTENCE_VALUES) for t in question),
            )
            for fixed in ({"item": item, "verb": verb, "base": base} for verb, base, item in self.activities)
        )

    def story(self, random_: Any, count: int) -> tuple[list[str], int, str, str]:
        """``count`` distinct labels in story order, the index of a random activity, the hero and the
        hero's pronoun (empty in frames without one)."""
        activity = floor(random_() * len(self.texts))
        if self.entities == "ordinals":
            hero, he = self.heroes[floor(random_() * len(self.heroes))]
            return list(self.labels[:count]), activity, hero, he
        labels = self.labels if self.entities == "names" else self.boxes[floor(random_() * len(self.boxes))]
        return _distinct(random_, labels, count), activity, "", ""


def _prefill(text: str, fixed: dict[str, str], slots: dict[str, int],
             calculation: list[str | int] | None = None) -> list[str | int]:
    """A ``str.format`` sentence as ``joiner`` parts, the ``fixed`` words filled in (``slots``:
    placeholder → value position; ``{calc}`` becomes the ``calculation`` parts)."""
    parts: list[str | int] = []
    for literal, field, _, _ in Formatter().parse(text):
        parts.append(literal)
        if field is None:
            continue
        if field in fixed:
            parts.append(fixed[field])
        elif field == "calc":
            parts.extend(calculation)
        else:
            parts.append(slots[field])
    return parts


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
    frames: list[str] | None = Field(
        default=None, description="story frames to use (default: all)",
        json_schema_extra=lambda schema: schema.update(choices=list(compose_frames())),  # for `dsgen show`
    )

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
        self.frames = [frames[n] for n in (self.params.frames or frames)]
        self.operations = tuple(self.params.operations or OPERATIONS)
        too_short = [f.name for f in self.frames if len(f.labels) <= self.params.max_steps]
        if too_short:
            raise DsgenError(f"math.compose: frame(s) {too_short} have too few entities for {self.params.max_steps} steps")
        self.top = self.params.max_value
        self.divisors = sorted(self.words["part"])
        self.multipliers = sorted(self.words["times"])
        self.percents = sorted(self.words["percents"])
        # which divisors divide x, and which percents of x are whole, depend only on x modulo these
        self._divisor_period = math.lcm(*self.divisors)
        period = self._divisor_period
        self._divisors_by_rest = [tuple(d for d in self.divisors if r % d == 0) for r in range(period)]
        self._percents_by_rest = [tuple(q for q in self.percents if r * q % 100 == 0) for r in range(100)]
        # number texts: from a table when numbers (and percentages) are small, else ``str``
        largest = max(self.top, *self.percents, *self.multipliers, *self.divisors)
        self._text = [str(i) for i in range(largest + 1)].__getitem__ if largest < _TEXT_TABLE else str
        appliers = self._appliers()

        def entry(op: str, texts: tuple) -> tuple:
            variants = texts[OPERATIONS.index(op)]
            arithmetic = _ARITHMETIC[op]
            return appliers[op], variants, float(len(variants)), arithmetic, operations_weight([arithmetic], True)

        def activity(intro: tuple, texts: tuple, question: tuple) -> tuple:
            entries = [entry(op, texts) for op in self.operations]
            return intro, entries, float(len(entries)), question

        # counts that scale a draw are floats: ``random_() * count`` is then a float product that the
        # interpreter specializes, not a mixed one (same values: counts are far below 2**53)
        #: per frame, per activity: (intro, one entry per allowed operation, their count, question), an
        #: entry being (apply, step renderers, their count, arithmetic, its difficulty weight; a
        #: record's ``O`` is the largest, kept as the steps run: 5% faster than ``operations_weight`` after)
        self._tables = [[activity(*texts) for texts in frame.texts] for frame in self.frames]
        #: what generate draws from: the fewest steps, the number of step counts, the number of starting
        #: values (below _FAST_RANGE: max_value <= 10**9), the number of frames, the difficulty's steps
        #: term by step count
        self._draws = (self.params.min_steps, float(self.params.max_steps - self.params.min_steps + 1),
                       float(max(2, self.top // 5) - 1), float(len(self.frames)),
                       [_steps_term(k) for k in range(self.params.max_steps + 1)])

    def _appliers(self) -> dict[str, Any]:
        """``apply(x, values, labels, random_) -> (result, operand's text in the calculation, what the
        sentence shows)`` for each operation, applied at random to the current value ``x`` >= 1, or None
        when it does not apply to ``x`` (``values``: the chain so far, ``x`` last; ``labels``: their
        entities)."""
        top, times, parts, text = self.top, self.words["times"], self.words["part"], self._text
        multipliers, divisors_by_rest = self.multipliers, self._divisors_by_rest
        percents_by_rest = self._percents_by_rest
        period, add_span = self._divisor_period, max(1, top // 4)

        def add(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            if x >= top:
                return None
            n = 1 + floor(random_() * min(top - x, add_span))
            n_text = text(n)
            return x + n, n_text, n_text

        def sub(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            if x <= 1:
                return None
            n = 1 + floor(random_() * (x - 1))
            n_text = text(n)
            return x - n, n_text, n_text

        def mul(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            count = bisect_right(multipliers, top // x)
            if not count:
                return None
            m = multipliers[floor(random_() * count)]
            return x * m, text(m), times[m]

        def div(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            divisors = divisors_by_rest[x % period]
            if not divisors:
                return None
            d = divisors[floor(random_() * len(divisors))]
            return x // d, text(d), parts[d]

        def percent(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            whole = percents_by_rest[x % 100]
            count = bisect_right(whole, top * 100 // x)
            if not count:
                return None
            q = whole[floor(random_() * count)]
            q_text = text(q)
            return x * q // 100, q_text, q_text

        def sum_(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            room = top - x
            earlier = [j for j in range(len(values) - 1) if values[j] <= room]
            if not earlier:
                return None
            j = earlier[floor(random_() * len(earlier))]
            return x + values[j], text(values[j]), labels[j]

        def diff(x: int, values: list[int], labels: list[str], random_: Any) -> tuple | None:
            earlier = [j for j in range(len(values) - 1) if values[j] < x]
            if not earlier:
                return None
            j = earlier[floor(random_() * len(earlier))]
            return x - values[j], text(values[j]), labels[j]

        return {"add": add, "sub": sub, "mul": mul, "div": div, "percent": percent, "sum": sum_, "diff": diff}

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "frames"):
            self.setup()
        min_steps, step_counts, starts, frame_count, steps_terms = self._draws
        random_, text = rng.random, self._text
        k = min_steps + floor(random_() * step_counts)
        chosen = floor(random_() * frame_count)
        frame = self.frames[chosen]
        labels, activity, hero, he = frame.story(random_, k + 1)
        intro, table, count, question = self._tables[chosen][activity]
        x = 2 + floor(random_() * starts)
        x_text, before = text(x), labels[0]
        values = [x]
        sentences = [intro[floor(random_() * len(intro))](before, "", x_text, hero, he)]
        lines, operations, heaviest = [], [], 0.0
        for label in labels[1:]:
            # a uniformly random applicable operation: draw without replacement until one applies
            pick = floor(random_() * count)
            apply, variants, variant_count, arithmetic, weight = table[pick]
            step = apply(x, values, labels, random_)
            if step is None:
                untried = table[:pick] + table[pick + 1:]
                while step is None:
                    if not untried:
                        raise Skip(f"math.compose: no allowed operation applies to {x} (operations {self.operations})")
                    apply, variants, variant_count, arithmetic, weight = untried.pop(
                        floor(random_() * len(untried)))
                    step = apply(x, values, labels, random_)
            x, operand, shown = step
            y_text = text(x)
            sentence, line = variants[floor(random_() * variant_count)](before, label, shown, hero, he, x_text, operand, y_text)
            sentences.append(sentence)
            lines.append(line)
            operations.append(arithmetic)
            if weight > heaviest:
                heaviest = weight
            values.append(x)
            x_text, before = y_text, label
        sentences.append(question[floor(random_() * len(question))]("", before, "", hero, he))
        lines.append("#### " + x_text)
        largest = max(values)
        score, level = _difficulty(steps_terms[k], largest, 0.25 * heaviest)
        return {
            "prompt": " ".join(sentences),
            "answer": x_text,
            "verifier": VERIFIER,
            "difficulty": score,
            "level": level,
            "metadata": {
                "generator": "compose",
                "scenario": frame.name,
                "solution": "\n".join(lines),
                "steps": k,
                "operations": operations,
                "max_number": largest,
            },
            "template": frame.template,
        }

    def capacity(self) -> int:
        """A conservative estimate of distinct problems (see ``TemplateProblems.capacity``).

        Counts, for the smallest step count, the frames × items × ordered entity labels × starting
        values × (allowed operations)^k; real variety (amounts, sentence variants) is larger.
        """
        if not hasattr(self, "frames"):
            self.setup()
        k, total = self.params.min_steps, 0
        starts = int(self._draws[2])
        for frame in self.frames:
            entity_orders = math.perm(len(frame.labels), k + 1) if frame.entities != "ordinals" else len(frame.heroes)
            total += len(frame.activities) * entity_orders * starts * len(self.operations) ** k
        return total
