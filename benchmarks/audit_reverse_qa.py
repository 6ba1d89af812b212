"""Audit of reverse-QA validity: shortcuts, real hops, blur, a causal and clean world, BM25 recall, leaks.

    python benchmarks/audit_reverse_qa.py                      # the default recipe's world: 5,000 entities, seed 7
    python benchmarks/audit_reverse_qa.py --questions 300 --entities 20000

Every measure is recomputed here from a record's metadata (its path and each clue's attribute, level and
constraint) against the world, never read from the builder's own proof fields, so the same script
audits older builds (records without effective_hops or gold_docs) and newer ones alike:

- solved by its own clues: the answer's own clues (no hop walked) already leave only the answer;
- solved by one clue: a single clue of the question leaves only the answer;
- effective hops: the fewest hops of the path whose clues leave only the answer (nominal: the path's);
- redundant: some clue can be dropped and the answer stays unique;
- unblurred clues: clues at level 0 (an exact value or a name);
- temporal violations: facts of the world (and of answer paths) that break causality;
- profanity hits: names the generator's filter (better-profanity's list) flags, where it has one;
- implausible sizes: villages of thousands, port cities of hundreds, firms bigger than their town;
- BM25 recall@10: share of a record's gold documents in the top 10 for the whole question as the query;
- answers shared across splits: test answers that appear on a train question's path (train 0.9 / test 0.1);
- extraction precision / recall on the hand-written corpus of tests/data, where present.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
#: (name, documents, facts they state): the corpus the extractor was developed on, and one written after
CORPORA = (("hand-written corpus", DATA / "reverse_qa_corpus.jsonl", DATA / "reverse_qa_facts.json"),
           ("held-out corpus", DATA / "reverse_qa_heldout.jsonl", DATA / "reverse_qa_heldout_facts.json"))
RULES = {  # (subject year, object year) -> broken?   the same causality rules as the world test
    "born_in": lambda y, s, o: y["founding_year"][o] is not None and y["founding_year"][o] > y["birth_year"][s],
    "founded_by": lambda y, s, o: y["founding_year"][s] < y["birth_year"][o] + 15
    or (y["death_year"][o] is not None and y["founding_year"][s] > y["death_year"][o]),
    "member_of": lambda y, s, o: y["death_year"][s] is not None and y["founding_year"][o] > y["death_year"][s],
    "authored_by": lambda y, s, o: y["publication_year"][s] is not None
    and (y["publication_year"][s] < y["birth_year"][o] + 10
         or (y["death_year"][o] is not None and y["publication_year"][s] > y["death_year"][o])),
    "held_in": lambda y, s, o: y["founding_year"][o] is not None and y["founding_year"][o] > y["event_year"][s],
    "organised_by": lambda y, s, o: y["founding_year"][o] > y["event_year"][s],
    "headquartered_in": lambda y, s, o: y["founding_year"][o] is not None and y["founding_year"][o] > y["founding_year"][s],
    "succeeded": lambda y, s, o: y["founding_year"][s] < y["founding_year"][o],
}


def make_records(params: dict, count: int, seed: int) -> tuple[list[dict], Counter, object, float]:
    """Records 0..count-1 of a reverse_qa builder, the skip reasons, the builder, and CPU seconds spent."""
    from dsgen import registry
    from dsgen.errors import Skip
    from dsgen.records import RecordMaker

    builder = registry.load("builder", "reverse_qa")(**params)
    maker = RecordMaker("audit", "reverse_qa", builder, seed=seed)
    maker.setup()
    records, skipped = [], Counter()
    started = time.process_time()
    for i in range(count):
        try:
            records.append(maker.make(i))
        except Skip as exc:
            skipped[exc.reason] += 1
    return records, skipped, builder, time.process_time() - started


def question_of(kb, record: dict):
    """(chain, clues, answer) of a record, rebuilt from its metadata as the knowledge base's own objects."""
    from dsgen.builders.reverse_qa.kb import Chain, Clue, normal_name

    meta = record["metadata"]
    path = meta["path"]
    var = {step["label"]: i for i, step in enumerate(path)}
    chain = Chain(tuple(s["type"] for s in path), tuple((s["relation"], s["forward"]) for s in path[:-1]))
    clues = []
    for c in meta["clues"]:
        constraint = c["constraint"]
        if "name" in constraint:
            clues.append(Clue(var[c["about"]], "name", 0, normal_name(constraint["name"])))
        else:
            key = constraint["range"][0] if "range" in constraint else constraint["category"]
            clues.append(Clue(var[c["about"]], c["attribute"], c["level"], key))
    return chain, clues, path[0]["entity_id"]


