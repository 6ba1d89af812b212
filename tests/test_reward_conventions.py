"""What is graded, the same in dsgen.score, dsgen.reward and every public function that takes a record.

Rows are read back from a real build of every default config (as Parquet and through ``datasets``),
and each right completion is dressed the ways trainers hand completions over.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from dsgen.builders.distraction import DistractionTasks

import dsgen
from dsgen.completions import completion_text, final_answer, graded_text
from dsgen.inspect import data_files
from dsgen.records import from_row
from dsgen.testing import answer_completions
from dsgen.verifiers.distraction import breakdown


def rows_of(folder):
    """(config, row) for every row of every Parquet file, as pyarrow reads it (JSON-string columns)."""
    for path in data_files(folder):  # record shards: not the reverse-QA corpus config
        for row in pq.read_table(path).to_pylist():
            yield path.parent.name, row


def right_completion(row) -> str | None:
    """A completion that scores 1.0 on the row: the distraction builder's reference, else the answer."""
    if row["kind"] == "distraction":
        return DistractionTasks().reference_completion(row)
    right, _ = answer_completions(from_row(row))
    return right[-1] if right else None


@pytest.fixture(scope="module")
def graded(default_build):
    """(config, row, right completion) for every row that has one, checked to score 1.0 bare."""
    out = []
    for config, row in rows_of(default_build):
        right = right_completion(row)
        if right is not None and dsgen.score(row, right) == 1.0:
            out.append((config, row, right))
    assert {c for c, _, _ in out} >= {"math_templates", "math_compose", "distraction", "reverse_qa"}
    return out


def test_reasoning_before_the_answer_is_not_graded(graded):
    for config, row, right in graded:
        thought = "<think>Let me think. Maybe it is 7, or maybe 13. I will write in capitals.</think>\n"
        assert dsgen.score(row, thought + right) == 1.0, (config, row["id"])
        if row["answer"] is not None:  # the answer only inside the reasoning, none after it
            assert dsgen.score(row, f"<think>{right}</think>\nI am not sure.") == 0.0, (config, row["id"])


def test_an_unclosed_reasoning_block_scores_zero(graded):
    for config, row, right in graded:
        assert dsgen.score(row, f"<think>maybe {right}") == 0.0, (config, row["id"])
        # a second block opened after the first closed, and never closed
        assert dsgen.score(row, f"<think>a</think><think>{right}") == 0.0, (config, row["id"])


def test_content_parts_are_joined_and_tool_messages_never_graded(graded):
    for config, row, right in graded:
        parts = [{"role": "assistant", "content": [{"type": "text", "text": right}]}]
        assert dsgen.score(row, parts) == 1.0, (config, row["id"])
        tool = [{"role": "assistant", "content": ""}, {"role": "tool", "content": right}]
        assert dsgen.score(row, tool) == 0.0, (config, row["id"])
        # only the last assistant turn: an earlier right turn does not count
        turns = [{"role": "assistant", "content": right}, {"role": "user", "content": "sure?"},
                 {"role": "assistant", "content": ""}]
        assert dsgen.score(row, turns) == 0.0, (config, row["id"])


def test_reward_grades_datasets_rows_as_score_does(default_build):
    import datasets

    for config in ("math_templates", "distraction", "reverse_qa"):
        ds = datasets.load_dataset(str(default_build), config, split="train")
        rights = [right_completion(r) or "" for r in ds]
        completions = [[{"role": "assistant", "content": f"<think>hm</think>{c}"}] for c in rights]
        rewards = dsgen.reward(ds["prompt"], completions, **{k: ds[k] for k in ds.column_names if k != "prompt"})
        assert rewards == [dsgen.score(r, c) for r, c in zip(ds, rights)]
        assert sum(rewards) >= 0.9 * len(rewards), config


