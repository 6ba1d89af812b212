"""Scenario files of ``math.template``: compiled once, then drawn, solved and rendered per record.

A scenario (``templates/math/scenarios/<name>.yaml``, see :class:`Scenario`) declares typed variables,
constraints, a question and a solution program; the program's expressions run in
:mod:`dsgen.expressions` (never ``eval``) and the texts are Jinja2 (with the ``a``, ``plural`` and
``count`` filters of :mod:`.texts`).
"""

from __future__ import annotations

import math
import random
import re
from functools import lru_cache
from importlib.resources import files
from math import floor
from operator import itemgetter
from typing import Any

from quicktions import Fraction

from dsgen.errors import DsgenError, did_you_mean
from dsgen.expressions import Expression, compile_expression, format_number, parse_number
from dsgen.templating import environment

from .difficulty import difficulty
from .lexicon import LEXICON_FILE, PRONOUN_KEYS, load_yaml, measure, people
from .texts import count, number_texts, plural, with_article

MAX_ATTEMPTS = 200
VERIFIER = {"kind": "numeric", "params": {}}
_SEP = "\x1e"

def _pick(rng: random.Random, values: tuple) -> Any:
    """One of ``values``, uniformly (``rng.choice`` at a third of its cost; the bias for fewer than 2**31
    values is below 2**-22)."""
    return values[floor(rng.random() * len(values))]


def _json_number(value: Any) -> int | float:
    """A drawn or computed number as JSON holds it (an int, or the nearest float)."""
    return value if type(value) is int else float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    return isinstance(value, int) or value.denominator == 1


# ---------------------------------------------------------------------------------------------
# Text: Jinja2 source, rendered as a str.format pattern when it only substitutes variables
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def text_environment() -> Any:
    """dsgen's template environment with the filters scenario texts use for agreement (inflect):
    ``{{ place | a }}`` → "an opera house", ``{{ item | plural }}``, ``{{ hours | count("hour") }}`` →
    "1 hour" / "3 hours"."""
    env = environment().overlay()
    env.filters = {**env.filters, "a": with_article, "plural": plural, "count": count}
    return env


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
        env = text_environment()
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
_SCENARIO_KEYS = {"name", "topic", "kinds", "variables", "constraints", "question", "solution", "answer"}
#: The kinds of GSM8K problem a scenario may say it is (``kinds:``); ``unknown_start`` (the story gives the
#: end and asks for the start) counts as back-solving in the difficulty.
KINDS = ("rate", "percent", "ratio", "unit_conversion", "time", "money_change", "unknown_start", "comparison",
         "several_entities", "remainder", "average", "geometry", "fraction", "multi_step", "one_step")
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
            self.keys = (name,) + tuple(f"{name}_{k}" for k in PRONOUN_KEYS)
            return
        if not isinstance(spec, dict) or len(set(spec) & {"choice", *_NUMERIC_KINDS}) != 1:
            raise DsgenError(
                f"{self.origin}: expected 'name' or a mapping with one of choice, int, money, decimal "
                f"(and optionally step), got {spec!r}"
            )
        extra = set(spec) - {"choice", "step", "multiple_of", "measure", *_NUMERIC_KINDS}
        if extra:
            raise DsgenError(
                f"{self.origin}: unknown key(s) {sorted(extra)}; expected choice/int/money/decimal, step, "
                "multiple_of or measure"
            )
        #: the lexicon measure whose plausible range every value keeps (None for a choice of words)
        self.measure = measure(str(spec["measure"]), self.origin) if "measure" in spec else None
        if "choice" in spec:
            self.kind, self.choices = "choice", spec["choice"]
            if not isinstance(self.choices, list) or not self.choices:
                raise DsgenError(f"{self.origin}: 'choice' must be a non-empty list")
            if isinstance(self.choices[0], dict):
                fields = set(self.choices[0])
                if any(not isinstance(c, dict) or set(c) != fields for c in self.choices):
                    raise DsgenError(f"{self.origin}: every choice must be a mapping with the keys {sorted(fields)}")
                if any(_is_number(v) for c in self.choices for v in c.values()):
                    raise DsgenError(f"{self.origin}: a choice of mappings holds words only; give each number "
                                     "its own variable with a measure")
                self.keys = tuple(f"{name}_{k}" for k in sorted(fields))
            elif any(_is_number(c) for c in self.choices):
                self._check_measure(self.choices)
                self.choices = [_exact(c, self.origin) for c in self.choices]
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
        self._check_measure([b for b in (self.low, self.high) if not isinstance(b, Expression)])

    def _check_measure(self, constants: list[Any]) -> None:
        """A number must name its measure, and its constant values (bounds, choices) must lie in its range."""
        if self.measure is None:
            raise DsgenError(f"{self.origin}: a number must name the lexicon measure of what it counts "
                             f"(measure: ...; see templates/{LEXICON_FILE})")
        for value in constants:
            if not _is_number(value) or not self.measure.holds(_exact(value, self.origin)):
                raise DsgenError(f"{self.origin}: value {value} is outside the plausible range "
                                 f"[{self.measure.low}, {self.measure.high}] of measure '{self.measure.name}'")

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

    def draw(self, rng: random.Random, env: Any) -> Any:
        """A value of a number drawn uniformly from its domain given earlier values; None if it is empty."""
        domain = self.domain(env)
        if domain is None:
            return None
        low, count, step = domain
        return _normal(low + step * rng.randrange(count))


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
        if not isinstance(spec, dict) or set(spec) - {"let", "text", "result", "measure"} or not {"let", "text"} <= set(spec):
            raise DsgenError(f"{where}: expected a mapping with 'let' (name = expression), 'text', 'measure' "
                             "and optional 'result'")
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
        if "measure" not in spec:
            raise DsgenError(f"{where}: step '{self.name}' must name the lexicon measure of its result "
                             f"(measure: ...; see templates/{LEXICON_FILE})")
        self.measure = measure(str(spec["measure"]), where)
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
        rows = tuple(tuple(c[k] for k in sorted(c)) for c in variable.choices)
        first = slots[variable.keys[0]]
        last = first + len(variable.keys)

        def choose_fields(rng: random.Random, env: list[Any], top: int) -> bool:
            env[first:last] = _pick(rng, rows)
            return True

        return choose_fields
    draw = variable.draw
    slot = slots[variable.name]

    def draw_number(rng: random.Random, env: list[Any], top: int) -> bool:
        value = draw(rng, env)
        if value is None or value > top:
            return False
        env[slot] = value
        return True

    return draw_number


