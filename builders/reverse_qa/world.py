"""A seeded fictional world: people, organisations, places, works and events, and its encyclopedia.

Everything is a pure function of (world seed, size), so every worker process of a build sees the same
world and nothing in it can have been seen in pretraining. Documents are rendered lazily from
facts.yaml: a fact about an entity appears in that entity's article and in a second document (the
article of the linked entity, or an index page of entities sharing the fact's decade, bucket or
category), so the facts behind a question are spread over several documents.
"""

from __future__ import annotations

import bisect
import math
import random
import re
from collections.abc import Iterator
from functools import lru_cache

from . import obfuscate
from .kb import KB, Clue, config

#: the last year anything in the world happens (people born later are alive; nothing is dated after it)
PRESENT = 2023

ATTRIBUTES_BY_TYPE = {
    "person": ("birth_year", "death_year", "category"),
    "organisation": ("founding_year", "employees", "category"),
    "place": ("founding_year", "population", "category"),
    "work": ("publication_year", "copies_sold", "category"),
    "event": ("event_year", "attendance", "category"),
}


def taxonomy() -> tuple[dict[str, dict[str, list[str]]], dict[str, tuple[str, str]]]:
    """Leaves by type and broader level-1 group, and each leaf's (level 1, level 2) ancestors."""
    tree = config("world.yaml")["taxonomy"]
    leaves: dict[str, dict[str, list[str]]] = {}
    broader: dict[str, tuple[str, str]] = {}
    for etype, tops in tree.items():
        for top, groups in tops.items():
            for group, names in groups.items():
                leaves.setdefault(etype, {})[group] = names
                for leaf in names:
                    broader[leaf] = (group, top)
    return leaves, broader


def _off_boundary(value: int, step: int = 1) -> int:
    """A number that is not the end of a blur bucket, so a blurred number never states the exact one
    (found by stepping up, or down with ``step`` -1 where the number must not grow)."""
    while any(value in obfuscate.number_range(level, value) for level in (1, 2)):
        value += step
    return value


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _profanity() -> tuple[frozenset[str], frozenset[str], frozenset[str], dict[str, list[str]]]:
    """better-profanity's maintained word list: words of 4+ letters (matched inside words) and their first four
    letters, shorter words (matched whole) and phrases by their first word (matched as whole words)."""
    from importlib.resources import files

    listed = files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    words = {" ".join(w.casefold().split()) for w in listed.splitlines() if w.strip()}
    inside = frozenset(w for w in words if len(w) >= 4 and w.isalpha())
    short = frozenset(w for w in words - inside if " " not in w)
    phrases: dict[str, list[str]] = {}
    for w in sorted(w for w in words if " " in w):
        phrases.setdefault(w.split(" ", 1)[0], []).append(f" {w} ")
    return inside, frozenset(w[:4] for w in inside), short, phrases


@lru_cache(maxsize=1 << 16)
def _profane_word(word: str) -> bool:
    inside, starts, short, _ = _profanity()
    if word in short:
        return True
    for i in range(len(word) - 3):
        if word[i:i + 4] in starts and any(word[i:j] in inside for j in range(i + 4, len(word) + 1)):
            return True
    return False


def is_profane(name: str) -> bool:
    """Whether ``name`` contains a listed word: inside a word for 4+ letters ("Fuckmere"), else as a whole
    word or phrase, since short ones ("ass", "tit") sit inside harmless names ("Bassford", "Titania")."""
    words = _LETTERS.findall(name.casefold())
    if any(_profane_word(w) for w in words):
        return True
    if len(words) < 2:
        return False
    phrases = _profanity()[3]
    padded = f" {' '.join(words)} "
    return any(p in padded for w in words for p in phrases.get(w, ()))


