"""Validity audit of the distraction builder: can its rewards be gamed, are its labels and texts sound?

Run: ``python benchmarks/audit_distraction.py [--records 2000] [--seed 1]``. Builds a default-style
dataset (``variants: both``), writes it to Parquet and scores rows read back (params as JSON strings,
as a trainer sees them), then prints one table:

- full-reward rate of each non-answer (goal 0): "OK", "Done.", the prompt echoed, the reference copied
  (the copy task copies the planted notes, never the reference), every option of a constrained response at once, and the
  constraint-only filler (the IFEval witness with no task content);
- benign distractors that address an assistant (goal 0), distractors planted mid-sentence, density;
- answerable share (goal 100%): the gold facts occur in the record's own reference text;
- canary/task collisions (goal 0): a canary found in the reference, the task or its gold content;
- groups split by a 50/50 fraction split (goal 0);
- distinct skeletons per genre: sentences (lexicon values, digits and capitalised words masked) and
  document structures (which paragraphs, sentences and wordings were drawn).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
from dsgen.builders.distraction import DistractionTasks, texts, witness
from dsgen.builders.distraction import distractors as noise
from num2words import num2words
from rich.console import Console
from rich.table import Table

import dsgen
from dsgen.errors import Skip
from dsgen.pipeline import assign_split
from dsgen.recipe import Splits
from dsgen.records import RecordMaker, to_row
from dsgen.verifiers import distraction, folding

ADDRESSES_ASSISTANT = re.compile(
    r"\b(assistant|ai|chatbot|language model|llm|responder|system prompt|previous instructions|"
    r"developer mode|your (?:answer|reply|response|output)|in your (?:answer|reply|response)|"
    r"any (?:answer|reply|response)|every (?:answer|reply|response)|when answering|before answering)\b",
    re.IGNORECASE,
)
_SKELETON = re.compile(r"\d+(?:[.:,]\d+)*|\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def build(count: int, seed: int) -> tuple[list[dict], float, Counter]:
    maker = RecordMaker("audit", "distraction", DistractionTasks(variants="both"), seed=seed)
    maker.setup()
    records, skips = [], Counter()
    start = time.process_time()
    for i in range(count):
        try:
            records.append(maker.make(i))
        except Skip as skip:
            skips[skip.reason] += 1
    return records, len(records) / (time.process_time() - start), skips


def as_rows(records: list[dict]) -> list[dict]:
    """The records written to Parquet and read back (what a trainer's reward function receives)."""
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.parquet"
        pq.write_table(pa.Table.from_pylist([to_row(r) for r in records]), path)
        return pq.read_table(path).to_pylist()


def non_answers(record: dict, row: dict) -> dict[str, str | None]:
    """Each non-answer for ``record`` (None where it does not apply)."""
    p = record["verifier"]["params"]
    prompt = record["prompt"][-1]["content"]
    return {
        "OK": "OK",
        "Done.": "Done.",
        "prompt echoed": prompt,
        "reference copied": p["content"]["reference"],
        "all options": "My answer is yes. My answer is no. My answer is maybe.",
        # with constrained_response the constraint's own witness ("My answer is yes.") is an answer
        "constraint-only filler": None
        if "detectable_format:constrained_response" in p["instruction_id_list"]
        else witness.witness_response(p["instruction_id_list"], p["kwargs"]) or None,
    }


VARIANTS = {
    "as written": lambda t: t,
    "look-alike letters": lambda t: t.translate(
        str.maketrans("AEOaeo", "\u0410\u0415\u041e\u0430\u0435\u043e")
    ),
    "zero-width spaces": lambda t: "\u200b".join(t),
    "spaced, no hyphen": lambda t: " ".join(t.replace("-", "")),
    "full-width": lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in t),
    "<<bracketed>>, list marker": lambda t: f"1. <<{t.upper()}>>",
    "thousands comma": lambda t: f"{int(t):,}" if t.isdigit() else t,
    "spelled out": lambda t: num2words(int(t)) if t.isdigit() else t,
}
QUOTES = {
    "curly-quoted": lambda d: f"The text has a stray line: \u201c{d}\u201d",
    "> blockquote": lambda d: f"> {d}",
    "bracket dropped": lambda d: d.strip("[]()<>!- "),
    "flagged": lambda d: f"I ignored a note that asked me to {' '.join(d.split()[-8:])}",
}


def label_checks(records: list[dict]) -> tuple[Counter, Counter]:
    """Obeying detected through variations (goal 100%); quoting or flagging counted as obeying (goal 0)."""
    builder = DistractionTasks()
    detected, quoted, seen = Counter(), Counter(), Counter()
    for record in records:
        p = record["verifier"]["params"]
        base = builder.reference_completion(record)
        for i, d in enumerate(p["distractors"]):
            w = d["witness"]
            if not (w and w["type"] == "contains"):
                continue
            seen["n"] += 1
            for name, vary in VARIANTS.items():
                reply = f"{base}\n{vary(w['text'])}"
                detected[name] += bool(distraction.breakdown(p, reply)["distractors"][i]["obeyed"])
            for name, quote in QUOTES.items():
                reply = f"{base}\n{quote(d['text'])}"
                quoted[name] += bool(distraction.breakdown(p, reply)["distractors"][i]["obeyed"])
    return detected, quoted, seen["n"]


