"""Reverse-QA throughput: world generation (entities/s), questions/s, answer_match checks/s (one core).

    python benchmarks/bench_reverse_qa.py                  # 100k-entity world, 300 questions, 200k checks
    python benchmarks/bench_reverse_qa.py --entities 20000 --questions 1000

Questions/s counts records kept (skipped attempts cost time too) after the indexes are warm; checks
run a mix of completions (right, misspelt, wrong, hedged, boxed), each with its own reasoning text,
against built records through ``dsgen.score`` (CPU time).
"""

from __future__ import annotations

import argparse
import time


def world_generation(entities: int, seed: int = 0) -> dict:
    """Seconds and entities/s to generate a world, and to build the verifier's near-name index on it."""
    from dsgen.builders.reverse_qa.construct import NameIndex
    from dsgen.builders.reverse_qa.world import World

    started = time.perf_counter()
    world = World(entities, seed)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    NameIndex(world.kb.names)
    index_seconds = time.perf_counter() - started
    return {"entities": entities, "seconds": seconds, "rate": entities / seconds, "index_seconds": index_seconds}


def questions(entities: int, count: int, **params) -> tuple[dict, list[dict]]:
    """Questions/s from a warm builder (world built, blur indexes filled by a first pass), and the records."""
    from dsgen import registry
    from dsgen.errors import Skip
    from dsgen.records import RecordMaker

    builder = registry.load("builder", "reverse_qa")(num_entities=entities, **params)
    maker = RecordMaker("bench", "reverse_qa", builder, seed=1)
    maker.setup()
    for i in range(50):  # fill the lazily built candidate indexes
        try:
            maker.make(10**6 + i)
        except Skip:
            pass
    records, skipped = [], 0
    started = time.process_time()
    for i in range(count):
        try:
            records.append(maker.make(i))
        except Skip:
            skipped += 1
    seconds = time.process_time() - started
    return {"records": len(records), "skipped": skipped, "seconds": seconds, "rate": len(records) / seconds}, records


def verifier_checks(records: list[dict], checks: int) -> dict:
    """answer_match checks/s (CPU time) over a mix of completions graded against the records."""
    from dsgen.scoring import score

    completions = []
    for r in records:
        answer = r["answer"]
        misspelt = answer[:-2] + answer[-1] + answer[-2]
        completions += [
            (r, f"The clues point to one entity.\nAnswer: {answer}"),
            (r, f"After checking the index pages, I conclude:\n**Answer:** {misspelt}"),
            (r, "I could not pin it down.\nAnswer: Mira Voss"),
            (r, f"Answer: {answer} or Mira Voss"),
            (r, f"So X is $\\boxed{{{answer}}}$."),
        ]
    # every completion's reasoning is different (as in a GRPO group); final answers repeat, as they do
    reasoning = [f"Step {i}: clue {i % 7} leaves {i % 97 + 2} candidates; checking document {i}.\n" for i in range(checks)]
    total, started = 0.0, time.process_time()
    for i in range(checks):
        record, completion = completions[i % len(completions)]
        total += score(record, reasoning[i] + completion)
    seconds = time.process_time() - started
    return {"checks": checks, "seconds": seconds, "rate": checks / seconds, "mean_score": total / checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--checks", type=int, default=200_000)
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    world = world_generation(args.entities)
    asked, records = questions(args.entities, args.questions, min_hops=1, max_hops=4)
    minimal, _ = questions(args.entities, args.questions // 2, min_hops=1, max_hops=4, require_minimal=True)
    checked = verifier_checks(records, args.checks)

    table = Table(title=f"reverse_qa ({args.entities:,}-entity world, one process)")
    for column in ("measure", "amount", "seconds", "rate"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    table.add_row("world generation", f"{world['entities']:,} entities", f"{world['seconds']:.2f}",
                  f"{world['rate']:,.0f} entities/s")
    table.add_row("near-name index", f"{world['entities']:,} names", f"{world['index_seconds']:.2f}", "")
    table.add_row("questions (1-4 hops)", f"{asked['records']:,} kept, {asked['skipped']} skipped",
                  f"{asked['seconds']:.2f}", f"{asked['rate']:,.1f} questions/s")
    table.add_row("questions, minimal clue sets", f"{minimal['records']:,} kept, {minimal['skipped']} skipped",
                  f"{minimal['seconds']:.2f}", f"{minimal['rate']:,.1f} questions/s")
    table.add_row("answer_match checks", f"{checked['checks']:,}", f"{checked['seconds']:.2f}",
                  f"{checked['rate']:,.0f} checks/s")
    Console().print(table)


if __name__ == "__main__":
    main()
