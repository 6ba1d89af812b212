"""Audit of the satisfiability proofs: constraint sets drawn, proved by a witness response, and redrawn,
per family; records/s of the two builders that prove every record.

Run: ``python benchmarks/bench_witness.py [--sets N] [--records N]``. Prints:

1. per family, ``--sets`` sets of 1-5 constraints drawn as the ``instructions`` builder draws them (seeds
   0..N-1): how many have a witness (``dsgen.builders.distraction.witness``, checked with the real
   checkers), with the drawing's rules as they are ("after") and without the pairs the witness writer
   revealed (``constraints.WITNESS_PAIRS``, and ``format:list``'s "!?!?" kept from sentence-counted ids:
   ``SENTENCE_COUNTED``; "before"), and the witness writer's sets/s;
2. per family, the ids most often in a drawn set without a witness (after);
3. per family and builder (``instructions``, ``distraction``): records, sets redrawn per record
   (``metadata.instructions.redraws``, instructions only), skipped indices, records/s; every record's
   witness is checked again with the record's own verifier (content, constraints, distractors);
4. per family and inner builder (``math.template``, ``math.compose``, ``reverse_qa``) wrapped by
   ``instructions.add``: sets drawn, proved (one per record: its witness states the graded answer and passes
   the record's whole verifier, re-checked here), redrawn, records whose first set had no witness (the old
   wrapper shipped those unproved), records skipped, records/s of the whole build (inner builder and wrapper).

Rates use this process's CPU time (``time.process_time``); set-up (models, templates) is done before
the timing.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from contextlib import contextmanager

from dsgen.builders import instructions as builders
from dsgen.builders.distraction import DistractionTasks, constraints, witness
from rich.console import Console
from rich.table import Table

import dsgen
from dsgen import scoring
from dsgen.verifiers import distraction as distraction_verifier

FAMILIES = ("ifeval", "ifbench_test", "ifbench_train")
REQUEST = "Write a short guide to keeping a vegetable garden alive through a dry summer, for first-time owners."


@contextmanager
def rules_before():
    """The drawing without the rules the witness writer revealed."""
    pairs, counted = constraints.WITNESS_PAIRS, constraints.SENTENCE_COUNTED
    constraints.WITNESS_PAIRS, constraints.SENTENCE_COUNTED = frozenset(), frozenset()
    try:
        yield
    finally:
        constraints.WITNESS_PAIRS, constraints.SENTENCE_COUNTED = pairs, counted


def draw_sets(family: str, n: int) -> tuple[int, Counter, Counter, float]:
    """(sets without a witness, ids in such sets, ids drawn, witness sets/s) over ``n`` drawn sets."""
    allowed = [i for i in constraints.family_ids(family) if i not in builders.REQUEST_EXCLUDED]
    missing, in_missing, drawn, spent = 0, Counter(), Counter(), 0.0
    for seed in range(n):
        rng = random.Random(seed)
        ids = constraints.choose_ids(rng, rng.randint(1, 5), allowed)
        kwargs = constraints.sample_kwargs(rng, ids, prompt_to_repeat=REQUEST)
        start = time.process_time()
        found = witness.witness_response(ids, kwargs)
        spent += time.process_time() - start
        drawn.update(ids)
        if found is None:
            missing += 1
            in_missing.update(ids)
    return missing, in_missing, drawn, n / spent


def sets_tables(n: int) -> list[Table]:
    table = Table(title=f"Constraint sets with a witness ({n} sets of 1-5 drawn per family)")
    for column in ("family", "no witness before", "no witness after", "proved after", "witness sets/s"):
        table.add_column(column, justify="left" if column == "family" else "right")
    worst = Table(title="Ids most often in a set without a witness (after)")
    for column in ("family", "id", "sets without a witness / sets drawn with it"):
        worst.add_column(column)
    for family in FAMILIES:
        with rules_before():
            before, _, _, _ = draw_sets(family, n)
        after, in_missing, drawn, rate = draw_sets(family, n)
        table.add_row(
            family, f"{before} ({100 * before / n:.1f}%)", f"{after} ({100 * after / n:.1f}%)",
            f"{n - after}", f"{rate:,.0f}",
        )
        for iid, count in in_missing.most_common(4):
            worst.add_row(family, iid, f"{count} / {drawn[iid]}")
    return [table, worst]


def records_table(count: int) -> Table:
    table = Table(title=f"Builders that prove every record ({count} records each, witness re-checked)")
    for column in ("builder", "family", "records", "redraws/record", "skipped", "records/s"):
        table.add_column(column, justify="left" if column in ("builder", "family") else "right")
    for name in ("instructions", "distraction"):
        for family in FAMILIES:
            params = {"constraint_family": family}
            dsgen.sample(name, params, count=2, seed=0)  # set-up (templates, models) outside the timing
            start = time.process_time()
            made = dsgen.sample(name, params, count=count, seed=1)
            spent = time.process_time() - start
            builder = (builders.InstructionPrompts if name == "instructions" else DistractionTasks)(**params)
            for record in made:
                response = builder.reference_completion(record)
                if name == "distraction":
                    assert distraction_verifier.breakdown(record, response)["reward"] == 1.0, record["id"]
                else:
                    assert scoring.score(record, response) == 1.0, record["id"]
            skipped = made[-1]["provenance"]["index"] + 1 - len(made) if made else 0
            redraws = (
                f"{sum(r['metadata']['instructions']['redraws'] for r in made) / len(made):.2f}"
                if name == "instructions"
                else "-"
            )
            table.add_row(name, family, str(len(made)), redraws, str(skipped), f"{len(made) / spent:,.1f}")
    return table


INNERS = {"math.template": {}, "math.compose": {}, "reverse_qa": {"num_entities": 1500}}


def wrapped_table(count: int) -> Table:
    table = Table(title=f"instructions.add: wrapped sets proved ({count} records per family and inner builder)")
    columns = ("family", "inner", "sets drawn", "proved", "redrawn", "first set unproved", "skipped", "records/s")
    for column in columns:
        table.add_column(column, justify="left" if column in ("family", "inner") else "right")
    for family in FAMILIES:
        for inner, params in INNERS.items():
            wrappers = [("instructions.add", {"constraint_family": family})]
            builders.AddInstructions(constraint_family=family).preload()  # set-up outside the timing
            dsgen.sample(inner, params, count=2, seed=0, wrappers=wrappers)
            start = time.process_time()
            made = dsgen.sample(inner, params, count=count, seed=1, wrappers=wrappers)
            spent = time.process_time() - start
            # indices the inner builder made but the wrapper skipped (the inner builder skips some itself)
            last = made[-1]["provenance"]["index"]
            inner_made = {r["provenance"]["index"] for r in dsgen.sample(inner, params, count=last + 1, seed=1)}
            skipped = len({i for i in inner_made if i <= last} - {r["provenance"]["index"] for r in made})
            for record in made:
                assert scoring.score(record, builders.wrapped_witness(record)) == 1.0, record["id"]
            redrawn = sum(r["metadata"]["instructions"]["redraws"] for r in made)
            first = sum(1 for r in made if r["metadata"]["instructions"]["redraws"])
            drawn = len(made) + redrawn + skipped * 20
            table.add_row(
                family, inner, str(drawn), str(len(made)), str(redrawn), f"{first} ({100 * first / len(made):.1f}%)",
                str(skipped), f"{len(made) / max(spent, 1e-9):,.0f}",
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=400, help="constraint sets drawn per family")
    parser.add_argument("--records", type=int, default=100, help="records per builder and family")
    parser.add_argument("--wrapped", type=int, default=200, help="wrapped records per family and inner builder")
    parser.add_argument("--only-wrapped", action="store_true", help="print the instructions.add table only")
    args = parser.parse_args()
    console = Console(width=140)
    tables = [] if args.only_wrapped else [*sets_tables(args.sets), records_table(args.records)]
    for table in [*tables, wrapped_table(args.wrapped)]:
        console.print(table)


if __name__ == "__main__":
    main()
