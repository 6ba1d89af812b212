"""End-to-end build throughput and memory: generate, validate and write Parquet with `dsgen.build`.

Each configuration runs in a fresh subprocess so its peak memory (the parent and its workers) is its
own. Also measures what share of a build schema validation takes (the issue's budget: under 5%), timed
inside one-worker builds of the same sizes.

    python benchmarks/bench_build.py                    # 10k and 100k, 1 and 2 workers, math builders
    python benchmarks/bench_build.py --memory 1000000   # also the 10k vs 1M memory check
    python benchmarks/bench_build.py --reasoning-gym-python /tmp/rgvenv/bin/python   # and the goal, side by side
    python benchmarks/bench_build.py --reasoning-gym-python /tmp/rgvenv/bin/python --instructions   # and by count

The goal (reasoning-gym's gsm_symbolic generation rate) is measured like for like: generation only, one
core, with ``bench_math``'s functions: in each of ``--rounds`` turns reasoning-gym is timed before and
after the builders, and the median of the builders' per-turn ratios is the figure. ``--instructions``
also counts the instructions each takes per record under valgrind's callgrind: a figure the machine's
changes of speed cannot move (it leaves out how fast the CPU runs them: cache misses, branches).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from statistics import median

SHARD = 10_000  # records per unit (the recipe default)

CHILD = r"""
import json, resource, sys, time, tempfile
import dsgen
from dsgen.recipe import Recipe
builder, count, workers, shard = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
recipe = Recipe.model_validate({"name": "bench", "seed": 1, "output": {"shard_size": shard},
                                "datasets": {"bench": {"builder": builder, "count": count}}})
with tempfile.TemporaryDirectory() as out:
    started = time.perf_counter()
    result = dsgen.build(recipe, out=out, workers=workers)
    seconds = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"records": result.records, "seconds": seconds, "peak_mib": peak / 1024}))
"""


def build_run(builder: str, count: int, workers: int, shard: int = SHARD) -> dict:
    """One build in a fresh process: records, seconds, records/s and peak RSS (MiB) of the largest process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, builder, str(count), str(workers), str(shard)],
        capture_output=True, text=True, check=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rate"] = figures["records"] / figures["seconds"]
    return figures


SHARE_CHILD = r"""
import json, sys, tempfile, time
import dsgen, dsgen.units
from dsgen.recipe import Recipe
builder, count = sys.argv[1], int(sys.argv[2])
spent, checked = [0.0], [0]
check_many = dsgen.units.check_many
def timed(records):
    started = time.perf_counter()
    problems = check_many(records)
    spent[0] += time.perf_counter() - started
    checked[0] += len(records)
    return problems
dsgen.units.check_many = timed
recipe = Recipe.model_validate({"name": "bench", "seed": 1, "datasets": {"bench": {"builder": builder, "count": count}}})
with tempfile.TemporaryDirectory() as out:
    started = time.perf_counter()
    dsgen.build(recipe, out=out, workers=1)
    total = time.perf_counter() - started
print(json.dumps({"checked": checked[0], "validate": spent[0], "total": total}))
"""


