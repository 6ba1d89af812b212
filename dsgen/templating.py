"""Jinja2 rendering of dsgen's own templates (``dsgen.templates``, trusted package data).

``StrictUndefined``: a missing variable is an error, never a blank. Template text supplied by a
user must instead be rendered in ``jinja2.sandbox.SandboxedEnvironment``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.resources import files
from types import CodeType, FunctionType

import jinja2

from .errors import DsgenError


def read_text(relpath: str) -> str:
    """A file of ``dsgen.templates`` (for example ``math/scenarios.yaml``) as text."""
    resource = files("dsgen.templates").joinpath(relpath)
    if not resource.is_file():
        raise DsgenError(f"no built-in template file '{relpath}' in dsgen.templates")
    return resource.read_text(encoding="utf-8")


def _load(name: str) -> str | None:
    resource = files("dsgen.templates").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The environment of dsgen's own templates (trusted package data)."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def template(name: str) -> jinja2.Template:
    """A compiled built-in template by its path inside ``dsgen.templates``."""
    try:
        return environment().get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise DsgenError(f"no built-in template '{name}' in dsgen.templates") from exc


def joiner(parts: Sequence[str | int], count: int, *more: Sequence[str | int]) -> Callable[..., str | tuple[str, ...]]:
    """``render(*values) -> str`` of ``count`` values: the str parts as they are, each int part ``i`` as
    ``f"{values[i]}"`` (``str`` of a number or fraction); with ``more`` part lists, one call renders
    them all and returns their tuple.

    The hot path of sentence rendering, compiled to one f-string function: about twice as fast as
    ``pattern % values`` fetched in order (a 7-field line: 0.38 vs 0.77 µs). Placeholders have no
    ``!s``: a str value goes in as it is, without the signal check ``str()`` makes. Only an AST of
    string constants and argument names is compiled, never source text, so template text cannot
    become code.
    """
    names = [f"v{i}" for i in range(count)]
    strings = []
    for each in (parts, *more):
        pieces: list[ast.expr] = []
        for part in each:
            if not isinstance(part, str):
                pieces.append(ast.FormattedValue(ast.Name(names[part], ast.Load()), -1, None))
            elif pieces and isinstance(pieces[-1], ast.Constant):  # one constant for adjacent texts
                pieces[-1] = ast.Constant(pieces[-1].value + part)
            elif part:
                pieces.append(ast.Constant(part))
        strings.append(ast.JoinedStr(pieces))
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(name) for name in names], kwonlyargs=[],
                              kw_defaults=[], defaults=[])
    body = strings[0] if not more else ast.Tuple(strings, ast.Load())
    tree = ast.fix_missing_locations(ast.Expression(ast.Lambda(arguments, body)))
    # the lambda's code object, made a function directly: nothing is evaluated
    code = next(c for c in compile(tree, "<dsgen joiner>", "eval").co_consts if isinstance(c, CodeType))
    return FunctionType(code, {"__builtins__": {}})
