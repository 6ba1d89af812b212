"""Annotation throughput and IRT fitting time.

- ``dsgen annotate`` end to end (``annotation_recipe`` + ``dsgen.build``: read and check the input,
  generate, validate, write Parquet) on a synthetic GSM8K-format JSONL file written here, with and
  without a long-format response matrix (pass rates + 1PL fit);
- ``fit_irt`` on simulated responses of 100 models × 10,000 items, 1PL and 2PL, on the CPU (and on
  the GPU when torch sees one).

    python benchmarks/bench_annotate.py                       # 100k rows, 1 and 2 workers; 100 × 10k IRT
    python benchmarks/bench_annotate.py --rows 20000 --items 2000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

WORDS = ("apples", "books", "coins", "marbles", "stickers", "pencils", "cards", "shells")


def write_gsm8k(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` GSM8K-format problems of 1-6 calculation steps with correct ``<<a op b=c>>`` annotations."""
    rng = random.Random(seed)
    with open(path, "w") as fh:
        for _ in range(rows):
            item, x = rng.choice(WORDS), rng.randint(2, 500)
            sentences, lines = [f"Ana has {x} {item}."], []
            for _ in range(rng.randint(1, 6)):
                op = rng.choice("+-*")
                n = rng.randint(2, 9) if op == "*" else rng.randint(1, max(1, x - 1) if op == "-" else 300)
                y = x + n if op == "+" else x - n if op == "-" else x * n
                verbs = {"+": f"She gets {n} more.", "-": f"She gives away {n}.",
                         "*": f"Her stock grows {n} times."}
                sentences.append(verbs[op])
                lines.append(f"{x}{op}{n} = <<{x}{op}{n}={y}>>{y} {item}.")
                x = y
            sentences.append(f"How many {item} does Ana have now?")
            lines.append(f"#### {x}")
            fh.write(json.dumps({"question": " ".join(sentences), "answer": "\n".join(lines)}) + "\n")


def write_responses(path: Path, rows: int, models: int, seed: int = 1) -> None:
    """A long-format matrix (model, item, correct) over every row, drawn from a Rasch model."""
    import numpy as np

    gen = np.random.default_rng(seed)
    theta, b = gen.normal(size=models), gen.normal(size=rows)
    correct = gen.random((models, rows)) < 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    with open(path, "w") as fh:
        fh.write("model,item,correct\n")
        for m in range(models):
            fh.write("".join(f"m{m},{i},{int(c)}\n" for i, c in enumerate(correct[m])))


def annotate_run(path: Path, workers: int, responses: Path | None = None) -> dict:
    from dsgen.builders import annotate

    import dsgen
    from dsgen.annotate import annotation_recipe

    annotate._CACHE.clear()  # time the reading and checking of the input too
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        recipe = annotation_recipe(path, out=out, **({"responses": str(responses)} if responses else {}))
        prepared = time.perf_counter() - started
        result = dsgen.build(recipe, workers=workers)
        seconds = time.perf_counter() - started
    return {"records": result.records, "prepare": prepared, "seconds": seconds}


def irt_run(models: int, items: int, model: str, device: str | None) -> dict:
    from dsgen.irt import fit_irt, simulate

    responses, b, _ = simulate(models, items, two_pl=model == "2pl", seed=7)
    started = time.perf_counter()
    fit = fit_irt(responses, model, device=device)
    seconds = time.perf_counter() - started
    from scipy.stats import spearmanr

    return {"seconds": seconds, "spearman": spearmanr(fit.difficulty, b).statistic}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--response-models", type=int, default=20, help="models in the annotation's matrix")
    args = parser.parse_args()
    console = Console()

    table = Table(title=f"dsgen annotate: {args.rows:,} GSM8K-format rows, end to end", title_justify="left")
    for column in ("difficulty from", "workers", "records", "read+check+fit s", "total s", "records/s"):
        table.add_column(column, justify="left" if column == "difficulty from" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        data, matrix = Path(tmp) / "gsm8k.jsonl", Path(tmp) / "responses.csv"
        write_gsm8k(data, args.rows)
        write_responses(matrix, args.rows, args.response_models)
        for label, responses in (("features", None), (f"1PL, {args.response_models} models", matrix)):
            for workers in args.workers:
                r = annotate_run(data, workers, responses)
                rate = r["records"] / r["seconds"]
                table.add_row(label, str(workers), f"{r['records']:,}", f"{r['prepare']:.2f}",
                              f"{r['seconds']:.2f}", f"{rate:,.0f}")
    console.print(table)

    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    title = f"fit_irt: {args.models} models × {args.items:,} items (simulated)"
    table = Table(title=title, title_justify="left")
    for column in ("model", "device", "seconds", "Spearman(b, true b)"):
        table.add_column(column, justify="left" if column in ("model", "device") else "right")
    for device in devices:
        for model in ("1pl", "2pl"):
            r = irt_run(args.models, args.items, model, device)
            table.add_row(model, device, f"{r['seconds']:.2f}", f"{r['spearman']:.4f}")
    console.print(table)


if __name__ == "__main__":
    main()
