"""Words a reverse-QA question as BrowseComp-style prose: the answer's description, then one sentence per hop.

An entity is named by its blurred category when a clue gives one ("a musician", "a waterside settlement"),
else by its type; its other clues become relative clauses ("who was born in the 1850s and died in the
1910s"). Each hop is a sentence linking the previous entity to the next one's description with one of the
relation's phrasings from facts.yaml; the question ends by asking for the answer by its type.
"""

from __future__ import annotations

import random

from . import obfuscate
from .kb import KB, Clue, config


def join_clauses(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def noun(kb: KB, entity: int, etype: str, clues: list[Clue]) -> str:
    """What the question calls an entity: its category at the clue's blur, else its type."""
    for c in clues:
        if c.attr == "category":
            return obfuscate.key("category", c.level, kb.attrs["category"][entity], kb.broader)
    return config("facts.yaml")["type_labels"].get(etype, "an entity").split(" ", 1)[1]


def clause(kb: KB, rng: random.Random, entity: int, clue: Clue) -> str:
    """One clue as a verb phrase ("was founded in the 1880s"), in one of its phrasings."""
    spec = config("facts.yaml")["attributes"][clue.attr]
    value = obfuscate.phrase(kb.kinds[clue.attr], clue.level, kb.attrs[clue.attr][entity], kb.broader)
    return rng.choice(spec["clauses"]).format(v=value)


def describe(kb: KB, rng: random.Random, entity: int, etype: str, clues: list[Clue]) -> tuple[str, str, list[str]]:
    """(noun, noun phrase with its relative clauses, the clauses) for one entity of the path."""
    name = noun(kb, entity, etype, clues)
    clauses = [clause(kb, rng, entity, c) for c in clues if c.attr != "category"]
    phrase = f"{obfuscate.article(name)} {name}"
    if clauses:
        phrase += f" {'who' if etype == 'person' else 'that'} {join_clauses(clauses)}"
    return name, phrase, clauses


def compose(kb: KB, rng: random.Random, path: list[int], edges: list[tuple[str, bool]],
            clues: list[Clue]) -> tuple[list[str], str, list[str]]:
    """The question's sentences, its closing ask, and the noun each path entity is called by."""
    specs = config("facts.yaml")
    types = [kb.types[e] for e in path]
    described = [describe(kb, rng, e, types[i], [c for c in clues if c.var == i]) for i, e in enumerate(path)]
    nouns = [d[0] for d in described]
    sentences = [rng.choice(specs["openers"]).format(np=described[0][1])]
    for i, (rel, forward) in enumerate(edges):
        if i == 0:
            ref = f"this {nouns[0]}"
        elif nouns[i] in nouns[:i]:
            ref = "the latter"
        else:
            ref = f"that {nouns[i]}"
        link = rng.choice(specs["relations"][rel]["forward" if forward else "backward"])
        sentences.append(f"{ref[0].upper()}{ref[1:]} {link.format(o=described[i + 1][1])}.")
    asks = specs["asks"]
    return sentences, rng.choice(asks.get(types[0], asks["entity"])), nouns
