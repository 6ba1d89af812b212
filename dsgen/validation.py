"""Validates records against the JSON Schemas (Draft 2020-12) of their kinds, with jsonschema-rs.

A record of kind ``math+distraction`` is valid when it satisfies ``math.schema.json`` and
``distraction.schema.json``; every kind schema builds on ``record.schema.json``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from .errors import DsgenError

BASE_URI = "https://dsgen.dev/schemas/"


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema named ``name`` (``record`` or a kind), from ``dsgen.schemas`` or a plugin builder."""
    resource = files("dsgen.schemas").joinpath(f"{name}.schema.json")
    if resource.is_file():
        return json.loads(resource.read_text(encoding="utf-8"))
    from . import registry

    for builder_name in registry.names("builder"):
        try:
            cls = registry.load("builder", builder_name)
        except DsgenError:  # a broken plugin cannot own the schema asked for
            continue
        if getattr(cls, "kind", None) == name and getattr(cls, "schema", None):
            return cls.schema
    raise DsgenError(f"no JSON Schema for record kind '{name}' (looked for {name}.schema.json in dsgen.schemas)")


@lru_cache(maxsize=None)
def _validators(kind: str) -> tuple[Any, ...]:
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(BASE_URI + "record.schema.json", schema("record"))])
    return tuple(
        jsonschema_rs.Draft202012Validator(schema(part), registry=registry) for part in kind.split("+")
    )


def check(record: dict[str, Any]) -> tuple[str, str, str] | None:
    """None if ``record`` is valid, else (field path, schema rule, message) of its first error."""
    kind = record.get("kind")
    if not isinstance(kind, str) or not kind:
        return ("/kind", "required", "the record has no 'kind' string")
    for validator in _validators(kind):
        if not validator.is_valid(record):
            error = next(iter(validator.iter_errors(record)))
            path = "/" + "/".join(str(p) for p in error.instance_path)
            rule = str(error.schema_path[-1]) if error.schema_path else "schema"
            return (path, rule, error.message)
    return None