class _Names:
    """Makes unique names from the lexicons of world.yaml."""

    def __init__(self, rng: random.Random):
        lex = config("world.yaml")
        self.rng, self.used = rng, set()
        s = lex["syllables"]
        self.onsets, self.vowels, self.codas, self.suffixes = s["onsets"], s["vowels"], s["codas"], s["place_suffixes"]
        self.given = lex["given_names"]
        self.adjectives, self.nouns = lex["work_words"]["adjectives"], lex["work_words"]["nouns"]
        self.org_endings, self.event_endings = lex["org_endings"], lex["event_endings"]

    def word(self, syllables: int) -> str:
        r = self.rng
        parts = [r.choice(self.onsets) + r.choice(self.vowels) + r.choice(self.codas) for _ in range(syllables)]
        return "".join(parts).capitalize()

    def unique(self, make) -> str:
        """A name from ``make`` that is neither taken nor profane (numbered when 50 draws were taken)."""
        for _ in range(50):
            name = make()
            if name.casefold() not in self.used and not is_profane(name):
                self.used.add(name.casefold())
                return name
        name = make()
        while is_profane(name):
            name = make()
        n = 2
        while f"{name} {n}".casefold() in self.used:
            n += 1
        self.used.add(f"{name} {n}".casefold())
        return f"{name} {n}"

    def person(self) -> tuple[str, str]:
        given = self.rng.choice(self.given)
        return given, self.unique(lambda: f"{given} {self.word(self.rng.randint(2, 3))}")

    def place(self) -> str:
        def make() -> str:
            name = ""
            while len(name) < 5:  # short words collide with abbreviations ("Kan.") that tokenizers keep whole
                name = self.word(self.rng.randint(1, 2)) + self.rng.choice(self.suffixes)
            return name

        return self.unique(make)

    def organisation(self, group: str) -> str:
        return self.unique(lambda: f"{self.word(2)} {self.rng.choice(self.org_endings[group])}")

    def work(self) -> str:
        r = self.rng

        def make() -> str:
            if r.random() < 0.5:
                return f"The {r.choice(self.adjectives)} {r.choice(self.nouns)}"
            return f"{r.choice(self.adjectives)} {r.choice(self.nouns)} of {self.word(2)}"

        return self.unique(make)

    def event(self, group: str) -> str:
        ending = self.event_endings.get(group, ["Festival"])
        return self.unique(lambda: f"{self.word(2)} {self.rng.choice(ending)}")


