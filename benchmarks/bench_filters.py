"""Throughput, memory and recall of the filter stage; prints one table per filter.

    python benchmarks/bench_filters.py [--sizes 100000,1000000] [--skip-models]

Texts come from a word-bigram Markov chain trained on the docstrings of Python's standard library
(realistic English word statistics, no download); near duplicates are made by swapping, inserting,
deleting, re-numbering and misspelling 1-20% of a text's words. Each size runs in a fresh process,
so its peak RSS (``ru_maxrss``) is its own; the input is generated on the fly as a stream (as the
pipeline streams staged records), and the time to generate that stream alone is subtracted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import re
import resource
import subprocess
import sys
import time
import warnings
from collections import defaultdict

TEXTS_PER_SENTENCE_POOL = 100_000


# --- text ----------------------------------------------------------------------------------------


def corpus() -> list[str]:
    """Sentences of the standard library's docstrings (6k or so), sorted for determinism."""
    warnings.simplefilter("ignore")
    skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}
    sentences = set()
    for name in sorted(m for m in sys.stdlib_module_names if not m.startswith("_") and m not in skip):
        try:
            module = importlib.import_module(name)
        except Exception:  # some modules need a platform or a display
            continue
        for obj in [module, *vars(module).values()]:
            doc = getattr(obj, "__doc__", None)
            if isinstance(doc, str):
                for s in re.split(r"(?<=[.!?])\s+", " ".join(doc.split())):
                    if 6 <= len(s.split()) <= 40 and not re.search(r"[{}<>|=\\]", s):
                        sentences.add(s)
    return sorted(sentences)


class Markov:
    """A word-bigram chain: new sentences with the corpus's word statistics."""

    def __init__(self, sentences: list[str]):
        self.next = defaultdict(list)
        for s in sentences:
            w = ["<s>", *s.split(), "</s>"]
            for a, b in zip(w, w[1:]):
                self.next[a].append(b)
        self.vocab = sorted({w for s in sentences for w in s.split()})

    def sentence(self, rng: random.Random) -> str:
        word, out = "<s>", []
        while len(out) < 40:
            word = rng.choice(self.next[word])
            if word == "</s>":
                break
            out.append(word)
        return " ".join(out)


def mutate(rng: random.Random, text: str, vocab: list[str], rate: float) -> str:
    w = text.split()
    for _ in range(max(1, round(rate * len(w)))):
        op, i = rng.random(), rng.randrange(len(w))
        if op < 0.25 and len(w) > 1:
            j = min(len(w) - 1, i + 1)
            w[i], w[j] = w[j], w[i]
        elif op < 0.5:
            w.insert(i, rng.choice(vocab))
        elif op < 0.65 and len(w) > 5:
            del w[i]
        elif op < 0.8:
            w[i] = str(rng.randint(0, 999))
        else:
            s = w[i]
            k = rng.randrange(len(s))
            w[i] = s[:k] + rng.choice("abcdefghijklmnopqrstuvwxyz") + s[k + 1 :]
    return " ".join(w)


class TextSource:
    """Documents of 20-150 words: sentences drawn from a pool of Markov sentences."""

    def __init__(self, seed: int = 0):
        self.chain = Markov(corpus())
        rng = random.Random(seed)
        self.pool = [self.chain.sentence(rng) for _ in range(TEXTS_PER_SENTENCE_POOL)]
        self.pool = [s for s in self.pool if s]

    def text(self, rng: random.Random) -> str:
        target, out, count = rng.randint(20, 150), [], 0
        while count < target:
            s = rng.choice(self.pool)
            out.append(s)
            count += s.count(" ") + 1
        return " ".join(out)

    def stream(self, n: int, seed: int, near: float = 0.15, exact: float = 0.05):
        """``n`` texts: ``near`` of them mutated copies and ``exact`` verbatim copies of recent texts."""
        rng, recent = random.Random(seed), []
        for _ in range(n):
            u = rng.random()
            if recent and u < exact:
                t = rng.choice(recent)
            elif recent and u < exact + near:
                t = mutate(rng, rng.choice(recent), self.chain.vocab, rng.uniform(0.01, 0.2))
            else:
                t = self.text(rng)
            recent.append(t)
            if len(recent) > 2000:
                recent.pop(0)
            yield t


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def record(i: int, text: str, dataset: str = "bench") -> dict:
    messages = [{"role": "user", "content": text}]
    return {"id": f"{i:016x}", "prompt": messages, "provenance": {"builder": f"{dataset}/x"}}


