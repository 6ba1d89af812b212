"""`dsgen export` and the framework reward entry points, against the frameworks' documented signatures
and, where they import here (`pip install --no-deps verl openrlhf`), their own loaders and reward code."""

from __future__ import annotations

import asyncio
import inspect
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from dsgen.cli.main import main
from tiny_lm import tiny_tokenizer

import dsgen
from dsgen.export import export, layout
from dsgen.inspect import data_files
from dsgen.integrations import openrlhf as orl
from dsgen.integrations import verl
from dsgen.testing import answer_completions


def completions_for(row) -> list[str]:
    """A right and a wrong completion of a row (distraction: the builder's reference and an empty one)."""
    if row["kind"] == "distraction":
        from dsgen.builders.distraction import DistractionTasks

        return [DistractionTasks().reference_completion(row), ""]
    right, wrong = answer_completions(dsgen.from_row(row))
    return [f"<think>hm</think>{right[-1]}", wrong[-1] if len(wrong) > 1 else "I do not know."]


@pytest.fixture(scope="module")
def originals(default_build):
    """{id: row} of the build, as stored."""
    return {
        row["id"]: row for path in data_files(default_build) for row in pq.read_table(path).to_pylist()
    }


def test_layout_follows_the_card_in_recipe_order(default_build):
    configs = list(dict.fromkeys(c for c, _, _ in layout(default_build)))
    assert configs == ["math_templates", "math_compose", "distraction", "math_distracted", "reverse_qa"]


def test_verl_export_has_verls_columns_and_grades_as_score(default_build, originals, tmp_path):
    result = export(default_build, "verl", tmp_path)
    assert result.rows == len(originals)
    assert "math_compose/test.parquet" in result.files
    table = pq.read_table(tmp_path / "math_compose" / "train.parquet")
    assert table.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    rows = [r for path in sorted(tmp_path.glob("*/*.parquet")) for r in pq.read_table(path).to_pylist()]
    assert {r["ability"] for r in rows} == {"math", "instruction_following", "multi_hop_qa"}
    graded = 0
    for r in rows:
        original = originals[r["extra_info"]["id"]]
        assert r["reward_model"] == {"style": "rule", "ground_truth": original["answer"]}
        assert r["prompt"] == original["prompt"]
        assert r["data_source"] == f"dsgen-default/{r['extra_info']['config']}"
        assert r["extra_info"]["difficulty"] == original["difficulty"] and r["extra_info"]["level"] == original["level"]
        assert json.loads(r["extra_info"]["pass_rates"]) == {}
        for completion in completions_for(original):
            want = dsgen.score(original, completion)
            got = verl.compute_score(r["data_source"], completion, r["reward_model"]["ground_truth"], r["extra_info"])
            assert got == want, (r["extra_info"]["id"], completion)
            graded += want
    assert graded >= 0.9 * len(rows)  # the right completions scored 1.0


def test_verl_compute_score_has_verls_signature():
    params = inspect.signature(verl.compute_score).parameters
    assert list(params)[:4] == ["data_source", "solution_str", "ground_truth", "extra_info"]
    assert params["extra_info"].default is None
    assert any(p.kind is p.VAR_KEYWORD for p in params.values())
    with pytest.raises(ValueError, match="extra_info\\['verifier'\\].*dsgen export"):
        verl.compute_score("gsm8k", "#### 3", "3")


def test_verl_loads_the_export_and_its_reward_manager_grades_it(default_build, tmp_path):
    pytest.importorskip("verl", reason="verl is not installed (pip install --no-deps verl tensordict omegaconf)")
    import torch
    from omegaconf import OmegaConf
    from verl import DataProto
    from verl.trainer.ppo.reward import get_custom_reward_fn, resolve_reward_manager_cls
    from verl.utils.dataset.rl_dataset import RLHFDataset

    export(default_build, "verl", tmp_path)
    files = [str(p) for p in sorted(tmp_path.glob("*/train.parquet"))]
    tokenizer = tiny_tokenizer()
    data = RLHFDataset(files, tokenizer, OmegaConf.create({"filter_overlong_prompts": False, "cache_dir": str(tmp_path)}))
    items = [data[i] for i in range(len(data))]
    assert items[0]["raw_prompt"][-1]["role"] == "user"
    config = OmegaConf.create(
        {"reward": {"custom_reward_function": {"path": "pkg://dsgen.integrations.verl", "name": "compute_score"},
                    "reward_manager": {"source": "register", "name": "naive"}}}
    )
    manager = resolve_reward_manager_cls(config)(config, tokenizer, get_custom_reward_fn(config))
    rewards, expected = [], []
    for item in items[::7]:
        original = {"answer": item["reward_model"]["ground_truth"], "verifier": item["extra_info"]["verifier"],
                    "kind": "distraction" if item["ability"] == "instruction_following" else "other",
                    "metadata": "{}"}
        for completion in completions_for(original):
            ids = tokenizer(completion or " ", add_special_tokens=False)["input_ids"]
            prompt = torch.tensor([[tokenizer.pad_token_id, 5]])
            response = torch.tensor([ids])
            batch = DataProto.from_dict(
                tensors={"prompts": prompt, "responses": response,
                         "attention_mask": torch.ones(1, prompt.shape[1] + response.shape[1], dtype=torch.long)},
                non_tensors={k: _array(item[k]) for k in ("data_source", "reward_model", "extra_info")},
            )
            rewards.append(manager.loop.run_until_complete(manager.run_single(batch))["reward_score"])
            expected.append(dsgen.score(original, completion or " "))
    assert rewards == expected and sum(rewards) >= 0.8 * len(rewards) / 2