class World:
    """The generated world: its knowledge base and its (lazily rendered) documents."""

    def __init__(self, num_entities: int, seed: int):
        self.num_entities, self.seed = num_entities, seed
        self.kb = _generate(num_entities, seed)
        specs = config("facts.yaml")
        self.attribute_specs, self.relation_specs = specs["attributes"], specs["relations"]

    def info(self) -> dict:
        return {"world_seed": self.seed, "num_entities": self.num_entities}

    def proven(self, chain, clues, answer: int) -> bool:
        """The world's knowledge base is complete (its documents are rendered from it): its proof stands."""
        return True

    # -- facts and the documents that state them ------------------------------------------------------

    def sentence(self, fact: tuple[int, str, object]) -> str:
        """The sentence that states ``fact`` (subject id, attribute or relation, value or object id)."""
        s, pred, value = fact
        names = self.kb.names
        if pred in self.relation_specs:
            return self.relation_specs[pred]["sentence"].format(s=names[s], o=names[value])
        v = obfuscate.phrase(self.kb.kinds[pred], 0, value, self.kb.broader)
        return self.attribute_specs[pred]["sentence"].format(s=names[s], v=v)

    def sources(self, fact: tuple[int, str, object]) -> list[tuple[str, str]]:
        """The documents that state ``fact``, each with the sentence that does."""
        s, pred, value = fact
        text = self.sentence(fact)
        if pred in self.relation_specs:
            return [(f"entity/{s}", text), (f"entity/{value}", text)]
        return [(f"entity/{s}", text), (self._index_id(pred, value), text)]

    def _index_id(self, attr: str, value) -> str:
        kind = self.kb.kinds[attr]
        key = value if kind == "category" else obfuscate.key(kind, 1, value, self.kb.broader)
        return f"index/{attr}/{key}"

    def entity_facts(self, e: int) -> list[tuple[int, str, object]]:
        """The facts an entity's article states, in a fixed order: its attributes, then its relations."""
        kb = self.kb
        facts = [(e, a, kb.attrs[a][e]) for a in ATTRIBUTES_BY_TYPE[kb.types[e]] if kb.attrs[a][e] is not None]
        for rel, forward, other in kb.links(e):
            facts.append((e, rel, other) if forward else (other, rel, e))
        return facts

    def document(self, doc_id: str) -> dict[str, str]:
        """The document ``doc_id`` as {id, title, text} (an entity article or an index page)."""
        kb = self.kb
        if doc_id.startswith("entity/"):
            e = int(doc_id.split("/", 1)[1])
            text = " ".join(self.sentence(f) for f in self.entity_facts(e))
            return {"id": doc_id, "title": kb.names[e], "text": text}
        _, attr, key = doc_id.split("/", 2)
        kind = kb.kinds[attr]
        if kind == "category":
            clue, title = Clue(0, attr, 0, key), f"Index of entries: {key}"
        else:
            lo, hi = (obfuscate.year_range if kind == "year" else obfuscate.number_range)(1, int(key))
            clue = Clue(0, attr, 1, lo)
            span = f"{lo} to {hi}" if kind == "year" else f"{lo:,} to {hi:,}"
            title = f"Index of entries by {attr.replace('_', ' ')}: {span}"
        members = set().union(*(kb.matching(clue, t) for t in kb.type_lists))
        text = " ".join(self.sentence((e, attr, kb.attrs[attr][e])) for e in sorted(members))
        return {"id": doc_id, "title": title, "text": text}

    def documents(self) -> Iterator[dict[str, str]]:
        """Every document of the world's encyclopedia (articles first, then index pages), in a fixed order."""
        kb = self.kb
        for e in range(len(kb)):
            yield self.document(f"entity/{e}")
        seen = set()
        for attr in kb.attrs:
            for e, value in enumerate(kb.attrs[attr]):
                if value is not None:
                    doc_id = self._index_id(attr, value)
                    if doc_id not in seen:
                        seen.add(doc_id)
                        yield self.document(doc_id)


