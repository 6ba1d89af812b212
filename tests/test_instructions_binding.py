"""Every drawn constraint set asks for something: no trivial response (12 filler words; for a wrapped task its
bare answer line or its plain worked solution) meets it (audit2 H4), unless a recipe turns ``binding`` off."""

from __future__ import annotations

import pytest
from dsgen.builders.distraction import constraints

import dsgen
from dsgen import scoring
from dsgen.verifiers import instructions

FAMILIES = ["ifeval", "ifbench_test", "ifbench_train"]


def test_binds_rejects_a_set_of_prohibitions_and_keeps_one_that_asks_for_something():
    forbid = (["punctuation:no_comma", "keywords:forbidden_words"], [{}, {"forbidden_words": ["budget"]}])
    assert not constraints.binds(*forbid, constraints.FILLER_PROBES)
    asks = (["punctuation:no_comma", "detectable_content:postscript"], [{}, {"postscript_marker": "P.S."}])
    assert constraints.binds(*asks, constraints.FILLER_PROBES)
    # an answer line meets "no dots" but not "at least 3 sentences"
    assert not constraints.binds(["punctuation:punctuation_dot"], [{}], ("#### 42",))
    sentences = {"num_sentences": 3, "relation": "at least"}
    assert constraints.binds(["length_constraints:number_sentences"], [sentences], ("#### 42",))


@pytest.mark.parametrize("family", FAMILIES)
def test_no_instructions_record_rewards_filler(family):
    made = dsgen.sample("instructions", {"constraint_family": family}, count=60, seed=21)
    for probe in constraints.FILLER_PROBES:
        assert all(
            scoring.score(r, probe) < 1.0 for r in made if r["metadata"]["request"]["source"] == "generated"
        )


@pytest.mark.parametrize("family", FAMILIES)
def test_no_wrapped_math_record_is_met_by_its_bare_answer_or_its_solution(family):
    wrapper = ("instructions.add", {"constraint_family": family})
    made = dsgen.sample("math.template", {}, count=40, seed=6, wrappers=[wrapper])
    assert len(made) >= 35
    for r in made:
        part = r["verifier"]["params"]["parts"][-1]["params"]
        assert instructions.score(f"#### {r['answer']}", None, part) < 1.0
        assert instructions.score(r["metadata"]["solution"], None, part) < 1.0


def test_binding_off_allows_a_recipe_of_prohibitions_only():
    params = {
        "constraint_family": "ifeval",
        "instruction_ids": ["punctuation:no_comma"],
        "max_constraints": 1,
    }
    assert dsgen.sample("instructions", params, count=3, seed=1) == []  # every draw is vacuous: skipped
    made = dsgen.sample("instructions", {**params, "binding": False}, count=3, seed=1)
    assert len(made) == 3 and scoring.score(made[0], constraints.FILLER_PROBES[0]) == 1.0
