"""Audit of the math builders' text, quantities, variety and difficulty, side by side with reasoning-gym.

    python benchmarks/audit_math.py [--n 10000] [--diversity-n 2000] [--seed 42] [--show 0]

For each of ``math.template``, ``math.compose`` (default params) and reasoning-gym's ``gsm_symbolic``
it prints one table row per measure:

* grammar slips, by pattern (see ``SLIPS``): a plural after "1" ("1 hours"), a wrong article ("a opera",
  "an cake", checked with ``inflect``), a zero quantity ("all but 0", "0 ducks", "0 more"), "1 fewer/more
  <plural>", a singular after a number > 1 ("3 apple"), time words that contradict (afternoon … by noon,
  evening … this morning), a repeated word ("the the"), template residue (``{{``, ``None``);
* out-of-range quantities: every ``metadata.quantities`` value against the range its measure declares
  in ``templates/math/lexicon.yaml`` (dsgen records), plus text checks that need no metadata (a distance
  run/walked in a day, pages a day, laps a day, items in a container, hours in a day, ages, prices);
* masked distinct-1/-4 over ``--diversity-n`` prompts (numbers → ``N``, names → ``P``), and the number of
  distinct masked prompts;
* steps and level histograms and the difficulty range;
* records skipped (a scenario with no valid draw in its attempts), by reason.

Then how many numbers declare a plausible range, read from the raw scenario and frame files (numeric
variables, solution steps, compose frame quantities), and each scenario's redraw rate: over
``--draws`` draws, the mean attempts per accepted draw, the share of attempts redrawn, the share of
constraint-passing draws that a measure's range rejects, and draws that found no value at all.

Then the relational check: for every ``left = stock - taken`` step of every scenario, the median and largest
share of the stock taken, the 15 largest shown (ranges per quantity cannot see one quantity against another).

Then ``dsgen annotate``'s GSM8K difficulty against hand ratings (Spearman), beside single features, on the
in-sample set ``tests/data/gsm8k_hand_rated.jsonl`` and on the held-out ``gsm8k_hand_rated_heldout.jsonl``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from typing import Any, Callable

from dsgen.builders.math.checks import slips_of, text_range_issues

from dsgen.records import RecordMaker


def declared_range_issues(record: dict[str, Any], ranges: dict[str, tuple[float, float]]) -> list[str]:
    """Measures of ``metadata.quantities`` whose value is outside the lexicon's declared range."""
    issues = []
    for quantity in record["metadata"].get("quantities") or []:
        low, high = ranges[quantity["measure"]]
        if not low <= float(quantity["value"]) <= high:
            issues.append(f"{quantity['measure']}={quantity['value']}")
    return issues


def declared_ranges() -> dict[str, tuple[float, float]]:
    """The plausible range of each measure in the lexicon (empty before the lexicon declared them)."""
    try:
        from dsgen.builders.math.lexicon import measures
    except ImportError:
        return {}
    return {name: (float(m.low), float(m.high)) for name, m in measures().items()}


# -- diversity ----------------------------------------------------------------------------------

_MASK_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?")
_TOKEN = re.compile(r"[A-Za-z'-]+|N|[^\sA-Za-z]")


def mask(prompt: str, names: set[str]) -> list[str]:
    """Tokens of a prompt with numbers as ``N`` and people's names (and capitalised words inside a sentence)
    as ``P``."""
    text = _MASK_NUMBER.sub(" N ", prompt)
    tokens, start = [], True
    for token in _TOKEN.findall(text):
        if token in names or (token[:1].isupper() and not start and token not in ("N", "I")):
            token = "P"
        tokens.append(token)
        start = token in (".", "?", "!", ":")
    return tokens


def distinct(token_lists: list[list[str]], n: int) -> float:
    """Distinct n-grams over all n-grams of the prompts."""
    grams = Counter(tuple(t[i:i + n]) for t in token_lists for i in range(len(t) - n + 1))
    return len(grams) / max(1, sum(grams.values()))


# -- sources ------------------------------------------------------------------------------------


def dsgen_records(name: str, n: int, seed: int) -> tuple[list[dict[str, Any]], Counter]:
    """``n`` records of a registered math builder with default params, and the skipped ones by reason."""
    from dsgen.errors import Skip
    from dsgen.registry import load

    maker = RecordMaker("audit", "math", load("builder", name)(), seed=seed)
    maker.setup()
    records, skipped = [], Counter()
    for i in range(n):
        try:
            records.append(maker.make(i))
        except Skip as exc:
            skipped[str(exc)] += 1
    return records, skipped


# -- declared ranges and redraws -------------------------------------------------------------------


