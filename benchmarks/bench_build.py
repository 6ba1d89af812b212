"""End-to-end build throughput and memory: generate, validate and write Parquet with `dsgen.build`.

Each configuration runs in a fresh subprocess so its peak memory (the parent and its workers) is its
own. Also measures what share of a build schema validation takes (the issue's budget: under 5%).

    python benchmarks/bench_build.py                    # 10k and 100k, 1 and 2 workers, math builders
    python benchmarks/bench_build.py --memory 1000000   # also the 10k vs 1M memory check
    python benchmarks/bench_build.py --reasoning-gym-python /tmp/rgvenv/bin/python   # and the goal, side by side

The goal (reasoning-gym's gsm_symbolic generation rate) is measured like for like: generation only, one
core, with ``bench_math``'s functions, the builders and reasoning-gym taking turns (best of ``--rounds``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

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


def validation_share(builder: str, count: int = 20_000) -> dict:
    """Time of schema validation against the time of a one-worker build of the same records."""
    import dsgen
    from dsgen.pipeline import make_maker
    from dsgen.recipe import Recipe
    from dsgen.validation import check_many

    recipe = Recipe.model_validate({"name": "bench", "seed": 1, "datasets": {"bench": {"builder": builder, "count": count}}})
    maker = make_maker("bench", recipe.datasets["bench"], recipe, "h")
    maker.setup()
    records = [maker.make(i) for i in range(count)]
    shard = recipe.output.shard_size
    check_many(records[:1])
    started = time.perf_counter()
    for start in range(0, count, shard):  # as the build checks them: a unit at a time
        assert not any(check_many(records[start:start + shard]))
    validate = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        dsgen.build(recipe, out=out, workers=1)
        total = time.perf_counter() - started
    return {"validate_rate": count / validate, "share": validate / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builders", nargs="+", default=["math.template", "math.compose"])
    parser.add_argument("--counts", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--memory", type=int, default=0, help="also compare peak memory of 10k and this count")
    parser.add_argument("--reasoning-gym-python", default=None,
                        help="interpreter with reasoning-gym installed: also compare generation rates with gsm_symbolic")
    parser.add_argument("--rounds", type=int, default=5, help="turns of the generation-rate comparison")
    args = parser.parse_args()

    print(f"{'builder':<16}{'records':>10}{'workers':>9}{'units':>7}{'seconds':>10}{'records/s':>12}{'peak MiB':>10}")
    for builder in args.builders:
        for count in args.counts:
            for workers in args.workers:
                f = build_run(builder, count, workers)
                units = -(-count // SHARD)  # a build runs at most one worker per unit
                print(f"{builder:<16}{count:>10,}{workers:>9}{units:>7}{f['seconds']:>10.2f}{f['rate']:>12,.0f}"
                      f"{f['peak_mib']:>10.0f}")
    print()
    for builder in args.builders:
        v = validation_share(builder)
        print(f"{builder}: validation {v['validate_rate']:,.0f} records/s, {100 * v['share']:.1f}% of a 1-worker build")
    if args.memory:
        print()
        small = build_run(args.builders[0], 10_000, 2)
        large = build_run(args.builders[0], args.memory, 2)
        print(f"peak memory, {args.builders[0]}, 2 workers: 10,000 records {small['peak_mib']:.0f} MiB; "
              f"{args.memory:,} records {large['peak_mib']:.0f} MiB (ratio {large['peak_mib'] / small['peak_mib']:.2f}; "
              f"{large['rate']:,.0f} records/s)")
    if args.reasoning_gym_python:
        rates = generation_rates(args.reasoning_gym_python, args.rounds)
        goal = rates["reasoning-gym gsm_symbolic"]
        print(f"\ngeneration only, one core, best of {args.rounds} turns (the goal: reasoning-gym's rate)")
        for name, rate in rates.items():
            print(f"{name:<28}{rate:>12,.0f} records/s{rate / goal:>8.2f}x")


def generation_rates(reasoning_gym_python: str, rounds: int, n: int = 5_000) -> dict[str, float]:
    """Best CPU-time rate (records/s, one core) of each math builder and of reasoning-gym's gsm_symbolic,
    measured in turns so that a noisy spell of the machine hits all of them."""
    from bench_math import builder_rate, reasoning_gym_rate
    from dsgen.builders.math import ComposedProblems, TemplateProblems

    builders = {"math.template": TemplateProblems(), "math.compose": ComposedProblems()}
    best = dict.fromkeys([*builders, "reasoning-gym gsm_symbolic"], 0.0)
    for _ in range(rounds):
        for name, builder in builders.items():
            best[name] = max(best[name], builder_rate(builder, n)[1])
        best["reasoning-gym gsm_symbolic"] = max(best["reasoning-gym gsm_symbolic"],
                                                 reasoning_gym_rate(reasoning_gym_python, n)[1])
    return best


if __name__ == "__main__":
    main()