def shortcuts(kb, record: dict) -> dict:
    """Own-clue and one-clue solutions, effective hops and redundancy of one record."""
    from dsgen.builders.reverse_qa.kb import Chain

    chain, clues, answer = question_of(kb, record)

    def unique(depth: int, chosen) -> bool:
        cut = Chain(chain.types[:depth + 1], chain.edges[:depth])
        return kb.pins(cut, [c for c in chosen if c.var <= depth], answer)  # path entities distinct

    hops = len(chain.edges)
    effective = next((d for d in range(hops + 1) if unique(d, clues)), None)
    return {
        "own": unique(0, clues),
        "one": any(unique(hops, [c]) for c in clues),
        "effective": effective,
        "redundant": any(unique(hops, clues[:i] + clues[i + 1:]) for i in range(len(clues))),
        "unblurred": sum(1 for c in clues if c.level == 0),
        "clues": len(clues),
    }


def temporal(kb) -> tuple[int, set[tuple[str, int, int]]]:
    """(facts checked, facts that break causality) over the whole world."""
    years = {a: kb.attrs.get(a, [None] * len(kb)) for a in
             ("birth_year", "death_year", "founding_year", "publication_year", "event_year")}
    broken, checked = set(), 0
    for rel, rule in RULES.items():
        for s, o in kb.relations.get(rel, ()):
            checked += 1
            if rule(years, s, o):
                broken.add((rel, s, o))
    return checked, broken


def implausible_sizes(kb) -> Counter:
    """Sizes a reader would find absurd, by rule, judged from raw values (not the generator's own table):
    villages of 5,000+, towns outside 1,000-99,999, port cities under 20,000, regions with fewer people
    than the places they contain, organisations employing more than their headquarters' population,
    events drawing more than 5x their venue's, organisations with fewer than 10 staff."""
    pop, cat, found = kb.attrs["population"], kb.attrs["category"], Counter()
    for p in kb.by_type.get("place", ()):
        kind = cat[p].split()[-1]
        found["village of 5,000+"] += kind == "village" and pop[p] >= 5_000
        found["town outside 1,000-99,999"] += kind == "town" and not 1_000 <= pop[p] < 100_000
        found["city under 20,000"] += kind == "city" and pop[p] < 20_000
    inside: Counter = Counter()
    for place, region in kb.relations.get("located_in", ()):
        inside[region] += pop[place]
    found["region smaller than its places"] = sum(1 for r, total in inside.items() if pop[r] < total)
    staff, visitors = kb.attrs["employees"], kb.attrs["attendance"]
    found["staff > headquarters population"] = sum(1 for o, t in kb.relations.get("headquartered_in", ())
                                                   if staff[o] > pop[t])
    found["attendance > 5x venue population"] = sum(1 for ev, t in kb.relations.get("held_in", ())
                                                    if visitors[ev] > 5 * pop[t])
    found["staff under 10"] = sum(1 for o in kb.by_type.get("organisation", ()) if staff[o] < 10)
    return found


def path_facts(record: dict) -> list[tuple[str, int, int]]:
    path = record["metadata"]["path"]
    return [(a["relation"], a["entity_id"], b["entity_id"]) if a["forward"] else (a["relation"], b["entity_id"], a["entity_id"])
            for a, b in zip(path, path[1:])]


def gold_docs(record: dict) -> set[str]:
    meta = record["metadata"]
    return set(meta.get("gold_docs") or {ev["doc_id"] for ev in meta["evidence"]})