# --- one measurement per process -----------------------------------------------------------------


def child_dedup(n: int) -> dict:
    from dsgen.filters.dedup import Dedup

    source = TextSource()
    t, cpu = time.perf_counter(), time.process_time()
    for _ in source.stream(n, seed=1):
        pass
    generate, generate_cpu = time.perf_counter() - t, time.process_time() - cpu
    base = peak_rss_mb()
    flt = Dedup()
    flt.setup()
    t, cpu = time.perf_counter(), time.process_time()
    flt.fit(record(i, text) for i, text in enumerate(source.stream(n, seed=1)))
    total, cpu = time.perf_counter() - t, time.process_time() - cpu
    reasons = defaultdict(int)
    for v in flt._drops.values():
        reasons[v.reason] += 1
    return {
        "n": n, "seconds": total - generate, "cpu_s": cpu - generate_cpu, "generate_s": generate,
        "rss_before_mb": base, "peak_rss_mb": peak_rss_mb(), "dropped": dict(reasons),
    }


def child_datasketch(n: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    from dsgen.filters.minhash import shingles
    from dsgen.filters.text import words

    texts = list(TextSource().stream(n, seed=1))
    base = peak_rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    lsh = MinHashLSH(num_perm=192, params=(32, 6))
    candidates = 0
    for i, text in enumerate(texts):
        m = MinHash(num_perm=192)
        m.update_batch([w.encode() for w in set(shingles(words(text)))])
        candidates += len(lsh.query(m))
        lsh.insert(str(i), m)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"n": n, "seconds": seconds, "cpu_s": cpu, "rss_before_mb": base, "peak_rss_mb": peak_rss_mb()}


