"""Schema validation: the fast form the build checks against (jsonschema-rs's canonical merge of a
kind's schemas) gives the same verdict as the schemas themselves on broken records of every built-in
kind, and batch checks report the same problems."""

from __future__ import annotations

import copy
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsgen
from dsgen.validation import _fast, _pin_kind, _validators, check, check_many

BUILDS = {
    "math.template": ("math.template", {}, ()),
    "math.compose": ("math.compose", {}, ()),
    "math+distraction": ("math.compose", {}, (("distraction.inject", {}),)),
    "distraction": ("distraction", {"variants": "both"}, ()),
    "reverse_qa": ("reverse_qa", {}, ()),
}
ODD_VALUES = [None, True, 0, -1, 1.5, 2**63, "", "x", "0123456789abcdef", [], [{}], {}, {"kind": "numeric", "params": {}}]


@lru_cache(maxsize=None)
def records(name: str) -> tuple[dict, ...]:
    builder, params, wrappers = BUILDS[name]
    return tuple(dsgen.sample(builder, params, count=4, seed=7, wrappers=list(wrappers)))


def paths(node, prefix=()):
    """Every (container path, key) in a record, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix, key
        yield from paths(value, prefix + (key,))


def at(record, path):
    for key in path:
        record = record[key]
    return record


def verdicts(record):
    """(the schemas' verdict, the fast form's verdict) on ``record``."""
    full, fast = _validators(record["kind"])
    return all(v.is_valid(record) for v in full), fast.is_valid([record])


@pytest.mark.parametrize("name", BUILDS)
def test_built_records_pass_both_forms(name):
    for record in records(name):
        assert verdicts(record) == (True, True)
        assert check(record) is None


@pytest.mark.parametrize("name", BUILDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_form_agrees_with_the_schemas_on_broken_records(name, data):
    record = copy.deepcopy(data.draw(st.sampled_from(records(name))))
    for _ in range(data.draw(st.integers(1, 3))):
        where = list(paths(record))
        prefix, key = data.draw(st.sampled_from(where))
        if prefix == () and key == "kind":
            continue  # the kind picks the schema: covered by the check_many tests
        parent = at(record, prefix)
        action = data.draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["zz_extra", "params", "text", "id"] + ["kind"] * bool(prefix)))] = "x"
        else:
            parent.append(copy.deepcopy(parent[key]))
    full, fast = verdicts(record)
    assert full == fast
    assert (check(record) is None) == full


def test_fast_form_rewrites_only_closed_objects():
    closed = {"type": "object", "required": ["a", "b"], "additionalProperties": False,
              "properties": {"a": {}, "b": {"type": "object", "required": ["c"], "properties": {"c": {}}}}}
    fast = _fast(closed)
    assert fast["minProperties"] == 2 and "required" not in fast
    assert fast["properties"]["b"]["required"] == ["c"]  # open object: names stay required
    for changed in ({"required": ["a"]}, {"additionalProperties": {"type": "string"}},
                    {"patternProperties": {"^x": {}}}, {"minProperties": 1}):
        kept = _fast({**closed, **changed})
        assert kept.get("required") == (changed.get("required") or ["a", "b"]), changed
    assert closed["required"] == ["a", "b"]  # the schema itself is left as it is
    assert _fast({"const": closed, "enum": [closed]}) == {"const": closed, "enum": [closed]}  # data


def test_fast_form_closes_objects_only_by_name_lists():
    listed = {"type": "object", "properties": {"a": {"type": "string"}}, "propertyNames": {"enum": ["a", "b"]}}
    closed = _fast(listed)
    assert closed == {"type": "object", "properties": {"a": {"type": "string"}, "b": True},
                      "additionalProperties": False}
    assert _fast({"properties": {"a": {}}, "propertyNames": {"const": "a"}})["additionalProperties"] is False
    for kept in (
        {"properties": {"a": {}, "c": {}}, "propertyNames": {"enum": ["a"]}},  # c is barred, not free
        {"propertyNames": {"enum": ["a"]}, "patternProperties": {"^x": {}}},
        {"propertyNames": {"enum": ["a"]}, "unevaluatedProperties": False},
        {"propertyNames": {"enum": ["a"]}, "additionalProperties": {"type": "string"}},
        {"propertyNames": {"enum": ["a"], "maxLength": 3}},
        {"propertyNames": {"pattern": "^a"}},
    ):
        assert _fast(kept) == kept, kept
    assert _fast({"const": listed, "enum": [listed]}) == {"const": listed, "enum": [listed]}  # data
    assert listed["propertyNames"] == {"enum": ["a", "b"]}  # the schema itself is left as it is


def test_fast_form_tries_small_branches_first():
    small, large = {"const": 1}, {"type": "object", "required": ["a", "b"], "properties": {"a": {}, "b": {}}}
    assert _fast({"anyOf": [large, small]})["anyOf"] == [small, large]
    assert _fast({"anyOf": [{"const": 2}, small]})["anyOf"] == [{"const": 2}, small]  # equals keep their order
    assert _fast({"oneOf": [large, small]})["oneOf"] == [large, small]
    nested = _fast({"properties": {"verifier": {"anyOf": [large, small]}}})
    assert nested["properties"]["verifier"]["anyOf"] == [small, large]


def test_fast_form_decides_the_kind_check_once():
    uri = "https://dsgen.dev/schemas/fast/t.schema.json"
    fast = {"$defs": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
            "properties": {"kind": {"$ref": "#/$defs/name"}, "x": {}}}
    assert _pin_kind(fast, "math", uri)["properties"] == {"kind": {"const": "math"}, "x": {}}
    assert _pin_kind(fast, "Bad-Kind", uri)["properties"]["kind"] is False  # the schemas reject it too
    assert fast["properties"]["kind"] == {"$ref": "#/$defs/name"}  # the schema itself is left as it is
    assert _pin_kind({"anyOf": [fast]}, "math", uri) == {"anyOf": [fast]}  # no top-level kind: kept
    record = records("math.compose")[0]
    assert _validators("math")[1].is_valid([record])
    assert not _validators("math")[1].is_valid([{**record, "kind": "math+distraction"}])


class _Verdict:
    """A stand-in fast validator that gives one verdict on everything."""

    def __init__(self, verdict: bool):
        self.verdict = verdict

    def is_valid(self, records) -> bool:
        return self.verdict


def test_checking_as_written_does_not_trust_the_fast_form(monkeypatch):
    from dsgen import validation

    record = records("math.compose")[0]
    broken = {**record, "answer": "04"}
    assert check(broken, as_written=True) == check(broken) == ("/answer", "pattern", check(broken)[2])
    full = _validators("math")[0]
    monkeypatch.setattr(validation, "_validators", lambda kind: (full, _Verdict(True)))
    assert check(broken) is None  # a fast form that admits too much would let it through a build...
    assert check(broken, as_written=True)[:2] == ("/answer", "pattern")  # ...but not the testing kit
    monkeypatch.setattr(validation, "_validators", lambda kind: (full, _Verdict(False)))
    assert check(record, as_written=True) is None
    with pytest.raises(AssertionError, match="fast form of the 'math' schemas rejects a record"):
        check(record)


def test_check_many_reports_what_check_reports():
    math, mixed = records("math.compose"), records("math+distraction")
    broken = {**math[1], "answer": "04"}
    unclosed = {**mixed[0], "extra": 1}
    batch = [math[0], broken, mixed[1], {**math[2], "kind": None}, unclosed, {**math[3], "kind": ["math"]}, math[3]]
    problems = check_many(batch)
    assert problems == [check(record) for record in batch]
    assert [p is None for p in problems] == [True, False, True, False, False, False, True]
    assert problems[1][:2] == ("/answer", "pattern")
    assert problems[3][0] == "/kind" and problems[5][0] == "/kind"
    assert problems[4][1] == "additionalProperties"
    assert check_many(list(math)) == [None] * len(math)
    assert check_many([math[0], mixed[0], math[1]]) == [None] * 3
    assert check_many([]) == []
