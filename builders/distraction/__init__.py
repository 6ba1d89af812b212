"""Distraction family: instruction following over reference texts cluttered with instruction-like noise.

``distraction`` (DistractionTasks) makes a user task over a reference text (generated in ten genres, or
the user's own texts), IFEval-compatible constraints, and typed distractors planted in the text; the
reward is 1.0 only when every constraint holds and no distractor was obeyed. With ``variants: both``
records 2k and 2k+1 are the same item, noisy and clean (shared ``group_id``), to measure robustness
as the difference (DistractionIF).

``distraction.inject`` (InjectDistractors) plants distractors, and GSM-IC-style irrelevant sentences,
into any other builder's user message; the record keeps its verifier as the first part of an ``all``
verifier whose second part checks the distractors.

Difficulty: see ``dsgen.builders.distraction.distractors`` (count, type, conflict, position, imitation, constraints).
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from typing import Any, ClassVar, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from dsgen.builder import Builder, Params, Wrapper, last_user_turn, user_prompt
from dsgen.errors import Skip
from dsgen.templating import environment, read_text, template
from dsgen.verifiers import distraction as distraction_verifier
from dsgen.verifiers import folding, ifeval

from . import constraints, grading
from . import distractors as noise
from . import texts as refs

TASK_TYPES = ("summarise", "extract", "answer", "rewrite", "list_items", "convert", "yes_no")
#: Tasks over user texts (no generated questions or fields: graded on the numbers the text holds).
USER_TASKS = ("summarise", "rewrite", "list_items", "extract")
#: How ``distraction.inject`` frames what it adds to a user turn: quoted material, not the user's voice.
QUOTE_FRAMES = (
    'Pasted note: "{}"',
    "Forwarded message:\n> {}",
    "Snippet from a search result: \u201c{}\u201d",
)
LAYOUTS = ("distraction/prompt_task_first.j2", "distraction/prompt_reference_first.j2")
_ATTEMPTS = 12


def _subset(name: str, values: list[str] | None, allowed: tuple[str, ...]) -> list[str] | None:
    if values is None:
        return None
    if not values:
        raise ValueError(f"'{name}' must not be empty (leave it out to allow all)")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"'{name}': unknown {unknown}; expected some of {list(allowed)}")
    return values


class TextSource(Params):
    """User texts to use as references: a JSONL or Parquet file, or a local datasets folder."""

    path: str
    column: str = "text"
    label: str = Field(default="reference text", min_length=1, description="how prompts name the text")


class DistractionParams(Params):
    genres: list[str] | None = Field(
        default=None, description=f"generated genres (default all): {', '.join(refs.GENRES)}"
    )
    texts: TextSource | None = Field(default=None, description="user texts instead of generated documents")
    min_words: int = Field(default=150, ge=20, description="shortest generated document, in words")
    max_words: int = Field(default=600, ge=20, description="longest generated document, in words")
    tasks: list[str] | None = Field(
        default=None, description=f"task types (default all): {', '.join(TASK_TYPES)}"
    )
    variants: Literal["noisy", "clean", "both"] = Field(
        default="noisy", description="both: records 2k, 2k+1 are one item noisy and clean (shared group_id)"
    )
    constraint_family: Literal["ifeval", "ifbench_test", "ifbench_train"] = Field(
        default="ifeval",
        description="ifeval (IFEval's ids), ifbench_test or ifbench_train (IFBench's held-out or training "
        "constraints, only those that add to a response that also answers the task: grading.FAMILY_IDS)",
    )
    instruction_ids: list[str] | None = Field(
        default=None, description="ids of constraint_family to draw from (default all it allows here)"
    )
    min_constraints: int = Field(default=1, ge=0, le=6)
    max_constraints: int = Field(default=3, ge=0, le=6)
    distractor_types: list[str] | None = Field(
        default=None, description=f"default all: {', '.join(noise.TYPES)}"
    )
    family: Literal["benign", "injection", "both"] = Field(
        default="both",
        description="benign: document-native noise (editor notes, logs, UI residue, colleagues' chat); "
        "injection: text that addresses a model (BIPIA classes, fake system turns, conflicting commands)",
    )
    positions: list[Literal["start", "middle", "end", "inline"]] | None = Field(
        default=None,
        description="default: the document's boundaries (start, middle, end); inline is mid-text",
    )
    density: float = Field(
        default=0.1, gt=0, le=1, description="target share of the text's words that are noise"
    )
    min_distractors: int = Field(default=1, ge=1, le=12)
    max_distractors: int = Field(default=4, ge=1, le=12)
    max_density: float = Field(
        default=0.75, gt=0, le=2, description="most distractors per sentence of the text"
    )
    active_rate: float = Field(
        default=0.75, ge=0, le=1, description="share of distractors that ask for an action"
    )
    conflict_rate: float = Field(
        default=0.3, ge=0, le=1, description="chance of one command contradicting a constraint"
    )
    aligned_rate: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="chance of one note restating a real constraint (IHEval's aligned setting; "
        "a response that ignores it breaks the real constraint: under-compliance)",
    )
    preserve_rate: float = Field(
        default=0.1, ge=0, le=1, description="share of tasks asking to copy the noise verbatim"
    )
    loose: bool = Field(default=False, description="grade constraints in IFEval's loose mode")

    _genres = field_validator("genres")(lambda v: _subset("genres", v, refs.GENRES))
    _tasks = field_validator("tasks")(lambda v: _subset("tasks", v, TASK_TYPES))
    _ids = field_validator("instruction_ids")(
        lambda v: _subset("instruction_ids", v, tuple(i for ids in grading.FAMILY_IDS.values() for i in ids))
    )
    _types = field_validator("distractor_types")(lambda v: _subset("distractor_types", v, noise.TYPES))

    @model_validator(mode="after")
    def _ranges(self) -> DistractionParams:
        if self.min_constraints > self.max_constraints:
            raise ValueError(
                f"min_constraints ({self.min_constraints}) > max_constraints ({self.max_constraints})"
            )
        if self.min_distractors > self.max_distractors:
            raise ValueError(
                f"min_distractors ({self.min_distractors}) > max_distractors ({self.max_distractors})"
            )
        if self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) > max_words ({self.max_words})")
        other = [i for i in self.instruction_ids or () if i not in grading.FAMILY_IDS[self.constraint_family]]
        if other:
            raise ValueError(f"instruction_ids {other} are not drawn for constraint_family {self.constraint_family!r}")
        if self.texts is not None and self.genres is not None:
            raise ValueError("give either 'texts' (user texts) or 'genres' (generated documents), not both")
        return self


class DistractionTasks(Builder):
    description = (
        "Instruction following over a reference text cluttered with typed distractors (DistractionIF): "
        "IFEval or IFBench constraints, witness-checked distractors, optional clean twins"
    )
    kind = "distraction"
    Params = DistractionParams
    difficulty_params: ClassVar[dict[str, int]] = {
        "min_distractors": 1,
        "max_distractors": 1,
        "max_constraints": 1,
        "active_rate": 1,
        "conflict_rate": 1,
    }

    def __init__(self, params: DistractionParams | None = None, **kwargs: Any):
        super().__init__(params, **kwargs)
        #: Records per item: with ``variants: both`` an item is emitted noisy (2k) and clean (2k+1).
        self.group_size = 2 if self.params.variants == "both" else 1
        self._texts: list[str] | None = None
        self._split: dict[int, refs.Reference] = {}

    def setup(self) -> None:
        source = self.params.texts
        if source is not None and self._texts is None:
            self._texts = refs.load_texts(source.path, source.column)
        constraints.spec()
        noise.spec()
        _tasks()
        if source is None:
            refs.genres()

    def preload(self) -> None:
        """The checks that prove each record's witness: NLTK's tokenizers, and for IFEval's constraints
        (the case and language checks) lingua's models, loaded once for all workers."""
        ifeval.preload(languages=self.params.constraint_family == "ifeval")

    def _reference(self, rng: random.Random, item: int) -> refs.Reference:
        p = self.params
        if p.texts is None:
            genre = rng.choice(p.genres or refs.GENRES)
            for _ in range(_ATTEMPTS):
                ref = refs.generate(rng, genre)
                if p.min_words <= ref.word_count() <= p.max_words:
                    return ref
            raise Skip(f"no {genre} document of {p.min_words}-{p.max_words} words")
        if self._texts is None:
            self.setup()
        row = item % len(self._texts)
        if not self._texts[row].strip():
            raise Skip("empty user text")
        if row not in self._split:
            if len(self._split) > 4096:
                self._split.clear()
            ref = refs.from_user(self._texts[row], label=self.params.texts.label, row=row)
            grading.user_key(ref)
            self._split[row] = ref
        return self._split[row]

    def reference_completion(self, record: dict[str, Any]) -> str | None:
        """A response that does the task, follows every constraint, copies what must be kept, obeys nothing."""
        return grading.witness(distraction_verifier.distraction_params(record))

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        p = self.params
        variant = p.variants if p.variants != "both" else ("noisy", "clean")[index % 2]
        item = index // self.group_size
        group_id = f"{rng.getrandbits(64):016x}"
        ref = self._reference(rng, item)
        count = rng.randint(p.min_distractors, p.max_distractors)
        capacity = math.floor(ref.sentence_count() * p.max_density)
        if count > capacity:
            raise Skip("reference text too short to host the requested distractors")
        for _ in range(_ATTEMPTS):
            built = self._attempt(rng, ref, count)
            if built is not None:
                return self._item(built, ref, variant, group_id, index)
        raise Skip("no satisfiable constraint set found")

    def _task(self, rng: random.Random, ref: refs.Reference) -> tuple[str, dict | None, tuple | None]:
        """The task type, and the question or mention it asks about (drawn from the final text)."""
        allowed = list(self.params.tasks or TASK_TYPES)
        if ref.source == "user":
            allowed = [t for t in allowed if t in USER_TASKS] or ["summarise"]
        if not ref.questions:
            allowed = [t for t in allowed if t != "answer"] or ["summarise"]
        if not (ref.present and ref.absent):
            allowed = [t for t in allowed if t != "yes_no"] or ["summarise"]
        if not (ref.people or ref.key):
            allowed = [t for t in allowed if t != "extract"] or ["summarise"]
        if len(ref.fields) < 2:
            allowed = [t for t in allowed if t != "convert"] or ["summarise"]
        task_type = "preserve" if rng.random() < self.params.preserve_rate else rng.choice(allowed)
        question = rng.choice(ref.questions) if task_type == "answer" else None
        mention = None
        if task_type == "yes_no":
            mention = (
                (rng.choice(ref.present), "yes") if rng.random() < 0.5 else (rng.choice(ref.absent), "no")
            )
        return task_type, question, mention

    def _attempt(self, rng: random.Random, ref: refs.Reference, count: int) -> dict[str, Any] | None:
        """Draw task, constraints and distractors (the same for both variants); None if no witness exists."""
        p = self.params
        task_type, question, mention = self._task(rng, ref)
        pool = grading.allowed_ids(task_type, p.instruction_ids or list(grading.FAMILY_IDS[p.constraint_family]))
        if len(pool) < p.min_constraints:
            return None  # this task type cannot carry enough of the allowed constraints: draw another
        ids = constraints.choose_ids(
            rng, min(len(pool), rng.randint(p.min_constraints, p.max_constraints)), pool
        )
        layout = rng.choice(LAYOUTS)
        task_text = rng.choice(_tasks()[task_type]).render(
            label=ref.label,
            where="below" if layout == LAYOUTS[0] else "above",
            question=question["q"] if question else "",
            mention=refs.mention_phrase(mention[0]) if mention else "",
            fields=list(ref.fields),
        )
        # IFBench keywords counted exactly never come from the document the answer quotes
        avoid = ref.text() if p.constraint_family != "ifeval" else ""
        kwargs = constraints.sample_kwargs(rng, ids, prompt_to_repeat=task_text, avoid=avoid)
        if _forbids_needed_words(ids, kwargs, f"{ref.text()} {task_text} {ref.label}"):
            return None  # a forbidden word the task's own text uses: draw another set
        described = constraints.describe(rng, ids, kwargs)
        targets = noise.conflict_targets(ids, kwargs)
        types = [t for t in (p.distractor_types or noise.TYPES) if p.family in ("both", noise.FAMILY[t])]
        types = types or list(p.distractor_types or noise.TYPES)
        use_conflict = "conflicting_command" in types and bool(targets) and rng.random() < p.conflict_rate
        # IHEval's aligned setting: a note that restates a real constraint (following it is correct)
        use_aligned = (
            not use_conflict
            and task_type != "preserve"  # "copy the notes without acting on them" would contradict it
            and "aligned_note" in types
            and bool(ids)
            and rng.random() < p.aligned_rate
        )
        types = [t for t in types if t not in ("conflicting_command", "aligned_note")] or types
        # canaries never coincide with anything the prompt or the task's gold content holds
        avoid = folding.Haystack(" ".join([ref.text(), task_text, *described]))
        items, budget = [], p.density * ref.word_count()
        for i in range(count):
            if items and sum(len(d["text"].split()) for d in items) >= budget:
                break  # the noise has reached its share of the text (at least one distractor)
            if use_aligned and i == 0:
                at = rng.randrange(len(ids))
                made = noise.aligned(rng, ids[at], described[at])
                made["expect"] = "preserve" if task_type == "preserve" else "ignore"
                items.append(made)
                continue
            dtype = "conflicting_command" if use_conflict and i == 0 else rng.choice(types)
            if dtype == "conflicting_command" and not targets:
                dtype = "editorial_comment"
            made = noise.make(
                rng,
                dtype,
                active=rng.random() < p.active_rate,
                targets=targets,
                avoid=avoid,
                printed=task_type not in ("extract", "preserve", "rewrite"),
            )
            made["expect"] = "preserve" if task_type == "preserve" else "ignore"
            items.append(made)
        rng.shuffle(items)
        for i, made in enumerate(items):
            made["id"] = f"d{i + 1}"
        planted = noise.plant(rng, ref.paragraphs, items, list(p.positions or noise.DEFAULT_POSITIONS))
        built = {
            "ids": ids,
            "kwargs": kwargs,
            "described": described,
            "task_type": task_type,
            "task": task_text,
            "question": question,
            "mention": mention,
            "items": items,
            "layout": layout,
            "planted": planted,
        }
        for variant in ("noisy", "clean"):
            params = _verifier_params(built, ref, variant, p.loose)
            response = grading.witness(params)
            if response is None or distraction_verifier.breakdown(params, response)["reward"] != 1.0:
                return None
        return built

    def _item(
        self, built: dict, ref: refs.Reference, variant: str, group_id: str, index: int
    ) -> dict[str, Any]:
        items = built["items"] if variant == "noisy" else []
        prompt = _prompt(built, ref, variant)
        value, terms = noise.difficulty(
            items, len(built["ids"]), " ".join([built["task"], *built["described"]])
        )
        sentences = ref.sentence_count()
        metadata = {
            "group_id": group_id,
            "variant": variant,
            "task": {
                "type": built["task_type"],
                "text": built["task"],
                "layout": built["layout"].split("/")[-1][:-3],
                "about": _about(built),
            },
            "reference": {
                "genre": ref.genre,
                "source": ref.source,
                "label": ref.label,
                "row": ref.row,
                "sentences": sentences,
                "words": ref.word_count(),
                "structure": ref.structure,
            },
            "ifeval": {
                "family": self.params.constraint_family,
                "key": index,
                "prompt": prompt,
                "instruction_id_list": built["ids"],
                "kwargs": built["kwargs"],
            },
            "distraction": _summary(items, sentences, value, terms, words=ref.word_count()),
        }
        return {
            "prompt": user_prompt(prompt),
            "answer": None,
            "verifier": {
                "kind": "distraction",
                "params": _verifier_params(built, ref, variant, self.params.loose),
            },
            "difficulty": value,
            "level": noise.level(value),
            "metadata": metadata,
            "template": built["layout"],
        }


