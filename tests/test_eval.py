"""`dsgen eval` against an OpenAI-compatible server on 127.0.0.1 and in-process backends: completions,
grading, resuming, reports (the real-model tests are in test_eval_model.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from dsgen.cli.main import main
from openai_stub import OpenAIStub

import dsgen
from dsgen.backends import Decoding, Generation
from dsgen.errors import DsgenError
from dsgen.eval_report import (
    Run,
    evaluate_models,
    is_echo,
    load_run,
    pass_at_k,
    robustness,
    spearman,
    summarise,
)
from dsgen.evaluate import Item, evaluate, load_items

SECRET = "sk-test-not-to-be-printed-7f3a"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small default build: every family, noisy/clean distraction twins, math split by level."""
    out = tmp_path_factory.mktemp("eval-data") / "build"
    recipe = dsgen.default_recipe(overrides=[
        "datasets.math_templates.count=8", "datasets.math_compose.count=8", "datasets.distraction.count=8",
        "datasets.math_distracted.count=6", "datasets.reverse_qa.count=6",
        "datasets.reverse_qa.params.num_entities=600",
    ], out=str(out))
    dsgen.build(recipe, workers=1)
    return out


@pytest.fixture(scope="module")
def answers(data) -> dict[str, str]:
    """Reference answer by the text of the prompt's last message (what the stub answers correctly with)."""
    return {it.record["prompt"][-1]["content"]: it.record["answer"] for it in load_items(data)}


def correct_math(answers):
    """A server that solves math records (``#### answer``) and answers anything else with one word."""
    def reply(body):
        answer = answers.get(body["messages"][-1]["content"])
        text = f"The total is {answer}.\n#### {answer}" if answer and answer[0].isdigit() else "Okay."
        return [text] * body["n"]
    return reply


