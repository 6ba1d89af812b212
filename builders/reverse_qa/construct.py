"""Builds one reverse-constructed question: answer → path → blurred clues → uniqueness proof → text.

Difficulty (in [0, 1]) is ``0.4·hops + 0.3·blur + 0.3·ambiguity``: hops is (h − 1)/3 capped at 1;
blur is the mean obfuscation level over the clues divided by 2; ambiguity is the mean over the
clues of log(candidates the clue leaves alone)/log(entities of that type), so a clue that pins its
entity by itself adds nothing and one that any entity of the type meets adds the most. Level:
easy below 0.35, medium below 0.6, hard from 0.6.
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

TEMPLATES = ("reverse_qa/question_list.j2", "reverse_qa/question_prose.j2")
LEVEL_BOUNDS = ((0.35, "easy"), (0.6, "medium"), (float("inf"), "hard"))


class Source(Protocol):
    """A knowledge base and the documents behind it (the generated world or a user corpus)."""

    kb: KB

    def sources(self, fact: tuple[int, str, Any]) -> list[tuple[str, str]]: ...

    def info(self) -> dict: ...


@dataclass(frozen=True)
class Settings:
    min_hops: int
    max_hops: int
    min_clues: int
    max_clues: int
    levels: tuple[int, ...]
    require_minimal: bool
    threshold: float


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


def _pool(kb: KB, rng: random.Random, path: list[int], levels: tuple[int, ...]) -> list[Clue]:
    """Every clue available about the path, each blurred at a level drawn from ``levels``.

    The last path entity is named outright (an anchor, level 0) when its drawn level is 0; it then
    gets no other clue, since its name already pins it. A clue about the last entity comes first, so
    every hop of the path constrains the answer.
    """
    pool = []
    last = len(path) - 1
    for var, e in enumerate(path):
        if var == last and rng.choice(levels) == 0:
            pool.append(kb.clue(var, e, "name", 0))
            continue
        for attr in kb.attrs:
            if kb.attrs[attr][e] is not None:
                clue = kb.clue(var, e, attr, rng.choice(levels))
                if clue is not None:
                    pool.append(clue)
    rng.shuffle(pool)
    first = next((i for i, c in enumerate(pool) if c.var == last), None)
    if first is None:
        raise Skip("last_hop_without_clue")
    pool.insert(0, pool.pop(first))
    return pool


def _choose(kb: KB, chain: Chain, answer: int, pool: list[Clue], target: int, cfg: Settings) -> list[Clue]:
    """Clues in pool order until there are ``target`` of them and they leave only the answer."""
    chosen: list[Clue] = []
    for clue in pool:
        chosen.append(clue)
        if len(chosen) >= target and kb.candidates(chain, chosen) == {answer}:
            return chosen
        if len(chosen) == cfg.max_clues:
            break
    raise Skip("not_unique")


def _minimise(kb: KB, chain: Chain, answer: int, chosen: list[Clue]) -> list[Clue]:
    """Drop clues (in order) whose removal keeps the answer unique; the rest are each necessary."""
    kept = list(chosen)
    for clue in chosen:
        trial = [c for c in kept if c is not clue]
        if kb.candidates(chain, trial) == {answer}:
            kept = trial
    return kept


def _is_minimal(kb: KB, chain: Chain, answer: int, chosen: list[Clue]) -> bool:
    return all(kb.candidates(chain, chosen[:i] + chosen[i + 1:]) != {answer} for i in range(len(chosen)))


def _labels(path: list[int]) -> list[str]:
    return ["X"] + [f"Y{i}" for i in range(1, len(path))]


def _fact(path: list[int], edges, i: int) -> tuple[int, str, int]:
    rel, forward = edges[i]
    return (path[i], rel, path[i + 1]) if forward else (path[i + 1], rel, path[i])


def _evidence(source: Source, rng: random.Random, facts: list[tuple]) -> list[tuple[tuple, str, str]]:
    """(fact, document, sentence) citations, drawn so that at least two documents are cited.

    A question that rests on a single fact cites it from two of the documents that state it.
    """
    options = [source.sources(f) for f in facts]
    if len(facts) == 1:
        docs = {doc: text for doc, text in options[0]}
        if len(docs) < 2:
            raise Skip("single_document")
        chosen = rng.sample(sorted(docs), 2)
        return [(facts[0], doc, docs[doc]) for doc in chosen]
    picks = [rng.choice(o) for o in options]
    if len({doc for doc, _ in picks}) < 2:
        for i, o in enumerate(options):
            other = [p for p in o if p[0] != picks[0][0]]
            if other:
                picks[i] = rng.choice(other)
                break
        else:
            raise Skip("single_document")
    return [(f, doc, text) for f, (doc, text) in zip(facts, picks)]


def _difficulty(kb: KB, hops: int, levels: list[int], candidates: list[int], types: list[str]) -> float:
    hop_term = min(1.0, (hops - 1) / 3)
    blur = sum(levels) / (2 * len(levels))
    amb = [math.log(max(c, 1)) / math.log(len(kb.by_type[t])) if len(kb.by_type[t]) > 1 else 0.0
           for c, t in zip(candidates, types)]
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
    hops = rng.randint(cfg.min_hops, cfg.max_hops)
    path, edges = _walk(kb, rng, hops)
    answer = path[0]
    types = [kb.types[e] for e in path]
    chain = Chain(tuple(types), tuple(edges))
    pool = _pool(kb, rng, path, cfg.levels)
    target = rng.randint(cfg.min_clues, cfg.max_clues)
    if len(pool) < cfg.min_clues:
        raise Skip("too_few_facts")
    chosen = _choose(kb, chain, answer, pool, target, cfg)
    if cfg.require_minimal:
        chosen = _minimise(kb, chain, answer, chosen)
        if len(chosen) < cfg.min_clues:
            raise Skip("too_few_clues_when_minimal")
        if all(c.var != hops for c in chosen):
            raise Skip("last_hop_unused")
        minimal = True
    else:
        minimal = _is_minimal(kb, chain, answer, chosen)
    chosen.sort(key=lambda c: c.var)

    labels = _labels(path)
    anchored = {c.var for c in chosen if c.attr == "name"}
    refer = [kb.names[e] if i in anchored else labels[i] for i, e in enumerate(path)]
    sentences: dict[int, list[str]] = {}
    clue_meta, facts = [], []
    for c in chosen:
        e = path[c.var]
        matched = len(kb.matching(c, types[c.var]))
        if c.attr == "name":
            clue_meta.append({"about": labels[c.var], "attribute": "name", "level": 0,
                              "constraint": {"name": kb.names[e]}, "text": f"{labels[c.var]} is {kb.names[e]}.",
                              "candidates": matched})
            continue
        kind, value = kb.kinds[c.attr], kb.attrs[c.attr][e]
        text = specs["attributes"][c.attr]["sentence"].format(
            s=labels[c.var], v=obfuscate.phrase(kind, c.level, value, kb.broader))
        sentences.setdefault(c.var, []).append(text)
        clue_meta.append({"about": labels[c.var], "attribute": c.attr, "level": c.level,
                          "constraint": obfuscate.constraint(kind, c.level, value, kb.broader),
                          "text": text, "candidates": matched})
        facts.append((e, c.attr, value))
    ordered = []
    for i in range(len(path)):
        ordered += sentences.get(i, [])
        if i < hops:
            fact = _fact(path, edges, i)
            facts.append(fact)
            s_var, o_var = (i, i + 1) if edges[i][1] else (i + 1, i)
            ordered.append(specs["relations"][fact[1]]["sentence"].format(s=refer[s_var], o=refer[o_var]))

    type_labels = specs["type_labels"]
    name = rng.choice(TEMPLATES)
    question = template(name).render(
        answer="X",
        answer_type=type_labels.get(types[0], type_labels["entity"]),
        others=[f"{labels[i]} is {type_labels.get(types[i], type_labels['entity'])}"
                for i in range(1, len(path)) if i not in anchored],
        clues=ordered,
    )
    for c in chosen:
        if c.attr != "name" and c.level > 0 and obfuscate.leaks(kb.kinds[c.attr], kb.attrs[c.attr][path[c.var]], question):
            raise Skip("obfuscation_leak")
    if f" {normalise(kb.names[answer])} " in f" {normalise(question)} ":
        raise Skip("answer_in_question")

    evidence = _evidence(source, rng, facts)
    levels = [c.level for c in chosen]
    candidates = [m["candidates"] for m in clue_meta]
    difficulty = _difficulty(kb, hops, levels, candidates, [types[c.var] for c in chosen])
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
        "template": name,
        "metadata": {
            "aliases": list(kb.aliases[answer]),
            "answer_type": types[0],
            "hops": hops,
            "clue_count": len(chosen),
            "obfuscation_levels": levels,
            "candidates_per_clue": candidates,
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
            "source": source.info(),
        },
    }
