"""Jinja2 rendering: built-in templates from ``dsgen.templates``, user templates in the sandbox.

Both environments use ``StrictUndefined`` so a missing variable is an error, never a blank.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

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


@lru_cache(maxsize=None)
def sandbox() -> SandboxedEnvironment:
    """The environment for user-supplied template text: sandboxed, strict."""
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def template(name: str) -> jinja2.Template:
    """A compiled built-in template by its path inside ``dsgen.templates``."""
    try:
        return environment().get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise DsgenError(f"no built-in template '{name}' in dsgen.templates") from exc


def compile_user(source: str, *, origin: str = "<template>") -> jinja2.Template:
    """Compile user template text in the sandbox; a syntax error names its origin and line."""
    try:
        return sandbox().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise DsgenError(f"{origin}:{exc.lineno}: template syntax error: {exc.message}") from exc


def render(tmpl: jinja2.Template, context: dict[str, Any], *, origin: str = "<template>") -> str:
    """Render, turning an undefined variable or a sandbox violation into a DsgenError naming the origin."""
    try:
        return tmpl.render(context)
    except jinja2.UndefinedError as exc:
        raise DsgenError(f"{origin}: {exc.message}") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise DsgenError(f"{origin}: the template tried something the sandbox forbids: {exc}") from exc
