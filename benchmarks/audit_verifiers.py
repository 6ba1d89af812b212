"""Audit of the answer verifiers (numeric, latex_exact, answer_match) against math-verify, in one run:

1. agreement with the right label, by form class, of dsgen's numeric verifier and of math-verify on a
   generated pool of numeric answer forms (tests/adversarial.py ``numeric_pool``);
2. the 47 equivalent LaTeX forms (and 14 different ones) through latex_exact and math-verify;
3. the shared adversarial tables (hedges, operators, doubts: how many each verifier scores 0; honest
   endings: how many it scores 1);
4. the worst-case time over huge adversarial inputs (tests/adversarial.py ``HUGE_UNITS``) by size;
5. checks/s on ordinary completions, each verifier against math-verify on the same completions.

    python benchmarks/audit_verifiers.py [--golds 40] [--seed 0] [--n 20000] [--only adversarial,time]

To measure other code (the verifiers before a change), put its checkout first on the path:
``PYTHONPATH=/path/to/old/checkout python benchmarks/audit_verifiers.py`` (its ``dsgen`` needs the
``builders`` folder linked in as ``dsgen/builders``). One process, one core; math-verify runs in it with
its own (signal) timeouts, as a trainer would call it.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from adversarial import (  # noqa: E402
    DOUBTS,
    HEDGES,
    HONEST,
    HUGE_UNITS,
    LATEX_DIFFERENT,
    LATEX_EQUIVALENT,
    OPERATORS,
    cases,
    huge,
    numeric_pool,
)
from bench_math import completions  # noqa: E402

from dsgen.verifiers import answer_match, latex, numeric  # noqa: E402

#: (kind, module, right answer, a different answer, params) of every answer verifier.
VERIFIERS = [
    ("numeric", numeric, "560", "561", {}),
    ("latex_exact", latex, "\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{2}", {}),
    ("answer_match", answer_match, "Kestrin Halvard", "Mira Voss", {"aliases": [], "threshold": 0.9}),
]
#: A single huge input is given up after this many seconds (the old code took 35 s on some).
CAP_S = 10.0


def math_verify() -> Any:
    """``check(gold, completion) -> bool`` through math-verify, with parsed golds cached as a trainer would."""
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    from math_verify import parse, verify

    golds: dict[str, Any] = {}

    def check(gold: str, completion: str) -> bool:
        if gold not in golds:
            golds[gold] = parse(f"${gold}$")
        return bool(verify(golds[gold], parse(completion), timeout_seconds=1))

    return check


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def numeric_agreement(golds: int, seed: int, mv: Any) -> None:
    pool = numeric_pool(random.Random(seed), golds)
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for name, completion, gold, expected, _ in pool:
        ours = numeric.score(completion, gold, {}) == 1.0
        theirs = mv(gold, completion)
        counts = by_class[name]
        counts[0] += 1
        counts[1] += ours == expected
        counts[2] += theirs == expected
        counts[3] += ours == theirs
    rows = []
    for name, (n, ours, theirs, agree) in by_class.items():
        expected = next(e for c, _, _, e, _ in pool if c == name)
        rows.append([name, "1" if expected else "0", n, f"{ours}/{n}", f"{theirs}/{n}", f"{agree}/{n}"])
    totals = [sum(c[i] for c in by_class.values()) for i in range(4)]
    rows.append(["**all**", "", totals[0], f"{totals[1]}/{totals[0]}", f"{totals[2]}/{totals[0]}",
                 f"{totals[3]}/{totals[0]}"])
    table(f"numeric: right label by form class ({golds} golds a class, seed {seed})",
          ["form class", "label", "n", "dsgen right", "math-verify right", "agree"], rows)


def latex_forms(mv: Any) -> None:
    rows, totals = [], [0, 0, 0]
    for name, pairs in LATEX_EQUIVALENT.items():
        ours = sum(latex.score(f"\\boxed{{{form}}}", gold, {}) == 1.0 for gold, form in pairs)
        theirs = sum(mv(gold, f"\\boxed{{{form}}}") for gold, form in pairs)
        rows.append([name, len(pairs), ours, theirs])
        totals = [totals[0] + len(pairs), totals[1] + ours, totals[2] + theirs]
    rows.append(["**all equivalent (accepted)**", *totals])
    ours = sum(latex.score(f"\\boxed{{{form}}}", gold, {}) == 1.0 for gold, form in LATEX_DIFFERENT)
    theirs = sum(mv(gold, f"\\boxed{{{form}}}") for gold, form in LATEX_DIFFERENT)
    rows.append(["**different (wrongly accepted)**", len(LATEX_DIFFERENT), ours, theirs])
    table("latex_exact: equivalent forms accepted", ["class", "n", "dsgen latex_exact", "math-verify"], rows)


def adversarial(mv: Any) -> None:
    rows = []
    for kind, module, a, b, params in VERIFIERS:
        for title, table_, want in (("hedges", HEDGES, 0.0), ("operators", OPERATORS, 0.0), ("doubts", DOUBTS, 0.0),
                                    ("honest endings", HONEST, 1.0)):
            if title == "operators" and kind == "answer_match":
                continue
            gold = "560" if title == "operators" else a
            filled = cases(table_, gold, "561" if title == "operators" else b)
            failed = [name for name, c in filled if module.score(c, gold, params) != want]
            mv_right = sum(mv(gold, c) == bool(want) for _, c in filled) if kind != "answer_match" else "-"
            rows.append([kind, title, int(want), len(filled), len(filled) - len(failed), mv_right,
                         "; ".join(failed) or "-"])
    table("shared adversarial tables: completions given the expected score",
          ["verifier", "table", "expected", "n", "dsgen right", "math-verify right", "dsgen wrong on"], rows)


class _Cap(Exception):
    pass


def _timed(fn: Any) -> tuple[float, float]:
    """(CPU seconds, wall seconds) ``fn()`` took, or ``inf`` when it ran past ``CAP_S`` of wall time (stopped
    by an alarm). CPU time is the figure to read on a shared machine: wall time also counts the time the
    process waited for a core."""

    def stop(*_: object) -> None:
        raise _Cap

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, CAP_S)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        fn()
        return time.process_time() - cpu, time.perf_counter() - wall
    except _Cap:
        return float("inf"), float("inf")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def worst_case_time() -> None:
    rows = []
    for kind, module, a, b, params in VERIFIERS:
        row: list[Any] = [kind]
        for size in (8192, 32768, 65536):
            times = {}
            for name, unit in HUGE_UNITS.items():
                text = huge(unit, size, a, b)
                runs = [_timed(lambda: module.score(text, a, params))]
                if runs[0][0] != float("inf"):
                    runs += [_timed(lambda: module.score(text, a, params)) for _ in range(2)]
                times[name] = (min(cpu for cpu, _ in runs), min(wall for _, wall in runs))
            worst = max(times, key=lambda name: times[name][0])
            cpu, wall = times[worst]
            row.append(f"> {CAP_S:.0f} s ({worst})" if cpu == float("inf")
                       else f"{cpu * 1000:.1f} ms, wall {wall * 1000:.1f} ms ({worst})")
        rows.append(row)
    table(f"worst-case time over the {len(HUGE_UNITS)} huge adversarial inputs (CPU time, best of 3 per input; "
          "the worst input named)", ["verifier", "8 KB", "32 KB", "64 KB"], rows)


def _rate(fn: Any, pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(checks per second of this process's CPU time and of wall time, fraction scored 1) of
    ``fn(gold, completion)`` over ``pairs``. CPU time is less disturbed by other processes on the machine;
    latex_exact's symbolic checks run in its worker process, so only its wall time counts them."""
    cpu, wall = time.process_time(), time.perf_counter()
    right = sum(bool(fn(gold, completion)) for completion, gold in pairs)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(pairs) / max(cpu, 1e-9), len(pairs) / wall, right / len(pairs)