def test_public_functions_taking_a_record_accept_rows(default_build):
    rows = [row for config, row in rows_of(default_build) if config == "distraction"]
    assert rows and isinstance(rows[0]["verifier"]["params"], str)
    builder = DistractionTasks()
    for row in rows:
        record = from_row(row)
        assert builder.reference_completion(row) == builder.reference_completion(record)
        reference = builder.reference_completion(row)
        assert breakdown(row, reference) == breakdown(record, reference)
        assert breakdown(row, f"<think>x</think>{reference}")["reward"] == 1.0
        assert breakdown(row, [{"role": "assistant", "content": [{"type": "text", "text": reference}]}])["reward"] == 1.0
    assert dsgen.from_row is from_row


def test_reasoning_delimiters_are_configurable():
    row = {"answer": "304", "verifier": {"kind": "numeric", "params": "{}"}}
    kimi = "◁think▷The answer is 304.◁/think▷ I could not finish."
    assert dsgen.score(row, kimi) == 1.0  # the default delimiter is not there: the reasoning is graded
    assert dsgen.score(row, kimi, reasoning_delimiters=["◁/think▷"]) == 0.0
    assert dsgen.score(row, "◁think▷12◁/think▷ #### 304", reasoning_delimiters="◁/think▷") == 1.0
    assert dsgen.score(row, "◁think▷ #### 304", reasoning_delimiters="◁/think▷") == 0.0
    reasoned = "<think>\n#### 304\n</think>\n"
    assert dsgen.score(row, reasoned) == 0.0  # nothing after the reasoning
    assert dsgen.score(row, reasoned, reasoning_delimiters=()) == 1.0  # the reasoning graded too
    reward = dsgen.Reward(reasoning_delimiters=["◁/think▷"])
    assert reward.__name__ == "dsgen_reward"
    assert reward(["q"], [kimi], verifier=[row["verifier"]], answer=["304"]) == [0.0]
    assert dsgen.reward(["q"], [kimi], verifier=[row["verifier"]], answer=["304"]) == [1.0]
    import pickle

    assert pickle.loads(pickle.dumps(reward))(["q"], [kimi], verifier=[row["verifier"]], answer=["304"]) == [0.0]


@pytest.mark.parametrize(
    ("completion", "text"),
    [
        ("plain", "plain"),
        (None, ""),
        ({"role": "assistant", "content": "one"}, "one"),
        ({"role": "tool", "content": "#### 1"}, ""),
        ([{"content": "no role"}], "no role"),
        ([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "image"}, "b"]}], "a\nb"),
        ([{"role": "assistant", "content": None, "tool_calls": [{"name": "calc"}]}, {"role": "tool", "content": "1"}], ""),
        ([{"role": "user", "content": "#### 5"}], ""),
        ([], ""),
    ],
)
def test_completion_text_shapes(completion, text):
    assert completion_text(completion) == text


def test_completion_of_another_type_is_a_clear_error():
    with pytest.raises(TypeError, match="string or chat messages, not int"):
        completion_text(5)


@pytest.mark.parametrize(
    ("text", "graded"),
    [
        ("<think>a</think>b", "b"),
        ("<think>a</think>b</think>c", "c"),  # the last delimiter
        ("a</think>b", "b"),  # the chat template opened the block in the prompt
        ("<think>a", ""),
        ("answer <think> later", ""),
        ("<think>a</think>b<think>c", ""),
        ("no reasoning", "no reasoning"),
        ("</think>", ""),
    ],
)
def test_final_answer(text, graded):
    assert final_answer(text) == graded
    assert final_answer(graded) == graded  # grading twice changes nothing


def test_a_bad_params_string_names_the_column():
    with pytest.raises(ValueError, match="'verifier.params' is not valid JSON"):
        dsgen.score({"answer": "1", "verifier": {"kind": "numeric", "params": "{oops"}}, "1")
    assert graded_text([{"role": "assistant", "content": "<think>x</think> y"}]) == " y"
