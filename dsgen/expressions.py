"""A restricted evaluator for arithmetic expressions written in template files (never ``eval``/``exec``).

``compile_expression(source, names=..., origin=...)`` parses ``source`` with :mod:`ast`, checks every
node against a whitelist (numbers, strings, variable names, ``+ - * / // % **``, comparisons,
``and``/``or``/``not``, ``x if c else y`` and calls of the functions in :data:`FUNCTIONS`) and turns
the tree into nested closures, so evaluating it later costs a few Python calls and no parsing.
Arithmetic is exact: ``/`` gives a Fraction (an ``int`` when whole) and decimal literals such as
``2.5`` become Fractions; Fractions are quicktions' (Cython, the same API and values as
:class:`fractions.Fraction`, 5-10 times faster), never made from text (see :func:`parse_number`).
Anything else — attribute access, subscripts, lambdas, comprehensions, calls of other names,
exponents that would build huge numbers — is an :class:`ExpressionError` naming the origin (a file
and key) and the expression.
"""

from __future__ import annotations

import ast
import fractions
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from quicktions import Fraction

from .errors import DsgenError

#: Longest expression source accepted (keeps parsing and closure depth small).
MAX_SOURCE = 500
#: Largest exponent allowed in ``**`` and largest result size in bits; beyond them the value is refused.
MAX_EXPONENT = 64
MAX_BITS = 4096

Number = int | Fraction
Env = Any  # a dict of values by name, or a list by position (see compile_expression)


class ExpressionError(DsgenError):
    """An expression uses something the restricted evaluator does not allow, or fails to evaluate."""


def is_int(x: Any) -> bool:
    """True when ``x`` is a whole number (an int, or a Fraction with denominator 1)."""
    return type(x) is int or isinstance(x, int) or (isinstance(x, Fraction) and x.denominator == 1)


def _whole(x: Number) -> Number:
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def _div(a: Number, b: Number) -> Number:
    if type(a) is int and type(b) is int:
        return a // b if b and not a % b else Fraction(a, b)
    return _whole(Fraction(a) / b)


def _floordiv(a: Number, b: Number) -> Number:
    return _whole(a // b)


def _mod(a: Number, b: Number) -> Number:
    return _whole(a % b)


def _gcd(a: Number, b: Number) -> int:
    if type(a) is int and type(b) is int:
        return math.gcd(a, b)
    if not (is_int(a) and is_int(b)):
        raise ValueError("gcd() takes whole numbers")
    return math.gcd(int(a), int(b))


def _round(x: Number, ndigits: int | None = None) -> Number:
    return round(x) if ndigits is None else _whole(round(Fraction(x), int(ndigits)))


def _bits(x: Number) -> int:
    if isinstance(x, Fraction):
        return max(x.numerator.bit_length(), x.denominator.bit_length())
    return abs(int(x)).bit_length()


def _pow(a: Number, b: Number) -> Number:
    if not is_int(b) or abs(b) > MAX_EXPONENT:
        raise OverflowError(f"exponent {b} is not a whole number of at most {MAX_EXPONENT}")
    if _bits(a) * abs(int(b)) > MAX_BITS:
        raise OverflowError(f"{a}**{b} would exceed {MAX_BITS} bits")
    return _whole(Fraction(a) ** int(b)) if b < 0 else a ** int(b)


#: Functions an expression may call, by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "is_int": is_int,
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "gcd": _gcd,
    "floor": math.floor,
    "ceil": math.ceil,
}

_BINARY = {
    ast.Add: (operator.add, "add"),
    ast.Sub: (operator.sub, "sub"),
    ast.Mult: (operator.mul, "mul"),
    ast.Div: (_div, "div"),
    ast.FloorDiv: (_floordiv, "floordiv"),
    ast.Mod: (_mod, "mod"),
    ast.Pow: (_pow, "pow"),
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment",
    ast.Starred: "a star argument",
    ast.JoinedStr: "an f-string",
    ast.Await: "await",
    ast.Yield: "yield",
}


def parse_number(text: str) -> Number:
    """The exact value of a number written as text (``12``, ``2.5``, ``3/4``), an int when whole.

    The standard library parses: quicktions' own parser, once used in a process, breaks Ray's
    serialization of task arguments there (tests/test_ray.py checks that it stays unused).
    """
    value = fractions.Fraction(text)
    return value.numerator if value.denominator == 1 else Fraction(value.numerator, value.denominator)