def declared_coverage() -> list[tuple[str, int, int]]:
    """(what, with a declared measure, all) for scenario variables holding numbers, solution steps and compose
    frame quantities, counted from the raw YAML files (not through the loader, which enforces the rule)."""
    from importlib.resources import files

    from dsgen.builders.math.lexicon import load_yaml

    numeric = declared_numeric = steps = declared_steps = 0
    for path in sorted(files("dsgen.templates").joinpath("math/scenarios").iterdir()):
        data = load_yaml(f"math/scenarios/{path.name}")
        for spec in data["variables"].values():
            if not isinstance(spec, dict):
                continue
            choices = spec.get("choice") or []
            if {"int", "money", "decimal"} & set(spec) or any(isinstance(c, (int, float)) for c in choices):
                numeric += 1
                declared_numeric += "measure" in spec
        steps += len(data["solution"])
        declared_steps += sum("measure" in step for step in data["solution"])
    frames = declared_frames = 0
    for frame in load_yaml("math/compose.yaml")["frames"].values():
        for source in frame.get("activities") or [frame]:
            frames += 2  # each quantity, and the total
            declared_frames += ("measure" in source) + ("total_measure" in source)
    return [("scenario variables holding numbers", declared_numeric, numeric),
            ("scenario solution steps", declared_steps, steps),
            ("compose frame quantities (each one, the total)", declared_frames, frames)]


def redraw_rates(draws: int, seed: int) -> list[tuple[str, float, float, float, int]]:
    """Per scenario: (name, mean attempts per accepted draw, share of attempts redrawn, share of
    constraint-passing draws a measure rejects, draws with no valid value in ``MAX_ATTEMPTS``)."""
    import copy
    import random

    from dsgen.builders.math import scenario, scenario_names

    rows = []
    for name in scenario_names():
        compiled = scenario(name)
        unmeasured = copy.copy(compiled)
        unmeasured.measured = []
        rng, attempts, accepted, failed = random.Random(seed), 0, 0, 0
        for _ in range(draws):
            drawn = compiled.draw(rng, 10**6)
            if drawn is None:
                failed += 1
                continue
            accepted += 1
            attempts += drawn[1]
        rng, rejected, passing = random.Random(seed), 0, 0
        for _ in range(draws):
            drawn = unmeasured.draw(rng, 10**6)
            if drawn is not None:
                passing += 1
                rejected += not all(m.holds(drawn[0][slot]) for slot, m in compiled.measured)
        mean = attempts / max(1, accepted)
        rows.append((name, mean, 1 - 1 / mean if accepted else 1.0, rejected / max(1, passing), failed))
    return rows


def range_report(draws: int, seed: int, top: int = 12) -> str:
    """Declared-range coverage and the scenarios with the highest redraw rates, as Markdown."""
    lines = ["| numbers | with a declared range | all |", "|---|---|---|"]
    lines += [f"| {what} | {declared} | {total} |" for what, declared, total in declared_coverage()]
    rows = redraw_rates(draws, seed)
    shown = sorted(rows, key=lambda r: -r[1])[:top]
    shown += sorted((r for r in rows if r[3] > 0 and r not in shown), key=lambda r: -r[3])
    lines += ["", f"Redraws over {draws:,} draws per scenario ({len(rows)} scenarios: the {top} with the most "
              "attempts, then every other one that a measure's range redraws):", "",
              "| scenario | attempts per draw | attempts redrawn | rejected by a measure | no valid draw |",
              "|---|---|---|---|---|"]
    for name, mean, redrawn, by_measure, failed in shown:
        lines.append(f"| {name} | {mean:.2f} | {redrawn:.1%} | {by_measure:.1%} | {failed} |")
    mean_all = sum(r[1] for r in rows) / len(rows)
    lines.append(f"| all {len(rows)} (mean) | {mean_all:.2f} | - | {sum(r[3] for r in rows) / len(rows):.1%} | "
                 f"{sum(r[4] for r in rows)} |")
    return "\n".join(lines)


def stock_shares(draws: int, seed: int) -> list[tuple[str, str, float, float]]:
    """Every solution step ``left = stock - taken`` of every scenario, with the median and largest share
    ``taken / stock`` over ``draws`` draws: the relation one quantity has to another, which per-quantity
    ranges cannot see (a library lending half its books in a day)."""
    import random
    import statistics

    from dsgen.builders.math import scenario, scenario_names

    rows = []
    for name in scenario_names():
        compiled = scenario(name)
        pairs = [(step.name, *match.groups()) for step in compiled.steps
                 if (match := re.fullmatch(r"\{(\w+)\}-\{(\w+)\}", step.expression.template))]
        if not pairs:
            continue
        rng, shares = random.Random(seed), {pair: [] for pair in pairs}
        for _ in range(draws):
            drawn = compiled.draw(rng, 10**6)
            if drawn is None:
                continue
            values = compiled.named(drawn[0])
            for pair in pairs:
                stock, taken = float(values[pair[1]]), float(values[pair[2]])
                if stock > 0:
                    shares[pair].append(taken / stock)
        rows += [(name, f"{left} = {stock} - {taken}", statistics.median(got), max(got))
                 for (left, stock, taken), got in shares.items() if got]
    return sorted(rows, key=lambda r: -r[2])


