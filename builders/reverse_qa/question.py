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


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")


def describe(kb: KB, rng: random.Random, entity: int, etype: str, clues: list[Clue], seen: int = 0,
             others: int = 0) -> tuple[str, str]:
    """(noun, noun phrase with its relative clauses) for one path entity; ``seen``: how many earlier entities
    the question called by the same noun ("another organisation", "a third place"), ``others``: how many of
    its type by another noun ("a different event" after "a chess tournament", then "a third place"). Path
    entities are distinct and the proofs rely on it, so the words say so whenever two could be taken for one."""
    name = noun(kb, entity, etype, clues)
    clauses = [clause(kb, rng, entity, c) for c in clues if c.attr != "category"]
    if others:
        phrase = f"a different {name}" if seen + others == 1 else f"a {ORDINALS[seen + others]} {name}"
    elif seen == 0:
        phrase = f"{obfuscate.article(name)} {name}"
    else:
        phrase = f"another {name}" if seen == 1 else f"a {ORDINALS[seen]} {name}"
    if clauses:
        phrase += f" {relative(etype)} {join_clauses(clauses)}"
    return name, phrase


def short(name: str) -> str:
    """The head of a noun for referring back: "this person" for "a person in trade and industry"."""
    return name.split(" working ", 1)[0].split(" in ", 1)[0]


def relative(etype: str) -> str:
    return "who" if etype == "person" else "that"


def compose(kb: KB, rng: random.Random, path: list[int], edges: list[tuple[str, bool]],
            clues: list[Clue]) -> tuple[list[str], str, list[str]]:
    """The question's sentences, its closing ask, and the noun each path entity is called by.

    When the answer has no clue of its own, its first hop joins the opening ("a creative work that was
    created by a novelist who …"), as BrowseComp questions read; likewise a hop to an entity with no clue
    runs on into the next hop ("was born in a place that hosted an event …"), not "… in a place.".
    """
    specs = config("facts.yaml")
    types = [kb.types[e] for e in path]
    nouns: list[str] = []
    phrases, refs = [], []
    for i, e in enumerate(path):
        own = [c for c in clues if c.var == i]
        name = noun(kb, e, types[i], own)
        others = sum(1 for j in range(i) if types[j] == types[i] and nouns[j] != name)
        name, phrase = describe(kb, rng, e, types[i], own, seen=nouns.count(name), others=others)
        head = short(name)
        seen = sum(1 for n in nouns if short(n) == head)  # referring back must single it out by its head noun
        refs.append(f"that {head}" if seen == 0 else f"that {ORDINALS[seen]} {head}")
        nouns.append(name)
        phrases.append(phrase)
    refs[0] = f"this {short(nouns[0])}"
    links = [rng.choice(specs["relations"][rel]["forward" if forward else "backward"]).format(o=phrases[i + 1])
             for i, (rel, forward) in enumerate(edges)]
    opening, first = phrases[0], 0
    if edges and not any(c.var == 0 and c.attr != "category" for c in clues):
        opening, first = f"{phrases[0]} {relative(types[0])} {links[0]}", 1
        while first < len(edges) and not any(c.var == first for c in clues):  # nothing to say of it alone
            opening += f" {relative(types[first])} {links[first]}"
            first += 1
    sentences = [rng.choice(specs["openers"]).format(np=opening)]
    i = first
    while i < len(edges):
        said = f"{refs[i][0].upper()}{refs[i][1:]} {links[i]}"
        while i + 1 < len(edges) and not any(c.var == i + 1 for c in clues):  # nothing to say of it alone
            i += 1
            said += f" {relative(types[i])} {links[i]}"
        sentences.append(said + ".")
        i += 1
    asks = specs["asks"]
    return sentences, rng.choice(asks.get(types[0], asks["entity"])), nouns