def _step_op(step: _Step, slot: int) -> Any:
    """``op(rng, env, top) -> bool``: compute one solution value; False when it is not acceptable."""
    expression, accepts = step.expression, step.accepts

    def solve(rng: random.Random, env: list[Any], top: int) -> bool:
        value = expression(env)
        if not accepts(value) or value > top:
            return False
        env[slot] = value
        return True

    return solve


def _check_op(constraint: Expression) -> Any:
    return lambda rng, env, top: constraint(env)


def _calc_pattern(step: _Step, whole: frozenset[str]) -> str:
    """The printf-style pattern of a step's GSM8K calculation, ``%(a)s*%(=b)s = <<%(a)s*%(=b)s=%(c)s>>%(c)s``:
    whole-number keys as themselves, other operands as ``=name``, another result as ``#name``."""
    expression = step.expression.template.replace("%", "%%").format_map(
        {n: f"%({n})s" if n in whole else f"%(={n})s" for n in step.expression.names}
    )
    result = f"%({step.name})s" if step.name in whole else f"%(#{step.name})s"
    if _ROUNDING.search(expression):  # GSM8K's calculator marks hold plain arithmetic: rounding in words
        return f"{_rounding_in_words(expression)} = {result}"
    return f"{expression} = <<{expression}={result}>>{result}"


_ROUNDING = re.compile(r"\b(ceil|floor|abs)\(")
_ROUNDING_WORDS = {"ceil": "{} rounded up", "floor": "{} rounded down", "abs": "|{}|"}


def _rounding_in_words(expression: str) -> str:
    """``ceil(a/b)`` as "a/b rounded up", ``floor(…)`` as "… rounded down", ``abs(x)`` as ``|x|``."""
    match = _ROUNDING.search(expression)
    if match is None:
        return expression
    depth, end = 0, match.end()
    for end in range(match.end() - 1, len(expression)):
        depth += {"(": 1, ")": -1}.get(expression[end], 0)
        if depth == 0:
            break
    inner = _rounding_in_words(expression[match.end():end])
    return (expression[:match.start()] + _ROUNDING_WORDS[match.group(1)].format(inner)
            + _rounding_in_words(expression[end + 1:]))


