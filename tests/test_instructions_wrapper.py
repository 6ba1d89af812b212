"""``instructions.add`` proves every wrapped record: a witness that states the inner record's graded answer and
meets the added constraints scores 1.0 under the record's whole verifier; changing its answer, breaking one
constraint, leaving the answer out or ignoring the constraints scores 0."""

from __future__ import annotations

import random
import re

import pytest
from dsgen.builders import instructions as builders
from dsgen.builders.distraction import witness

import dsgen
from dsgen import Skip, scoring
from dsgen.testing import wrong_answers
from dsgen.verifiers import instructions

FAMILIES = ["ifeval", "ifbench_test", "ifbench_train"]
INNERS = {"math.template": {}, "math.compose": {}, "reverse_qa": {"num_entities": 1500}}


def wrapped(family: str, inner: str, count: int = 8, seed: int = 7, **params) -> list[dict]:
    wrapper = ("instructions.add", {"constraint_family": family, **params})
    return dsgen.sample(inner, INNERS[inner], count=count, seed=seed, wrappers=[wrapper])


def added(record: dict) -> tuple[list[str], list[dict]]:
    params = record["verifier"]["params"]["parts"][-1]["params"]
    return params["instruction_id_list"], params["kwargs"]


def inner_score(record: dict, response: str) -> float:
    return scoring.score({**record, "verifier": record["verifier"]["params"]["parts"][0]}, response)


def breaks(text: str, kwargs: list[dict]) -> list[str]:
    """Changes to a response, each breaking some constraint: case, length, punctuation, layout, keywords."""
    words = [str(v) for kw in kwargs for v in kw.values() if isinstance(v, str) and v.strip()]
    words += [w for kw in kwargs for v in kw.values() if isinstance(v, list) for w in v if isinstance(w, str)]
    out = [
        text.lower(),
        text.upper(),
        text + "\n\n" + " ".join(["extra", "words", "go", "here,"] * 120) + " THE END!",
        text + ", and, more, commas!",
        text.replace("*", ""),
        re.sub(r"[^\w\s#:.\-\n]", "", text),
        text.replace("\n\n", " ").replace("\n***\n", " "),
        text + " " + " ".join(words * 3) + ".",
        text + "\nDone.",
    ]
    out += [re.sub(re.escape(w), "", text, flags=re.IGNORECASE) for w in words]
    return out


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("inner", list(INNERS))
def test_every_wrapped_record_is_proved_and_its_witness_bends_only_to_zero(family, inner):
    records = wrapped(family, inner)
    assert len(records) == 8
    wrapper = builders.AddInstructions(constraint_family=family)
    broken = 0
    for record in records:
        meta = record["metadata"]["instructions"]
        assert meta["redraws"] >= 0 and meta["family"] == family
        ids, kwargs = added(record)
        statement = builders.answer_statement(record["answer"], record["verifier"])
        # the prompt asks, once, for the line the witness states the answer on; where the task itself asks for
        # it (reverse_qa: "End your reply with a line of the form ..."), nothing may say how the response ends
        content = record["prompt"][-1]["content"]
        if statement.startswith("####"):
            assert content.endswith(builders.FINAL_ANSWER)
        else:
            assert len(builders.ASKS_ANSWER_LINE.findall(content)) == 1
            if inner == "reverse_qa":
                assert not set(ids) & builders.END_IDS
        assert not set(ids) & (builders.WRAP_EXCLUDED_TEST | builders.ANSWER_UNPROVED)
        response = wrapper.reference_completion(record)
        assert response is not None and statement in response
        assert scoring.score(record, response) == 1.0
        assert response == builders.wrapped_witness(record)  # deterministic
        # the same response with another answer: the inner verifier fails it
        for other in wrong_answers(record)[:3]:
            changed = response.replace(statement, statement.replace(record["answer"], other))
            assert scoring.score(record, changed) == 0.0, changed
        # one constraint broken, the answer still right: 0 under reward "all"
        for bad in breaks(response, kwargs):
            verdicts = instructions.check(bad, ids, kwargs)
            if not all(verdicts) and inner_score(record, bad) == 1.0:
                assert scoring.score(record, bad) == 0.0
                broken += 1
    assert broken >= len(records)  # every record had some constraint broken with its answer intact


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("inner", list(INNERS))
def test_no_answer_or_no_constraints_earns_nothing(family, inner):
    records = wrapped(family, inner, seed=11)
    ignored = 0
    for record in records:
        ids, kwargs = added(record)
        statement = builders.answer_statement(record["answer"], record["verifier"])
        # every constraint met, no answer given
        constraint_only = witness.witness_response(ids, kwargs)
        assert constraint_only is not None and all(instructions.check(constraint_only, ids, kwargs))
        assert scoring.score(record, constraint_only) == 0.0
        proved = builders.wrapped_witness(record)
        assert scoring.score(record, proved.replace(statement, "")) == 0.0
        # the answer given, the constraints ignored: a worked answer ending on the answer line
        bare = f"Let me work this out step by step and check it twice.\n{statement}"
        assert inner_score(record, bare) == 1.0
        met = all(instructions.check(bare, ids, kwargs))
        assert scoring.score(record, bare) == float(met)  # full reward only where it meets every constraint
        ignored += not met
    assert ignored >= len(records) // 2  # most sets ask for something a bare answer does not do


def test_fraction_reward_pays_the_share_of_constraints_met_only_with_the_answer():
    for record in wrapped("ifeval", "math.template", count=6, seed=3, reward="fraction", min_constraints=2):
        response = builders.wrapped_witness(record)
        assert scoring.score(record, response) == 1.0
        assert scoring.score(record, response.replace(builders.answer_statement(record["answer"], record["verifier"]), "")) == 0.0


def test_reverse_qa_can_be_wrapped_by_both_wrappers():
    """reverse_qa's schema once pinned verifier.kind to answer_match, so no wrapper could wrap it."""
    for name in ("instructions.add", "distraction.inject"):
        records = dsgen.sample("reverse_qa", INNERS["reverse_qa"], count=2, seed=1, wrappers=[(name, {})])
        assert len(records) == 2
        assert all(r["verifier"]["params"]["parts"][0]["kind"] == "answer_match" for r in records)


def test_a_record_without_an_answer_is_skipped_with_a_reason():
    record = dsgen.sample("instructions", {}, count=1, seed=1)[0]
    with pytest.raises(Skip, match="no graded answer"):
        builders.AddInstructions().wrap(record, random.Random(0), 0)


def test_sets_without_a_witness_are_redrawn_and_counted(monkeypatch):
    """A set is kept only when its witness passes the record's whole verifier: a writer that finds none, or
    one whose response leaves the answer out, gets every set redrawn and the record skipped."""
    record = dsgen.sample("reverse_qa", INNERS["reverse_qa"], count=1, seed=2)[0]
    wrapper = builders.AddInstructions(constraint_family="ifbench_train")
    calls = []
    real = witness.witness_response

    def no_answer(ids, kwargs, *, quotes=(), avoid=()):
        calls.append(ids)
        return real(ids, kwargs)  # meets the constraints, never states the answer

    monkeypatch.setattr(witness, "witness_response", no_answer)
    with pytest.raises(Skip, match="no added constraint set with a witness"):
        wrapper.wrap(record, random.Random(0), 0)
    assert len(calls) == 20
    monkeypatch.setattr(witness, "witness_response", real)
    redraws = [wrapper.wrap(record, random.Random(i), i)["metadata"]["instructions"]["redraws"] for i in range(20)]
    assert all(0 <= r < 20 for r in redraws)
