"""Audit of the instruction verifiers against gaming, in one run:

1. echoes: for each family, ``--records`` ``instructions`` records (seed ``--seed``); the prompt echoed
   verbatim, with a zero-width space inside each instruction's wording, with " please" after each
   wording's first word, with each wording's words in pairs joined by a soft hyphen, and with "so"
   after every second word: how many score 1.0; and how many of the builder's own witness responses still score 1.0;
2. huge inputs: seconds one check takes on 16, 64 and 256 KB of ``copy:repeat_phrase``'s worst case
   (the phrase's first word repeated, its last word never written) and of the language checks on one
   unspaced string and on spaced English, and of the echo guard (each capped at ``CAP_S``).

    python benchmarks/audit_instruction_gaming.py [--records 400] [--seed 45] [--only echo,time]

To measure other code (the verifiers before a change), put its checkout first on the path:
``PYTHONPATH=/path/to/old/checkout python benchmarks/audit_instruction_gaming.py`` (its ``dsgen`` needs
the ``builders`` folder linked in as ``dsgen/builders``).
"""

from __future__ import annotations

import argparse
import random
import signal
import time
from typing import Any

import dsgen
from dsgen import registry
from dsgen.verifiers import ifbench_train, ifeval, instructions

FAMILIES = ("ifeval", "ifbench_test", "ifbench_train")
SIZES_KB = (16, 64, 256)
#: A single huge input is given up after this many seconds.
CAP_S = 20.0
ENGLISH = "The report is ready and the team agreed on the plan for next week. We meet on Monday to review it. "


def _zwsp(wording: str) -> str:
    return wording[:3] + "\u200b" + wording[3:]


def _please(wording: str) -> str:
    first, _, rest = wording.partition(" ")
    return f"{first} please {rest}"


def _soft_hyphens(wording: str) -> str:
    words = wording.split(" ")
    return " ".join(a + "\u00ad" + b if b else a for a, b in zip(words[::2], words[1::2] + [""]))


def _fillers(wording: str) -> str:
    return " ".join(w + (" so" if i % 2 else "") for i, w in enumerate(wording.split(" ")))


VARIANTS = {
    "verbatim": lambda w: w,
    "zwsp": _zwsp,
    "please": _please,
    "soft hyphens": _soft_hyphens,
    "'so' every 2 words": _fillers,
}


def echoes(records: int, seed: int) -> None:
    builder = registry.load("builder", "instructions")
    header = ["family", "records", *VARIANTS, "witness passes"]
    print(f"\nEchoes of the prompt that score 1.0 (seed {seed}; lower is better; witnesses: higher)")
    print(" | ".join(header))
    for family in FAMILIES:
        params = {"constraint_family": family}
        made = builder(**params)
        rows = dsgen.sample("instructions", params, count=records, seed=seed)
        counts = dict.fromkeys(VARIANTS, 0)
        witness = 0
        for record in rows:
            prompt = record["prompt"][-1]["content"]
            wordings = record["verifier"]["params"].get("echo", [])
            for name, change in VARIANTS.items():
                echo = prompt
                for wording in wordings:
                    echo = echo.replace(wording, change(wording))
                counts[name] += dsgen.score(record, echo) == 1.0
            witness += dsgen.score(record, made.reference_completion(record)) == 1.0
        print(" | ".join(str(v) for v in [family, len(rows), *counts.values(), f"{witness}/{len(rows)}"]))


def _timed(fn: Any) -> str:
    """Seconds ``fn()`` takes, or '> CAP_S' when it is stopped there."""

    def stop(*_: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, CAP_S)
    start = time.perf_counter()
    try:
        fn()
    except TimeoutError:
        return f"> {CAP_S:.0f}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return f"{time.perf_counter() - start:.3f}"


def huge_inputs() -> None:
    repeat = ifbench_train.compile_check("copy:repeat_phrase", {"phrase": "Live each day to the fullest", "small_n": 2})
    english = ifeval.compile_check("language:response_language", {"language": "en"})
    lowercase = ifeval.compile_check("change_case:english_lowercase", {})
    ifeval.preload()
    rng = random.Random(0)
    wording = "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."
    echo = {"echo": [wording, "Finish your response with this exact phrase: Any other questions? No other words."]}
    shapes = {
        "copy:repeat_phrase, 'Live ' repeated": lambda n: repeat("Live " * (n // 5)),
        "response_language, unspaced letters": lambda n: english("".join(rng.choices("abcdefghij", k=n))),
        "english_lowercase, unspaced letters": lambda n: lowercase("".join(rng.choices("abcdefghij", k=n))),
        "response_language, spaced English": lambda n: english((ENGLISH * (n // len(ENGLISH) + 1))[:n]),
        "echo guard, spaced English": lambda n: instructions.guard((ENGLISH * (n // len(ENGLISH) + 1))[:n], echo),
    }
    print("\nSeconds per check on huge inputs (one core; '>' = stopped at the cap)")
    print(" | ".join(["shape", *(f"{kb} KB" for kb in SIZES_KB)]))
    for name, fn in shapes.items():
        print(" | ".join([name, *(_timed(lambda: fn(kb * 1024)) for kb in SIZES_KB)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400, help="records per family")
    parser.add_argument("--seed", type=int, default=45)
    parser.add_argument("--only", default="echo,time", help="sections: echo, time")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "echo" in only:
        echoes(args.records, args.seed)
    if "time" in only:
        huge_inputs()


if __name__ == "__main__":
    main()
