"""Throughput of the distraction family: records/s end to end and verifier checks/s on one core.

Run: ``python benchmarks/bench_distraction.py [--records N] [--checks N]``. Prints a table.
Rates use this process's CPU time (``time.process_time``), so they stay meaningful on a shared
machine: they are what one dedicated core would do.
"""

from __future__ import annotations

import argparse
import random
import time

from dsgen.builders.distraction import DistractionTasks, constraints, witness
from rich.console import Console
from rich.table import Table

import dsgen
from dsgen import validation
from dsgen.errors import Skip
from dsgen.records import RecordMaker, to_row
from dsgen.verifiers import distraction, ifeval


def records_per_second(count: int = 500, **params) -> float:
    """Records made and schema-validated per second (one process, after setup)."""
    maker = RecordMaker("bench", "distraction", DistractionTasks(**params), seed=1)
    maker.setup()
    start = time.process_time()
    for i in range(count):
        try:
            record = maker.make(i)
        except Skip:
            continue
        assert validation.check(record) is None
    return count / (time.process_time() - start)


def _sample_sets(count: int) -> list[tuple[list[str], list[dict], str]]:
    """Constraint sets with a witness response each (a realistic response length of ~50-300 words)."""
    rng, out = random.Random(0), []
    while len(out) < count:
        ids = constraints.choose_ids(rng, rng.randint(1, 4), list(ifeval.INSTRUCTION_IDS))
        kwargs = constraints.sample_kwargs(rng, ids, prompt_to_repeat="Summarise the text below.")
        response = witness.witness_response(ids, kwargs)
        if response is not None:
            out.append((ids, kwargs, response))
    return out


def checks_per_second(count: int = 2000, *, loose: bool = False) -> float:
    """Instruction checks per second (one check = one instruction id on one response), strict or loose."""
    sets = _sample_sets(count)
    for ids, kwargs, response in sets:  # compile once, as a training run does after the first batch
        ifeval.check(response, ids, kwargs, loose=loose)
    start = time.process_time()
    checks = 0
    for ids, kwargs, response in sets:
        checks += len(ifeval.check(response, ids, kwargs, loose=loose))
    return checks / (time.process_time() - start)


def rewards_per_second(count: int = 1000) -> float:
    """Full distraction rewards (constraints and distractor witnesses) per second, on built records,
    for the constraint-only witness (the measure this benchmark has always reported)."""
    pairs = [
        (
            r["verifier"]["params"],
            witness.witness_response(
                r["verifier"]["params"]["instruction_id_list"], r["verifier"]["params"]["kwargs"]
            ),
        )
        for r in _built(count)
    ]
    start = time.process_time()
    for p, response in pairs:
        distraction.score(response or "", None, p)
    return len(pairs) / (time.process_time() - start)


def row_rewards_per_second(count: int = 1000) -> float:
    """Rewards per second as a trainer computes them: ``dsgen.score`` on rows whose params are JSON
    strings (as read back from Parquet), for the record's reference completion (content, constraints
    and distractors all checked)."""
    builder = DistractionTasks()
    rows = [to_row(r) for r in _built(count)]
    pairs = [(row, builder.reference_completion(row)) for row in rows]
    start = time.process_time()
    for row, response in pairs:
        dsgen.score(row, response)
    return len(pairs) / (time.process_time() - start)


def _built(count: int) -> list[dict]:
    maker = RecordMaker("bench", "distraction", DistractionTasks(), seed=2)
    maker.setup()
    out = []
    for i in range(count):
        try:
            out.append(maker.make(i))
        except Skip:
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--checks", type=int, default=2000)
    args = parser.parse_args()
    table = Table(title="distraction family throughput (one core, CPU time)")
    table.add_column("measure")
    table.add_column("per second", justify="right")
    table.add_row("records (generate + validate), variants=noisy", f"{records_per_second(args.records):,.0f}")
    table.add_row("records, variants=both", f"{records_per_second(args.records, variants='both'):,.0f}")
    table.add_row("IFEval checks, strict (24 deterministic ids)", f"{checks_per_second(args.checks):,.0f}")
    table.add_row("IFEval checks, loose", f"{checks_per_second(args.checks, loose=True):,.0f}")
    table.add_row("distraction rewards (constraint-only witness)", f"{rewards_per_second(args.records):,.0f}")
    table.add_row(
        "rewards on Parquet rows (reference completion)", f"{row_rewards_per_second(args.records):,.0f}"
    )
    Console().print(table)


if __name__ == "__main__":
    main()