def child_recall(n: int) -> dict:
    import numpy as np
    from rapidfuzz import fuzz, process

    from dsgen.filters.dedup import DedupParams, NearDuplicates
    from dsgen.filters.minhash import candidate_pairs
    from dsgen.filters.text import normalise

    source, rng = TextSource(), random.Random(5)
    texts = [source.text(rng) for _ in range(int(n * 0.7))]
    while len(texts) < n:
        texts.append(mutate(rng, rng.choice(texts), source.chain.vocab, rng.uniform(0.01, 0.2)))
    rng.shuffle(texts)
    out = {"n": n}
    normal = [normalise(t) for t in texts]
    t = time.perf_counter()
    scores = process.cdist(normal, normal, scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
    out["exhaustive_s"] = time.perf_counter() - t
    for threshold in (0.8, 0.85, 0.9):
        params = DedupParams(threshold=threshold)
        finder = NearDuplicates(params)
        finder.add(texts)
        unique = np.asarray(finder._unique_index)
        bands = [np.concatenate([c[b] for c in finder._keys]) for b in range(params.bands)]
        codes = candidate_pairs(bands)
        found = {(int(unique[c >> 32]), int(unique[c & 0xFFFFFFFF])) for c in codes.tolist()}
        rows, cols = np.nonzero(np.triu(scores >= threshold * 100, 1))
        true = [(i, j) for i, j in zip(rows.tolist(), cols.tolist()) if normal[i] != normal[j]]
        out[f"recall@{threshold}"] = sum(p in found for p in true) / max(1, len(true))
        out[f"pairs@{threshold}"] = len(true)
    return out


def child_decontam(n: int, references: int) -> dict:
    import json as _json
    import tempfile

    from dsgen.filters.decontam import Decontaminate

    # references and records draw on separate sentence pools (shared sentences would be real leaks);
    # one item in ten is short (8 words): those are matched fuzzily, not by 13-grams
    source, bench, rng = TextSource(), TextSource(seed=1), random.Random(7)
    items = [bench.text(rng) if i % 10 else " ".join(bench.text(rng).split()[:8]) for i in range(references)]
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.jsonl"
        with open(path, "w") as f:
            for q in items:
                f.write(_json.dumps({"question": q}) + "\n")
        records = []
        leaked = 0
        for i in range(n):
            if rng.random() < 0.05:
                words = rng.choice(items).split()
                records.append(record(i, source.text(rng) + " " + " ".join(words[:20])))
                leaked += 1
            else:
                records.append(record(i, source.text(rng)))
        base = peak_rss_mb()
        flt = Decontaminate(references=[{"path": path, "column": "question"}])
        t, cpu = time.perf_counter(), time.process_time()
        flt.setup()
        setup, setup_cpu = time.perf_counter() - t, time.process_time() - cpu
        t, cpu = time.perf_counter(), time.process_time()
        dropped = 0
        for lo in range(0, n, 1000):
            dropped += sum(not v.keep for v in flt.apply(records[lo : lo + 1000]))
        apply, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {
        "n": n, "references": references, "setup_s": setup, "setup_cpu_s": setup_cpu, "apply_s": apply,
        "apply_cpu_s": cpu,
        "dropped": dropped,
        "planted": leaked, "rss_before_mb": base, "peak_rss_mb": peak_rss_mb(),
    }


def child_perplexity(kind: str) -> dict:
    import tempfile

    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from dsgen.filters.models import load
    from dsgen.filters.perplexity import token_stats

    source, rng = TextSource(), random.Random(9)
    texts = [source.text(rng) for _ in range(4000 if kind == "cuda" else 300)]
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(source.pool, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[EOS]"]))
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", eos_token="[EOS]"
    )
    if kind == "cuda":  # Qwen2-0.5B's shape, random weights
        config = transformers.Qwen2Config(
            vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
            num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=4096,
            tie_word_embeddings=True,
        )
    else:  # GPT-2-shaped, about 20M parameters
        config = transformers.GPT2Config(vocab_size=32000, n_positions=1024, n_embd=384, n_layer=6, n_head=6)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        fast.save_pretrained(tmp)
        del model
        lm = load(tmp, kind)
    params = sum(p.numel() for p in lm.model.parameters())
    embedding = lm.model.get_input_embeddings().weight.numel()
    batch_tokens = 65536 if kind == "cuda" else 8192
    token_stats(lm, texts[:64], batch_tokens=batch_tokens, max_length=1024)  # warm-up
    if kind == "cuda":
        torch.cuda.synchronize()
    t, cpu = time.perf_counter(), time.process_time()
    stats = token_stats(lm, texts, batch_tokens=batch_tokens, max_length=1024)
    if kind == "cuda":
        torch.cuda.synchronize()
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    tokens = sum(len(nll) + 1 for nll, _ in stats)
    mean_len = tokens / len(texts)
    # forward FLOPs per token: 2 per weight of every matrix product (the output head included, the
    # input embedding lookup not) plus attention scores and values (PaLM's 4 * layers * d * length)
    head = lm.model.get_output_embeddings().weight.numel()
    layers, d = config.num_hidden_layers, config.hidden_size
    flops = 2 * (params - embedding + head) + 4 * layers * d * mean_len
    out = {"device": kind, "params_m": params / 1e6, "tokens": tokens, "seconds": seconds,
           "tokens_per_s": tokens / seconds, "cpu_s": cpu}
    if kind == "cuda":
        out["gpu"] = torch.cuda.get_device_name()
        out["mfu"] = tokens / seconds * flops / 989e12
    return out


CHILDREN = {"dedup": child_dedup, "datasketch": child_datasketch, "recall": child_recall,
            "decontam": child_decontam, "perplexity": child_perplexity}


def measure(name: str, *args) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, *map(str, args)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    if not rows:
        return
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print(" | ".join(keys))
    for r in rows:
        cells = (f"{r[k]:.4g}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys)
        print(" | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--skip-models", action="store_true")
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        print(json.dumps(CHILDREN[name](*rest) if name == "perplexity" else CHILDREN[name](*map(int, rest))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    dedup = [measure("dedup", n) for n in sizes]
    table("near-duplicate dedup (goal: 100k < 20 s, 1M < 300 s, < 2 GB)", dedup)
    table("datasketch MinHashLSH, same shingles, 192 perms, 32 bands (query + insert per record)",
          [measure("datasketch", 20000)])
    table("recall vs exhaustive rapidfuzz.process.cdist (goal >= 0.99)", [measure("recall", 5000)])
    table("decontamination (goal: 100k vs 50k < 60 s)", [measure("decontam", 100_000, 50_000)])
    if not args.skip_models:
        import torch

        rows = [measure("perplexity", "cpu")]
        if torch.cuda.is_available():
            rows.append(measure("perplexity", "cuda"))
        table("perplexity scoring (MFU against 989 TFLOP/s dense bf16)", rows)


if __name__ == "__main__":
    main()
