"""Validates records against the JSON Schemas (Draft 2020-12) of their kinds, with jsonschema-rs.

A record of kind ``math+distraction`` is valid when it satisfies ``math.schema.json`` and
``distraction.schema.json``; every kind schema builds on ``record.schema.json``. Records are checked
against a fast form of the schemas (same verdicts, see ``_validators``); errors are reported from the
schemas as written.
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


#: keywords whose values are data, not schemas: left as they are
_DATA = frozenset({"const", "enum", "default", "examples"})


def _fast(node: Any) -> Any:
    """``node`` (a schema, or jsonschema-rs's canonical form of one) with rewrites in every object
    schema that keep its verdicts and that jsonschema-rs checks faster: ``_close_names``,
    ``_count_required``, then ``_small_first``."""
    if isinstance(node, list):
        return [_fast(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: value if key in _DATA else _fast(value) for key, value in node.items()}
    _close_names(out)
    _count_required(out)
    _small_first(out)
    return out


def _close_names(node: dict[str, Any]) -> None:
    """A ``propertyNames`` that lists the names an object may have (how the canonical form writes
    ``additionalProperties: false``) written back as ``properties`` closed by ``additionalProperties:
    false``: jsonschema-rs then checks the names in the walk over the object's keys that ``properties``
    makes anyway."""
    names = node.get("propertyNames")
    if isinstance(names, dict) and len(names) == 1 and ("enum" in names or "const" in names):
        allowed = names["enum"] if "enum" in names else [names["const"]]
        properties = node.get("properties", {})
        if (
            all(type(name) is str for name in allowed)
            and set(properties) <= set(allowed)
            and not {"additionalProperties", "patternProperties", "unevaluatedProperties"} & set(node)
        ):
            del node["propertyNames"]
            node["properties"] = {**properties, **{name: True for name in allowed if name not in properties}}
            node["additionalProperties"] = False


def _count_required(node: dict[str, Any]) -> None:
    """A ``required`` that names exactly the properties of an object closed by ``additionalProperties:
    false`` written as ``minProperties``: the names present are a subset of the properties, so having
    as many means having all, and jsonschema-rs counts once instead of looking up each name."""
    required, properties = node.get("required"), node.get("properties")
    if (
        isinstance(required, list)
        and isinstance(properties, dict)
        and node.get("additionalProperties") is False
        and "patternProperties" not in node
        and "minProperties" not in node
        and all(type(name) is str for name in required)
        and set(required) == set(properties)
    ):
        del node["required"]
        node["minProperties"] = len(properties)


def _small_first(node: dict[str, Any]) -> None:
    """``anyOf`` branches tried smallest first (by the length of their JSON; the order of equals
    kept): any order gives the same verdict, and a small branch costs less to fail, while the
    canonical form's order puts a wrapped record's ``all`` verifier before the plain verifier that
    most records have (475 instructions a math record)."""
    branches = node.get("anyOf")
    if isinstance(branches, list):
        node["anyOf"] = sorted(branches, key=lambda branch: len(json.dumps(branch)))


def _pin_kind(fast: dict[str, Any], kind: str, uri: str) -> dict[str, Any]:
    """``fast`` with its ``kind`` check decided once: ``check`` and ``check_many`` give a kind's fast
    validator only records of that kind, so it is ``const`` that kind, or ``false`` if the kind
    itself breaks the rule (390 instructions a math record, of the pattern's regex)."""
    import jsonschema_rs

    properties = fast.get("properties")
    if not isinstance(properties, dict) or "kind" not in properties:
        return fast
    rule = jsonschema_rs.Draft202012Validator({"$ref": f"{uri}#/properties/kind"},
                                              registry=jsonschema_rs.Registry([(uri, fast)]))
    return {**fast, "properties": {**properties, "kind": {"const": kind} if rule.is_valid(kind) else False}}


@lru_cache(maxsize=None)
def _validators(kind: str) -> tuple[tuple[Any, ...], Any]:
    """(a validator per part of ``kind``, for error reports; one fast validator of a list of records of ``kind``).

    The fast validator checks jsonschema-rs's canonical form of the kind, which merges the record
    schema and the kind's parts into one schema that admits the same values (each field checked once,
    not once per part), with ``_fast`` applied and its ``kind`` pinned: 14.0k instructions a
    math.template record, against 19.7k for the parts as written (17.0k with ``_fast`` alone)."""
    import jsonschema_rs

    parts = {part: schema(part) for part in kind.split("+")}
    record = BASE_URI + "record.schema.json"
    uris = {name: part.get("$id") or f"{BASE_URI}{name}.schema.json" for name, part in parts.items()}
    registry = jsonschema_rs.Registry([(record, schema("record")),
                                       *((uris[name], part) for name, part in parts.items() if uris[name] != record)])
    full = tuple(jsonschema_rs.Draft202012Validator(part, registry=registry) for part in parts.values())
    whole = next(iter(parts.values())) if len(parts) == 1 else {"allOf": [{"$ref": uri} for uri in uris.values()]}
    canonical = jsonschema_rs.canonicalize(whole, registry=registry).to_json_schema()
    uri = f"{BASE_URI}fast/{kind}.schema.json"
    fast = jsonschema_rs.Draft202012Validator(
        {"items": {"$ref": uri}}, registry=jsonschema_rs.Registry([(uri, _pin_kind(_fast(canonical), kind, uri))])
    )
    return full, fast


def check(record: dict[str, Any], *, as_written: bool = False) -> tuple[str, str, str] | None:
    """None if ``record`` is valid, else (field path, schema rule, message) of its first error.

    ``as_written`` checks against the schemas as written, not their fast form: slower, and what the
    testing kit uses, so that a fast form that wrongly admitted a builder's record could not hide it."""
    kind = record.get("kind")
    if not isinstance(kind, str) or not kind:
        return ("/kind", "required", "the record has no 'kind' string")
    full, fast = _validators(kind)
    if not as_written and fast.is_valid([record]):
        return None
    problem = _first_error(full, record)
    if problem is None and not as_written:
        raise AssertionError(f"the fast form of the '{kind}' schemas rejects a record that the schemas accept "
                             "(a jsonschema-rs canonicalization bug)")
    return problem


def check_many(records: list[dict[str, Any]]) -> list[tuple[str, str, str] | None]:
    """``check`` of each record, with one call into the validator per kind while all are valid
    (a call costs as much as a tenth of a math record's checks)."""
    try:
        kinds = {record.get("kind") for record in records}
    except TypeError:  # an unhashable kind: not a string, so the records get checked one by one
        kinds = {None}
    for kind in kinds:
        group = records if len(kinds) == 1 else [record for record in records if record.get("kind") == kind]
        if not isinstance(kind, str) or not kind or not _validators(kind)[1].is_valid(group):
            return [check(record) for record in records]
    return [None] * len(records)


def _first_error(validators: tuple[Any, ...], record: dict[str, Any]) -> tuple[str, str, str] | None:
    for validator in validators:
        error = next(iter(validator.iter_errors(record)), None)
        if error is not None:
            path = "/" + "/".join(str(p) for p in error.instance_path)
            rule = str(error.schema_path[-1]) if error.schema_path else "schema"
            return (path, rule, error.message)
    return None
