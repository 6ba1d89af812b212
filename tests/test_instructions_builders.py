"""The instruction-following builder and the constraint wrapper: families, conflicts, rewards, witnesses."""

from __future__ import annotations

import itertools
import json

import pytest
from dsgen.builders import instructions as builders
from dsgen.builders.distraction import constraints
from pydantic import ValidationError

import dsgen
from dsgen import scoring
from dsgen.verifiers import ifbench, instructions


def records(family: str, count: int = 8, **params):
    return dsgen.sample("instructions", {"constraint_family": family, **params}, count=count, seed=5)


@pytest.mark.parametrize("family", ["ifeval", "ifbench_test", "ifbench_train"])
def test_records_draw_one_family_without_conflicts(family):
    for record in records(family):
        ids = record["verifier"]["params"]["instruction_id_list"]
        assert 1 <= len(ids) <= 5
        assert {instructions.family_of(i) for i in ids} == {family}
        assert not any(constraints.conflicting(a, b) for a, b in itertools.combinations(ids, 2))
        meta = record["metadata"]["instructions"]
        assert meta["family"] == family and meta["instruction_id_list"] == ids
        assert record["prompt"][0]["content"].endswith(meta["descriptions"][-1]) or not meta["descriptions"]
        # an empty answer and an echo of the prompt earn nothing
        assert scoring.score(record, "") == 0.0
        assert scoring.score(record, record["prompt"][0]["content"]) < 1.0 or ids == ["repeat:repeat_simple"]


def test_ifeval_records_have_a_witness_that_scores_one():
    builder = builders.InstructionPrompts(constraint_family="ifeval")
    for record in records("ifeval"):
        witness = builder.reference_completion(record)
        assert witness is not None and scoring.score(record, witness) == 1.0


def test_exclusive_ifbench_constraints_are_drawn_alone():
    for a in constraints.IFBENCH_EXCLUSIVE:
        assert all(constraints.conflicting(a, b) for b in constraints.family_ids("ifbench_test"))
    assert constraints.conflicting("ratio:sentence_type", "ratio:sentence_balance")  # 2q == d == q forces 0
    assert constraints.conflicting("punctuation:no_comma", "count:numbers")  # families never mix
    assert not constraints.conflicting("count:numbers", "format:title_case")


def test_fixed_prompt_tasks_are_ifbenchs_custom_prompts():
    found = records("ifbench_test", count=8, custom_rate=1.0)
    assert found
    for record in found:
        (iid,) = record["verifier"]["params"]["instruction_id_list"]
        assert record["prompt"][0]["content"] == ifbench.CUSTOM_PROMPTS[iid]
        assert record["metadata"]["request"]["source"] == "ifbench_custom"


def test_reward_options_reach_the_verifier_and_the_metadata():
    (record,) = records("ifeval", count=1, min_constraints=3, max_constraints=3, reward="fraction", loose=True)
    params = record["verifier"]["params"]
    assert params["reward"] == "fraction" and params["loose"] is True
    assert record["metadata"]["instructions"]["reward"] == "fraction"
    witness = builders.InstructionPrompts(constraint_family="ifeval").reference_completion(record)
    followed = instructions.grade(witness, params)["instructions"]
    assert all(f["followed"] for f in followed)


def test_user_prompts_are_read_from_a_file(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text("\n".join(json.dumps({"prompt": p}) for p in ["Describe a lighthouse.", "Plan a picnic."]))
    found = records("ifeval", count=4, prompts={"path": str(path)})
    assert [r["metadata"]["request"]["row"] for r in found] == [0, 1, 0, 1]
    assert found[1]["prompt"][0]["content"].startswith("Plan a picnic.")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_constraints": 4, "max_constraints": 2}, "min_constraints"),
        ({"instruction_ids": ["count:made_up"]}, "unknown"),
        ({"instruction_ids": ["format:title_case"]}, "not of constraint_family"),
        ({"constraint_family": "ifbench_hidden"}, "constraint_family"),
        ({"constraint_family": "ifbench_train", "instruction_ids": ["count:numbers"]}, "not of constraint_family"),
        ({"reward": "mean"}, "reward"),
    ],
)
def test_bad_params_are_clear_errors(params, message):
    with pytest.raises(ValidationError, match=message):
        builders.InstructionPrompts(**params)


@pytest.mark.parametrize("family", ["ifeval", "ifbench_test", "ifbench_train"])
def test_wrapper_keeps_the_inner_verifier_and_adds_composable_constraints(family):
    wrapped = dsgen.sample(
        "math.template", {}, count=10, seed=2, wrappers=[("instructions.add", {"constraint_family": family})]
    )
    for record in wrapped:
        assert record["kind"].endswith("+instructions")
        inner, added = record["verifier"]["params"]["parts"]
        assert inner["kind"] == "numeric" and added["kind"] == "ifeval"
        ids = added["params"]["instruction_id_list"]
        assert not set(ids) & (builders.WRAP_EXCLUDED | constraints.IFBENCH_EXCLUSIVE | constraints.TRAIN_EXCLUSIVE)
        # the bare answer does not meet the added constraints in general; a wrong answer never scores 1
        assert scoring.score(record, "The answer is 0.") < 1.0 or record["answer"] == "0"


def test_wrapper_never_forbids_a_word_of_the_answer():
    rng_words = constraints.sample_kwargs(
        __import__("random").Random(0),
        ["keywords:forbidden_words"],
        prompt_to_repeat="",
        avoid="budget balance clarity context deadline detail evidence focus growth impact insight outcome",
    )
    assert not set(rng_words[0]["forbidden_words"]) & {"budget", "balance", "clarity", "context"}


def test_same_seed_same_records():
    assert records("ifbench_test", count=5) == records("ifbench_test", count=5)
