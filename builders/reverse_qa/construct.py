"""Builds one reverse-constructed question: answer → path → blurred clues → proofs → prose.

Every kept question is proved, against the whole knowledge base, to have exactly one answer; by default
(``require_minimal``) also that every clue is needed (dropping any admits another entity) and that every
hop is walked: the *effective* hops, the shortest prefix of the path whose clues already pin the answer,
equal the nominal ones. Each clue alone admits at least ``min_candidates`` answers, so no clue is a lookup.

Difficulty (in [0, 1]) is ``0.4·hops + 0.3·blur + 0.3·ambiguity``: hops is (effective hops − 1)/3 capped
at 1; blur is the mean obfuscation level over the clues divided by 2; ambiguity is the mean over the
clues of log(answers the clue admits alone)/log(entities of the answer's type). Level: easy below 0.35,
medium below 0.6, hard from 0.6.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from typing import Any, Protocol

from dsgen.errors import Skip
from dsgen.templating import template
from dsgen.verifiers.answer_match import close_enough, normalise

from . import obfuscate
from .kb import KB, Chain, Clue, config
from .question import compose

TEMPLATE = "reverse_qa/question.j2"
LEVEL_BOUNDS = ((0.35, "easy"), (0.6, "medium"), (float("inf"), "hard"))


class Source(Protocol):
    """A knowledge base and the documents behind it (the generated world or a user corpus)."""

    kb: KB

    def sources(self, fact: tuple[int, str, Any]) -> list[tuple[str, str]]: ...

    def info(self) -> dict: ...

    def proven(self, chain: Chain, clues: list[Clue], answer: int) -> bool: ...


@dataclass(frozen=True)
class Settings:
    min_hops: int
    max_hops: int
    min_clues: int
    max_clues: int
    levels: tuple[int, ...]
    require_minimal: bool
    threshold: float
    min_candidates: int = 20


def _walk(kb: KB, rng: random.Random, hops: int) -> tuple[list[int], list[tuple[str, bool]]]:
    """An answer and a path of ``hops`` relations from it, never revisiting an entity (a few tries)."""
    for _ in range(8):
        etype = rng.choice(sorted(kb.type_lists))
        path = [rng.choice(kb.type_lists[etype])]
        edges: list[tuple[str, bool]] = []
        while len(edges) < hops:
            options = [link for link in kb.links(path[-1]) if link[2] not in path]
            if not options:
                break
            rel, forward, other = rng.choice(options)
            path.append(other)
            edges.append((rel, forward))
        else:
            return path, edges
    raise Skip("path_dead_end")


def _pool(kb: KB, rng: random.Random, path: list[int], cfg: Settings) -> list[list[Clue]]:
    """Every clue about the path, shuffled, each as its blur levels from the drawn one up (within ``levels``),
    so a clue too specific at its drawn level can be blurred further. A clue about the last entity comes first.
    """
    pool = []
    for var, e in enumerate(path):
        for attr in kb.attrs:
            if kb.attrs[attr][e] is None:
                continue
            drawn = rng.choice(cfg.levels)
            options = [kb.clue(var, e, attr, level) for level in sorted(cfg.levels) if level >= drawn]
            options = [c for c in options if c is not None]
            if options:
                pool.append(options)
    rng.shuffle(pool)
    last = len(path) - 1
    first = next((i for i, c in enumerate(pool) if c[0].var == last), None)
    if first is None:
        raise Skip("last_hop_without_clue")
    pool.insert(0, pool.pop(first))
    return pool


def admitted(kb: KB, chain: Chain, clues: list[Clue]) -> int:
    """How many entities fit the chain with these clues (answers the clues admit)."""
    return len(kb.candidates(chain, clues))


def _choose(kb: KB, chain: Chain, answer: int, pool: list[list[Clue]], target: int, cfg: Settings) -> list[Clue]:
    """Clues in pool order, each at its first blur level that admits at least ``min_candidates`` answers on
    its own (checked lazily: only for clues considered), kept only if it narrows the candidates, until at
    least ``target`` are kept and only the answer is left."""
    chosen: list[Clue] = []
    left = len(kb.by_type[chain.types[0]]) + 1
    for options in pool:
        clue = next((c for c in options if kb.admits_at_least(chain, c, cfg.min_candidates)), None)
        if clue is None:
            continue
        found = admitted(kb, chain, [*chosen, clue])
        if found < left:
            chosen.append(clue)
            left = found
        if left == 1 and len(chosen) >= target:
            return chosen
        if len(chosen) == cfg.max_clues:
            break
    raise Skip("not_unique")


def _minimise(kb: KB, chain: Chain, answer: int, chosen: list[Clue]) -> list[Clue]:
    """Drop clues (in order) whose removal keeps the answer unique; the rest are each necessary. Unique means
    with the path's entities distinct, which is how the question words them ("another event")."""
    kept = list(chosen)
    for clue in chosen:
        trial = [c for c in kept if c is not clue]
        if kb.pins(chain, trial, answer):
            kept = trial
    return kept


