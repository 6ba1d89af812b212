"""lm-evaluation-harness tasks from `dsgen export --to lm-eval` and the inspect-ai task and scorer.

Always: lm-eval's own TaskManager loads the exported tasks and its task object grades right and wrong
completions; inspect-ai runs the task end to end with its mock model. With DSGEN_FRAMEWORK_RUNS=1,
both also run a tiny random model through lm-eval's ``hf`` backend and inspect-ai's ``hf/`` provider
(about a minute on two busy cores, so not in the default run).
"""

from __future__ import annotations

import os

import pytest
from tiny_lm import tiny_model_dir

import dsgen
from dsgen.export import export

RUNS = pytest.mark.skipif(not os.environ.get("DSGEN_FRAMEWORK_RUNS"), reason="set DSGEN_FRAMEWORK_RUNS=1 to run a tiny model")


def right_and_wrong(doc) -> tuple[str, str]:
    if doc["kind"] == "distraction":
        from dsgen.builders.distraction import DistractionTasks

        return DistractionTasks().reference_completion(doc), ""
    return f"<think>maybe 7</think>\nThe answer is {doc['answer']}.", f"<think>The answer is {doc['answer']}."


@pytest.fixture(scope="module")
def tasks(default_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("lm-eval")
    result = export(default_build, "lm-eval", out)
    assert set(result.files) == {f"{c}/{c}.yaml" for c in
                                 ("math_templates", "math_compose", "distraction", "math_distracted", "reverse_qa")}
    return out


def test_lm_eval_loads_the_tasks_and_grades_with_dsgen_score(tasks):
    lm_eval = pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager, get_task_dict

    manager = TaskManager(include_path=str(tasks), include_defaults=False)
    assert {"dsgen_math_compose", "dsgen_distraction"} <= set(manager.all_tasks)
    loaded = get_task_dict(["dsgen_math_compose", "dsgen_distraction", "dsgen_reverse_qa"], manager)
    for name, task in loaded.items():
        docs = list(task.test_docs())
        assert docs and task.config.test_split == ("train" if name == "dsgen_distraction" else "test")
        assert task.doc_to_text(docs[0]).endswith(docs[0]["prompt"][-1]["content"])
        for doc in docs:
            right, wrong = right_and_wrong(doc)
            assert task.process_results(doc, [right]) == {"reward": dsgen.score(doc, right)}
            assert task.process_results(doc, [right])["reward"] == 1.0, (name, doc["id"])
            assert task.process_results(doc, [wrong])["reward"] == 0.0, (name, doc["id"])
    assert lm_eval.__version__


def test_inspect_task_and_scorer_grade_with_dsgen_score(default_build):
    """The task's samples and its scorer on inspect-ai's own TaskState (its mock model needs a network
    download of a tiktoken file, so the end-to-end run is the tiny-model test below)."""
    import asyncio

    pytest.importorskip("inspect_ai")
    from inspect_ai.model import ModelOutput
    from inspect_ai.scorer import Target
    from inspect_ai.solver import TaskState

    from dsgen.integrations.inspect import dsgen_task

    for config in ("math_compose", "distraction", "reverse_qa"):
        task = dsgen_task(str(default_build), config)
        assert len(task.dataset) > 0
        grade = task.scorer[0]
        for sample in task.dataset:
            doc = {"kind": "distraction" if config == "distraction" else "other", "answer": sample.metadata["answer"],
                   "verifier": sample.metadata["verifier"], "metadata": "{}"}
            for completion, want in zip(right_and_wrong(doc), (1.0, 0.0)):
                state = TaskState(model="m", sample_id=sample.id, epoch=1, input=sample.input, messages=sample.input,
                                  output=ModelOutput.from_content("m", completion), metadata=sample.metadata)
                got = asyncio.run(grade(state, Target(sample.target))).value
                assert got == want == dsgen.score(doc, completion), (config, sample.id)


@RUNS
def test_lm_eval_runs_a_tiny_model(tasks, tmp_path):
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    model = tiny_model_dir(tmp_path / "tiny")
    result = simple_evaluate(model="hf", model_args=f"pretrained={model},device=cpu,dtype=float32",
                             tasks=["dsgen_math_compose"], task_manager=TaskManager(include_path=str(tasks), include_defaults=False),
                             limit=2, gen_kwargs="max_gen_toks=4", log_samples=True)
    assert result["results"]["dsgen_math_compose"]["sample_len"] == 2
    for sample in result["samples"]["dsgen_math_compose"]:
        assert sample["reward"] == dsgen.score(sample["doc"], sample["resps"][0][0])


@RUNS
def test_inspect_runs_a_tiny_model(default_build, tmp_path):
    from inspect_ai import eval as inspect_eval

    from dsgen.integrations.inspect import dsgen_task

    model = tiny_model_dir(tmp_path / "tiny")
    (log,) = inspect_eval(dsgen_task(str(default_build), "math_compose", limit=2), model=f"hf/{model}",
                          model_args={"device": "cpu"}, max_tokens=4, display="none", log_dir=str(tmp_path / "logs"))
    assert log.status == "success" and len(log.samples) == 2
    for s in log.samples:
        assert s.scores["dsgen_scorer"].value == dsgen.score(
            {"answer": s.metadata["answer"], "verifier": s.metadata["verifier"]}, s.output.completion)
