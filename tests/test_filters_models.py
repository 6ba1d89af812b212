"""Model-based filters on a tiny GPT-2 built from scratch in the test, loaded through the filters' loader."""

from __future__ import annotations

import math

import pytest

from dsgen import registry, scoring
from dsgen.errors import DsgenError
from dsgen.filters import models
from dsgen.filters.judge import SelfJudge
from dsgen.filters.pass_rate import PassRate
from dsgen.filters.perplexity import Perplexity, token_stats

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SENTENCES = [
    "the cat sat on the mat",
    "a dog ran in the park",
    "the answer is A or B",
    "apple banana cherry seven eight nine",
    "tom has five apples and eats two",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    """A 2-layer GPT-2 with a word-level tokenizer, saved like any local model folder."""
    from tokenizers import Tokenizer, pre_tokenizers, trainers
    from tokenizers import models as tk_models

    tokenizer = Tokenizer(tk_models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[EOS]"]))
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", eos_token="[EOS]"
    )
    config = transformers.GPT2Config(
        vocab_size=fast.vocab_size, n_positions=256, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=fast.eos_token_id, eos_token_id=fast.eos_token_id,
    )
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config)
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return str(folder)


def record(rid: str, prompt: str, kind: str = "contains_apple", answer: str | None = None) -> dict:
    return {
        "id": rid,
        "prompt": [{"role": "user", "content": prompt}],
        "answer": answer,
        "verifier": {"kind": kind, "params": {}},
        "metadata": {},
    }


@pytest.fixture(autouse=True)
def verifiers():
    registry.register("verifier", "contains_apple", lambda completion, *_: float("apple" in completion))
    registry.register("verifier", "always", lambda completion, answer, params: 1.0)
    registry.register("verifier", "never", lambda completion, answer, params: 0.0)
    scoring._cache.clear()
    yield
    scoring._cache.clear()


def test_perplexity_measurements_and_batch_independence(tiny_model):
    lm = models.load(tiny_model, "cpu")
    texts = SENTENCES + ["the cat", "apple"]
    one = token_stats(lm, texts, batch_tokens=10_000, max_length=64)
    single = token_stats(lm, texts, batch_tokens=1, max_length=64)
    for (nll_a, ent_a), (nll_b, ent_b), text in zip(one, single, texts):
        assert len(nll_a) == len(text.split()) - 1
        assert torch.allclose(nll_a, nll_b, atol=1e-5) and torch.allclose(ent_a, ent_b, atol=1e-5)
    # entropy of a distribution over the vocabulary is between 0 and log(V)
    assert all(0 <= float(e.max()) <= math.log(lm.tokenizer.vocab_size) + 1e-4 for _, e in one if len(e))
    # the NLL of the tokens equals what the full model forward computes
    ids = lm.tokenizer(texts[0], return_tensors="pt")["input_ids"]
    logits = lm.model(ids).logits[0, :-1]
    expected = torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="none")
    assert torch.allclose(one[0][0], expected, atol=1e-5)


def test_perplexity_filter_thresholds_and_quantiles(tiny_model):
    records = [record(f"r{i}", s) for i, s in enumerate(SENTENCES)]
    flt = Perplexity(model=tiny_model, device="cpu")
    flt.setup()
    verdicts = flt.apply(records)
    assert all(v.keep for v in verdicts)
    values = [v.measurements["perplexity"] for v in verdicts]
    m = verdicts[0].measurements
    assert m["tokens"] == 5 and m["perplexity"] > 1 and m["top_entropy"] >= m["mean_entropy"] > 0
    cut = sorted(values)[2]
    flt = Perplexity(model=tiny_model, device="cpu", max_perplexity=cut)
    flt.setup()
    kept = [v.keep for v in flt.apply(records)]
    assert kept == [p <= cut for p in values]
    assert {v.reason for v in flt.apply(records) if not v.keep} == {"perplexity above maximum"}
    flt = Perplexity(model=tiny_model, device="cpu", min_quantile=0.5)
    flt.setup()
    flt.fit(iter(records))
    verdicts = flt.apply(records)
    assert sum(v.keep for v in verdicts) == 3 and all(v.keep == (p >= cut) for v, p in zip(verdicts, values))
    assert {v.reason for v in verdicts if not v.keep} == {"perplexity below minimum"}


def test_pass_rate_is_seeded_per_record_and_drops_degenerate_items(tiny_model):
    records = [record(f"r{i}", "tom has five") for i in range(4)]
    params = dict(model=tiny_model, device="cpu", k=8, max_new_tokens=6, drop_degenerate=False)
    flt = PassRate(**params)
    flt.setup()
    first = flt.apply(records)
    again = flt.apply(list(reversed(records)))[::-1]
    assert [v.measurements for v in first] == [v.measurements for v in again]
    rates = [v.measurements["pass_rate"] for v in first]
    assert len(set(rates)) > 1  # records have their own seeds
    for v in first:
        assert v.measurements["pass_rate"] == sum(s == 1.0 for s in v.measurements["scores"]) / 8
    other_seed = PassRate(**params, seed=1)
    other_seed.setup()
    assert [v.measurements for v in other_seed.apply(records)] != [v.measurements for v in first]
    flt = PassRate(**{**params, "drop_degenerate": True})
    flt.setup()
    verdicts = flt.apply([record("a", "tom", kind="always"), record("b", "tom", kind="never")])
    assert [(v.keep, v.reason) for v in verdicts] == [
        (False, "every sample passes"),
        (False, "every sample fails"),
    ]
    band = PassRate(**params, min_pass_rate=0.5)
    band.setup()
    for v, rate in zip(band.apply(records), rates):
        assert v.keep == (rate >= 0.5)


def test_self_judge_scores_both_orders_and_never_drops(tiny_model):
    flt = SelfJudge(model=tiny_model, device="cpu", max_new_tokens=5)
    flt.setup()
    records = [record("a", "tom has five apples", kind="contains_apple"), record("b", "a dog ran")]
    verdicts = flt.apply(records)
    assert all(v.keep for v in verdicts)
    for v in verdicts:
        m = v.measurements
        assert 0 <= m["preference"] <= 1
        assert m["margin"] == pytest.approx(abs(2 * m["preference"] - 1), abs=1e-3)
        assert m["agrees_with_verifier"] in (None, True, False)
    p_ab = flt.judge.prefers_first("q", "the cat", "a dog")
    p_ba = flt.judge.prefers_first("q", "a dog", "the cat")
    assert 0 < p_ab < 1 and 0 < p_ba < 1
    assert [v.measurements for v in flt.apply(records)] == [v.measurements for v in verdicts]


def test_missing_extra_gets_an_install_hint(monkeypatch):
    def no_torch(name):
        raise ImportError(f"No module named '{name}'")

    monkeypatch.setattr(models, "import_module", no_torch)
    with pytest.raises(DsgenError, match=r"pip install 'dsgen\[models\]'"):
        models.require("torch")


def test_unloadable_model_is_a_clear_error(tmp_path):
    with pytest.raises(DsgenError, match="could not load the model"):
        models.CausalLM(str(tmp_path / "missing"), "cpu")


def test_registered():
    assert registry.load("filter", "perplexity") is Perplexity
    assert registry.load("filter", "pass_rate") is PassRate
    assert registry.load("filter", "self_judge") is SelfJudge
    with pytest.raises(ValueError, match="above"):
        PassRate(model="x", min_pass_rate=0.8, max_pass_rate=0.2)
