"""Instruction-following records: a request plus verifiable constraints of one family.

``instructions`` makes IF-RLVR-style records (as ``allenai/IF_multi_constraints_upto5``: a prompt plus up
to five constraints) over generated requests or the user's own prompts; ``instructions.add`` adds
constraints to any record (a math problem, a QA item), keeping its verifier as the first part of an
``all`` verifier. Constraints come from one family (``constraint_family``: ``ifeval``, ``ifbench_test`` or
``ifbench_train``; IFBench's point is that training and held-out evaluation use different families),
drawn and worded by ``dsgen.builders.distraction.constraints``. The reward options (``loose``,
``reward``: all-or-nothing or the fraction of constraints met) go into the verifier params and the
record's metadata.

Every record's set is proved satisfiable by a witness response (``distraction.witness``, checked with the
real checkers and the verifier's guards); a set without one is drawn again, and ``metadata.instructions.
redraws`` counts the sets drawn before it. For a wrapped record the witness also states the inner record's
graded answer on the line the prompt asks for, and is checked with the record's whole verifier (inner task
and constraints), so every wrapped record can earn full reward.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from dsgen import scoring
from dsgen.builder import Builder, Params, Wrapper, last_user_turn, user_prompt
from dsgen.errors import Skip
from dsgen.templating import environment, read_text
from dsgen.verifiers import ifbench, ifbench_train, ifeval, instructions

from .distraction import constraints, witness
from .distraction import texts as refs

Family = Literal["ifeval", "ifbench_test", "ifbench_train"]
Reward = Literal["all", "fraction"]
_ATTEMPTS = 20
#: IFEval ids never added onto another task: they dictate the whole response (a fixed sentence, two
#: answers, a JSON document, the prompt first), which would fight the inner task's graded answer.
WRAP_EXCLUDED = frozenset(
    {
        "detectable_format:constrained_response",
        "combination:two_responses",
        "combination:repeat_prompt",
        "detectable_format:json_format",
    }
)
#: Not drawn onto an open-ended request: IFEval pairs it only with yes/no questions.
REQUEST_EXCLUDED = frozenset({"detectable_format:constrained_response", *ifbench.CUSTOM_PROMPTS})
#: Words a request needs before ``new:copy_span_idx`` (copy a character span of it) is drawn onto it.
SPAN_MIN_WORDS = 4
#: Added after the constraints of a record graded by the ``numeric`` verifier: text the constraints call
#: for (a postscript, an end phrase, numbered sections) may hold numbers after the answer, and the
#: verifier reads a ``####`` line before any other number.
FINAL_ANSWER = 'Give your final answer on its own line as "#### <answer>".'
#: The same for a record graded by another verifier that has an answer (``answer_match``, ``latex_exact``):
#: both read an "Answer:" line before the last line, which an end phrase or a postscript would otherwise be.
ANSWER_LINE = 'Give your final answer on its own line as "Answer: <answer>".'
#: Case constraints, not added where the answer has letters (an upper-cased LaTeX answer is wrong).
CASE_IDS = frozenset({"change_case:english_capital", "change_case:english_lowercase"})
#: Training constraints on the whole text (with the kwargs that bind least) that the graded answer, which
#: the response must hold, can break by itself: a decimal's dot, a factorial's "!", the consecutive
#: initials of "Alan Bennett", a repeated word, lowercase words. Not added where the answer alone fails
#: them; hyphen-joined sentences are never added (negative numbers, ranges).
ANSWER_BOUND: dict[str, dict[str, Any]] = {
    "punctuation:punctuation_dot": {},
    "punctuation:punctuation_exclamation": {},
    "keywords:no_adjacent_consecutive": {},
    "count:count_unique": {},
    "count:lowercase_counting": {"N": 2},
}
WRAP_EXCLUDED_TRAIN = frozenset({"detectable_format:sentence_hyphens"})
#: Training constraints that the answer line ("#### <answer>", "Answer: <answer>") breaks: wherever it goes it
#: starts a sentence (or joins one), so no sentence can start with a given word and no sentence count its
#: words exactly; every sentence ending with a given word holds only with the line put first, a trap rather
#: than a constraint (the answer line usually comes last). IFBench's exact count of numbers, for a numeric
#: record: its answer is one of them.
NUMERIC_EXCLUDED_TRAIN = frozenset(
    {"first_word:first_word_sent", "count:counting_composition", "last_word:last_word_sent", "count:numbers"}
)
#: IFBench ids the witness writer never meets beside a line stating the answer (every N-th word Japanese,
#: stair indents, sentence-length runs, the response's first word or first-and-last word, a word's position
#: counted from the start) or that any answer line breaks (above): a wrapped set holding one could not be
#: proved, so they are not added.
ANSWER_UNPROVED = frozenset(
    {
        "ratio:sentence_words",
        "count:words_japanese",
        "words:paragraph_last_first",
        "sentence:increment",
        "format:line_indent",
        "words:words_position",
        "first_word:first_word_answer",
        "words:start_verb",
        "keywords:start_end",
        *(NUMERIC_EXCLUDED_TRAIN - {"count:numbers"}),
    }
)
#: IFBench ids not added onto a graded task: the answer template ("My Answer: … My Conclusion: …") asks for an
#: answer slot of its own, which answer_match reads as a second, disagreeing answer; "answer with a list of
#: items" and "each section begins with a thesis statement" ask for an essay's shape around a one-line
#: answer; "the last word of each sentence starts the next" and "each sentence alliterates longer than the
#: one before" hold only with the answer line put first (a trap: it usually comes last).
WRAP_EXCLUDED_TEST = frozenset(
    {"format:output_template", "format:list", "format:thesis", "words:last_first", "sentence:alliteration_increment"}
)
#: A task prompt that already asks for an "Answer: <…>" line (reverse_qa: "End your reply with a line of the
#: form …"): the wrapper adds no answer line of its own, and no constraint on how the response ends, which
#: would contradict where the task puts its answer.
ASKS_ANSWER_LINE = re.compile(r'"Answer: <[^>"]*>"')
END_IDS = frozenset(
    {"detectable_content:postscript", "startend:end_checker", "startend:quotation", "last_word:last_word_answer"}
)


@lru_cache(maxsize=None)
def requests() -> dict[str, Any]:
    """The request templates and their slot lists (``templates/instructions/prompts.yaml``)."""
    data = yaml.safe_load(read_text("instructions/prompts.yaml"))
    data["compiled"] = [environment().from_string(t) for t in data["requests"]]
    return data


def _subset(name: str, values: list[str] | None) -> list[str] | None:
    if values is not None:
        known = {iid for family in constraints.FAMILIES for iid in constraints.family_ids(family)}
        unknown = sorted(set(values) - known - set(constraints.IFBENCH_OPT_IN))
        if unknown:
            raise ValueError(f"{name}: unknown or undrawable instruction ids {unknown}")
        missing = [m for m in map(constraints.opt_in_missing, values) if m]
        if missing:
            raise ValueError(f"{name}: {'; '.join(missing)}")
        if not values:
            raise ValueError(f"{name}: give at least one id, or leave it out for the whole family")
    return values


class ConstraintParams(Params):
    """What both builders share: the family, how many constraints, and how the reward is computed."""

    constraint_family: Family = Field(default="ifeval", description="ifeval, ifbench_test or ifbench_train")
    min_constraints: int = Field(default=1, ge=1, le=5)
    max_constraints: int = Field(default=3, ge=1, le=5)
    instruction_ids: list[str] | None = Field(default=None, description="draw only these ids (of the family)")
    loose: bool = Field(default=False, description="grade in IFEval's loose mode")
    reward: Reward = Field(default="all", description="all (every constraint met) or fraction (share met)")

    _ids = field_validator("instruction_ids")(lambda v: _subset("instruction_ids", v))

    @model_validator(mode="after")
    def _consistent(self):
        if self.min_constraints > self.max_constraints:
            raise ValueError(f"min_constraints ({self.min_constraints}) > max_constraints ({self.max_constraints})")
        if self.instruction_ids is not None:
            other = [i for i in self.instruction_ids if instructions.family_of(i) != self.constraint_family]
            if other:
                raise ValueError(f"instruction_ids {other} are not of constraint_family {self.constraint_family!r}")
        return self

    def allowed(self, exclude: frozenset[str] = frozenset()) -> list[str]:
        ids = self.instruction_ids or constraints.family_ids(self.constraint_family)
        return [i for i in ids if i not in exclude]


class PromptSource(Params):
    """User prompts: a JSONL or Parquet file, or a local datasets folder, and the column to read."""

    path: str
    column: str = "prompt"


class InstructionParams(ConstraintParams):
    max_constraints: int = Field(default=5, ge=1, le=5)
    prompts: PromptSource | None = Field(default=None, description="user prompts instead of generated requests")
    custom_rate: float = Field(
        default=0.05, ge=0, le=1, description="ifbench_test: share of records that are IFBench's fixed-prompt tasks"
    )


#: Words a response to a drawn request must have (guarding against "<<x>>" earning a title constraint's
#: reward, or one word passing "alternate odd and even syllables"); none where the answer is a copy, a
#: single token or a fixed-prompt task's short answer.
MIN_WORDS = 10
SHORT_ANSWERS = frozenset(
    {
        "repeat:repeat_simple",
        "repeat:repeat_change",
        "repeat:repeat_span",
        "format:no_whitespace",
        *ifbench.CUSTOM_PROMPTS,
        *ifbench_train.COPY_IDS,
    }
)


def _verifier(
    ids: list[str], kwargs: list[dict], described: list[str], p: ConstraintParams, *, graded_task: bool = False
) -> dict[str, Any]:
    """The ``ifeval`` verifier; no word minimum on top of a graded task (its verifier judges the answer)."""
    whole = graded_task or any(i in SHORT_ANSWERS for i in ids)
    echo = [d for d, i in zip(described, ids) if i != "repeat:repeat_simple"]
    params = {"instruction_id_list": ids, "kwargs": kwargs, "loose": p.loose, "reward": p.reward}
    return {"kind": "ifeval", "params": {**params, "min_words": 0 if whole else MIN_WORDS, "echo": echo}}


def _difficulty(ids: list[str], family: str) -> tuple[float, str]:
    """More constraints are harder; IFBench's (out of distribution, often whole-response) more so, its
    training constraints (word positions, counts, copies) in between."""
    family_bonus = {"ifbench_test": 0.3, "ifbench_train": 0.15}.get(family, 0.0)
    value = min(1.0, 0.1 + 0.15 * (len(ids) - 1) + family_bonus)
    level = "easy" if value < 0.35 else "medium" if value < 0.65 else "hard"
    return round(value, 4), level


def _metadata(family: str, ids: list[str], kwargs: list[dict], described: list[str], p: ConstraintParams) -> dict:
    return {
        "family": family,
        "instruction_id_list": ids,
        "kwargs": kwargs,
        "descriptions": described,
        "loose": p.loose,
        "reward": p.reward,
    }


def _draw(
    rng: random.Random, p: ConstraintParams, allowed: list[str], prompt: str, *, avoid: str = "", proved: bool
) -> tuple[list[str], list[dict], list[str]] | None:
    """Ids, kwargs and wordings of one constraint set; None when ``proved`` asks for a witness response
    (one that also passes the verifier's guards) and there is none."""
    ids = constraints.choose_ids(rng, rng.randint(p.min_constraints, p.max_constraints), allowed)
    kwargs = constraints.sample_kwargs(rng, ids, prompt_to_repeat=prompt, avoid=avoid)
    described = constraints.describe(rng, ids, kwargs)
    if proved:
        response = witness.witness_response(ids, kwargs)
        if response is None or instructions.score(response, None, _verifier(ids, kwargs, described, p)["params"]) != 1.0:
            return None
    return ids, kwargs, described


class InstructionPrompts(Builder):
    description = "IF-RLVR-style instruction following: a request plus up to five verifiable constraints of one family"
    kind = "instructions"
    Params = InstructionParams
    difficulty_params = {"min_constraints": +1}

    def setup(self) -> None:
        constraints.spec()
        requests()
        source = self.params.prompts
        self._prompts = refs.load_texts(source.path, source.column) if source is not None else None

    def preload(self) -> None:
        """The checks that prove each record's witness (NLTK; lingua for IFEval's), once for all workers."""
        ifeval.preload(languages=self.params.constraint_family == "ifeval")

    def _request(self, rng: random.Random, index: int) -> tuple[str, dict[str, Any]]:
        if self.params.prompts is not None:
            if not hasattr(self, "_prompts"):
                self.setup()
            row = index % len(self._prompts)
            if not self._prompts[row].strip():
                raise Skip("empty user prompt")
            return self._prompts[row].strip(), {"source": "user", "row": row}
        data = requests()
        text = rng.choice(data["compiled"]).render(
            form=rng.choice(data["forms"]), subject=rng.choice(data["subjects"]), reader=rng.choice(data["readers"])
        )
        return text, {"source": "generated", "row": None}

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        p = self.params
        family = p.constraint_family
        custom = sorted(set(ifbench.CUSTOM_PROMPTS) & set(p.instruction_ids or ifbench.CUSTOM_PROMPTS))
        if family == "ifbench_test" and custom and rng.random() < p.custom_rate:
            iid = rng.choice(custom)
            ids, kwargs, described, redraws = [iid], [{}], [], 0
            text, origin = ifbench.CUSTOM_PROMPTS[iid], {"source": "ifbench_custom", "row": None}
        else:
            text, origin = self._request(rng, index)
            short = len(text.split()) < SPAN_MIN_WORDS  # a user prompt of a word or three has no span to copy
            allowed = p.allowed(REQUEST_EXCLUDED | ({"new:copy_span_idx"} if short else frozenset()))
            if not allowed:
                raise Skip("none of instruction_ids can be drawn onto a request")
            for redraws in range(_ATTEMPTS):
                drawn = _draw(rng, p, allowed, text, proved=True)
                if drawn is not None:
                    break
            else:
                raise Skip("no constraint set with a witness response found")
            ids, kwargs, described = drawn
        prompt = " ".join([text, *described])
        value, level = _difficulty(ids, family)
        return {
            "prompt": user_prompt(prompt),
            "answer": None,
            "verifier": _verifier(ids, kwargs, described, p),
            "difficulty": value,
            "level": level,
            "metadata": {
                "request": {"text": text, **origin},
                "instructions": {**_metadata(family, ids, kwargs, described, p), "redraws": redraws},
            },
            "template": None,
        }

    def reference_completion(self, record: dict[str, Any]) -> str | None:
        """The witness response that proved the record's constraint set satisfiable."""
        params = record["verifier"]["params"]
        return witness.witness_response(params["instruction_id_list"], params["kwargs"])


def graded_kind(verifier: dict[str, Any]) -> str:
    """The kind of the verifier that grades a record's answer: the first part of an ``all``, however nested."""
    while verifier["kind"] == "all":
        verifier = verifier["params"]["parts"][0]
    return verifier["kind"]


def answer_statement(answer: str | None, verifier: dict[str, Any]) -> str | None:
    """The line stating a record's graded answer that the wrapper asks for (and its witness holds): ``####``
    for the numeric verifier, "Answer:" for the others; None for a record without an answer."""
    if not answer:
        return None
    return f"#### {answer}" if graded_kind(verifier) == "numeric" else f"Answer: {answer}"


def wrapped_witness(record: dict[str, Any]) -> str | None:
    """A response to a record wrapped by ``instructions.add`` that states the inner record's graded answer
    and meets the added constraints, checked with the record's whole verifier (guards included); None
    when there is none."""
    *_, added = record["verifier"]["params"]["parts"]
    statement = answer_statement(record.get("answer"), record["verifier"])
    if statement is None:
        return None
    params = added["params"]
    response = witness.witness_response(params["instruction_id_list"], params["kwargs"], quotes=(statement,))
    if response is None or scoring.score(record, response) != 1.0:
        return None
    return response


class AddInstructions(Wrapper):
    description = "Add verifiable constraints of one family to any record (math, QA); keeps its verifier"
    kind = "instructions"
    Params = ConstraintParams

    def setup(self) -> None:
        constraints.spec()

    def preload(self) -> None:
        """The checks that prove each record's witness, once for all workers."""
        ifeval.preload(languages=self.params.constraint_family == "ifeval")

    def wrap(self, record: dict[str, Any], rng: random.Random, index: int) -> dict[str, Any]:
        p = self.params
        messages, message = last_user_turn(record["prompt"], "to add constraints to")
        if answer_statement(record.get("answer"), record["verifier"]) is None:
            raise Skip("no graded answer for a witness to state: constraints are added to records with an answer")
        answer = record["answer"]
        exclude = WRAP_EXCLUDED | WRAP_EXCLUDED_TEST | WRAP_EXCLUDED_TRAIN | ANSWER_UNPROVED
        exclude |= constraints.IFBENCH_EXCLUSIVE | constraints.TRAIN_EXCLUSIVE
        if answer.lower() != answer.upper():
            exclude |= CASE_IDS
        exclude |= {iid for iid, kw in ANSWER_BOUND.items() if not ifbench_train.compile_check(iid, kw)(answer)}
        numeric = graded_kind(record["verifier"]) == "numeric"
        if numeric:
            exclude |= NUMERIC_EXCLUDED_TRAIN
        request = message["content"].rstrip()
        asked = not numeric and ASKS_ANSWER_LINE.search(request) is not None
        if asked:
            exclude |= END_IDS
        allowed = p.allowed(exclude)
        if not allowed:
            raise Skip("no constraint of the allowed ids can be added to another task")
        marker = [] if asked else [FINAL_ANSWER if numeric else ANSWER_LINE]
        for redraws in range(_ATTEMPTS):
            ids, kwargs, described = _draw(rng, p, allowed, request, avoid=answer, proved=False)
            message["content"] = request + "\n\n" + " ".join([*described, *marker])
            check = _verifier(ids, kwargs, described, p, graded_task=True)
            wrapped = {
                **record,
                "prompt": messages,
                "verifier": {"kind": "all", "params": {"parts": [record["verifier"], check]}},
                "metadata": {
                    **record.get("metadata", {}),
                    "instructions": {**_metadata(p.constraint_family, ids, kwargs, described, p), "redraws": redraws},
                },
            }
            if wrapped_witness(wrapped) is not None:
                return wrapped
        raise Skip("no added constraint set with a witness that also states the graded answer")

    def reference_completion(self, record: dict[str, Any]) -> str | None:
        """The witness that proved the wrapped record: the graded answer's line plus the constraints."""
        return wrapped_witness(record)
