"""The scoring entry point and the TRL reward function."""

from __future__ import annotations

import pytest

import dsgen
from dsgen.errors import DsgenError
from dsgen.records import to_row


def record(answer: str = "42", verifier=None) -> dict:
    return {"answer": answer, "verifier": verifier or {"kind": "numeric", "params": {}}}


def test_score_dispatches_on_the_verifier_kind():
    assert dsgen.score(record(), "so the answer is 42") == 1.0
    assert dsgen.score(record(), "so the answer is 41") == 0.0


def test_score_accepts_rows_with_json_params_and_chat_completions():
    row = to_row({**record(), "metadata": {}})
    assert isinstance(row["verifier"]["params"], str)
    assert dsgen.score(row, [{"role": "assistant", "content": "#### 42"}]) == 1.0


def test_all_kind_takes_the_minimum_of_its_parts():
    both = {"kind": "all", "params": {"parts": [{"kind": "numeric", "params": {}}, {"kind": "numeric", "params": {}}]}}
    assert dsgen.score(record(verifier=both), "#### 42") == 1.0
    assert dsgen.score(record(verifier=both), "#### 7") == 0.0


def test_unknown_verifier_kind_is_a_clear_error():
    with pytest.raises(DsgenError, match="unknown verifier 'numerc'.*did you mean 'numeric'"):
        dsgen.score(record(verifier={"kind": "numerc", "params": {}}), "1")


def test_reward_has_trls_signature_and_reads_dataset_columns():
    rows = [to_row({**record(a), "metadata": {}}) for a in ("1", "2", "3")]
    completions = [[{"role": "assistant", "content": f"The answer is {x}."}] for x in ("1", "5", "3")]
    prompts = [[{"role": "user", "content": "q"}]] * 3
    rewards = dsgen.reward(
        prompts=prompts, completions=completions, verifier=[r["verifier"] for r in rows], answer=[r["answer"] for r in rows]
    )
    assert rewards == [1.0, 0.0, 1.0]
    assert dsgen.reward.__name__ == "dsgen_reward"
    with pytest.raises(ValueError, match="'verifier' column"):
        dsgen.reward(prompts=prompts, completions=completions)
