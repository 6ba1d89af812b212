"""Audit of drawn instruction sets (audit2 H4, M3, M4, M5, M7): what a trivial response earns, grammar, and
how varied the draws are.

Run: ``python benchmarks/audit_instructions.py [--records N] [--wrapped N]``. Prints, per family:

1. ``instructions`` records (seed 21): how many a filler response (``constraints.FILLER_PROBES``, 12 words
   of nothing) scores 1.0 on; sets redrawn per record; records/s; wordings with a number-agreement slip
   ("at least 1 times", "exactly 1 more words"); ``language:response_language`` draws and how many ask
   for a language other than English; fixed ``custom:*`` prompts, the most any one of them repeats, and
   copy-the-request tasks (``constraints.COPY_TASKS``); keyword kwargs that are office words (the old shared pool) and
   the keywords shared with the other families' draws;
2. ``math.template`` records wrapped by ``instructions.add`` (seed 6): how many the bare answer line
   (``#### <answer>``) or the inner record's worked solution alone meets the added constraints with
   (the instruction part of the verifier scores 1.0), and records/s.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from dsgen.builders.distraction import constraints
from rich.console import Console
from rich.table import Table

import dsgen
from dsgen.verifiers import instructions as instructions_verifier

FAMILIES = ("ifeval", "ifbench_test", "ifbench_train")
FILLER = " ".join(["word"] * 12)
#: "1" before a plural noun: "at least 1 times", "exactly 1 more words", "Include exactly 1 numbers".
SLIP = re.compile(r"\b1 (?:more |fewer |single-word )?(?:[a-z-]+s)\b(?<!\bis)")
#: The 22 office words ifeval and ifbench_test drew every keyword from before (audit M5).
OFFICE = frozenset(
    "balance budget clarity context deadline detail evidence focus growth impact insight outcome priority "
    "progress quality schedule signal summary support timeline update value".split()
)
KEYWORD_KWARGS = (
    "keyword",
    "keywords",
    "forbidden_words",
    "word",
    "first_word",
    "last_word",
    "keyword1",
    "keyword2",
)


def keywords_of(kwargs: list[dict]) -> list[str]:
    out: list[str] = []
    for kw in kwargs:
        for key, value in kw.items():
            if key in KEYWORD_KWARGS or re.fullmatch(r"keyword\d", key):
                out.extend(value if isinstance(value, list) else [value])
    return [w.lower() for w in out]


def instructions_table(count: int) -> tuple[Table, dict[str, set[str]]]:
    table = Table(title=f"instructions: {count} records per family (seed 21)")
    columns = (
        "family",
        "filler = 1.0",
        "redraws/record",
        "records/s",
        "grammar slips",
        "language drawn",
        "language not en",
        "fixed prompts",
        "max repeats",
        "copy tasks",
        "office keywords",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "family" else "right")
    vocab: dict[str, set[str]] = {}
    for family in FAMILIES:
        params = {"constraint_family": family}
        dsgen.sample("instructions", params, count=2, seed=0)
        start = time.process_time()
        made = dsgen.sample("instructions", params, count=count, seed=21)
        rate = len(made) / (time.process_time() - start)
        filler = sum(dsgen.score(r, FILLER) == 1.0 for r in made)
        redraws = sum(r["metadata"]["instructions"]["redraws"] for r in made) / len(made)
        slips = [d for r in made for d in r["metadata"]["instructions"]["descriptions"] if SLIP.search(d)]
        langs = [
            kw["language"]
            for r in made
            for iid, kw in zip(
                r["verifier"]["params"]["instruction_id_list"], r["verifier"]["params"]["kwargs"]
            )
            if iid == "language:response_language"
        ]
        fixed = Counter(
            r["metadata"]["request"]["text"]
            for r in made
            if r["metadata"]["request"]["source"] != "generated"
        )
        copies = sum(
            bool(set(r["verifier"]["params"]["instruction_id_list"]) & constraints.COPY_TASKS) for r in made
        )
        words = [w for r in made for w in keywords_of(r["verifier"]["params"]["kwargs"])]
        vocab[family] = set(words)
        office = sum(w in OFFICE for w in words)
        table.add_row(
            family,
            f"{filler}/{len(made)}",
            f"{redraws:.2f}",
            f"{rate:.0f}",
            str(len(slips)),
            str(len(langs)),
            str(sum(lang != "en" for lang in langs)),
            str(sum(fixed.values())),
            str(max(fixed.values(), default=0)),
            str(copies),
            f"{office}/{len(words)}",
        )
        for slip in slips[:3]:
            print(f"  slip ({family}): {slip}")
    return table, vocab


def wrapped_table(count: int) -> Table:
    table = Table(title=f"math.template + instructions.add: {count} records per family (seed 6)")
    for column in (
        "family",
        "records",
        "'#### answer' meets constraints",
        "solution meets constraints",
        "records/s",
    ):
        table.add_column(column, justify="left" if column == "family" else "right")
    for family in FAMILIES:
        wrappers = [("instructions.add", {"constraint_family": family})]
        dsgen.sample("math.template", {}, count=2, seed=0, wrappers=wrappers)
        start = time.process_time()
        made = dsgen.sample("math.template", {}, count=count, seed=6, wrappers=wrappers)
        rate = len(made) / (time.process_time() - start)
        bare = solution = 0
        for r in made:
            added = r["verifier"]["params"]["parts"][-1]["params"]
            bare += instructions_verifier.score(f"#### {r['answer']}", None, added) == 1.0
            solution += instructions_verifier.score(r["metadata"]["solution"], None, added) == 1.0
        table.add_row(family, str(len(made)), str(bare), str(solution), f"{rate:.0f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="instructions records per family")
    parser.add_argument("--wrapped", type=int, default=150, help="wrapped math records per family")
    args = parser.parse_args()
    console = Console(width=200)
    table, vocab = instructions_table(args.records)
    console.print(table)
    shared = vocab["ifbench_test"] & (vocab["ifeval"] | vocab["ifbench_train"])
    console.print(
        f"keywords drawn: ifeval {len(vocab['ifeval'])}, ifbench_test {len(vocab['ifbench_test'])}, "
        f"ifbench_train {len(vocab['ifbench_train'])}; ifbench_test keywords also drawn by a training "
        f"family: {len(shared)} {sorted(shared)[:12]}"
    )
    console.print(wrapped_table(args.wrapped))


if __name__ == "__main__":
    main()
