"""Local executor against Ray: records/s with 1 and 2 workers, and Ray's overhead (time ray / time local).

Each configuration builds one math dataset in a fresh subprocess. For Ray the subprocess starts a
local instance with ``workers`` CPUs first (timed apart as ``start s``): the build time then includes
starting Ray's worker processes, as a cluster build's does, but not the instance itself.
The subprocess gets a session of its own: Linux's autogroup scheduler shares the CPU between
sessions, and Ray's daemons run in sessions of their own, so a local build in the benchmark's session
would get a smaller share of a busy machine than Ray's workers do.
Also measures the driver's rate on a post-generation pass (a dataset-stage filter that keeps every
record): those passes run in one process whatever the executor, so they bound a large build.

    python benchmarks/bench_executors.py                             # 100k records, 1 and 2 workers
    python benchmarks/bench_executors.py --counts 100000 1000000     # also 1M
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, logging, sys, tempfile, time
import dsgen
from dsgen.recipe import Recipe
from dsgen.filters.base import Filter, Verdict
executor, builder = sys.argv[1], sys.argv[2]
count, workers, shard = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
staged = sys.argv[6] == "staged"

class KeepAll(Filter):
    stage = "dataset"
    def apply(self, records):
        return [Verdict(True) for _ in records]

dsgen.register("filter", "bench.keep", KeepAll)
filters = [{"filter": "bench.keep"}] if staged else []
dataset = {"builder": builder, "count": count, "filters": filters}
recipe = Recipe.model_validate({"name": "bench", "seed": 1, "output": {"shard_size": shard},
                                "datasets": {"bench": dataset}})
start = 0.0
if executor == "ray":
    import ray
    started = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.WARNING)
    start = time.perf_counter() - started
with tempfile.TemporaryDirectory() as out:
    started = time.perf_counter()
    result = dsgen.build(recipe, out=out, workers=workers, executor=executor)
    seconds = time.perf_counter() - started
    manifest = json.load(open(out + "/manifest.json"))
files = manifest["configs"]["bench"]["files"]
print(json.dumps({"records": result.records, "seconds": seconds, "start": start,
                  "shards": {rel: f["sha256"] for rel, f in files.items()}}))
"""


def build_run(executor: str, builder: str, count: int, workers: int, *, shard: int = 10_000,
              staged: bool = False) -> dict:
    """One build in a fresh process: records, seconds, records/s, Ray start-up seconds and shard hashes."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, executor, builder, str(count), str(workers), str(shard),
         "staged" if staged else "direct"],
        capture_output=True, text=True, start_new_session=True,
    )
    if out.returncode:
        raise SystemExit(f"{executor} build of {count:,} records with {workers} workers failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["rate"] = figures["records"] / figures["seconds"]
    return figures


def compare(builder: str, count: int, workers: int, repeat: int = 1) -> dict:
    """Both executors on the same recipe, alternately, keeping each one's fastest of ``repeat`` runs:
    their figures, Ray's overhead and whether the shards agree."""
    runs: dict[str, list[dict]] = {"local": [], "ray": []}
    for _ in range(repeat):
        for executor in runs:
            runs[executor].append(build_run(executor, builder, count, workers))
    local, ray = (min(r, key=lambda f: f["seconds"]) for r in runs.values())
    return {"local": local, "ray": ray, "overhead": ray["seconds"] / local["seconds"],
            "identical": local["shards"] == ray["shards"]}


def driver_pass_rate(builder: str, count: int, workers: int = 2) -> dict:
    """Records/s of one post-generation pass in the driver: the extra time of a build with a keep-all
    dataset-stage filter (stage, read, apply, write, split again) over the same build without it."""
    direct = build_run("local", builder, count, workers)
    staged = build_run("local", builder, count, workers, staged=True)
    extra = staged["seconds"] - direct["seconds"]
    rate = count / extra if extra > 0 else float("inf")
    return {"direct": direct["seconds"], "staged": staged["seconds"], "rate": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builder", default="math.template")
    parser.add_argument("--counts", nargs="+", type=int, default=[100_000])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the fastest counts")
    parser.add_argument("--driver-pass", type=int, default=0, metavar="N", help="also time a driver pass")
    args = parser.parse_args()

    print(f"{args.builder}, shards of 10,000 records, fastest of {args.repeat} run(s) each")
    print(f"{'records':>10}{'workers':>9}{'local s':>10}{'local rec/s':>13}{'ray s':>9}{'ray rec/s':>11}"
          f"{'start s':>9}{'overhead':>10}{'same bytes':>12}")
    for count in args.counts:
        for workers in args.workers:
            c = compare(args.builder, count, workers, args.repeat)
            local, ray = c["local"], c["ray"]
            print(f"{count:>10,}{workers:>9}{local['seconds']:>10.1f}{local['rate']:>13,.0f}"
                  f"{ray['seconds']:>9.1f}{ray['rate']:>11,.0f}{ray['start']:>9.1f}{c['overhead']:>10.3f}"
                  f"{str(c['identical']):>12}", flush=True)
    if args.driver_pass:
        d = driver_pass_rate(args.builder, args.driver_pass)
        print(f"\ndriver pass over {args.driver_pass:,} records: build {d['direct']:.1f} s without, "
              f"{d['staged']:.1f} s with a keep-all dataset filter: {d['rate']:,.0f} records/s per pass")


if __name__ == "__main__":
    main()
