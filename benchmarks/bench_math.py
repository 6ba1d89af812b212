"""Throughput of the math builders (records/s through RecordMaker.make) and of the numeric verifier
(checks/s), optionally side by side with reasoning-gym's gsm_symbolic generator.

    python benchmarks/bench_math.py [--n 20000] [--reasoning-gym-python /tmp/rgvenv/bin/python]

reasoning-gym is measured in its own interpreter (install it in a throwaway venv, never in dsgen's):
``python3 -m venv /tmp/rgvenv && /tmp/rgvenv/bin/pip install reasoning-gym``. Every function returns its
figures, so other benchmark scripts can import them. Figures are single-process, one core; each rate is
given per second of wall time and per second of this process's CPU time (``time.process_time``), which
is less disturbed when other processes share the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from typing import Any

from dsgen.builders.math import ComposedProblems, TemplateProblems

from dsgen.records import RecordMaker
from dsgen.verifiers.numeric import score

#: the math builders compared with reasoning-gym's gsm_symbolic, by registry name
MATH_BUILDERS = {"math.template": TemplateProblems, "math.compose": ComposedProblems}

PADDING = (
    "Let's think step by step. First I read the problem carefully and write down every quantity it gives, "
    "then I work out each intermediate amount in order, checking that every result makes sense before "
    "moving on to the next one.\n"
)


def _timed(fn: Any, n: int) -> tuple[Any, float, float]:
    """``fn()``'s result and ``n`` per second of wall time and of process CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, n / wall, n / max(cpu, 1e-9)


def maker_for(builder: Any, *, seed: int = 42, warm: int = 1000) -> RecordMaker:
    """A set-up ``RecordMaker`` of ``builder`` that has made ``warm`` records, so one-time work (the
    ``inflect`` import, a scenario's first text) is not timed."""
    maker = RecordMaker("bench", "math", builder, seed=seed)
    maker.setup()
    for i in range(warm):
        maker.make(i)
    return maker


def make_rate(maker: RecordMaker, n: int, start: int = 0) -> tuple[float, float]:
    """(wall, CPU) records per second of ``maker.make(i)``, i in range(start, start + n)."""
    make = maker.make

    def loop() -> None:
        for i in range(start, start + n):
            make(i)

    _, wall, cpu = _timed(loop, n)
    return wall, cpu


def builder_rate(builder: Any, n: int, *, seed: int = 42) -> tuple[float, float]:
    """(wall, CPU) records per second of ``RecordMaker(builder).make(i)``, i in range(n), setup excluded."""
    return make_rate(maker_for(builder, seed=seed), n)


def completions(n: int, style: str, *, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (completion, answer) pairs of GSM8K length (~1 KB) ending in the given answer style."""
    maker = RecordMaker("bench", "math", ComposedProblems(min_steps=4, max_steps=8), seed=seed)
    maker.setup()
    pairs = []
    for i in range(n):
        record = maker.make(i)
        work, _, _ = record["metadata"]["solution"].rpartition("\n")
        answer = record["answer"]
        ending = {
            "####": f"#### {answer}",
            "boxed": f"So the final answer is $\\boxed{{{answer}}}$.",
            "answer is": f"Therefore, the answer is {answer}.",
            "last number": f"Altogether that makes {answer} in the end.",
        }[style]
        pairs.append((PADDING * 3 + work + "\n" + ending, answer))
    return pairs


def verifier_rate(style: str, n: int) -> tuple[float, float, float, int]:
    """(wall checks/s, CPU checks/s, fraction scored 1.0, mean completion length) for one answer style."""
    pairs = completions(min(n, 2000), style)
    pairs = (pairs * (n // len(pairs) + 1))[:n]
    total, wall, cpu = _timed(lambda: sum(score(c, a, {}) for c, a in pairs), n)
    return wall, cpu, total / n, sum(len(c) for c, _ in pairs) // n


_RG_SERVER = """
import json, sys, time
import reasoning_gym
data = reasoning_gym.create_dataset("gsm_symbolic", size=10**7, seed=42)
data[0]
print("ready", flush=True)
for line in sys.stdin:
    start, n = map(int, line.split())
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(start, start + n):
        data[i]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"wall": n / wall, "cpu": n / max(cpu, 1e-9)}), flush=True)
"""


class ReasoningGym:
    """reasoning-gym's gsm_symbolic in a process of ``python`` (an interpreter with it installed), kept
    running so that it can be timed between two of our measurements: ``rate(n, start)``."""

    def __init__(self, python: str):
        self.process = subprocess.Popen([python, "-c", _RG_SERVER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"reasoning-gym did not start under {python}")

    def rate(self, n: int, start: int = 0) -> tuple[float, float]:
        """(wall, CPU) items per second of ``data[i]``, i in range(start, start + n)."""
        self.process.stdin.write(f"{start} {n}\n")
        self.process.stdin.flush()
        rates = json.loads(self.process.stdout.readline())
        return rates["wall"], rates["cpu"]

    def __enter__(self) -> ReasoningGym:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        self.process.wait()


def reasoning_gym_rate(python: str, n: int) -> tuple[float, float]:
    """(wall, CPU) items per second of reasoning-gym's gsm_symbolic under ``python``."""
    with ReasoningGym(python) as gym:
        return gym.rate(n)


def run(n: int, reasoning_gym_python: str | None = None) -> list[tuple[str, float, float, str]]:
    """All figures as table rows (what, wall rate, CPU rate, unit and note)."""
    rows = []
    for label, builder in [
        ("math.template (all scenarios)", TemplateProblems()),
        ("math.compose (1-8 steps)", ComposedProblems()),
        ("math.compose (12 steps)", ComposedProblems(min_steps=12, max_steps=12)),
    ]:
        rows.append((label, *builder_rate(builder, n), "records/s, RecordMaker.make, one core"))
    if reasoning_gym_python:
        rows.append(("reasoning-gym gsm_symbolic", *reasoning_gym_rate(reasoning_gym_python, n),
                     "items/s, dataset[i], one core"))
    for style in ("####", "boxed", "answer is", "last number"):
        wall, cpu, correct, length = verifier_rate(style, max(n, 50_000))
        note = f"checks/s, ~{length} chars, {correct:.0%} scored 1"
        rows.append((f"numeric verifier, '{style}'", wall, cpu, note))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="records per builder measurement")
    parser.add_argument("--reasoning-gym-python", default=None, help="interpreter with reasoning-gym installed")
    args = parser.parse_args()
    rows = run(args.n, args.reasoning_gym_python)
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'wall rate':>12}  {'CPU rate':>12}  unit and note")
    for what, wall, cpu, note in rows:
        print(f"{what:<{width}}  {wall:>12,.0f}  {cpu:>12,.0f}  {note}")


if __name__ == "__main__":
    main()