def test_openai_backend_against_local_server(data, answers, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", SECRET)
    with OpenAIStub(correct_math(answers), key=SECRET) as server:
        result = evaluate(data, "served-model", out=tmp_path / "ev", base_url=server.url, api_key_env="MY_KEY",
                          configs=["math_templates", "reverse_qa"], decoding=Decoding(k=2, temperature=0.7,
                                                                                     max_new_tokens=64, seed=3))
    rows = pq.read_table(tmp_path / "ev" / "completions.parquet").to_pylist()
    assert result.records == len(load_items(data, configs=["math_templates", "reverse_qa"])) > 8
    assert len(rows) == 2 * result.records
    body = server.requests[0]
    assert body["model"] == "served-model" and body["n"] == 2 and body["max_tokens"] == 64
    assert body["temperature"] == 0.7 and body["messages"][-1]["role"] == "user"
    assert set(server.auth) == {f"Bearer {SECRET}"}
    by_config = {}
    for row in rows:
        by_config.setdefault(row["config"], set()).add(row["score"])
    assert by_config == {"math_templates": {1.0}, "reverse_qa": {0.0}}  # "Okay." names no entity
    assert all(row["completion_tokens"] > 0 and row["finish_reason"] == "stop" for row in rows)
    for file in (tmp_path / "ev").rglob("*"):  # the key is sent, never stored
        assert not file.is_file() or SECRET.encode() not in file.read_bytes()


def test_endpoint_errors_name_the_endpoint_not_the_key(data, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with OpenAIStub(lambda body: ["x"] * body["n"], key="another-key") as server:
        with pytest.raises(DsgenError, match="AuthenticationError") as info:
            evaluate(data, "m", out=tmp_path / "ev", base_url=server.url, limit=1)
    assert server.url in str(info.value) and SECRET not in str(info.value)


class Scripted:
    """An in-process backend: answers from a function, counts prompts, can fail after some batches."""

    name, parameters = "scripted", 1000

    def __init__(self, reply, fail_after: int | None = None):
        self.reply, self.fail_after, self.prompts, self.batches = reply, fail_after, 0, 0

    def generate(self, messages, decoding, seed):
        if self.fail_after is not None and self.batches >= self.fail_after:
            raise KeyboardInterrupt  # an interruption mid-eval
        self.batches += 1
        self.prompts += len(messages)
        return [[Generation(self.reply(m), 3, "stop") for _ in range(decoding.k)] for m in messages]


def test_interrupted_eval_resumes_without_regenerating(data, tmp_path):
    out = tmp_path / "ev"
    first = Scripted(lambda m: "no idea", fail_after=2)
    with pytest.raises(KeyboardInterrupt):
        evaluate(data, "scripted", out=out, batch_size=4, backend=first)
    assert first.prompts == 8 and not (out / "completions.parquet").exists()
    second = Scripted(lambda m: "no idea")
    result = evaluate(data, "scripted", out=out, batch_size=4, backend=second)
    assert result.batches_reused == 2 and second.prompts == result.records - 8
    rows = pq.read_table(out / "completions.parquet").to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(it.record["id"] for it in load_items(data))
    third = Scripted(lambda m: "no idea")
    assert evaluate(data, "scripted", out=out, batch_size=4, backend=third).batches_generated == 0
    assert third.prompts == 0


def test_a_truncated_batch_file_is_generated_again(data, tmp_path):
    out = tmp_path / "ev"
    evaluate(data, "scripted", out=out, batch_size=4, limit=1, backend=Scripted(lambda m: "a"))
    (out / "batches" / "00001.parquet").write_bytes(b"PAR1 truncated")
    again = Scripted(lambda m: "a")
    result = evaluate(data, "scripted", out=out, batch_size=4, limit=1, backend=again)
    assert result.batches_generated == 1 and again.prompts == result.records - 4


def test_other_settings_refuse_to_mix_with_finished_batches(data, tmp_path):
    out = tmp_path / "ev"
    evaluate(data, "scripted", out=out, limit=1, backend=Scripted(lambda m: "a"))
    with pytest.raises(DsgenError, match="decoding differ"):
        evaluate(data, "scripted", out=out, limit=1, decoding=Decoding(max_new_tokens=7),
                 backend=Scripted(lambda m: "a"))
    with pytest.raises(DsgenError, match="limit, records, plan differ"):
        evaluate(data, "scripted", out=out, limit=2, backend=Scripted(lambda m: "a"))


def test_selection_and_bad_arguments(data):
    items = load_items(data, configs=["math_compose"], limit=2)
    assert {(it.config, it.split) for it in items} == {("math_compose", "train"), ("math_compose", "test")}
    assert len(items) == 4
    with pytest.raises(DsgenError, match="no config 'nope'; it has: distraction, math_compose"):
        load_items(data, configs=["nope"])
    with pytest.raises(DsgenError, match="greedy decoding"):
        Decoding(k=4, temperature=0.0)
    with pytest.raises(DsgenError, match="top_p"):
        Decoding(top_p=0.0)


def test_obey_rates_and_robustness_from_a_model_that_obeys_every_distractor(data, tmp_path):
    """A backend that does whatever the first planted distractor asks: obeyed rates must say so."""
    items = {it.record["prompt"][-1]["content"]: it.record for it in load_items(data, configs=["distraction"])}

    def obey(messages):
        record = items[messages[-1]["content"]]
        active = [d for d in record["metadata"]["distraction"]["distractors"]
                  if (d.get("witness") or {}).get("type") == "contains"]
        return f"Here it is. {active[0]['witness']['text']}" if active else "Here it is."

    evaluate(data, "scripted", out=tmp_path / "ev", configs=["distraction"], backend=Scripted(obey))
    summary = summarise(load_run(tmp_path / "ev"))
    contains = summary["obey_rates"]["witness"]["contains"]
    assert contains["distractors"] >= 1 and contains["obeyed"] >= 1
    assert set(summary["obey_rates"]) == {"type", "witness", "position"}
    assert summary["robustness"]["distraction"]["pairs"] == 4


def record(rid, config="c", variant=None, group=None, difficulty=0.5, level="medium", **meta):
    metadata = dict(meta, **({"variant": variant, "group_id": group} if variant else {}))
    return Item(config, "train", {"id": rid, "difficulty": difficulty, "level": level, "metadata": metadata})


def test_report_numbers_on_a_hand_made_run():
    """Robustness pairs twins by group, pass@k is the unbiased estimator, Spearman sees the trend."""
    records = {r.record["id"]: r for r in [
        record("a", variant="clean", group="g1", difficulty=0.1, level="easy", steps=2),
        record("b", variant="noisy", group="g1", difficulty=0.5, steps=2),
        record("c", variant="clean", group="g2", difficulty=0.2, level="easy", steps=3),
        record("d", variant="noisy", group="g2", difficulty=0.9, level="hard", steps=5),
        record("e", variant="noisy", group="g3", difficulty=0.95, level="hard", steps=5),  # twin not evaluated
    ]}
    samples = {"a": [1.0, 1.0], "b": [1.0, 0.0], "c": [1.0, 0.0], "d": [0.0, 0.0], "e": [0.0, 0.5]}
    run = Run(Path("."), "m", 10, {"decoding": {"k": 2, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 8,
                                                "seed": 0}, "data": "d"}, None, records, samples,
              {k: [None] * 2 for k in samples})
    drop = robustness(run)["c"]
    assert drop == {"pairs": 2, "clean_mean": 0.75, "noisy_mean": 0.25, "drop": 0.5, "broken_by_noise": 0.5}
    summary = summarise(run)
    assert summary["by_level"]["c/hard"] == {"records": 2, "samples": 4, "mean_reward": 0.125, "pass@1": 0.0,
                                             "pass@2": 0.0}
    assert summary["by_steps"]["c/2"]["pass@2"] == 1.0 and summary["by_steps"]["c/2"]["pass@1"] == 0.75
    assert summary["difficulty_tracking"]["c"]["spearman"] > 0.8
    assert pass_at_k(5, 1, 2) == pytest.approx(0.4) and pass_at_k(3, 2, 2) == 1.0
    assert spearman([1, 2, 3], [0, 0, 0]) is None and spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0


def test_several_models_give_a_side_by_side_report(data, answers, tmp_path):
    with OpenAIStub(correct_math(answers)) as server:
        evaluate_models(data, ["model-a", "model-b"], tmp_path / "out", base_url=server.url, limit=2)
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## Side by side" in report and "| config/split | model-a | model-b |" in report
    assert "| math_templates/train | 1.0000 | 1.0000 |" in report
    assert "### Robustness: noisy records against their clean twins" in report
    payload = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [m["model"] for m in payload["models"]] == ["model-a", "model-b"]
    assert (tmp_path / "out" / "figures" / "model-a-levels.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # endpoint models have no known size, so there is no size plot (rather than one on made-up sizes)
    assert not (tmp_path / "out" / "figures" / "robustness-vs-size.png").exists()


def test_cli_eval(data, answers, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with OpenAIStub(correct_math(answers), key=SECRET) as server:
        result = CliRunner().invoke(main, ["eval", str(data), "-m", "srv", "--base-url", server.url, "--config",
                                           "math_templates", "--limit", "3", "-q", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "srv: 3 records, 3 samples, mean reward 1.0000" in result.output and SECRET not in result.output
    bad = CliRunner().invoke(main, ["eval", str(data), "-m", "srv", "--base-url", "http://127.0.0.1:9/v1",
                                    "--config", "nope", "-o", str(tmp_path / "p")])
    assert bad.exit_code == 2 and "no config 'nope'" in bad.output


def test_echoes_of_the_prompt_are_counted_with_the_reward_they_earned(data, tmp_path):
    evaluate(data, "scripted", out=tmp_path / "ev", configs=["distraction", "math_templates"], limit=2,
             backend=Scripted(lambda m: m[-1]["content"]))
    found = summarise(load_run(tmp_path / "ev"))["echoes"]
    assert found["distraction"]["echoes"] == found["distraction"]["samples"] == 2
    assert found["math_templates"]["echoes"] == 2 and found["math_templates"]["echo_mean_reward"] == 0.0
    assert not is_echo("the answer is 42 " * 3, "the answer is 42 " * 3)  # too short to call an echo


def test_models_of_known_size_give_the_inverse_scaling_figure(data, tmp_path):
    from dsgen.eval_report import write_report

    runs = []
    for name, size in (("small", 10**8), ("large", 10**9)):
        backend = Scripted(lambda m: "Fine.")
        backend.name, backend.parameters = name, size
        evaluate(data, name, out=tmp_path / name, configs=["distraction"], backend=backend)
        runs.append(load_run(tmp_path / name))
    result = write_report(runs, tmp_path / "report")
    assert [m["parameters"] for m in result["models"]] == [10**8, 10**9]
    figure = tmp_path / "report" / "figures" / "robustness-vs-size.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![robustness drop against model size]" in (tmp_path / "report" / "report.md").read_text()