def _array(value):
    import numpy as np

    out = np.empty(1, dtype=object)
    out[0] = value
    return out


def test_openrlhf_export_and_reward_func(default_build, originals, tmp_path):
    export(default_build, "openrlhf", tmp_path)
    tokenizer = tiny_tokenizer()
    rows = [json.loads(line) for p in sorted(tmp_path.glob("*/*.jsonl")) for line in p.read_text().splitlines()]
    assert len(rows) == len(originals)
    assert set(rows[0]) == {"prompt", "label", "datasource", "id"}
    queries, prompts, labels, expected = [], [], [], []
    for row in rows:
        prompt = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        for completion in completions_for(originals[row["id"]]):
            queries.append(prompt + completion + "<|im_end|><|endoftext|>")
            prompts.append(prompt)
            labels.append(row["label"])
            expected.append(dsgen.score(originals[row["id"]], completion))
    out = orl.reward_func(queries, prompts, labels)
    assert out["rewards"].tolist() == expected and out["scores"].tolist() == expected
    assert sum(expected) >= 0.9 * len(rows)
    params = list(inspect.signature(orl.reward_func).parameters)
    assert params[:3] == ["queries", "prompts", "labels"]
    with pytest.raises(ValueError, match="label must be the JSON string"):
        orl.reward_func(queries[:1], prompts[:1], ["42"])


def test_openrlhf_loads_the_export_and_the_reward_file(default_build, originals, tmp_path):
    pytest.importorskip("openrlhf", reason="OpenRLHF is not installed (pip install --no-deps openrlhf)")
    try:
        from openrlhf.datasets.prompts_dataset import preprocess_data
        from openrlhf.utils.agent import SingleTurnAgentExecutor
    except ImportError as exc:  # --no-deps leaves some of its imports out
        pytest.skip(f"OpenRLHF's modules need {exc.name}")
    export(default_build, "openrlhf", tmp_path)
    executor = SingleTurnAgentExecutor(remote_rm_url=str(tmp_path / "reward_func.py"))
    tokenizer = tiny_tokenizer()
    rows = [json.loads(line) for line in (tmp_path / "math_compose" / "train.jsonl").read_text().splitlines()]
    for row in rows:
        prompt, label = preprocess_data(row, None, "prompt", "label", tokenizer.apply_chat_template)
        for completion in completions_for(originals[row["id"]]):
            ids = tokenizer(prompt + completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            query = tokenizer.decode(ids, skip_special_tokens=False)  # as OpenRLHF's executor decodes it
            (info,) = asyncio.run(executor._fetch_rewards_via_func([query], [prompt], [label]))
            assert info["scores"].tolist() == [dsgen.score(originals[row["id"]], completion)]


def test_response_of_strips_the_prompt_and_closing_tokens():
    assert orl.response_of("<s>PROMPT answer<|im_end|>\n<|endoftext|>", "PROMPT") == " answer"
    assert orl.response_of("PROMPT#### 5</s>", "PROMPT") == "#### 5"
    assert orl.response_of("PROMPT<think>x</think> 5<end_of_turn><eos>", "PROMPT") == "<think>x</think> 5"
    with pytest.raises(ValueError, match="does not contain its prompt"):
        orl.response_of("other #### 5", "PROMPT")


def test_jsonl_export_is_records_that_validate(default_build, originals, tmp_path):
    export(default_build, "jsonl", tmp_path)
    report = dsgen.validate_path(tmp_path / "distraction" / "train.jsonl")
    assert report.ok and report.records == sum(1 for r in originals.values() if r["kind"] == "distraction")
    first = json.loads((tmp_path / "reverse_qa" / "train.jsonl").read_text().splitlines()[0])
    assert isinstance(first["metadata"], dict) and isinstance(first["verifier"]["params"], dict)


def test_export_command(default_build, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["export", str(default_build), "--to", "verl", "-o", str(tmp_path / "v")])
    assert ok.exit_code == 0, ok.output
    assert f"{tmp_path / 'v' / 'math_templates' / 'train.parquet'}\t" in ok.output
    bad = runner.invoke(main, ["export", str(tmp_path), "--to", "verl", "-o", str(tmp_path / "w")])
    assert bad.exit_code == 2 and "is not a dsgen build" in bad.output
    fmt = runner.invoke(main, ["export", str(default_build), "--to", "parquet", "-o", str(tmp_path / "w")])
    assert fmt.exit_code == 2 and "'parquet' is not one of" in fmt.output


def test_pass_rates_and_abilities_are_read_from_the_record():
    from dsgen.export import ability, pass_rates

    metadata = {"pass_rate": {"pass_rate": 0.25, "correct": 1, "models": 4},
                "filters": {"pass_rate": {"pass_rate": 0.5, "k": 8, "scores": []}, "dedup": {"cluster": 3}}}
    assert pass_rates(metadata) == {"annotate": 0.25, "pass_rate": 0.5}
    assert pass_rates({}) == {}
    assert [ability(k) for k in ("math", "math+distraction", "distraction", "reverse_qa", "toy")] == [
        "math", "math", "instruction_following", "multi_hop_qa", "toy"]