def _generate(n: int, seed: int) -> KB:
    """Draw the world: entity counts by type share, names, categories, attributes, then relations."""
    rng = random.Random(seed)
    cfg = config("world.yaml")
    leaves, broader = taxonomy()
    counts = {t: max(5, int(spec["share"] * n)) for t, spec in cfg["types"].items()}
    counts["person"] = max(5, n - sum(v for t, v in counts.items() if t != "person"))
    tiers = cfg["place_tiers"]
    tier_counts = {tier: max(1, int(spec["share"] * counts["place"])) for tier, spec in tiers.items()}
    tier_counts["settlement"] = counts["place"] - tier_counts["state"] - tier_counts["territory"]
    make = _Names(rng)

    names: list[str] = []
    types: list[str] = []
    aliases: list[tuple[str, ...]] = []
    attrs: dict[str, list] = {a: [] for a in config("facts.yaml")["attributes"]}
    ids: dict[str, list[int]] = {}

    def add(etype: str, name: str, category: str, values: dict, alias: tuple[str, ...] = ()) -> int:
        e = len(names)
        names.append(name)
        types.append(etype)
        aliases.append(alias)
        values["category"] = category
        for a, column in attrs.items():
            column.append(values.get(a))
        ids.setdefault(etype if etype != "place" else f"place:{_tier(broader, category)}", []).append(e)
        return e

    def number(lo: float, hi: float) -> int:
        return _off_boundary(int(10 ** rng.uniform(lo, hi)))

    for tier in ("state", "territory", "settlement"):
        tier_leaves = [leaf for group, names_ in leaves["place"].items() if broader[names_[0]][1] == tier
                       for leaf in names_]
        for _ in range(tier_counts[tier]):
            kind = rng.choice(tier_leaves)
            add("place", make.place(), kind,
                {"founding_year": rng.randint(900, 1900), "population": number(*cfg["population"][kind])})
    person_leaves = [leaf for names_ in leaves["person"].values() for leaf in names_]
    for _ in range(counts["person"]):
        given, name = make.person()
        surname = name[len(given) + 1:]
        born = rng.randint(1700, 1995)
        died = born + int(rng.triangular(25, 95, 75))  # lifespans: most people live into their sixties
        add("person", name, rng.choice(person_leaves),
            {"birth_year": born, "death_year": died if died <= PRESENT else None}, (f"{given[0]}. {surname}",))
    for _ in range(counts["organisation"]):
        group = rng.choice(sorted(leaves["organisation"]))
        add("organisation", make.organisation(group), rng.choice(leaves["organisation"][group]),
            {"employees": number(*cfg["workforce"][group])})
    for _ in range(counts["work"]):
        group = rng.choice(sorted(leaves["work"]))
        sold = number(2.5, 6.5) if broader[leaves["work"][group][0]][1] != "visual work" else None
        add("work", make.work(), rng.choice(leaves["work"][group]), {"copies_sold": sold})
    for _ in range(counts["event"]):
        group = rng.choice(sorted(leaves["event"]))
        add("event", make.event(group), rng.choice(leaves["event"][group]),
            {"event_year": rng.randint(1800, PRESENT), "attendance": number(*cfg["attendance"][group])})

    rels: dict[str, list[tuple[int, int]]] = {r: [] for r in config("facts.yaml")["relations"]}
    states, territories, settlements = ids["place:state"], ids["place:territory"], ids["place:settlement"]
    persons, orgs = ids["person"], ids["organisation"]
    births, deaths, founding = attrs["birth_year"], attrs["death_year"], attrs["founding_year"]
    # Regions (territories) give the world locality: people found, join and organise mostly where they
    # live, so a question's path usually stays in one region, and splits by region keep paths whole.
    region = [-1] * len(names)
    for t in territories:
        rels["located_in"].append((t, rng.choice(states)))
        region[t] = t
    for state in states:
        region[state] = state
    for s in settlements:
        t = rng.choice(territories)
        rels["located_in"].append((s, t))
        region[s] = t
    population, bounds = attrs["population"], cfg["home_bounds"]
    for outer in (territories, states):  # a region's people include those of the places it contains
        members = set(outer)
        for inner, parent in rels["located_in"]:
            if parent in members:
                population[parent] += population[inner]
        for e in outer:
            population[e] = _off_boundary(population[e])
    towns = _Regional(settlements, founding, region)

    def home(year: int, local: int | None, size: int, per_inhabitant: float) -> int | None:
        """A town founded by ``year`` (in region ``local`` if there is one), big enough for ``size`` if a
        few draws find one."""
        found = towns.before(rng, year, local)
        for _ in range(20):
            if found is None or population[found] * per_inhabitant >= size:
                break
            found = towns.before(rng, year, local)
        return found

    def fit(value: int, kind_range: tuple[float, float], place: int | None, per_inhabitant: float) -> int:
        """``value``, redrawn within its kind's range but below what ``place`` can hold when it is too big."""
        cap = int(population[place] * per_inhabitant) if place is not None else value
        if value <= cap:
            return value
        lo, hi = kind_range
        top = math.log10(cap)
        return _off_boundary(int(10 ** rng.uniform(min(lo, top), min(hi, top))), -1)
    for p in persons:  # born in a town founded before their birth, which makes their home region
        region[p] = _link(rels["born_in"], p, towns.before(rng, births[p]), region)
    # Organisations: a founder founds one between the ages of 20 and 65 while alive, in their home region;
    # the rest any year, anywhere.
    for o in orgs:
        founder = rng.choice(persons) if rng.random() < 0.6 else None
        last = min(births[founder] + 65, deaths[founder] or PRESENT, 2015) if founder is not None else 0
        if founder is not None and births[founder] + 20 <= last:
            founding[o] = rng.randint(births[founder] + 20, last)
            rels["founded_by"].append((o, founder))
            local = region[founder]
        else:
            founding[o] = rng.randint(1650, 2015)
            local = None
        share = bounds["employees_per_inhabitant"]
        hq = home(founding[o], local, attrs["employees"][o], share)
        attrs["employees"][o] = fit(attrs["employees"][o], cfg["workforce"][broader[attrs["category"][o]][0]], hq, share)
        region[o] = _link(rels["headquartered_in"], o, hq, region)
    clubs = _Regional(orgs, founding, region)
    for p in persons:  # a member of an organisation founded within their life, nine times in ten a local one
        if rng.random() < 0.5:
            _link(rels["member_of"], p, clubs.before(rng, deaths[p] or PRESENT, region[p] if rng.random() < 0.9 else None))
    for o in orgs:
        if rng.random() < 0.15:
            _link(rels["succeeded"], o, clubs.before(rng, founding[o] - 1, region[o]))
    for w in ids["work"]:  # written between 18 and 75, and before the author's death
        author = rng.choice(persons)
        last = min(births[author] + 75, deaths[author] or PRESENT, PRESENT)
        rels["authored_by"].append((w, author))
        attrs["publication_year"][w] = rng.randint(min(births[author] + 18, last), last)
        region[w] = region[author]
    for ev in ids["event"]:  # in a town founded before, organised by an organisation founded before, locally
        year = attrs["event_year"][ev]
        share, group = bounds["visitors_per_inhabitant"], broader[attrs["category"][ev]][0]
        venue = home(year, None, attrs["attendance"][ev], share)
        attrs["attendance"][ev] = fit(attrs["attendance"][ev], cfg["attendance"][group], venue, share)
        region[ev] = _link(rels["held_in"], ev, venue, region)
        if rng.random() < 0.6:
            _link(rels["organised_by"], ev, clubs.before(rng, year, region[ev] if rng.random() < 0.9 else None))

    taken: dict[str, int] = {}
    for name, alias in zip(names, aliases):
        for text in (name, *alias):
            taken[text.casefold()] = taken.get(text.casefold(), 0) + 1
    aliases = [tuple(a for a in alias if taken[a.casefold()] == 1) for alias in aliases]
    return KB(names, types, aliases, attrs, rels, broader, regions=region)