def format_number(value: Number) -> str:
    """Canonical text of an exact number: ``12``, ``-0.25`` (terminating decimals), else ``2/3``."""
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, (Fraction, fractions.Fraction)):
        raise TypeError(f"not an exact number: {value!r}")
    num, den = value.numerator, value.denominator
    if den == 1:
        return str(num)
    places = _DECIMAL_PLACES.get(den)
    if places is None:
        places = _decimal_places(den)
        if len(_DECIMAL_PLACES) < 4096:  # bounded: denominators come from the data
            _DECIMAL_PLACES[den] = places
    if not places:
        return f"{num}/{den}"
    scale = 10**places
    scaled = abs(num) * (scale // den)
    text = f"{scaled // scale}.{scaled % scale:0{places}d}"
    return "-" + text if num < 0 else text


#: Decimal places of 1/den for the denominators met so far (0: not a terminating decimal).
_DECIMAL_PLACES: dict[int, int] = {}


def _decimal_places(den: int) -> int:
    """Digits after the point of a terminating decimal with denominator ``den``, or 0 when it repeats."""
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    return max(twos, fives) if den == 1 else 0


def format_operand(value: Number) -> str:
    """``format_number`` with parentheses where the text would not parse as one operand (``(-3)``, ``(2/3)``)."""
    text = format_number(value)
    return f"({text})" if text[0] == "-" or "/" in text else text


class Expression:
    """A compiled expression: call it with a mapping of variable values.

    ``names`` are the variables it reads, ``operations`` the kinds of arithmetic it does (``add``,
    ``mul``, ``div``, ``min`` …, in source order) and ``template`` its text with each variable
    as a ``{name}`` placeholder, for showing the calculation with the values put in. ``fn`` is the
    bare closure, for hot loops that handle errors themselves: it may return a whole Fraction and
    lets Python's own exceptions through.
    """

    __slots__ = ("source", "origin", "names", "operations", "template", "fn")

    def __init__(self, source: str, origin: str, fn: Callable[[Env], Any], names: tuple[str, ...],
                 operations: tuple[str, ...], template: str):
        self.source, self.origin, self.fn = source, origin, fn
        self.names, self.operations, self.template = names, operations, template

    def __call__(self, env: Env) -> Any:
        """The value for ``env``; a whole Fraction comes back as an int."""
        try:
            value = self.fn(env)
            return value.numerator if type(value) is Fraction and value.denominator == 1 else value
        except ZeroDivisionError:
            raise
        except (OverflowError, TypeError, ValueError) as exc:
            raise ExpressionError(f"{self.origin}: expression '{self.source}' failed: {exc}") from exc

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def _div_fast(left: Callable[[Env], Any], right: Callable[[Env], Any]) -> Callable[[Env], Any]:
    """``left / right`` with the exact-integer case inline (the common one in templates)."""

    def div(env: Env) -> Number:
        a, b = left(env), right(env)
        if type(a) is int and type(b) is int and b and not a % b:
            return a // b
        return _div(a, b)

    return div


def _is_int_quotient(left: Callable[[Env], Any], right: Callable[[Env], Any]) -> Callable[[Env], bool]:
    """``is_int(left / right)`` without building a Fraction when both sides are ints."""

    def check(env: Env) -> bool:
        a, b = left(env), right(env)
        if type(a) is int and type(b) is int:
            return a % b == 0  # raises ZeroDivisionError for b == 0, as a / b does
        return is_int(_div(a, b))

    return check


#: ``a + b``, ``a * b``, ``a < b`` … of two variables or a variable and a constant, inline (the common
#: solution steps and constraints: no calls of item getters or ``operator`` functions)
_NAME_NAME = {
    operator.add: lambda a, b: lambda env: env[a] + env[b],
    operator.sub: lambda a, b: lambda env: env[a] - env[b],
    operator.mul: lambda a, b: lambda env: env[a] * env[b],
    operator.lt: lambda a, b: lambda env: env[a] < env[b],
    operator.le: lambda a, b: lambda env: env[a] <= env[b],
    operator.gt: lambda a, b: lambda env: env[a] > env[b],
    operator.ge: lambda a, b: lambda env: env[a] >= env[b],
    operator.ne: lambda a, b: lambda env: env[a] != env[b],
}
_NAME_CONSTANT = {
    operator.add: lambda a, b: lambda env: env[a] + b,
    operator.sub: lambda a, b: lambda env: env[a] - b,
    operator.mul: lambda a, b: lambda env: env[a] * b,
    operator.lt: lambda a, b: lambda env: env[a] < b,
    operator.le: lambda a, b: lambda env: env[a] <= b,
    operator.gt: lambda a, b: lambda env: env[a] > b,
    operator.ge: lambda a, b: lambda env: env[a] >= b,
    operator.ne: lambda a, b: lambda env: env[a] != b,
}
_CONSTANT_NAME = {
    operator.add: lambda a, b: lambda env: a + env[b],
    operator.sub: lambda a, b: lambda env: a - env[b],
    operator.mul: lambda a, b: lambda env: a * env[b],
}


def _binary(fn: Callable[[Any, Any], Any], left: Callable[[Env], Any], left_const: bool,
            right: Callable[[Env], Any], right_const: bool, variables: dict[Any, Any]) -> Callable[[Env], Any]:
    """``fn(left, right)`` as one closure, a constant side read once instead of called per evaluation
    (``variables``: the key, a name or a position, each plain variable reader reads)."""
    names = [variables[side] for side in (left, right) if side in variables]
    if len(names) == 2 and fn in _NAME_NAME:
        return _NAME_NAME[fn](*names)
    if right_const and (b := _value_of(right)) is not _FAILS:
        if names and fn in _NAME_CONSTANT:
            return _NAME_CONSTANT[fn](names[0], b)
        return lambda env: fn(left(env), b)
    if left_const and (a := _value_of(left)) is not _FAILS:
        if names and fn in _CONSTANT_NAME:
            return _CONSTANT_NAME[fn](a, names[0])
        return lambda env: fn(a, right(env))
    if fn is _div:
        return _div_fast(left, right)
    return lambda env: fn(left(env), right(env))


_FAILS = object()


def _value_of(constant: Callable[[Env], Any]) -> Any:
    """The value of a constant sub-expression, or ``_FAILS`` when it fails (it then fails at evaluation)."""
    try:
        return constant({})
    except (ArithmeticError, TypeError, ValueError):
        return _FAILS


class _Compiler:
    def __init__(self, source: str, names: Iterable[str] | Mapping[str, int] | None, origin: str):
        self.source, self.origin = source, origin
        self.allowed = None if names is None else frozenset(names)
        self.slots = names if isinstance(names, Mapping) else None  # read variables by these positions
        self.used: list[str] = []
        self.operations: list[str] = []
        self.variables: dict[Any, Any] = {}  # the item getter of each variable read → its key

    def fail(self, what: str) -> ExpressionError:
        return ExpressionError(f"{self.origin}: expression '{self.source}': {what} is not allowed")

    def compile(self, node: ast.AST) -> Callable[[Env], Any]:
        """Closure for ``node``; constant arithmetic is folded (so ``10**10**10`` fails at compile time)."""
        return self._node(node)[0]

    def _fold(self, fn: Callable[[Env], Any]) -> Callable[[Env], Any]:
        try:
            value = fn({})
        except ZeroDivisionError:
            return fn
        except (OverflowError, TypeError, ValueError) as exc:
            raise ExpressionError(f"{self.origin}: expression '{self.source}' failed: {exc}") from exc
        return lambda env: value

    def _node(self, node: ast.AST) -> tuple[Callable[[Env], Any], bool]:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or isinstance(value, (int, str)):
                return (lambda env: value), True
            if isinstance(value, float):
                exact = parse_number(ast.get_source_segment(self.source, node) or repr(value))
                return (lambda env: exact), True
            raise self.fail(f"the constant {value!r}")
        if isinstance(node, ast.Name):
            name = node.id
            if self.allowed is not None and name not in self.allowed:
                raise ExpressionError(
                    f"{self.origin}: expression '{self.source}' uses the unknown name '{name}' "
                    f"(known: {', '.join(sorted(self.allowed)) or 'none'})"
                )
            if name not in self.used:
                self.used.append(name)
            key = name if self.slots is None else self.slots[name]
            getter = operator.itemgetter(key)
            self.variables[getter] = key
            return getter, False
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise self.fail(f"the operator {type(node.op).__name__}")
            fn, kind = op
            left, lc = self._node(node.left)
            right, rc = self._node(node.right)
            self.operations.append(kind)
            if lc and rc:
                return self._fold(lambda env: fn(left(env), right(env))), True
            return _binary(fn, left, lc, right, rc, self.variables), False
        if isinstance(node, ast.UnaryOp):
            operand, c = self._node(node.operand)
            if isinstance(node.op, ast.USub):
                return (lambda env: -operand(env)), c
            if isinstance(node.op, ast.UAdd):
                return operand, c
            if isinstance(node.op, ast.Not):
                return (lambda env: not operand(env)), c
            raise self.fail(f"the operator {type(node.op).__name__}")
        if isinstance(node, ast.BoolOp):
            parts = [self._node(v) for v in node.values]
            fns = tuple(p[0] for p in parts)
            const = all(p[1] for p in parts)
            if isinstance(node.op, ast.And):
                return (lambda env: all(f(env) for f in fns)), const
            return (lambda env: any(f(env) for f in fns)), const
        if isinstance(node, ast.Compare):
            first, c0 = self._node(node.left)
            ops = tuple(_COMPARE[type(o)] if type(o) in _COMPARE else None for o in node.ops)
            if None in ops:
                raise self.fail("that comparison (only == != < <= > >=)")
            rest = [self._node(c) for c in node.comparators]
            fns = tuple(r[0] for r in rest)
            if len(ops) == 1:
                return _binary(ops[0], first, c0, fns[0], rest[0][1], self.variables), c0 and rest[0][1]

            def chain(env: Env) -> bool:
                left = first(env)
                for op, f in zip(ops, fns):
                    right = f(env)
                    if not op(left, right):
                        return False
                    left = right
                return True

            return chain, c0 and all(r[1] for r in rest)
        if isinstance(node, ast.IfExp):
            test, tc = self._node(node.test)
            body, bc = self._node(node.body)
            orelse, oc = self._node(node.orelse)
            return (lambda env: body(env) if test(env) else orelse(env)), tc and bc and oc
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise self.fail("calling anything but a plain function name")
            name = node.func.id
            func = FUNCTIONS.get(name)
            if func is None:
                raise self.fail(f"calling '{name}' (allowed: {', '.join(sorted(FUNCTIONS))})")
            if node.keywords:
                raise self.fail("a keyword argument")
            if func is is_int and len(node.args) == 1 and isinstance(quotient := node.args[0], ast.BinOp) \
                    and isinstance(quotient.op, ast.Div):
                (left, lc), (right, rc) = self._node(quotient.left), self._node(quotient.right)
                self.operations += ["div", name]
                check = _is_int_quotient(left, right)
                return (self._fold(check), True) if lc and rc else (check, False)
            args = [self._node(a) for a in node.args]
            self.operations.append(name)
            fns = tuple(a[0] for a in args)
            if len(fns) == 1:
                only = fns[0]
                return (lambda env: func(only(env))), args[0][1]
            if len(fns) == 2:
                first, second = fns
                return (lambda env: func(first(env), second(env))), args[0][1] and args[1][1]
            return (lambda env: func(*[f(env) for f in fns])), all(a[1] for a in args)
        what = _FORBIDDEN.get(type(node))
        raise self.fail(what or f"the syntax '{type(node).__name__}'")


class _Placeholders(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(id="{" + node.id + "}", ctx=node.ctx)

    def visit_Call(self, node: ast.Call) -> ast.Call:
        node.args = [self.visit(a) for a in node.args]
        return node


def _template(tree: ast.Expression) -> str:
    """The expression text with ``{name}`` placeholders; spaces dropped around arithmetic (GSM8K style)."""
    text = ast.unparse(_Placeholders().visit(tree))
    words = any(isinstance(n, (ast.BoolOp, ast.IfExp, ast.Compare, ast.UnaryOp)) for n in ast.walk(tree))
    return text if words else text.replace(" ", "")


def compile_expression(source: str, *, names: Iterable[str] | Mapping[str, int] | None = None,
                       origin: str = "<expression>") -> Expression:
    """Compile ``source`` once; ``names`` (when given) are the only variables it may read.

    When ``names`` maps each name to a position, the compiled expression reads its variables from a
    list by those positions (cheaper than a dict: the hot path of template scenarios).
    """
    if not isinstance(source, str):
        source = str(source)
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"{origin}: expression is longer than {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{origin}: expression '{source}' is not valid syntax: {exc.msg}") from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"{origin}: expression '{source}' cannot be parsed: {exc}") from exc
    compiler = _Compiler(source.strip(), names, origin)
    try:
        fn = compiler.compile(tree.body)
    except RecursionError as exc:
        raise ExpressionError(f"{origin}: expression '{source}' is nested too deeply") from exc
    return Expression(compiler.source, origin, fn, tuple(compiler.used), tuple(compiler.operations),
                      _template(tree))


def evaluate(source: str, env: Env | None = None, *, origin: str = "<expression>") -> Any:
    """Compile and evaluate once (for tests and one-off checks; compile once when evaluating often)."""
    return compile_expression(source, names=None if env is None else env.keys(), origin=origin)(env or {})