def is_minimal(kb: KB, chain: Chain, answer: int, chosen: list[Clue]) -> bool:
    """Whether dropping any one clue lets another entity fit (path entities distinct, as the wording says)."""
    return all(not kb.pins(chain, chosen[:i] + chosen[i + 1:], answer) for i in range(len(chosen)))


def prefix(chain: Chain, clues: list[Clue], depth: int) -> tuple[Chain, list[Clue]]:
    """The question cut after path entity ``depth``: its first ``depth`` hops and their clues."""
    return Chain(chain.types[:depth + 1], chain.edges[:depth]), [c for c in clues if c.var <= depth]


def effective_hops(kb: KB, chain: Chain, answer: int, clues: list[Clue]) -> int | None:
    """The fewest hops of the path whose clues already pin the answer (None: not even all of them)."""
    for depth in range(len(chain.types)):
        if kb.pins(*prefix(chain, clues, depth), answer):
            return depth
    return None


def _fact(path: list[int], edges, i: int) -> tuple[int, str, int]:
    rel, forward = edges[i]
    return (path[i], rel, path[i + 1]) if forward else (path[i + 1], rel, path[i])


def _evidence(source: Source, facts: list[tuple]) -> list[tuple[tuple, str, str]]:
    """(fact, document, sentence): each fact cited from the first document that states it (for the world,
    the article of the fact's subject), so the gold documents are the path entities' articles."""
    cited = [(f, *source.sources(f)[0]) for f in facts]
    if len({doc for _, doc, _ in cited}) < 2:
        raise Skip("single_document")
    return cited


def _difficulty(kb: KB, hops: int, levels: list[int], admits: list[int], answer_type: str) -> float:
    hop_term = min(1.0, (hops - 1) / 3)
    blur = sum(levels) / (2 * len(levels))
    size = len(kb.by_type[answer_type])
    amb = [math.log(max(c, 1)) / math.log(size) if size > 1 else 0.0 for c in admits]
    return round(min(1.0, 0.4 * hop_term + 0.3 * blur + 0.3 * sum(amb) / len(amb)), 4)


class NameIndex:
    """Normalised entity names with a one-deletion index per word position, to find near-miss names.

    The verifier takes a name for another when every differing word is one edit away; two words one
    edit apart share a string made by deleting at most one character from each, so looking up those
    strings finds every such word without comparing against all names.
    """

    def __init__(self, names: list[str]):
        self.by_words: dict[tuple[str, ...], list[int]] = {}
        self.deletions: dict[tuple[int, int], dict[str, list[str]]] = {}
        seen: set[tuple[int, int, str]] = set()
        for e, name in enumerate(names):
            words = tuple(normalise.__wrapped__(name).split())
            self.by_words.setdefault(words, []).append(e)
            for i, word in enumerate(words):
                if len(word) >= 5 and (len(words), i, word) not in seen:
                    seen.add((len(words), i, word))
                    table = self.deletions.setdefault((len(words), i), {})
                    for variant in _deletions(word):
                        table.setdefault(variant, []).append(word)

    def near(self, target: str, threshold: float) -> list[int]:
        """Entities whose name the verifier's misspelling rule would take for ``target``."""
        words = target.split()
        options = []
        for i, word in enumerate(words):
            found = {word}
            if len(word) >= 5 and word.isalpha():
                table = self.deletions.get((len(words), i), {})
                for variant in _deletions(word):
                    found.update(table.get(variant, ()))
            options.append(sorted(found))
        hits = []
        for combo in itertools.islice(itertools.product(*options), 10_000):
            ids = self.by_words.get(combo)
            if ids and close_enough(" ".join(combo), target, threshold):
                hits += ids
        return hits


def _deletions(word: str) -> list[str]:
    return [word, *(word[:j] + word[j + 1:] for j in range(len(word)))]


def _near_misses(names: NameIndex, kb: KB, answer: int, threshold: float) -> list[str]:
    """Other entities' names a fuzzy match would confuse with the answer's (the verifier rejects them)."""
    own = {normalise(kb.names[answer]), *(normalise(a) for a in kb.aliases[answer])}
    near = {e for target in sorted(own) for e in names.near(target, threshold)}
    return sorted({kb.names[e] for e in near if e != answer and normalise(kb.names[e]) not in own})