def _link(pairs: list[tuple[int, int]], subject: int, other: int | None, region: list[int] | None = None) -> int:
    """Add (subject, other) unless no entity was early enough to be ``other``; ``other``'s region (-1: none)."""
    if other is None:
        return -1
    pairs.append((subject, other))
    return region[other] if region is not None else -1


class _Dated:
    """Entities sorted by a year, to draw one dated no later than a given year."""

    def __init__(self, ids: list[int], years: list):
        self.ordered = sorted(ids, key=lambda e: (years[e], e))
        self.years = [years[e] for e in self.ordered]

    def before(self, rng: random.Random, year: int) -> int | None:
        """A random entity dated ``year`` or earlier (None if there is none)."""
        n = bisect.bisect_right(self.years, year)
        return self.ordered[rng.randrange(n)] if n else None


class _Regional:
    """Entities dated by a year, everywhere and per region, to draw one dated no later than a given year."""

    def __init__(self, ids: list[int], years: list, region: list[int]):
        self.everywhere = _Dated(ids, years)
        grouped: dict[int, list[int]] = {}
        for e in ids:
            grouped.setdefault(region[e], []).append(e)
        self.by_region = {r: _Dated(members, years) for r, members in grouped.items()}

    def before(self, rng: random.Random, year: int, region: int | None = None) -> int | None:
        """One dated ``year`` or earlier, in ``region`` when one is given and has such an entity."""
        local = self.by_region.get(region) if region is not None else None
        found = local.before(rng, year) if local is not None else None
        return found if found is not None else self.everywhere.before(rng, year)