class Scenario:
    """A compiled scenario file: draw variables, run the solution program, render question and solution.

    A scenario file (``templates/math/scenarios/<name>.yaml``) has ``name`` (= the file name), ``topic``,
    ``kinds`` (the GSM8K kinds of problem it is, from ``KINDS``), ``variables`` (in draw order: ``name``
    for a person — which also defines ``<var>_he``, ``_He``, ``_his``, ``_His``, ``_him`` —
    ``{choice: [...]}``, or ``{int|money|decimal: [low, high], step: s}`` (ints may give
    ``multiple_of: m`` instead of a step) whose bounds and step may be expressions of earlier
    variables; any of them may name the lexicon ``measure`` whose plausible range its values keep),
    ``constraints`` (expressions that must hold, over variables and solution values), ``question``
    (Jinja2; or a list of phrasings of the same question, one drawn per record), ``solution`` (a list of
    ``{let: "name = expression", text: "Jinja2 with {{ calc }}", result: whole|money|positive,
    measure: m}``; every value must be positive and, by default, whole) and ``answer`` (a solution
    name). Texts see numbers already formatted (money with cents) and the agreement filters of
    ``text_environment``; templates with control flow also get the raw values as ``num``
    (``{% if num.count > 1 %}``). Draws failing a constraint or a measure are redrawn up to
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
        questions = data["question"] if isinstance(data["question"], list) else [data["question"]]
        if not questions:
            raise DsgenError(f"{origin}: 'question' must be a text or a non-empty list of texts (its phrasings)")
        #: one text per phrasing of the question (the solution lines are the same in each)
        self.text_variants = [_Text([str(q)] + [s.text for s in self.steps], origin, self._calc_patterns, text_slots)
                              for q in questions]
        context_keys = {k for v in self.variables for k in v.keys} | {s.name for s in self.steps}
        context_keys |= {s.calc_key for s in self.steps} | {"num"}
        for i, question in enumerate(questions):
            where = f"{origin}: question" + (f"[{i}]" if len(questions) > 1 else "")
            question_names = _Text([str(question)], origin).names
            undefined = self.text_variants[i].names - context_keys
            if undefined:
                raise DsgenError(f"{where}: the text uses undefined name(s) {sorted(undefined)}")
            leaked = question_names & {s.name for s in self.steps}
            if leaked:
                raise DsgenError(f"{where}: the question must not show solution values {sorted(leaked)}")
            unused = [v.name for v in self.variables if not set(v.keys) & question_names]
            if unused:
                raise DsgenError(f"{where}: variable(s) {unused} never appear in the question")
        self.operations = tuple(op for s in self.steps for op in s.expression.operations)
        self.kinds = tuple(data.get("kinds") or ())
        bad = [k for k in self.kinds if k not in KINDS]
        if bad or not isinstance(data.get("kinds", []), list):
            raise DsgenError(f"{origin}: kinds must be a list of {', '.join(KINDS)}; got {bad or data['kinds']!r}")
        #: the kinds of operation the difficulty counts (see .difficulty), besides ``fraction``
        self.graph_kinds = set(self.operations)
        if "unknown_start" in self.kinds:
            self.graph_kinds.add("back_solve")
        # percentages and rates are written as mul/div; the declared kind counts as annotate's cue does
        self.graph_kinds |= {"percent", "rate"} & set(self.kinds)
        step_names = {s.name for s in self.steps}
        if any(len(step_names & set(s.expression.names)) >= 2 for s in self.steps):
            self.graph_kinds.add("combine")
        #: (slot, measure) of every value whose plausible range the lexicon declares
        self.measured = [(self._slots[v.name], v.measure) for v in self.variables if getattr(v, "measure", None)]
        self.measured += [(self._slots[s.name], s.measure) for s in self.steps if s.measure]
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
        sizes = {v.name: v.measure.size for v in self.variables if getattr(v, "measure", None)}
        sizes.update((s.name, s.measure.size) for s in self.steps)
        #: the slot of every number and the size its measure gives one unit (see ``measure``)
        self._sized_numbers = [(slots[k], sizes[k]) for k in numbers]
        self._answer_slot = slots[self.answer]
        #: the printf patterns and value fetchers when the text needs no formatted numbers (all whole)
        self._plain = [None if text.pattern is None or self._shown else (*text.question, *text.solution)
                       for text in self.text_variants]

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
                drawn.append((self._slots[variable.name], table))
                continue
            ops.append(_variable_op(variable, self._slots))
            defined_at.update(dict.fromkeys(variable.keys, len(ops) - 1))
        for step in self.steps:
            ops.append(_step_op(step, self._slots[step.name]))
            defined_at[step.name] = len(ops) - 1
        checks: dict[int, list[Any]] = {}
        for constraint in self.constraints:
            after = max((defined_at.get(n, -1) for n in constraint.names), default=-1)
            checks.setdefault(after, []).append(_check_op(constraint))
        ops = checks.get(-1, []) + [x for i, op in enumerate(ops) for x in [op, *checks.get(i, [])]]
        plan = self._plans[top] = (tables, ops, free_tables, free_ops)
        return plan

    def _names_op(self) -> Any:
        """``op(rng, env, top)`` drawing distinct people and writing each one's words (name, pronouns)
        into the slots of its variable (consecutive, in ``PRONOUN_KEYS`` order after the name)."""
        if not self.names:
            return None
        everyone = people()
        spans = [(self._slots[v.keys[0]], self._slots[v.keys[0]] + len(v.keys)) for v in self.names]

        def draw_names(rng: random.Random, env: list[Any], top: int) -> bool:
            # one person (most scenarios): a plain pick, a tenth of rng.sample's cost
            chosen = rng.sample(everyone, len(spans)) if len(spans) > 1 else [_pick(rng, everyone)]
            for (first, last), words in zip(spans, chosen):
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
        size = len(self._slots)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            env: list[Any] = [None] * size
            for slot, table in tables:
                env[slot] = _pick(rng, table)
            try:
                for op in ops:
                    if not op(rng, env, max_value):
                        break
                else:
                    for slot, table in free_tables:
                        env[slot] = _pick(rng, table)
                    for op in free_ops:
                        op(rng, env, max_value)
                    if all(m.holds(env[slot]) for slot, m in self.measured):
                        return env, attempt
            except ZeroDivisionError:
                continue
        return None

    def named(self, env: list[Any]) -> dict[str, Any]:
        """The values of a draw by name (those drawn so far)."""
        return {key: env[slot] for key, slot in self._slots.items() if env[slot] is not None}

    # -- rendering -------------------------------------------------------------------------

    def item(self, rng: random.Random, max_value: int) -> dict[str, Any] | None:
        """A ``math`` item (see ``Builder.generate``) from one draw; None when no draw met the constraints."""
        drawn = self.draw(rng, max_value)
        if drawn is None:
            return None
        env = drawn[0]
        variants = len(self.text_variants)
        question, solution = self.texts(env, rng.randrange(variants) if variants > 1 else 0)
        largest, whole = self.measure(env)
        answer = env[self._answer_slot]
        answer = str(answer) if type(answer) is int else format_number(answer)
        steps = len(self.steps)
        score, level = difficulty(steps, self.graph_kinds if whole else self.graph_kinds | {"fraction"}, largest)
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
                "kinds": list(self.kinds),
                "quantities": [{"measure": m.name, "value": _json_number(env[slot])} for slot, m in self.measured],
            },
            "template": self.file,
        }

    def render(self, env: list[Any]) -> tuple[str, list[str]]:
        """The question and the solution lines (calculations included, no final ``####`` line)."""
        question, solution = self.texts(env)
        return question, solution.split("\n")

    def texts(self, env: list[Any], variant: int = 0) -> tuple[str, str]:
        """The question and the solution, its lines joined by newlines (no final ``####`` line).

        Printf-style ``%`` fills the text (see ``_Text``). Whole numbers and words format as themselves;
        the texts of other numbers go into their own slots of ``env``: as shown (money with cents), as a
        calculation operand and as a step result.
        """
        plain, text = self._plain[variant], self.text_variants[variant]
        if plain is not None:
            question, question_values, solution, solution_values = plain
            return question % question_values(env), solution % solution_values(env)
        for slot, is_money, shown, operand, result in self._shown:
            env[shown], env[operand], env[result] = number_texts(env[slot], is_money)
        if text.pattern is not None:
            return text.render(env)
        # Jinja renders from names: numbers as their texts, calculations, raw values as ``num``
        values = self.named(env)
        context = dict(values)
        for key in self._numbers:
            if "~" + key in values:
                context[key] = values["~" + key]
        for key, pattern in self._calc_patterns.items():
            context[key] = pattern % context
        context["num"] = values
        return text.render(context)

    def measure(self, env: list[Any]) -> tuple[int | float, bool]:
        """The largest absolute number in the problem and its solution, each counted in the unit of its
        measure's ``size`` (cents as dollars: see ``Measure``), and whether every number is whole."""
        largest, whole = 0, True
        for slot, size in self._sized_numbers:
            value = env[slot]
            whole = whole and _whole(value)
            largest = max(largest, abs(value) * size)
        return _json_number(_normal(largest)), whole

    def space(self, rng: random.Random, draws: int = 48) -> float:
        """Estimated number of distinct questions: mean domain size over valid draws × acceptance rate."""
        names = math.perm(len(people()), len(self.names))
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
    return Scenario(name, load_yaml(file), file)

