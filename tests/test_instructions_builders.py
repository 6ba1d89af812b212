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


@pytest.mark.parametrize("family", ["ifeval", "ifbench_test", "ifbench_train"])
def test_every_record_has_a_witness_that_scores_one(family):
    builder = builders.InstructionPrompts(constraint_family=family)
    found = records(family, count=12, custom_rate=0.2)
    for record in found:
        witness = builder.reference_completion(record)
        assert witness is not None and scoring.score(record, witness) == 1.0
        assert record["metadata"]["instructions"]["redraws"] >= 0
    assert {r["metadata"]["request"]["source"] for r in found} >= {"generated"}


def test_ifbench_witnesses_follow_every_drawn_set_and_break_with_one_constraint():
    """Sets of 1-5 drawn IFBench constraints: a witness passes the real checks; dropping what one
    constraint needs from it (a keyword, the emoji, the quotes, ...) fails that constraint."""
    import random

    from dsgen.builders.distraction import witness

    proved = broken = 0
    for seed in range(60):
        rng = random.Random(seed)
        family = ("ifbench_test", "ifbench_train")[seed % 2]
        ids = constraints.choose_ids(rng, rng.randint(1, 5), constraints.family_ids(family))
        kwargs = constraints.sample_kwargs(rng, ids, prompt_to_repeat="Write a guide to dry-summer gardening.")
        text = witness.witness_response(ids, kwargs)
        if text is None:
            continue
        proved += 1
        assert all(instructions.check(text, ids, kwargs))
        assert text == witness.witness_response(ids, kwargs)  # deterministic
        kw = dict(zip(ids, kwargs))
        for iid, bad in breakers(kw).items():
            if iid in kw:
                verdicts = dict(zip(ids, instructions.check(bad(text), ids, kwargs)))
                assert verdicts[iid] is False, (iid, bad(text))
                broken += 1
    assert proved >= 50 and broken >= 20


def breakers(kw):
    """Per id, a change to a response that breaks that constraint."""
    import re

    return {
        "format:title_case": str.lower,
        "format:emoji": lambda t: re.sub(r"[\U0001F300-\U0001FAFF\u2705]", "", t),
        "format:quotes": lambda t: t.replace('"', "").replace("'", ""),
        "format:parentheses": lambda t: re.sub(r"[()\[\]{}]", "", t),
        "count:numbers": lambda t: t + " 7",
        "count:keywords_multiple": lambda t: t + " " + kw["count:keywords_multiple"]["keyword1"],
        "format:thesis": lambda t: t.replace("<i>", ""),
        "format:output_template": lambda t: t.replace("My Conclusion:", "Conclusion:"),
        "words:palindrome": lambda t: re.sub(r"\b(level|radar|civic|kayak|refer|rotor|madam)\b", "plan", t, flags=re.I),
        "count:person_names": lambda t: re.sub(r"\b(Emma|Liam|Sophia)\b", "someone", t),
        "format:sub-bullets": lambda t: t.replace("-", ""),
        "keywords:word_once": lambda t: t + " " + kw["keywords:word_once"]["keyword"],
        "count:count_increment_word": lambda t: t + " " + kw["count:count_increment_word"]["keyword2"],
        "keywords:exclude_word_harder": lambda t: t + " " + kw["keywords:exclude_word_harder"]["keyword"],
        "punctuation:punctuation_exclamation": lambda t: t + "!",
        "punctuation:punctuation_dot": lambda t: t + ".",
        "count:lowercase_counting": str.lower,
        "last_word:last_word_answer": lambda t: t + " Done.",
        "keywords:palindrome": lambda t: re.sub(r"\blevel\b", "plain", t, flags=re.I),
    }


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


def test_stop_words_records_are_drawn_worded_and_proved():
    ids = ["ratio:stop_words", "count:pronouns", "count:conjunctions", "format:quotes"]
    builder = builders.InstructionPrompts(constraint_family="ifbench_test", instruction_ids=ids)
    found = records("ifbench_test", count=10, instruction_ids=ids)
    drawn = [r for r in found if "ratio:stop_words" in r["verifier"]["params"]["instruction_id_list"]]
    assert drawn
    for record in drawn:
        meta = record["metadata"]["instructions"]
        kw = meta["kwargs"][meta["instruction_id_list"].index("ratio:stop_words")]
        assert 20 <= kw["percentage"] <= 40
        assert f"{kw['percentage']}" in record["prompt"][0]["content"]
        assert scoring.score(record, builder.reference_completion(record)) == 1.0
        # ordinary prose is about half stop words: it fails the constraint
        prose = "It is the case that we were in the house and they were at the door of it. " * 4
        assert not ifbench.compile_check("ratio:stop_words", kw)(prose)


def test_start_verb_is_never_drawn_by_default_and_named_without_the_tagger_is_a_clear_error(monkeypatch):
    assert "words:start_verb" not in constraints.family_ids("ifbench_test")
    monkeypatch.setattr(ifbench, "tagger_installed", lambda: False)
    with pytest.raises(ValidationError, match=r"python -m nltk\.downloader averaged_perceptron_tagger_eng"):
        builders.InstructionPrompts(constraint_family="ifbench_test", instruction_ids=["words:start_verb"])


@pytest.mark.skipif(not ifbench.tagger_installed(), reason=f"NLTK's {ifbench.TAGGER} data is not installed")
def test_start_verb_named_in_a_recipe_is_drawn_and_proved_where_the_tagger_is_installed():
    ids = ["words:start_verb", "ratio:stop_words", "count:person_names", "format:parentheses"]
    builder = builders.InstructionPrompts(constraint_family="ifbench_test", instruction_ids=ids)
    found = records("ifbench_test", count=8, instruction_ids=ids)
    assert any("words:start_verb" in r["verifier"]["params"]["instruction_id_list"] for r in found)
    for record in found:
        witness = builder.reference_completion(record)
        assert scoring.score(record, witness) == 1.0