def temporal_violations(kb: KB) -> list[tuple[str, int, int]]:
    """Every fact that breaks causality, as (rule, subject, object): deaths before births, people born
    before their birthplace was founded, organisations founded before their founder was 15 or after their
    death, members who died before their organisation was founded, works before their author was 10 or
    after their death, events before their venue or organiser existed, headquarters in a town founded later,
    and successors founded before what they succeeded."""
    a = kb.attrs
    born, died, founded = a["birth_year"], a["death_year"], a["founding_year"]
    found: list[tuple[str, int, int]] = []
    found += [("death_before_birth", p, p) for p in kb.by_type.get("person", ())
              if died[p] is not None and died[p] < born[p]]
    rules = {
        "born_in": lambda p, t: founded[t] is not None and founded[t] > born[p],
        "founded_by": lambda o, p: founded[o] < born[p] + 15 or (died[p] is not None and founded[o] > died[p]),
        "member_of": lambda p, o: founded[o] > (died[p] if died[p] is not None else PRESENT),
        "authored_by": lambda w, p: a["publication_year"][w] is not None and (
            a["publication_year"][w] < born[p] + 10 or (died[p] is not None and a["publication_year"][w] > died[p])),
        "held_in": lambda ev, t: founded[t] is not None and founded[t] > a["event_year"][ev],
        "organised_by": lambda ev, o: founded[o] > a["event_year"][ev],
        "headquartered_in": lambda o, t: founded[t] is not None and founded[t] > founded[o],
        "succeeded": lambda new, old: founded[new] < founded[old],
    }
    for rel, broken in rules.items():
        found += [(rel, s, o) for s, o in kb.relations.get(rel, ()) if broken(s, o)]
    return found


def plausibility_violations(kb: KB) -> list[tuple[str, int, int]]:
    """Every size a reader would find absurd, as (rule, subject, object): a population, workforce or
    attendance outside its kind's range (a village of a million, a port city of 200, a society of 3), a
    region with fewer people than the places it contains, an organisation employing more than its share of
    its headquarters' town, and an event drawing more visitors than its venue plausibly holds."""
    cfg = config("world.yaml")
    a, bounds = kb.attrs, cfg["home_bounds"]
    population, category = a["population"], a["category"]
    found: list[tuple[str, int, int]] = []

    def outside(value: int, kind_range: list[float]) -> bool:
        return not int(10 ** kind_range[0]) <= value <= int(10 ** kind_range[1]) + 2  # +2: moved off a bucket end

    for p in kb.by_type.get("place", ()):
        if kb.broader[category[p]][1] == "settlement" and outside(population[p], cfg["population"][category[p]]):
            found.append(("population_for_kind", p, p))
    contained: dict[int, int] = {}
    for inner, outer in kb.relations.get("located_in", ()):
        contained[outer] = contained.get(outer, 0) + population[inner]
    found += [("region_smaller_than_its_places", r, r) for r, total in contained.items() if population[r] < total]
    home = dict(kb.relations.get("headquartered_in", ()))
    for o in kb.by_type.get("organisation", ()):
        group = kb.broader[category[o]][0]
        staff = a["employees"][o]
        if o not in home and outside(staff, cfg["workforce"][group]):
            found.append(("workforce_for_kind", o, o))
        if o in home and (staff > population[home[o]] * bounds["employees_per_inhabitant"]
                          or staff > int(10 ** cfg["workforce"][group][1]) + 2):
            found.append(("workforce_for_home", o, home[o]))
        if staff < 10:
            found.append(("workforce_below_ten", o, o))
    venue = dict(kb.relations.get("held_in", ()))
    for ev in kb.by_type.get("event", ()):
        group, visitors = kb.broader[category[ev]][0], a["attendance"][ev]
        if ev not in venue and outside(visitors, cfg["attendance"][group]):
            found.append(("attendance_for_kind", ev, ev))
        if ev in venue and (visitors > population[venue[ev]] * bounds["visitors_per_inhabitant"]
                            or visitors > int(10 ** cfg["attendance"][group][1]) + 2):
            found.append(("attendance_for_venue", ev, venue[ev]))
    return found


def _tier(broader: dict[str, tuple[str, str]], category: str) -> str:
    return broader[category][1]