def build(source: Source, names: NameIndex, rng: random.Random, cfg: Settings) -> dict[str, Any]:
    """One item (prompt, answer, verifier, difficulty, level, metadata, template) or ``Skip``."""
    kb = source.kb
    specs = config("facts.yaml")
    path, edges = _walk(kb, rng, rng.randint(cfg.min_hops, cfg.max_hops))
    answer = path[0]
    chain = Chain(tuple(kb.types[e] for e in path), tuple(edges))
    pool = _pool(kb, rng, path, cfg)
    if len(pool) < cfg.min_clues:
        raise Skip("too_few_facts")
    chosen = _choose(kb, chain, answer, pool, rng.randint(cfg.min_clues, cfg.max_clues), cfg)
    if cfg.require_minimal:
        chosen = _minimise(kb, chain, answer, chosen)
        if len(chosen) < cfg.min_clues:
            raise Skip("too_few_clues_when_minimal")
        # a minimal set has no clue beyond the depth that pins the answer: cut the clue-less tail off
        depth = max(c.var for c in chosen)
        chain, _ = prefix(chain, chosen, depth)
        path, edges = path[:depth + 1], edges[:depth]
        if depth < cfg.min_hops:
            raise Skip("too_few_hops_when_minimal")
    hops = len(edges)
    effective = effective_hops(kb, chain, answer, chosen)
    if cfg.require_minimal and effective != hops:
        raise Skip("hop_shortcut")
    if not source.proven(chain, chosen, answer):
        raise Skip("unprovable_from_text")  # a user corpus may state a fact the extractor missed
    minimal = cfg.require_minimal or is_minimal(kb, chain, answer, chosen)
    chosen.sort(key=lambda c: (c.var, c.attr))
    types = list(chain.types)

    sentences, ask, nouns = compose(kb, rng, path, edges, chosen)
    question = template(TEMPLATE).render(sentences=sentences, ask=ask)
    for c in chosen:
        if c.level > 0 and obfuscate.leaks(kb.kinds[c.attr], kb.attrs[c.attr][path[c.var]], question):
            raise Skip("obfuscation_leak")
    if any(f" {normalise(kb.names[e])} " in f" {normalise(question)} " for e in path):
        raise Skip("name_in_question")

    labels = ["X"] + [f"Y{i}" for i in range(1, len(path))]
    clue_meta, facts = [], []
    for c in chosen:
        e = path[c.var]
        kind, value = kb.kinds[c.attr], kb.attrs[c.attr][e]
        text = specs["attributes"][c.attr]["sentence"].format(
            s=f"The {nouns[c.var]}", v=obfuscate.phrase(kind, c.level, value, kb.broader))
        clue_meta.append({"about": labels[c.var], "attribute": c.attr, "level": c.level,
                          "constraint": obfuscate.constraint(kind, c.level, value, kb.broader), "text": text,
                          "candidates": kb.admitted_alone(chain, c),
                          "entity_candidates": len(kb.matching(c, types[c.var]))})
        facts.append((e, c.attr, value))
    facts += [_fact(path, edges, i) for i in range(hops)]
    evidence = _evidence(source, facts)
    levels = [c.level for c in chosen]
    admits = [m["candidates"] for m in clue_meta]
    difficulty = _difficulty(kb, effective, levels, admits, types[0])
    level = next(name_ for bound, name_ in LEVEL_BOUNDS if difficulty < bound)
    return {
        "prompt": question,
        "answer": kb.names[answer],
        "verifier": {"kind": "answer_match", "params": {
            "aliases": list(kb.aliases[answer]),
            "threshold": cfg.threshold,
            "reject": _near_misses(names, kb, answer, cfg.threshold),
        }},
        "difficulty": difficulty,
        "level": level,
        "template": TEMPLATE,
        "metadata": {
            "aliases": list(kb.aliases[answer]),
            "answer_type": types[0],
            "hops": hops,
            "effective_hops": effective,
            "clue_count": len(chosen),
            "obfuscation_levels": levels,
            "candidates_per_clue": admits,
            "minimal": minimal,
            "clues": clue_meta,
            "path": [
                {"label": labels[i], "entity": kb.names[e], "entity_id": e, "type": types[i],
                 **({"relation": edges[i][0], "forward": edges[i][1]} if i < hops else {})}
                for i, e in enumerate(path)
            ],
            "evidence": [
                {"doc_id": doc, "text": text,
                 "triple": [kb.names[f[0]], f[1], kb.names[f[2]] if f[1] in kb.relations else str(f[2])]}
                for f, doc, text in evidence
            ],
            "gold_docs": sorted({doc for _, doc, _ in evidence}),
            "split_keys": sorted({kb.split_key(e) for e in path}),
            "source": source.info(),
        },
    }