def _about(built: dict) -> str | None:
    """What the task asks about: the question, or the fact a yes/no question names."""
    if built["question"]:
        return built["question"]["q"]
    return built["mention"][0] if built["mention"] else None


def _forbids_needed_words(ids: list[str], kwargs: list[dict], text: str) -> bool:
    """Whether a forbidden-words constraint bans a word that the reference or the task itself uses."""
    if "keywords:forbidden_words" not in ids:
        return False
    hay = folding.Haystack(text)
    return any(w in hay for w in kwargs[ids.index("keywords:forbidden_words")]["forbidden_words"])


@lru_cache(maxsize=None)
def _tasks() -> dict[str, list]:
    """Task templates by type (compiled once per process)."""
    data = yaml.safe_load(read_text("distraction/tasks.yaml"))
    return {k: [environment().from_string(t) for t in v] for k, v in data.items()}


def _prompt(built: dict, ref: refs.Reference, variant: str) -> str:
    paragraphs = built["planted"] if variant == "noisy" else ref.paragraphs
    reference = "\n\n".join(par.text() for par in paragraphs)
    return template(built["layout"]).render(
        task=built["task"], constraints=built["described"], label=ref.label, reference=reference
    )


def _verifier_params(built: dict, ref: refs.Reference, variant: str, loose: bool) -> dict[str, Any]:
    items = built["items"] if variant == "noisy" else []
    return {
        "instruction_id_list": built["ids"],
        "kwargs": built["kwargs"],
        "loose": loose,
        "content": grading.content(
            ref,
            built["task_type"],
            question=built["question"],
            mention=built["mention"],
            prompt=_prompt(built, ref, variant),
        ),
        "distractors": [_verifier_entry(d) for d in items],
    }