def relational_report(draws: int, seed: int, top: int = 15) -> str:
    """The steps that take the largest median share of what they subtract from, as Markdown."""
    rows = stock_shares(draws, seed)
    lines = [f"Relational check: shares taken from a stock in one step ({len(rows)} 'a - b' steps, {draws:,} draws "
             f"each; the {top} largest median shares, read by hand for plausibility):", "",
             "| scenario | step | median share | largest share |", "|---|---|---|---|"]
    lines += [f"| {name} | {step} | {median:.0%} | {largest:.0%} |" for name, step, median, largest in rows[:top]]
    return "\n".join(lines)


def gsm_symbolic_records(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` reasoning-gym gsm_symbolic items in dsgen's shape (prompt text, solution, no difficulty)."""
    import reasoning_gym

    items = reasoning_gym.create_dataset("gsm_symbolic", size=n, seed=seed)
    return [{"prompt": [{"role": "user", "content": x["question"]}], "answer": x["answer"],
             "metadata": {"solution": x["metadata"].get("answer_cot", "")}} for x in items]


def prompt_text(record: dict[str, Any]) -> str:
    prompt = record["prompt"]
    return prompt if isinstance(prompt, str) else prompt[-1]["content"]


def people_names() -> set[str]:
    import yaml

    from dsgen.templating import read_text

    data = yaml.safe_load(read_text("math/lexicon.yaml"))
    return {name for group in data["names"].values() for name in group}


def audit(records: list[dict[str, Any]], diversity_n: int, names: set[str],
          ranges: dict[str, tuple[float, float]], skipped: Counter | None = None) -> dict[str, Any]:
    """The audit figures of one source (see the module docstring)."""
    slips: Counter = Counter()
    slipped = 0
    examples: dict[str, str] = {}
    out_of_range: Counter = Counter()
    for record in records:
        text = prompt_text(record) + "\n" + record["metadata"].get("solution", "")
        found = slips_of(text)
        slipped += bool(found)
        for pattern, excerpt in found:
            slips[pattern] += 1
            examples.setdefault(pattern, excerpt)
        for issue in text_range_issues(prompt_text(record)):
            out_of_range["text: " + issue] += 1
        if ranges:
            for issue in declared_range_issues(record, ranges):
                out_of_range["declared: " + issue.split("=")[0]] += 1
    masked = [mask(prompt_text(r), names) for r in records[:diversity_n]]
    difficulties = [r["difficulty"] for r in records if r.get("difficulty") is not None]
    return {
        "records": len(records),
        "slipped": slipped, "slips": slips, "slip_examples": examples,
        "out_of_range": out_of_range,
        "distinct1": distinct(masked, 1), "distinct4": distinct(masked, 4),
        "distinct_prompts": len({" ".join(t) for t in masked}),
        "steps": Counter(r["metadata"].get("steps") for r in records if "steps" in r["metadata"]),
        "levels": Counter(r.get("level") for r in records if r.get("level")),
        "difficulty": (min(difficulties), max(difficulties)) if difficulties else None,
        "scenarios": len({r["metadata"].get("scenario") for r in records if r["metadata"].get("scenario")}),
        "skipped": skipped,
    }


def _histogram(counter: Counter) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(counter.items(), key=lambda kv: str(kv[0]).zfill(3))) or "-"


def table(results: dict[str, dict[str, Any]], diversity_n: int) -> str:
    """The audit as a Markdown table, one column per source."""
    names = list(results)
    rows: list[tuple[str, Callable[[dict], str]]] = [
        ("records audited", lambda r: f"{r['records']:,}"),
        ("records skipped", lambda r: "; ".join(f"{k}: {v}" for k, v in r["skipped"].most_common(3))
         or "0" if r["skipped"] is not None else "-"),
        ("records with a grammar slip", lambda r: str(r["slipped"])),
        ("grammar slips (prompt + solution)", lambda r: str(sum(r["slips"].values()))),
        ("  by pattern", lambda r: "; ".join(f"{k}: {v} (e.g. '{r['slip_examples'][k]}')"
                                             for k, v in r["slips"].most_common()) or "-"),
        ("out-of-range quantities", lambda r: str(sum(r["out_of_range"].values()))),
        ("  by measure", lambda r: "; ".join(f"{k}: {v}" for k, v in r["out_of_range"].most_common(6)) or "-"),
        (f"masked distinct-1 (first {diversity_n})", lambda r: f"{r['distinct1']:.4f}"),
        (f"masked distinct-4 (first {diversity_n})", lambda r: f"{r['distinct4']:.4f}"),
        (f"distinct masked prompts (of {diversity_n})", lambda r: str(r["distinct_prompts"])),
        ("scenarios / frames seen", lambda r: str(r["scenarios"] or "-")),
        ("steps histogram", lambda r: _histogram(r["steps"])),
        ("level histogram", lambda r: _histogram(r["levels"])),
        ("difficulty range", lambda r: "-" if r["difficulty"] is None else
         f"{r['difficulty'][0]:.3f} – {r['difficulty'][1]:.3f}"),
    ]
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(results[n]) for n in names) + " |")
    return "\n".join(lines)


HAND_RATED = "tests/data/gsm8k_hand_rated.jsonl"
#: rated by hand before any feature was computed on them, and never used to tune a feature (audit B3)
HAND_RATED_HELDOUT = "tests/data/gsm8k_hand_rated_heldout.jsonl"


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (ties share their mean rank)."""
    import numpy as np

    from dsgen.irt import mid_ranks

    return float(np.corrcoef(mid_ranks(np.array(a, float)), mid_ranks(np.array(b, float)))[0, 1])


def annotate_agreement(paths: tuple[str, ...] = (HAND_RATED, HAND_RATED_HELDOUT)) -> str:
    """How ``dsgen annotate``'s GSM8K difficulty ranks hand-rated problems (Spearman), beside single
    features: one column per set, the in-sample set (the features were tuned with it) and the held-out one."""
    import json

    from dsgen.builders.annotate import gsm8k_features

    signals = {"dsgen annotate feature difficulty": lambda f, d: d, "steps (calculations) alone": lambda f, d: f["steps"],
               "largest number alone": lambda f, d: f["max_number"]}
    columns, sizes = [], []
    for path in paths:
        rows = [json.loads(line) for line in open(path, encoding="utf-8")]
        rating = [row["rating"] for row in rows]
        features = [gsm8k_features(row["question"], row["answer"]) for row in rows]
        columns.append({name: spearman([get(f, d) for f, d in features], rating) for name, get in signals.items()})
        sizes.append(len(rows))
    head = ["in-sample (features tuned with it)", "held-out (rated first, never tuned on)"][:len(paths)]
    lines = ["| GSM8K difficulty signal | " + " | ".join(f"{h}, n={n}" for h, n in zip(head, sizes)) + " |",
             "|---|" + "---|" * len(paths)]
    for name in signals:
        lines.append(f"| {name} | " + " | ".join(f"{c[name]:.3f}" for c in columns) + " |")
    return "Spearman against hand ratings (" + ", ".join(paths) + ")\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="records audited per source")
    parser.add_argument("--diversity-n", type=int, default=2_000, help="prompts the distinct-n figures read")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--show", type=int, default=0, help="print this many prompts with a slip per source")
    parser.add_argument("--no-reasoning-gym", action="store_true", help="leave gsm_symbolic out")
    parser.add_argument("--draws", type=int, default=1_000, help="draws per scenario for the redraw rates")
    args = parser.parse_args()
    names, ranges = people_names(), declared_ranges()
    sources: dict[str, tuple[list[dict[str, Any]], Counter | None]] = {
        "math.template": dsgen_records("math.template", args.n, args.seed),
        "math.compose": dsgen_records("math.compose", args.n, args.seed),
    }
    if not args.no_reasoning_gym:
        sources["reasoning-gym gsm_symbolic"] = (gsm_symbolic_records(args.n, args.seed), None)
    results = {name: audit(records, args.diversity_n, names, ranges, skipped)
               for name, (records, skipped) in sources.items()}
    print(table(results, args.diversity_n))
    print()
    print(range_report(args.draws, args.seed))
    print()
    print(relational_report(min(args.draws, 300), args.seed))
    print()
    print(annotate_agreement())
    for name, (records, _) in sources.items():
        shown = 0
        for record in records:
            if shown >= args.show:
                break
            text = prompt_text(record) + "\n" + record["metadata"].get("solution", "")
            found = slips_of(text) + [(i, "") for i in text_range_issues(prompt_text(record))]
            if found:
                shown += 1
                print(f"\n[{name}] {found}\n{text}")


if __name__ == "__main__":
    main()