def validation_share(builder: str, count: int) -> dict:
    """The time schema validation takes inside a one-worker build (run inline, in a fresh process),
    against the time of the whole build: both from the same run, so a change in the machine's speed
    cannot put them in different modes."""
    out = subprocess.run([sys.executable, "-c", SHARE_CHILD, builder, str(count)],
                         capture_output=True, text=True, check=True).stdout
    f = json.loads(out.strip().splitlines()[-1])
    assert f["checked"] == count, f
    return {"validate_rate": count / f["validate"], "share": f["validate"] / f["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builders", nargs="+", default=["math.template", "math.compose"])
    parser.add_argument("--counts", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--memory", type=int, default=0, help="also compare peak memory of 10k and this count")
    parser.add_argument("--reasoning-gym-python", default=None,
                        help="interpreter with reasoning-gym installed: also compare generation rates with gsm_symbolic")
    parser.add_argument("--rounds", type=int, default=41, help="turns of the generation-rate comparison")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per record of generation, ours and reasoning-gym's "
                             "(needs valgrind; about 15 minutes)")
    parser.add_argument("--share-runs", type=int, default=3, help="builds per validation-share figure")
    args = parser.parse_args()
    if args.instructions and not args.reasoning_gym_python:
        parser.error("--instructions compares with reasoning-gym: give --reasoning-gym-python too")

    print(f"{'builder':<16}{'records':>10}{'workers':>9}{'units':>7}{'seconds':>10}{'records/s':>12}{'peak MiB':>10}")
    for builder in args.builders:
        for count in args.counts:
            for workers in args.workers:
                f = build_run(builder, count, workers)
                units = -(-count // SHARD)  # a build runs at most one worker per unit
                print(f"{builder:<16}{count:>10,}{workers:>9}{units:>7}{f['seconds']:>10.2f}{f['rate']:>12,.0f}"
                      f"{f['peak_mib']:>10.0f}")
    print()
    print(f"validation's share of a one-worker build (timed inside it), median of {args.share_runs} builds (range):")
    for builder in args.builders:
        for count in args.counts:
            runs = [validation_share(builder, count) for _ in range(args.share_runs)]
            shares = [100 * v["share"] for v in runs]
            print(f"{builder:<16}{count:>10,} records: {median(v['validate_rate'] for v in runs):>9,.0f} records/s, "
                  f"{median(shares):.1f}% ({min(shares):.1f}-{max(shares):.1f})")
    if args.memory:
        print()
        small = build_run(args.builders[0], 10_000, 2)
        large = build_run(args.builders[0], args.memory, 2)
        print(f"peak memory, {args.builders[0]}, 2 workers: 10,000 records {small['peak_mib']:.0f} MiB; "
              f"{args.memory:,} records {large['peak_mib']:.0f} MiB (ratio {large['peak_mib'] / small['peak_mib']:.2f}; "
              f"{large['rate']:,.0f} records/s)")
    if args.reasoning_gym_python:
        rates = generation_rates(args.reasoning_gym_python, args.rounds)
        print(f"\ngeneration only, one core, {args.rounds} turns (the goal: reasoning-gym's rate); a ratio is to "
              "reasoning-gym timed just before and after in the same turn: median (lowest-highest)")
        for name, (rate, ratios) in rates.items():
            print(f"{name:<28}{rate:>12,.0f} records/s{median(ratios):>8.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
    if args.instructions:
        instruction_counts(args.reasoning_gym_python)


RG = "reasoning-gym gsm_symbolic"

COUNT_CHILD = r"""
import sys
which, start, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if which == "reasoning-gym":
    import reasoning_gym
    make = reasoning_gym.create_dataset("gsm_symbolic", size=10**7, seed=42).__getitem__
else:
    sys.path.insert(0, sys.argv[4])
    from bench_math import MATH_BUILDERS, maker_for
    make = maker_for(MATH_BUILDERS[which]()).make
for i in range(start, start + n):
    make(i)
"""


def instructions_per_record(python: str, which: str, start: int, n: int = 2_000) -> float:
    """Instructions per record of generator ``which`` (a math builder or "reasoning-gym") under ``python``:
    callgrind's total for records [start, start + n + 500) less that for [start, start + 500), so
    interpreter start, imports and set-up cancel out."""
    here = os.path.dirname(os.path.abspath(__file__))
    totals = []
    for count in (500, 500 + n):
        run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c",
                              COUNT_CHILD, which, str(start), str(count), here],
                             capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        totals.append(int(re.search(r"Collected : ([\d,]+)", run.stderr).group(1).replace(",", "")))
    return (totals[1] - totals[0]) / n


def instruction_counts(reasoning_gym_python: str, starts: tuple[int, ...] = (0, 20_000)) -> None:
    """Prints instructions per record of each math builder and of reasoning-gym, at each of ``starts``."""
    from bench_math import MATH_BUILDERS

    if shutil.which("valgrind") is None:
        print("\ninstruction counts: valgrind is not installed (apt install valgrind)")
        return
    print("\ngeneration only, instructions per record (callgrind, 2,000 records from each start index):")
    for start in starts:
        gym = instructions_per_record(reasoning_gym_python, "reasoning-gym", start)
        print(f"{RG:<28}{start:>8,}{gym / 1000:>10.1f}k")
        for name in MATH_BUILDERS:
            ours = instructions_per_record(sys.executable, name, start)
            print(f"{name:<28}{start:>8,}{ours / 1000:>10.1f}k{ours / gym:>8.2f}x reasoning-gym's")


def generation_rates(reasoning_gym_python: str, rounds: int, n: int = 2_000) -> dict[str, tuple[float, list[float]]]:
    """Per generator: (median CPU-time rate in records/s, one core; its ratio to reasoning-gym's in each
    turn). A turn times reasoning-gym (kept running in its own interpreter), each math builder, then
    reasoning-gym again, ``n`` records each, new indices every turn; a builder's ratio is to the mean of
    the two. This machine's speed changes, up to twofold, from one second to the next: a turn is a
    fraction of a second, and the median leaves out the turns in which it changed midway."""
    from bench_math import MATH_BUILDERS, ReasoningGym, make_rate, maker_for

    makers = {name: maker_for(builder()) for name, builder in MATH_BUILDERS.items()}
    rates: dict[str, list[float]] = {name: [] for name in [*makers, RG]}
    ratios: dict[str, list[float]] = {name: [] for name in [*makers, RG]}
    with ReasoningGym(reasoning_gym_python) as gym:
        for turn in range(rounds):
            start = (turn + 1) * n
            before = gym.rate(n, start)[1]
            ours = {name: make_rate(maker, n, start)[1] for name, maker in makers.items()}
            after = gym.rate(n, start)[1]
            rates[RG] += [before, after]
            ratios[RG].append(1.0)
            for name, rate in ours.items():
                rates[name].append(rate)
                ratios[name].append(rate / ((before + after) / 2))
    return {name: (median(rates[name]), ratios[name]) for name in rates}

if __name__ == "__main__":
    main()