def _verifier_entry(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("id", "type", "text", "expect", "witness")}


def _summary(
    items: list[dict[str, Any]], sentences: int, value: float, terms: dict[str, float], *, words: int
) -> dict[str, Any]:
    """``metadata.distraction``: what was planted, where, and the difficulty it gives.

    ``density``: distractors per sentence of the text; ``word_share``: the distractors' words over the
    text's words (DistractionIF's measure of how much of a document is noise).
    """
    noise_words = sum(len(d["text"].split()) for d in items)
    return {
        "count": len(items),
        "density": round(len(items) / max(1, sentences), 4),
        "word_share": round(noise_words / max(1, words), 4),
        "active": sum(1 for d in items if d["witness"]),
        "conflicts": sorted({d["conflicts_with"] for d in items if d.get("conflicts_with")}),
        "aligned": sorted({d["aligned_with"] for d in items if d.get("aligned_with")}),
        "setting": "conflict"
        if any(d.get("conflicts_with") for d in items)
        else "aligned"
        if any(d.get("aligned_with") for d in items)
        else "none",
        "difficulty": value,
        "level": noise.level(value),
        "terms": terms,
        "distractors": [
            {
                k: d.get(k)
                for k in (
                    "id",
                    "type",
                    "text",
                    "position",
                    "witness",
                    "conflicts_with",
                    "aligned_with",
                    "expect",
                    "similarity",
                )
            }
            for d in items
        ],
    }