def throughput(n: int, mv: Any) -> None:
    styles = ("####", "boxed", "answer is", "last number")
    ordinary = [pair for style in styles for pair in completions(max(n // len(styles), 1), style)]
    mv_n = min(len(ordinary), 400)
    sample = random.Random(0).sample(ordinary, mv_n)
    math_pairs = [(f"We simplify step by step, so the answer is $\\boxed{{{form}}}$.", gold)
                  for forms in LATEX_EQUIVALENT.values() for gold, form in forms]
    math_pairs += [(f"Working through it, the answer is $\\boxed{{{gold}}}$.", gold)
                   for forms in LATEX_EQUIVALENT.values() for gold, _ in forms]
    names = [("Kestrin Halvard", "Mira Voss"), ("The Silent Harbour", "Velmora 3"), ("Odile Brask", "Joan Smith")]
    reverse = [(f"I searched the index of births and checked each violinist.\nAnswer: {got}", gold)
               for gold, other in names for got in (gold, other)] * 200
    latex.score("\\boxed{1+x}", "x+1", {})  # start the symbolic worker (the new code has one) before timing
    rows, rates = [], []
    for what, fn, pairs in [
        ("numeric", lambda g, c: numeric.score(c, g, {}), ordinary),
        ("math-verify (same completions)", mv, sample),
        ("latex_exact (MATH-style boxed answers)", lambda g, c: latex.score(c, g, {}), math_pairs),
        ("math-verify (same completions)", mv, math_pairs),
        ("answer_match (Answer: lines)", lambda g, c: answer_match.score(c, g, {}), reverse),
    ]:
        cpu, wall, right = _rate(fn, pairs)
        length = statistics.mean(len(c) for c, _ in pairs)
        rows.append([what, len(pairs), f"{cpu:,.0f}", f"{wall:,.0f}", f"{right:.0%}", f"{length:.0f}"])
        rates.append((cpu, wall))
    rows.append(["numeric / math-verify", "", f"{rates[0][0] / rates[1][0]:.0f}x", f"{rates[0][1] / rates[1][1]:.0f}x",
                 "", ""])
    rows.append(["latex_exact / math-verify", "", "-", f"{rates[2][1] / rates[3][1]:.1f}x", "", ""])
    table("throughput on ordinary completions (one core)",
          ["verifier", "checks", "CPU checks/s", "wall checks/s", "scored 1", "mean chars"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golds", type=int, default=40, help="golds per numeric form class")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=20_000, help="ordinary completions for numeric's checks/s")
    parser.add_argument("--only", default="numeric,latex,adversarial,time,throughput",
                        help="comma-separated parts to run (default: all)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    print(f"verifiers from {Path(numeric.__file__).parent}")
    mv = math_verify()
    if "numeric" in parts:
        numeric_agreement(args.golds, args.seed, mv)
    if "latex" in parts:
        latex_forms(mv)
    if "adversarial" in parts:
        adversarial(mv)
    if "time" in parts:
        worst_case_time()
    if "throughput" in parts:
        throughput(args.n, mv)


if __name__ == "__main__":
    main()