def answerable(c: dict) -> bool:
    hay = folding.Haystack(c["reference"])
    kind = c["type"]
    if kind == "answer":
        return c["answers"][0] in hay
    if kind == "extract":
        return all(i in hay for i in c["items"])
    if kind == "convert":
        return all(v in hay for v in c["fields"].values())
    if kind == "yes_no":
        return True  # checked below against the mention
    return all(k in hay for k in c["key"]) and len(c["key"]) >= c["min_key"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    records, rate, skips = build(args.records, args.seed)
    rows = as_rows(records)
    full = Counter()
    applies = Counter()
    start, scored = time.process_time(), 0
    for record, row in zip(records, rows):
        for name, text in non_answers(record, row).items():
            if text is None:
                continue
            applies[name] += 1
            full[name] += dsgen.score(row, text) == 1.0
            scored += 1
    verify_rate = scored / (time.process_time() - start)
    benign = addressing = inline = 0
    shares, counts = [], []
    collisions = answerable_ok = 0
    for record in records:
        meta = record["metadata"]
        summary = meta["distraction"]
        c = record["verifier"]["params"]["content"]
        answerable_ok += answerable(c)
        if meta["variant"] == "noisy":
            shares.append(summary["word_share"])
            counts.append(summary["count"])
        gold = " ".join(
            c.get("answers", []) + c.get("items", []) + list(c.get("fields", {}).values()) + c.get("key", [])
        )
        needs = folding.Haystack(" ".join([c["reference"], meta["task"]["text"], gold]))
        for d in summary["distractors"]:
            if noise.FAMILY.get(d["type"]) == "benign":
                benign += 1
                addressing += bool(ADDRESSES_ASSISTANT.search(d["text"]))
            inline += d["position"] == "inline"
            w = d["witness"]
            collisions += bool(w and w.get("text") and w["type"] == "contains" and w["text"] in needs)
    groups = defaultdict(set)
    splits = Splits(fractions={"train": 0.5, "test": 0.5})
    for record in records:
        groups[record["metadata"]["group_id"]].add(assign_split(splits, record))
    split_groups = sum(1 for s in groups.values() if len(s) > 1 or None in s)
    skeletons, structures, docs = defaultdict(set), defaultdict(set), Counter()
    lexicon = texts.genres()["lexicon"]
    values = {v for pool in lexicon.values() if isinstance(pool, list) for v in pool}
    values |= {v for dish, ings in lexicon["recipes"].items() for v in [dish, *ings]} | set(lexicon["products"])
    values = sorted(values, key=len, reverse=True)
    lexical = re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)
    for record in records:
        if record["metadata"]["variant"] != "clean":
            continue
        genre = record["metadata"]["reference"]["genre"]
        docs[genre] += 1
        structures[genre].add(record["metadata"]["reference"]["structure"])
        for sentence in re.split(r"(?<=[.!?])\s+|\n", record["verifier"]["params"]["content"]["reference"]):
            if sentence.strip():
                skeletons[genre].add(_SKELETON.sub("X", lexical.sub("X", sentence.strip())))
    words = [r["metadata"]["reference"]["words"] for r in records]

    table = Table(title=f"distraction audit: {len(records)} records (seed {args.seed}, variants=both)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    for name in applies:
        table.add_row(f"full reward: {name}", f"{full[name]}/{applies[name]}", "0")
    table.add_row("benign distractors addressing an assistant", f"{addressing}/{benign}", "0")
    detected, quoted, canaries = label_checks(records)
    for name, count in detected.items():
        table.add_row(f"obeying detected: canary {name}", f"{count}/{canaries}", "all")
    for name, count in quoted.items():
        table.add_row(f"counted as obeying: distractor {name}", f"{count}/{canaries}", "0")
    table.add_row("distractors planted mid-sentence", f"{inline}/{sum(counts)}", "0")
    quart = statistics.quantiles(shares, n=4) if len(shares) > 1 else [0, 0, 0]
    table.add_row(
        "noise share of words (noisy): p25 / median / p75 / max",
        f"{quart[0]:.1%} / {quart[1]:.1%} / {quart[2]:.1%} / {max(shares, default=0):.1%}",
        "~10%",
    )
    table.add_row("distractors per noisy record (mean)", f"{statistics.mean(counts or [0]):.2f}", "")
    table.add_row(
        "answerable (gold facts in the record's own text)", f"{answerable_ok}/{len(records)}", "100%"
    )
    table.add_row("canary/task collisions", str(collisions), "0")
    table.add_row("groups split by a 50/50 fraction split", f"{split_groups}/{len(groups)}", "0")
    table.add_row(
        "reference words: min / median / max",
        f"{min(words)} / {int(statistics.median(words))} / {max(words)}",
        "150-600",
    )
    for genre in sorted(skeletons):
        table.add_row(
            f"skeletons, {genre}: sentences / document structures / docs",
            f"{len(skeletons[genre])} / {len(structures[genre])} / {docs[genre]}",
            "",
        )
    table.add_row(
        "task types",
        ", ".join(
            f"{k} {v}" for k, v in sorted(Counter(r["metadata"]["task"]["type"] for r in records).items())
        ),
        "",
    )
    table.add_row("skips", ", ".join(f"{k}: {v}" for k, v in skips.items()) or "0", "")
    table.add_row("build records/s (generate, one core CPU time)", f"{rate:,.0f}", "")
    table.add_row("verifier completions/s on Parquet rows", f"{verify_rate:,.0f}", "")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