class InjectParams(Params):
    distractor_types: list[str] | None = Field(
        default=None,
        description="default all but conflicting_command and aligned_note (the inner record has no IFEval "
        "constraints to contradict or restate)",
    )
    positions: list[Literal["start", "middle", "end", "inline"]] | None = None
    min_distractors: int = Field(default=1, ge=0, le=8)
    max_distractors: int = Field(default=2, ge=0, le=8)
    irrelevant_context: int = Field(
        default=1, ge=0, le=3, description="GSM-IC-style irrelevant sentences to add"
    )
    max_density: float = Field(
        default=1.0, gt=0, le=4, description="most distractors per sentence of the message"
    )
    active_rate: float = Field(default=0.75, ge=0, le=1)

    _types = field_validator("distractor_types")(lambda v: _subset("distractor_types", v, noise.TYPES))

    @model_validator(mode="after")
    def _ranges(self) -> InjectParams:
        if self.min_distractors > self.max_distractors:
            raise ValueError(
                f"min_distractors ({self.min_distractors}) > max_distractors ({self.max_distractors})"
            )
        if self.max_distractors == 0 and self.irrelevant_context == 0:
            raise ValueError("nothing to inject: max_distractors and irrelevant_context are both 0")
        return self


class InjectDistractors(Wrapper):
    description = (
        "Plant typed distractors and GSM-IC-style irrelevant sentences into any record's user message; "
        "keeps its verifier and adds the distractor checks"
    )
    kind = "distraction"
    Params = InjectParams
    # The record keeps its inner difficulty and level (its own scale); the noise's difficulty is
    # ``metadata.distraction.difficulty``, so no parameter moves the record's difficulty.

    def setup(self) -> None:
        noise.spec()
        noise.gsmic()
        refs.sentencizer()

    def wrap(self, record: dict[str, Any], rng: random.Random, index: int) -> dict[str, Any]:
        p = self.params
        messages, message = last_user_turn(record["prompt"], "to inject into")
        text = message["content"]
        paragraphs = refs.split(text)
        sentences = sum(len(par.sentences) for par in paragraphs)
        count = rng.randint(p.min_distractors, p.max_distractors)
        if count > math.floor(sentences * p.max_density):
            raise Skip("prompt too short to host the requested distractors")
        irrelevant = []
        for _ in range(p.irrelevant_context):
            sentence, labels = noise.irrelevant_sentence(rng, text)
            _before_question(paragraphs, sentence)
            irrelevant.append({"text": sentence, **labels})
        avoid = (text + " " + (record.get("answer") or "")).casefold()
        types = [t for t in (p.distractor_types or noise.TYPES) if t not in noise.NEEDS_CONSTRAINTS] or [
            "editorial_comment"
        ]
        items = []
        for i in range(count):
            made = noise.make(rng, rng.choice(types), active=rng.random() < p.active_rate, avoid=avoid)
            # delimited as quoted material, never a bare imperative in the user's own voice
            made["text"] = rng.choice(QUOTE_FRAMES).format(made["text"])
            made.update(id=f"d{i + 1}", expect="ignore")
            items.append(made)
        paragraphs = noise.plant(rng, paragraphs, items, list(p.positions or noise.DEFAULT_POSITIONS))
        message["content"] = "\n\n".join(par.text().strip() for par in paragraphs)
        value, terms = noise.difficulty(items, 0, text)
        summary = _summary(items, sentences, value, terms, words=len(text.split()))
        summary["irrelevant_context"] = irrelevant
        summary["clean_prompt"] = text  # the user message before injection: per-item robustness drop
        check = {
            "kind": "distraction",
            "params": {
                "instruction_id_list": [],
                "kwargs": [],
                "loose": False,
                "distractors": [_verifier_entry(d) for d in items],
            },
        }
        return {
            **record,
            "prompt": messages,
            "verifier": {"kind": "all", "params": {"parts": [record["verifier"], check]}},
            "metadata": {**record.get("metadata", {}), "distraction": summary},
        }


def _before_question(paragraphs: list[refs.Paragraph], sentence: str) -> None:
    """Insert ``sentence`` before the last sentence of the text (the question, in a word problem)."""
    last = paragraphs[-1]
    if len(last.sentences) >= 2:
        last.sentences.insert(len(last.sentences) - 1, sentence + (" " if last.sep == "" else ""))
    else:
        paragraphs.insert(max(0, len(paragraphs) - 1), refs.Paragraph([sentence]))
