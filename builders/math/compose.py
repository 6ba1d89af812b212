"""``math.compose``: word problems over a small random graph of operations on story quantities.

A problem has exactly *k* steps. Some quantities are given; each step makes a new quantity from one
earlier quantity (add, sub, mul, div, percent) or from two (sum, diff), so the graph may branch and merge.
The quantities no step reads are added up by a last "total" step (the question asks for the total), so
every step is needed; when a single quantity is left, the question asks for it. The sentences come from
the story frames of ``templates/math/compose.yaml``; every quantity stays within the plausible range of
the frame's measure (``templates/math/lexicon.yaml``) and is at least 2, so no sentence says "1 marbles"
or "0 more".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from string import Formatter
from typing import Any, Literal

from pydantic import Field, model_validator

from dsgen.builder import Builder, Params
from dsgen.errors import DsgenError, Skip, did_you_mean

from .difficulty import difficulty
from .lexicon import Measure, load_yaml, measure, people
from .scenario import VERIFIER
from .texts import join_words, plural

COMPOSE_FILE = "math/compose.yaml"
OPERATIONS = ("add", "sub", "mul", "div", "percent", "sum", "diff")
#: The arithmetic of each operation (for metadata and difficulty); the total step is an ``add``.
ARITHMETIC = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "percent": "percent", "sum": "add",
              "diff": "sub", "total": "add"}
#: The placeholders each sentence kind may use, besides those of every sentence (``COMMON``).
PLACEHOLDERS = {
    "given": {"B", "n"}, "also": {"B", "n"}, "add": {"A", "B", "n"}, "sub": {"A", "B", "n"}, "mul": {"A", "B", "times"},
    "div": {"A", "B", "part"}, "percent": {"A", "B", "p"}, "sum": {"A", "B", "C"}, "diff": {"A", "B", "C"},
    "line": {"B", "calc"}, "ask": {"B"}, "ask_total": {"list"}, "total_line": {"calc"},
}
COMMON = {"items", "P", "P_he", "verb", "base"}
#: Chance that a step is preceded by a new given quantity (a parallel branch the total merges).
NEW_BRANCH = 0.3
#: Chance that a one-quantity step reads a quantity no step has read yet (keeps the graph connected).
READ_UNREAD = 0.75
#: Tries at a graph that keeps every quantity in range before a record is skipped.
GRAPH_TRIES = 50
#: Tries at one step before the graph is given up.
STEP_TRIES = 12
SMALLEST = 2


@dataclass(frozen=True)
class Activity:
    """What a frame counts: the noun (singular), the verb of frames with a hero, and the plausible ranges
    of one quantity and of a total."""

    noun: str
    verb: str
    base: str
    measure: Measure
    total_measure: Measure


@dataclass
class Quantity:
    """One node of a problem's graph: its entity label and value, and how it was made (``op`` is
    ``given``, one of ``OPERATIONS`` or ``total``; ``reads`` the indices of the quantities it reads;
    ``amount`` the number the sentence states, ``shown`` how the sentence states it)."""

    label: str
    value: int
    op: str
    reads: tuple[int, ...] = ()
    amount: int | None = None
    shown: str = ""


class Frame:
    """One story frame of compose.yaml: its entities, activities and sentences."""

    def __init__(self, name: str, data: Any, words: dict[str, Any]):
        origin = f"templates/{COMPOSE_FILE}: frames.{name}"
        self.name, self.template = name, f"{COMPOSE_FILE}#{name}"
        if not isinstance(data, dict):
            raise DsgenError(f"{origin}: expected a mapping")
        self.entities = data.get("entities")
        self.member = str(data.get("member", "{}"))
        if self.entities == "names":
            self.labels: tuple[str, ...] = tuple(person[0] for person in people())
        elif self.entities == "colors":
            containers = data.get("containers") or []
            self.labels = tuple(f"{color} {c}" for c in containers for color in data.get("colors", words["colors"]))
            self.groups = len(containers)
        elif self.entities == "ordinals":
            self.labels = tuple(words["ordinals"])
        else:
            raise DsgenError(f"{origin}.entities: expected names, colors or ordinals, got {self.entities!r}")
        try:
            if "activities" in data:
                self.activities = tuple(
                    Activity(a["noun"], a["verb"], a["base"], measure(a["measure"], origin),
                             measure(a["total_measure"], origin)) for a in data["activities"])
            else:
                one, total = measure(data["measure"], origin), measure(data["total_measure"], origin)
                self.activities = tuple(Activity(noun, "", "", one, total) for noun in data["nouns"])
            data = {"also": data["given"], **data}
            self.sentences = {kind: tuple(data[kind]) if isinstance(data[kind], list) else (str(data[kind]),)
                              for kind in PLACEHOLDERS}
        except (KeyError, TypeError) as exc:
            raise DsgenError(f"{origin}: missing or malformed entry {exc}") from exc
        for kind, texts in self.sentences.items():
            allowed = PLACEHOLDERS[kind] | COMMON
            for text in texts:
                fields = {field for _, field, _, _ in Formatter().parse(text) if field is not None}
                if fields - allowed:
                    raise DsgenError(f"{origin}.{kind}: bad placeholder(s) {sorted(fields - allowed)} in {text!r}; "
                                     f"allowed here: {', '.join(sorted(allowed))}")

    def cast(self, rng: random.Random, count: int) -> list[str]:
        """``count`` entity labels: ordinals in order, people at random, containers of one kind at random."""
        if self.entities == "ordinals":
            return list(self.labels[:count])
        labels = self.labels
        if self.entities == "colors":
            per_group = len(labels) // self.groups
            start = rng.randrange(self.groups) * per_group
            labels = labels[start:start + per_group]
        return rng.sample(labels, min(count, len(labels)))

    def capacity(self) -> int:
        """How many entities a problem of this frame can name."""
        return len(self.labels) // getattr(self, "groups", 1)


@lru_cache(maxsize=None)
def compose_data() -> tuple[dict[str, Frame], dict[str, Any]]:
    """The frames of compose.yaml by name, and its word lists."""
    data = load_yaml(COMPOSE_FILE)
    words = data["words"]
    words["times"] = {int(k): v for k, v in words["times"].items()}
    words["part"] = {int(k): v for k, v in words["part"].items()}
    return {name: Frame(name, spec, words) for name, spec in data["frames"].items()}, words


def compose_frames() -> tuple[str, ...]:
    """Names of the story frames of ``math.compose``."""
    return tuple(compose_data()[0])


class Grapher:
    """Draws the graph of one problem with a given set of operations, number words and value range."""

    def __init__(self, operations: tuple[str, ...], words: dict[str, Any]):
        self.operations = operations
        self.times, self.part, self.percents = words["times"], words["part"], words["percents"]

    def graph(self, rng: random.Random, steps: int, labels: list[str], low: int, high: int,
              total_high: int) -> list[Quantity] | None:
        """The quantities of a problem with exactly ``steps`` steps, or None when a draw left the range."""
        # given quantities start lower the more steps follow, so that sums and totals stay in range
        given_high = max(low, high // (2 + steps // 3))
        quantities = [self.given(rng, labels[0], low, given_high)]
        for i in range(steps - 1):
            # labels left after a new given quantity: this step, the later ones and the last one
            room = len(labels) - len(quantities) - 1 - (steps - i)
            if room >= 0 and rng.random() < NEW_BRANCH:
                quantities.append(self.given(rng, labels[len(quantities)], low, given_high))
            step = self.step(rng, quantities, labels[len(quantities)], low, high)
            if step is None:
                return None
            quantities.append(step)
        unread = self.unread(quantities)
        if len(unread) > 1:
            total = sum(quantities[i].value for i in unread)
            if total > total_high or self.undoes(quantities, tuple(unread), total):  # (x-y)+y in the total
                return None
            quantities.append(Quantity("", total, "total", tuple(unread)))
        else:
            step = self.step(rng, quantities, labels[len(quantities)], low, high, must_read=unread[0])
            if step is None:
                return None
            quantities.append(step)
        return quantities

    @staticmethod
    def unread(quantities: list[Quantity]) -> list[int]:
        """Indices of the quantities no step reads."""
        read = {i for q in quantities for i in q.reads}
        return [i for i in range(len(quantities)) if i not in read]

    def given(self, rng: random.Random, label: str, low: int, high: int) -> Quantity:
        """A given quantity in [low, high] (and at least 2)."""
        low = max(low, SMALLEST)
        value = rng.randint(low, max(low, high))
        return Quantity(label, value, "given", amount=value, shown=str(value))

    def step(self, rng: random.Random, quantities: list[Quantity], label: str, low: int, high: int,
             must_read: int | None = None) -> Quantity | None:
        """A new quantity made from earlier ones by a random allowed operation, within [low, high]."""
        low = max(low, SMALLEST)
        unread = self.unread(quantities)
        for _ in range(STEP_TRIES):
            op = rng.choice(self.operations)
            if must_read is not None:
                first = must_read
            elif rng.random() < READ_UNREAD:
                first = rng.choice(unread)
            else:
                first = rng.randrange(len(quantities))
            x = quantities[first].value
            if op in ("sum", "diff"):
                if len(quantities) < 2:
                    continue
                second = rng.choice([i for i in range(len(quantities)) if i != first])
                c = quantities[second].value
                value = x + c if op == "sum" else x - c
                # a difference that is a number the story states ("B has 11 more than A", then B - A)
                # would let the answer be copied from the text
                echo = op == "diff" and value in {q.amount for q in quantities}
                if low <= value <= high and not echo and not self.undoes(quantities, (first, second), value) \
                        and not self.repeats(quantities, op, (first, second)):
                    return Quantity(label, value, op, (first, second))
                continue
            made = self.apply(rng, op, x, low, high)
            if made is not None and not self.undoes(quantities, (first,), made[0]) \
                    and not self.repeats(quantities, op, (first,), made[1]):
                value, amount, shown = made
                return Quantity(label, value, op, (first,), amount, shown)
        return None

    @staticmethod
    def undoes(quantities: list[Quantity], reads: tuple[int, ...], value: int) -> bool:
        """Whether a step lands back on a quantity it is made from, directly or through earlier steps:
        (x+y)-y, x*2/2 or x+n-n gives x again, a step that undoes an earlier one (no work, yet counted)."""
        seen, todo = set(), list(reads)
        while todo:
            i = todo.pop()
            if i not in seen:
                seen.add(i)
                todo += quantities[i].reads
        return any(quantities[i].value == value for i in seen)

    @staticmethod
    def repeats(quantities: list[Quantity], op: str, reads: tuple[int, ...], amount: int | None = None) -> bool:
        """Whether an earlier step already made a quantity the same way (the story would say it twice)."""
        same = {frozenset(reads)} if op == "sum" else {reads}
        return any(q.op == op and (frozenset(q.reads) if op == "sum" else q.reads) in same and q.amount == amount
                   for q in quantities)

    def apply(self, rng: random.Random, op: str, x: int, low: int, high: int) -> tuple[int, int, str] | None:
        """(result, the amount used, how the sentence says it) of a one-quantity operation, or None when no
        amount keeps the result in [low, high]."""
        if op == "add":
            most = min(high - x, max(SMALLEST, (high - low) // 2))
            if most < SMALLEST:
                return None
            n = rng.randint(SMALLEST, most)
            return x + n, n, str(n)
        if op == "sub":
            if x - SMALLEST < low:
                return None
            n = rng.randint(SMALLEST, x - low)
            return x - n, n, str(n)
        if op == "mul":
            options = [m for m in self.times if low <= x * m <= high]
            m = rng.choice(options) if options else None
            return None if m is None else (x * m, m, self.times[m])
        if op == "div":
            options = [d for d in self.part if x % d == 0 and low <= x // d <= high]
            d = rng.choice(options) if options else None
            return None if d is None else (x // d, d, self.part[d])
        options = [p for p in self.percents if x * p % 100 == 0 and low <= x * p // 100 <= high]
        p = rng.choice(options) if options else None
        return None if p is None else (x * p // 100, p, str(p))


def calculation(quantities: list[Quantity], q: Quantity) -> str:
    """The GSM8K calculation of a step: ``12*3 = <<12*3=36>>36``."""
    values = [str(quantities[i].value) for i in q.reads]
    if q.op == "total":
        expression = "+".join(values)
    elif q.op in ("sum", "diff"):
        expression = f"{values[0]}{'+' if q.op == 'sum' else '-'}{values[1]}"
    else:
        sign = {"add": "+", "sub": "-", "mul": "*", "div": "/", "percent": "*"}[q.op]
        expression = f"{values[0]}{sign}{q.amount}" + ("/100" if q.op == "percent" else "")
    return f"{expression} = <<{expression}={q.value}>>{q.value}"


class ComposeParams(Params):
    """Parameters of ``math.compose``."""

    min_steps: int = Field(default=1, ge=1, le=12, description="fewest steps in a problem")
    max_steps: int = Field(default=8, ge=1, le=12, description="most steps in a problem")
    max_value: int = Field(default=1000, ge=20, le=10**9,
                           description="no number exceeds this (nor the plausible range of what it counts)")
    operations: list[Literal["add", "sub", "mul", "div", "percent", "sum", "diff"]] | None = Field(
        default=None, description="operations to use (default: all); must include add or sub"
    )
    frames: list[str] | None = Field(
        default=None, description="story frames to use (default: all)",
        json_schema_extra=lambda schema: schema.update(choices=list(compose_frames())),  # for `dsgen show`
    )

    @model_validator(mode="after")
    def _check(self) -> ComposeParams:
        if self.min_steps > self.max_steps:
            raise ValueError(f"min_steps ({self.min_steps}) must not exceed max_steps ({self.max_steps})")
        if self.operations is not None and not {"add", "sub"} & set(self.operations):
            raise ValueError("operations must include 'add' or 'sub' (otherwise a graph can get stuck)")
        known = compose_frames()
        for name in self.frames or ():
            if name not in known:
                raise ValueError(f"unknown frame '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}")
        if self.frames == []:
            raise ValueError("frames must name at least one frame (or be left out for all)")
        return self


class ComposedProblems(Builder):
    """Word problems over a random graph of exactly k operations on story quantities."""

    description = "Math word problems composed from a random graph of k operations (exact step count)"
    kind = "math"
    Params = ComposeParams
    difficulty_params = {"min_steps": +1, "max_steps": +1, "max_value": +1}

    def setup(self) -> None:
        frames, words = compose_data()
        self.frames = [frames[n] for n in (self.params.frames or frames)]
        too_small = [f.name for f in self.frames if f.capacity() < self.params.max_steps + 1]
        if too_small:
            raise DsgenError(f"math.compose: frame(s) {too_small} have too few entities for "
                             f"{self.params.max_steps} steps")
        self.grapher = Grapher(tuple(self.params.operations or OPERATIONS), words)

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "frames"):
            self.setup()
        steps = rng.randint(self.params.min_steps, self.params.max_steps)
        frame = rng.choice(self.frames)
        activity = rng.choice(frame.activities)
        top = self.params.max_value
        low, high = int(activity.measure.low), min(top, int(activity.measure.high))
        total_high = min(top, int(activity.total_measure.high))
        for _ in range(GRAPH_TRIES):
            labels = frame.cast(rng, 2 * steps + 1)
            quantities = self.grapher.graph(rng, steps, labels, low, high, total_high)
            if quantities is not None:
                break
        else:
            raise Skip(f"math.compose: no {steps}-step graph of frame '{frame.name}' kept its numbers in "
                       f"[{low}, {high}] in {GRAPH_TRIES} tries")
        hero = rng.choice(people())
        return self.record(rng, frame, activity, quantities, hero, steps)

    def record(self, rng: random.Random, frame: Frame, activity: Activity, quantities: list[Quantity],
               hero: tuple[str, ...], steps: int) -> dict[str, Any]:
        """The record of a drawn graph: sentences in the order the quantities were made."""
        common = {"items": plural(activity.noun), "verb": activity.verb, "base": activity.base,
                  "P": hero[0], "P_he": hero[1]}
        sentences, lines = [], []
        for q in quantities:
            if q.op == "total":
                continue
            fill = dict(common, B=q.label)
            if q.reads:
                fill["A"] = quantities[q.reads[0]].label
                if len(q.reads) > 1:
                    fill["C"] = quantities[q.reads[1]].label
            amount_key = {"given": "n", "add": "n", "sub": "n", "mul": "times", "div": "part", "percent": "p"}
            if q.op in amount_key:
                fill[amount_key[q.op]] = q.shown
            kind = "also" if q.op == "given" and sentences else q.op
            sentences.append(rng.choice(frame.sentences[kind]).format(**fill))
            if q.op != "given":
                lines.append(frame.sentences["line"][0].format(**fill, calc=calculation(quantities, q)))
        last = quantities[-1]
        if last.op == "total":
            names = join_words([frame.member.format(quantities[i].label) for i in last.reads])
            sentences.append(rng.choice(frame.sentences["ask_total"]).format(**common, list=names))
            lines.append(frame.sentences["total_line"][0].format(**common, calc=calculation(quantities, last)))
        else:
            sentences.append(rng.choice(frame.sentences["ask"]).format(**common, B=last.label))
        answer = str(last.value)
        made = [q for q in quantities if q.op != "given"]
        operations = [ARITHMETIC[q.op] for q in made]
        kinds = set(operations) | ({"combine"} if any(len(q.reads) > 1 for q in made) else set())
        largest = max(max(q.value for q in quantities), max((q.amount or 0) for q in quantities))
        score, level = difficulty(steps, kinds, largest)
        quantity_measures = [{"measure": (activity.total_measure if q.op == "total" else activity.measure).name,
                              "value": q.value} for q in quantities]
        return {
            "prompt": " ".join(sentences),
            "answer": answer,
            "verifier": VERIFIER,
            "difficulty": score,
            "level": level,
            "metadata": {
                "generator": "compose",
                "scenario": frame.name,
                "solution": "\n".join(lines) + f"\n#### {answer}",
                "steps": steps,
                "operations": operations,
                "max_number": largest,
                "kinds": sorted(kinds - set(operations)) or ["chain"],
                "quantities": quantity_measures,
            },
            "template": frame.template,
        }

    def capacity(self) -> int:
        """A conservative estimate of distinct problems (see ``TemplateProblems.capacity``): for the
        smallest step count, frames × activities × ordered entity labels × starting values × operations^k."""
        if not hasattr(self, "frames"):
            self.setup()
        k, total = self.params.min_steps, 0
        operations = len(self.grapher.operations)
        for frame in self.frames:
            for activity in frame.activities:
                starts = max(1, min(self.params.max_value, int(activity.measure.high)) - SMALLEST)
                orders = 1 if frame.entities == "ordinals" else math.perm(frame.capacity(), k + 1)
                total += orders * starts * operations ** k
        return total
