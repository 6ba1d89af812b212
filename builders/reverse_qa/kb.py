"""The knowledge base questions are built from and proved unique against.

Entities are integer ids with a name, a type, aliases and typed attributes (one column per
attribute); relations are (subject, object) pairs. Candidate sets are answered from indexes built
lazily per (attribute, blur level), so a clue such as "born in the 1950s" costs one lookup.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import yaml

from dsgen.templating import read_text

from . import obfuscate


@lru_cache(maxsize=None)
def config(name: str) -> dict:
    """A YAML file of templates/reverse_qa (facts.yaml, world.yaml), parsed once per process."""
    return yaml.safe_load(read_text(f"reverse_qa/{name}"))


def normal_name(name: str) -> str:
    """The key names are compared by (case and spacing folded)."""
    return " ".join(name.casefold().split())


class Clue(NamedTuple):
    """A constraint on path variable ``var``: its ``attr`` blurred at ``level`` has key ``key``.

    ``attr`` is ``"name"`` for an anchor (the entity is named; ``key`` is its normalised name).
    """

    var: int
    attr: str
    level: int
    key: object


_EMPTY: frozenset[int] = frozenset()
#: how many of a clue's matching entities ``admits_at_least`` tries first
SAMPLE = 256


class Chain(NamedTuple):
    """The shape of a question: a type per variable and, between variables i and i+1, a relation.

    ``edges[i] = (relation, forward)``; forward means the fact is (var i, relation, var i+1).
    """

    types: tuple[str, ...]
    edges: tuple[tuple[str, bool], ...]


class KB:
    """Entities, attributes and relations with candidate indexes; ``broader`` maps a category to its ancestors;
    ``regions`` (optional) an entity's region, which splits keep whole."""

    def __init__(
        self,
        names: list[str],
        types: list[str],
        aliases: list[tuple[str, ...]],
        attrs: dict[str, list],
        relations: dict[str, list[tuple[int, int]]],
        broader: dict[str, tuple[str, str]],
        *,
        regions: list[int] | None = None,
    ):
        self.names, self.types, self.aliases = names, types, aliases
        self.regions = regions
        self.attrs, self.relations, self.broader = attrs, relations, broader
        specs = config("facts.yaml")["attributes"]
        self.kinds = {attr: specs[attr]["kind"] for attr in attrs}
        self.out: dict[str, dict[int, list[int]]] = {}
        self.inc: dict[str, dict[int, list[int]]] = {}
        for rel, pairs in relations.items():
            out, inc = self.out.setdefault(rel, {}), self.inc.setdefault(rel, {})
            for s, o in pairs:
                out.setdefault(s, []).append(o)
                inc.setdefault(o, []).append(s)
        self.by_type: dict[str, set[int]] = {}
        for e, t in enumerate(types):
            self.by_type.setdefault(t, set()).add(e)
        self.type_lists = {t: sorted(ids) for t, ids in self.by_type.items()}
        self._index: dict[tuple[str, int], dict[tuple[str, object], set[int]]] = {}
        self._linked: dict[tuple[str, bool, str, str], set[int]] = {}
        self._alone: dict[tuple[Chain, Clue], int] = {}

    def __len__(self) -> int:
        return len(self.names)

    def split_key(self, e: int) -> str:
        """What splits keep together for ``e``: its region where the world has regions, else the entity."""
        if self.regions is not None and self.regions[e] >= 0:
            return f"region/{self.regions[e]}"
        return f"entity/{e}"

    def links(self, e: int) -> list[tuple[str, bool, int]]:
        """Every relation of ``e`` as (relation, forward, other): forward when ``e`` is the subject."""
        found = []
        for rel in self.relations:
            found += [(rel, True, o) for o in self.out[rel].get(e, ())]
            found += [(rel, False, s) for s in self.inc[rel].get(e, ())]
        return found

    def clue(self, var: int, entity: int, attr: str, level: int) -> Clue | None:
        """The clue saying ``entity``'s ``attr`` blurred at ``level``; None if it has no such value or blur."""
        if attr == "name":
            return Clue(var, "name", 0, normal_name(self.names[entity]))
        value = self.attrs[attr][entity]
        if value is None:
            return None
        k = obfuscate.key(self.kinds[attr], level, value, self.broader)
        return None if k is None else Clue(var, attr, level, k)

    def matching(self, clue: Clue, etype: str) -> set[int]:
        """Every entity of type ``etype`` that satisfies ``clue`` on its own (do not modify the set)."""
        attr = clue.attr
        index = self._index.get((attr, clue.level))
        if index is None:
            index = self._index[(attr, clue.level)] = {}
            types = self.types
            if attr == "name":
                for e, name in enumerate(self.names):
                    index.setdefault((types[e], normal_name(name)), set()).add(e)
            else:
                kind, level, broader = self.kinds[attr], clue.level, self.broader
                keys: dict = {}  # value -> key, since many entities share a value
                for e, value in enumerate(self.attrs[attr]):
                    if value is not None:
                        k = keys.get(value, keys)
                        if k is keys:
                            k = keys[value] = obfuscate.key(kind, level, value, broader)
                        if k is not None:
                            index.setdefault((types[e], k), set()).add(e)
        return index.get((etype, clue.key), _EMPTY)

    def _linked_to_type(self, rel: str, forward: bool, etype: str, other_type: str) -> set[int]:
        """Entities of ``etype`` with a ``rel`` link (as subject if forward) to some entity of ``other_type``."""
        key = (rel, forward, etype, other_type)
        if key not in self._linked:
            types = self.types
            pairs = self.relations[rel] if forward else [(o, s) for s, o in self.relations[rel]]
            self._linked[key] = {a for a, b in pairs if types[a] == etype and types[b] == other_type}
        return self._linked[key]

    def admitted_alone(self, chain: Chain, clue: Clue) -> int:
        """How many entities fit ``chain`` (path entities distinct) with ``clue`` as its only clue (memoised)."""
        key = (chain, clue)
        if key not in self._alone:
            self._alone[key] = len(self.fitting(chain, [clue]))
        return self._alone[key]

    def admits_at_least(self, chain: Chain, clue: Clue, n: int) -> bool:
        """Whether ``clue`` alone admits at least ``n`` answers. Tried first from a few hundred of the entities
        it matches (a subset of them admits a subset of the answers), exactly only when that falls short."""
        own = self.matching(clue, chain.types[clue.var])
        if len(own) > 4 * SAMPLE:
            few = set(itertools.islice(own, SAMPLE))
            if len(self.fitting(chain, [], restrict=(clue.var, few))) >= n:
                return True
        return self.admitted_alone(chain, clue) >= n

    def candidates(self, chain: Chain, clues: Iterable[Clue],
                   restrict: tuple[int, set[int]] | None = None) -> set[int]:
        """The entities that can stand for variable 0 with every clue and relation of the chain satisfied
        (and variable ``restrict[0]`` among ``restrict[1]``, when given).

        Propagates from the last variable back to the first: variable i's candidates are the entities
        of its type that meet its clues and are linked by edge i to a candidate of variable i+1.
        """
        by_var: dict[int, list[Clue]] = {}
        for c in clues:
            by_var.setdefault(c.var, []).append(c)
        last = len(chain.types) - 1
        current: set[int] | None = None  # None: every entity of the variable's type
        for i in range(last, -1, -1):
            etype = chain.types[i]
            own = [self.matching(c, etype) for c in by_var.get(i, ())]
            if restrict is not None and restrict[0] == i:
                own.append(restrict[1])
            if i < last and current is None:
                own.append(self._linked_to_type(*chain.edges[i], etype, chain.types[i + 1]))
            base = _intersect(own) if own else None
            if i == last or current is None:
                current = base
                continue
            rel, forward = chain.edges[i]
            if base is not None and len(base) <= len(current):  # check each candidate's links
                ahead = self.out[rel] if forward else self.inc[rel]
                current = {e for e in base if any(n in current for n in ahead.get(e, ()))}
            else:  # walk back from the next variable's candidates
                back = self.inc[rel] if forward else self.out[rel]
                reached: set[int] = set()
                for e in current:
                    reached.update(back.get(e, ()))
                current = reached & (self.by_type.get(etype, _EMPTY) if base is None else base)
        return set(self.by_type.get(chain.types[0], _EMPTY)) if current is None else current


    def pins(self, chain: Chain, clues: list[Clue], answer: int) -> bool:
        """Whether ``answer`` is the only entity that fits, with the path's entities all distinct, as the
        question's wording says ("another event", "that second place") and as paths are walked."""
        found = self.candidates(chain, clues)
        if answer not in found or found == {answer}:
            return found == {answer}
        walks = self._distinct_walk(chain, clues, found)
        return not any(walks(e) for e in found if e != answer)

    def fitting(self, chain: Chain, clues: list[Clue], restrict: tuple[int, set[int]] | None = None) -> set[int]:
        """``candidates`` that also have a path of distinct entities (the answers the wording admits)."""
        found = self.candidates(chain, clues, restrict)
        walks = self._distinct_walk(chain, clues, found, restrict)
        return {e for e in found if walks(e)}

    def _distinct_walk(self, chain: Chain, clues: list[Clue], found: set[int],
                       restrict: tuple[int, set[int]] | None = None):
        """Whether an entity of ``found`` starts a path of distinct entities through the chain. Without
        distinctness ``candidates`` is a superset: a witness is searched forward within each variable's
        candidates (the chain from that variable on, with its clues)."""
        last = len(chain.types) - 1
        fits = [found] + [
            self.candidates(Chain(chain.types[i:], chain.edges[i:]), [c._replace(var=c.var - i) for c in clues if c.var >= i],
                            (restrict[0] - i, restrict[1]) if restrict is not None and restrict[0] >= i else None)
            for i in range(1, last + 1)]

        def walk(path: list[int]) -> bool:
            i = len(path) - 1
            if i == last:
                return True
            rel, forward = chain.edges[i]
            ahead = (self.out if forward else self.inc)[rel].get(path[i], ())
            return any(walk([*path, n]) for n in ahead if n in fits[i + 1] and n not in path)

        return lambda e: walk([e])


def _intersect(sets: list[set[int]]) -> set[int]:
    """A new set: the intersection of ``sets``, smallest first."""
    sets = sorted(sets, key=len)
    result = set(sets[0])
    for s in sets[1:]:
        if not result:
            break
        result = result & s
    return result
