"""Pass rates per named model: `dsgen annotate --model` against a local OpenAI-compatible server, the
response matrix it writes, the per-model rates and settings in each record, and IRT without a CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner
from dsgen.cli.main import main
from openai_stub import OpenAIStub
from test_build import records_of

from dsgen.validation import check

GSM8K = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
ANSWERS = {json.loads(line)["question"]: json.loads(line)["answer"].rsplit("####", 1)[1].strip()
           for line in GSM8K.read_text().splitlines()}


def reply(body):
    """'strong' always answers right; 'weak' answers right on odd-length questions, on one sample of two."""
    question = body["messages"][-1]["content"]
    right, wrong = f"#### {ANSWERS[question]}", "#### 0"
    if body["model"] == "strong":
        return [right] * body["n"]
    return [right if len(question) % 2 and i == 0 else wrong for i in range(body["n"])]


def test_annotate_with_models_stores_pass_rates_and_fits_irt(tmp_path):
    out = tmp_path / "gsm"
    with OpenAIStub(reply) as server:
        result = CliRunner().invoke(main, [
            "annotate", str(GSM8K), "-m", "strong", "-m", "weak", "--k", "2", "--temperature", "0.8",
            "--max-new-tokens", "32", "--base-url", server.url, "-o", str(out), "-q", "-w", "1"])
    assert result.exit_code == 0, result.output
    assert {b["model"] for b in server.requests} == {"strong", "weak"}
    assert all(b["n"] == 2 and b["temperature"] == 0.8 and b["max_tokens"] == 32 for b in server.requests)
    matrix = pq.read_table(tmp_path / "gsm.responses.parquet").to_pylist()
    assert len(matrix) == 2 * 21 and {r["k"] for r in matrix} == {2}
    records = records_of(out, "gsm8k_sample")
    assert len(records) == 21
    for record in records:
        assert check(record) is None
        odd = len(record["prompt"][-1]["content"] if isinstance(record["prompt"], list) else record["prompt"]) % 2
        per_model = {m["model"]: m for m in record["metadata"]["pass_rate"]["per_model"]}
        assert per_model["strong"]["pass_rate"] == 1.0 and per_model["weak"]["pass_rate"] == (0.5 if odd else 0.0)
        assert per_model["weak"] | {"pass_rate": 0} == {"model": "weak", "pass_rate": 0, "k": 2, "temperature": 0.8,
                                                       "top_p": 1.0, "max_new_tokens": 32, "seed": 0}
        assert record["metadata"]["difficulty_from"] == "irt" and record["metadata"]["irt"]["model"] == "1pl"
    # items the weak model sometimes solves come out easier than those it never solves
    easy = [r["difficulty"] for r in records if r["metadata"]["pass_rate"]["pass_rate"] == 0.75]
    hard = [r["difficulty"] for r in records if r["metadata"]["pass_rate"]["pass_rate"] == 0.5]
    assert easy and hard and max(easy) < min(hard)
    recipe = (out / "recipe.yaml").read_text()
    assert re.search(r"responses: .*gsm\.responses\.parquet", recipe)


def test_model_and_responses_are_alternatives(tmp_path):
    result = CliRunner().invoke(main, ["annotate", str(GSM8K), "-m", "x", "--responses",
                                       str(Path(__file__).parent / "data" / "responses.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--model and --responses are alternatives" in result.output