def question_text(record: dict) -> str:
    prompt = record["prompt"]
    return prompt[-1]["content"] if isinstance(prompt, list) else prompt


def bm25_recall(world, records: list[dict]) -> tuple[dict[int, list[float]], dict[int, list[bool]], float, float]:
    """Per nominal hops: recall@10 of the gold documents and whether the answer's article is in the top 10,
    for the whole question as one BM25 query; and the index seconds and queries/s."""
    from dsgen.search import Search

    started = time.perf_counter()
    index = Search(world.documents())
    index_seconds = time.perf_counter() - started
    recall: dict[int, list[float]] = {}
    answer_hit: dict[int, list[bool]] = {}
    started = time.perf_counter()
    for r in records:
        top = {d["id"] for d in index.search(question_text(r), k=10)}
        gold, hops = gold_docs(r), r["metadata"]["hops"]
        recall.setdefault(hops, []).append(len(gold & top) / len(gold))
        answer_hit.setdefault(hops, []).append(f"entity/{r['metadata']['path'][0]['entity_id']}" in top)
    return recall, answer_hit, index_seconds, len(records) / (time.perf_counter() - started)


def split_leaks(records: list[dict]) -> tuple[int, int, int, int]:
    """(kept train, kept test, dropped, test answers on a train path) with a 0.9/0.1 fraction split."""
    from dsgen.pipeline import assign_split
    from dsgen.recipe import Splits

    splits = Splits(fractions={"train": 0.9, "test": 0.1})
    by_split: dict[str | None, list[dict]] = {}
    for r in records:
        by_split.setdefault(assign_split(splits, r), []).append(r)
    train, test = by_split.get("train", []), by_split.get("test", [])
    on_train = {step["entity_id"] for r in train for step in r["metadata"]["path"]}
    leaked = sum(1 for r in test if r["metadata"]["path"][0]["entity_id"] in on_train)
    return len(train), len(test), len(by_split.get(None, [])), leaked


def extraction_quality(corpus: Path, facts: Path) -> tuple[str, str]:
    """Precision / recall of the extractor on a hand-written corpus (or why not measured), and its coverage."""
    if not corpus.is_file() or not facts.is_file():
        return "n/a (no such corpus)", ""
    from dsgen.builders.reverse_qa.corpus import Corpus

    source = Corpus(str(corpus))
    kb = source.kb
    truth = {tuple(f) for f in json.loads(facts.read_text(encoding="utf-8"))["facts"]}
    found = {(kb.names[s], rel, kb.names[o]) for rel, pairs in kb.relations.items() for s, o in pairs}
    found |= {(kb.names[e], attr, str(v)) for attr, column in kb.attrs.items() for e, v in enumerate(column)
              if v is not None}
    right = found & truth
    quality = (f"precision {len(right) / max(len(found), 1):.3f} ({len(right)}/{len(found)}), "
               f"recall {len(right) / len(truth):.3f} ({len(right)}/{len(truth)})")
    coverage = getattr(source, "coverage", None)
    return quality, json.dumps(coverage()) if coverage else ""


def pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sx * sy) if sx and sy else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5000)
    parser.add_argument("--world-seed", type=int, default=7)
    parser.add_argument("--questions", type=int, default=500, help="indices tried")
    parser.add_argument("--rate-entities", type=int, default=100_000, help="world size for the entities/s rate")
    parser.add_argument("--show", type=int, default=0, help="print this many questions in full")
    args = parser.parse_args()

    from dsgen.builders.reverse_qa.world import World

    params = {"num_entities": args.entities, "world_seed": args.world_seed, "min_hops": 1, "max_hops": 4}
    records, skipped, builder, seconds = make_records(params, args.questions, seed=42)
    world, kb = builder.source, builder.source.kb
    started = time.perf_counter()
    World(args.rate_entities, 0)
    world_rate = args.rate_entities / (time.perf_counter() - started)

    found = [shortcuts(kb, r) for r in records]
    n = len(records)
    checked, broken = temporal(kb)
    sizes = implausible_sizes(kb)
    broken_paths = sum(1 for r in records if any(f in broken for f in path_facts(r)))
    try:
        from dsgen.builders.reverse_qa.world import is_profane
    except ImportError:
        profane = "n/a (the generator has no filter)"
    else:
        names = [t for name, aliases in zip(kb.names, kb.aliases) for t in (name, *aliases)]
        profane = f"{sum(1 for t in names if is_profane(t))} of {len(names):,} names and aliases"
    recall, answer_hit, index_seconds, qps = bm25_recall(world, records)
    train, test, dropped, leaked = split_leaks(records)

    rows = [
        ("records kept / tried", f"{n} / {args.questions}  (skips: {dict(skipped.most_common())})"),
        ("solved by the answer's own clues", f"{sum(f['own'] for f in found)} ({sum(f['own'] for f in found) / n:.1%})"),
        ("solved by one clue", f"{sum(f['one'] for f in found)} ({sum(f['one'] for f in found) / n:.1%})"),
        ("redundant clue sets", f"{sum(f['redundant'] for f in found)} ({sum(f['redundant'] for f in found) / n:.1%})"),
        ("unblurred clues", f"{sum(f['unblurred'] for f in found)} of {sum(f['clues'] for f in found)}"),
        ("mean hops nominal / effective",
         f"{sum(r['metadata']['hops'] for r in records) / n:.2f} / "
         f"{sum(f['effective'] for f in found) / n:.2f}"),
        ("difficulty ~ nominal / effective hops (Pearson)",
         f"{pearson([r['metadata']['hops'] for r in records], [r['difficulty'] for r in records]):.3f} / "
         f"{pearson([f['effective'] for f in found], [r['difficulty'] for r in records]):.3f}"),
        ("temporal violations (world facts)", f"{len(broken)} of {checked:,}"),
        ("answer paths with a temporal violation", f"{broken_paths} of {n}"),
        ("profanity hits", profane),
        ("implausible sizes (world facts)", f"{sum(sizes.values())}  {dict(sizes)}"),
        ("answers shared across splits (test answer on a train path)",
         f"{leaked} of {test} test records (train {train}, dropped {dropped})"),
        *((f"extraction, {name}", extraction_quality(corpus, facts)[0]) for name, corpus, facts in CORPORA),
        ("world generation", f"{world_rate:,.0f} entities/s ({args.rate_entities:,} entities)"),
        ("questions", f"{n / seconds:,.1f} questions/s kept (CPU, {args.entities:,}-entity world)"),
        ("BM25 index / queries", f"{index_seconds:.2f} s for {kb and len(list(world.documents())):,} documents, "
                                 f"{qps:,.0f} queries/s"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"reverse_qa audit: world {args.entities:,} entities (seed {args.world_seed}), hops 1-4, seed 42")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    for name, corpus, facts in CORPORA:
        coverage = extraction_quality(corpus, facts)[1]
        if coverage:
            print(f"  extraction coverage, {name}: {coverage}")
    print("\n  hops histogram (nominal -> effective: count)")
    pairs = Counter((r["metadata"]["hops"], f["effective"]) for r, f in zip(records, found))
    for (nominal, effective), count in sorted(pairs.items()):
        print(f"    {nominal} -> {effective}: {count}")
    print("\n  BM25 recall@10 of the gold documents, whole question as the query (by nominal hops)")
    for hops in sorted(recall):
        r, a = recall[hops], answer_hit[hops]
        print(f"    {hops} hops: recall@10 {sum(r) / len(r):.3f}, answer's article in top 10 {sum(a) / len(a):.1%} "
              f"(n={len(r)})")
    for r in records[:args.show]:
        print("\n" + "-" * 100)
        print(question_text(r))
        print(f"=> {r['answer']}  (hops {r['metadata']['hops']}, difficulty {r['difficulty']}, "
              f"candidates per clue {r['metadata']['candidates_per_clue']})")


if __name__ == "__main__":
    main()
