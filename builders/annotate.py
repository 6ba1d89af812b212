"""``math.annotate``: existing GSM8K- and MATH-format data as dsgen records with a difficulty.

Record *i* is row *i* of the input (``dsgen.annotate.open_input``): the question as the prompt, the exact
answer, a verifier, difficulty features, and a difficulty from one of three sources:

* ``features`` (no model results needed) —
  GSM8K: the math builders' formula ``0.4 S + 0.4 O + 0.2 M`` (``dsgen.builders.math.difficulty``)
  with ``steps`` = the number of ``<<…>>`` calculations, ``M`` from the largest number in question and
  solution, ``O`` from the kinds of operation in the calculations plus cues of the question and the
  equation graph (``gsm8k_features``: an unknown start, a rate, a percentage, rounding, a non-whole
  number, a calculation that merges two earlier results); so annotated and generated GSM8K-style
  problems share one scale.
  MATH: ``0.5 L + 0.2 S + 0.15 C + 0.15 M`` with ``L = (level - 1) / 4``, ``S = min(1, (steps - 1) / 11)``
  where ``steps`` counts the ``=`` signs of the solution, ``C = min(1, characters of the solution / 2000)``
  and ``M = min(1, log10(largest number) / 6)``; without a level (``Level ?``) the other terms are rescaled to sum to 1.
* ``pass_rate`` — ``1 - (c + 1) / (n + 2)`` over the ``n`` models of a response matrix (``dsgen.irt``);
* ``irt`` — ``sigmoid(b)`` of a 1PL / 2PL fit to the response matrix (``dsgen.irt.fit_irt``).
Levels: easy below 0.35, medium below 0.6, hard from 0.6 (``dsgen.irt.level_of``).

Answers: GSM8K ``#### n`` is normalised as the ``numeric`` verifier reads it (``1,234`` → ``1234``,
``3.50`` → ``3.5``); MATH's last ``\\boxed{…}`` (nested braces kept) becomes a ``numeric`` answer when it
is a plain number (after ``latex_exact`` normalisation: ``\\frac{1}{2}`` → ``0.5``, ``5\\text{ cm}`` → ``5``)
and is kept verbatim with the ``latex_exact`` verifier otherwise.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Literal

from dsgen.builders.math import difficulty as gsm_difficulty
from pydantic import Field, model_validator

from dsgen.builder import Builder, Params
from dsgen.errors import DsgenError, Skip
from dsgen.expressions import format_number
from dsgen.irt import level_of, pass_rate_difficulty
from dsgen.verifiers import latex, numeric

FORMATS: dict[str, dict[str, str]] = {
    "gsm8k": {"question": "question", "answer": "answer"},
    "math": {"question": "problem", "answer": "solution", "level": "level", "subject": "type"},
}
ID_COLUMNS = ("id", "unique_id")
_CALC = re.compile(r"<<([^<>]*)>>")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?")
_OPERATOR = re.compile(r"\*\*|[*/+%^]|(?<=[\d)\s])-")
_OPERATION = {"**": "pow", "^": "pow", "*": "mul", "/": "div", "+": "add", "-": "sub", "%": "mod"}
_FRACTIONAL = re.compile(r"\.\d*[1-9]")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_PLAIN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+|-?\\frac\{\d+\}\{\d+\}|-?\d+/\d+")
_MATH_LEVEL = re.compile(r"^\s*(?:level\s*)?([1-5])\s*$", re.IGNORECASE)
_UNKNOWN_LEVEL = re.compile(r"^\s*(?:level\s*)?\??\s*$", re.IGNORECASE)  # Level ?, ?, or blank
_CACHE: dict[tuple, Prepared] = {}


class AnnotateParams(Params):
    path: str = Field(description="input: JSONL / JSON / Parquet file, a folder of them or of save_to_disk")
    format: Literal["auto", "gsm8k", "math"] = Field("auto", description="input format (auto: by columns)")
    split: str | None = Field(None, description="split to read from a folder holding several")
    question_column: str | None = Field(None, description="default: question (gsm8k) / problem (math)")
    answer_column: str | None = Field(None, description="worked solution: answer (gsm8k) / solution (math)")
    level_column: str | None = Field(None, description="MATH level ('Level 3' or 3); default: level")
    subject_column: str | None = Field(None, description="MATH subject; default: type")
    id_column: str | None = Field(None, description="item ids of the responses: id / unique_id, else the row")
    responses: str | None = Field(None, description="response matrix (CSV / Parquet) of model × item results")
    irt: Literal["none", "1pl", "2pl"] = Field("1pl", description="IRT model fitted to the responses")
    irt_steps: int = Field(100, ge=1, le=10_000, description="L-BFGS iterations of the IRT fit")
    difficulty_from: Literal["auto", "features", "pass_rate", "irt"] = Field(
        "auto", description="auto: irt with responses (pass_rate when irt is none), else features")
    on_missing_answer: Literal["error", "skip"] = Field(
        "error", description="a row without question or final answer: stop with an error, or skip it")

    @model_validator(mode="after")
    def _check(self) -> AnnotateParams:
        if self.difficulty_from in ("pass_rate", "irt") and not self.responses:
            raise ValueError(f"difficulty_from '{self.difficulty_from}' needs a response matrix (responses)")
        if self.difficulty_from == "irt" and self.irt == "none":
            raise ValueError("difficulty_from 'irt' needs irt: 1pl or 2pl")
        return self

    @property
    def source(self) -> str:
        if self.difficulty_from != "auto":
            return self.difficulty_from
        if not self.responses:
            return "features"
        return "pass_rate" if self.irt == "none" else "irt"


@dataclass
class Prepared:
    """Everything the builder reads, loaded once per process: columns, parsed answers, pass rates, IRT."""

    format: str
    rows: int
    questions: list[Any]
    solutions: list[Any]
    answers: list[tuple[str, str, str | None] | str]  # (answer, verifier kind, boxed) or a skip reason
    levels: list[Any]
    subjects: list[Any]
    ids: list[str] | None
    correct: Any = None
    observed: Any = None
    per_model: Any = None
    fit: Any = None


class AnnotatedProblems(Builder):
    description: ClassVar[str] = "GSM8K / MATH-format data with difficulty from features, pass rates or IRT."
    kind: ClassVar[str] = "math_annotated"
    Params = AnnotateParams
    params: AnnotateParams

    def setup(self) -> None:
        self.data = self.prepare(self.params)

    def __len__(self) -> int:
        """One record per input row (record *i* is row *i*, whatever the seed)."""
        if not hasattr(self, "data"):
            self.setup()
        return self.data.rows

    @staticmethod
    def rows(params: AnnotateParams | dict[str, Any]) -> int:
        """The number of input rows: the ``count`` a build of this builder needs."""
        from dsgen.annotate import count_rows

        p = params if isinstance(params, AnnotateParams) else AnnotateParams(**params)
        return count_rows(p.path, p.split)

    @staticmethod
    def prepare(params: AnnotateParams) -> Prepared:
        """Read and check the input (and the response matrix, and fit IRT), cached per process."""
        from dsgen.annotate import fingerprint

        key = (params.model_dump_json(), fingerprint(params.path),
               fingerprint(params.responses) if params.responses else None)
        if key not in _CACHE:
            if len(_CACHE) >= 4:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = _prepare(params)
        return _CACHE[key]

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        data, p = self.data, self.params
        if index >= data.rows:
            raise DsgenError(
                f"input '{p.path}' has {data.rows} rows, so it has no record {index}: set the dataset's "
                f"count to {data.rows} (dsgen annotate does)"
            )
        parsed = data.answers[index]
        if isinstance(parsed, str):
            raise Skip(parsed)
        answer, verifier, boxed = parsed
        question, solution = str(data.questions[index]).strip(), str(data.solutions[index])
        if data.format == "gsm8k":
            features, feature_difficulty = gsm8k_features(question, solution)
        else:
            level = math_level(data.levels[index])
            subject = data.subjects[index]
            features, feature_difficulty = math_features(question, solution, level)
            subject = str(subject) if subject is not None else None
            features.update(math_level=level, subject=subject, boxed=boxed)
        source = p.source
        metadata: dict[str, Any] = {
            "format": data.format,
            "source": {"path": p.path, "row": index, **({"id": data.ids[index]} if data.ids else {})},
            "solution": solution,
            **features,
            "feature_difficulty": feature_difficulty,
            "difficulty_from": source,
        }
        value = feature_difficulty
        if data.correct is not None:
            c, n = float(data.correct[index]), float(data.observed[index])
            metadata["pass_rate"] = {"pass_rate": round(c / n, 6), "correct": round(c, 6), "models": int(n),
                                     "per_model": data.per_model[index]}
            if source == "pass_rate":
                value = pass_rate_difficulty(c, n)
        if data.fit is not None:
            metadata["irt"] = data.fit.item(index)
            if source == "irt":
                value = metadata["irt"]["normalised"]
        return {
            "prompt": question,
            "answer": answer,
            "verifier": {"kind": verifier, "params": {}},
            "difficulty": value,
            "level": level_of(value),
            "metadata": metadata,
            "template": data.format,
        }


# --- reading and checking the input ------------------------------------------------------------


def detect_format(columns: list[str], where: str) -> str:
    """``gsm8k`` or ``math`` from the column names (a DsgenError listing them when neither fits)."""
    present = set(columns)
    matches = [name for name, cols in FORMATS.items() if {cols["question"], cols["answer"]} <= present]
    if len(matches) == 1:
        return matches[0]
    known = "; ".join(f"{name}: {', '.join(cols.values())}" for name, cols in FORMATS.items())
    raise DsgenError(
        f"{where}: cannot tell the format from the columns {sorted(present)[:20]}; known formats and their "
        f"columns: {known}. Pass format and question_column / answer_column for other column names"
    )


def _prepare(p: AnnotateParams) -> Prepared:
    from dsgen.annotate import open_input

    source = open_input(p.path, p.split)
    fmt = p.format if p.format != "auto" else detect_format(source.columns, f"input '{p.path}'")
    defaults = FORMATS[fmt]
    question_col = p.question_column or defaults["question"]
    answer_col = p.answer_column or defaults["answer"]
    for column, option in ((question_col, "question_column"), (answer_col, "answer_column")):
        source.require(column, hint=f"it is the {option} of format {fmt}")
    if p.id_column:
        source.require(p.id_column, hint="it is the id_column")
    id_col = p.id_column or next((c for c in ID_COLUMNS if c in source.columns), None)
    questions, solutions = source.column(question_col, default=None), source.column(answer_col, default=None)
    empty = [None] * source.rows
    level_col = p.level_column or defaults.get("level")
    subject_col = p.subject_column or defaults.get("subject")
    levels = source.column(level_col, default=None) if level_col else empty
    subjects = source.column(subject_col, default=None) if subject_col else empty
    ids = [str(v) for v in source.column(id_col, default=None)] if id_col else None
    for row, value in enumerate(levels):
        if math_level(value) is None and value is not None and not _UNKNOWN_LEVEL.match(str(value)):
            raise DsgenError(
                f"{source.where(row)} (input row {row}): level {shorten(value)!r} in column '{level_col}' is not "
                "a MATH level (Level 1 to Level 5, or 'Level ?' for unknown); fix the row, or name another "
                "column (`dsgen annotate --set level_column=...`)"
            )
    answers: list[tuple[str, str, str | None] | str] = []
    for row in range(source.rows):
        try:
            answers.append(_answer(fmt, questions[row], solutions[row], question_col, answer_col))
        except ValueError as exc:
            if p.on_missing_answer == "error":
                raise DsgenError(
                    f"{source.where(row)} (input row {row}): {exc}; fix the row, or skip such rows "
                    f"(`dsgen annotate --skip-missing`; in a recipe, on_missing_answer: skip)"
                ) from None
            answers.append(str(exc))
    if ids is not None and len(set(ids)) != len(ids):
        seen: dict[str, int] = {}
        for row, item in enumerate(ids):
            if item in seen:
                raise DsgenError(
                    f"{source.where(row)}: id '{item}' repeats row {seen[item]} (column '{id_col}')"
                )
            seen[item] = row
    data = Prepared(fmt, source.rows, questions, solutions, answers, levels, subjects, ids)
    if p.responses:
        import numpy as np

        from dsgen.annotate import read_responses

        items = ids if ids is not None else [str(i) for i in range(source.rows)]
        matrix, names = read_responses(p.responses, items)
        data.per_model = _per_model(p.responses, matrix, names)
        seen_mask = ~np.isnan(matrix)
        data.correct = np.where(seen_mask, matrix, 0.0).sum(0)
        data.observed = seen_mask.sum(0)
        unseen = [row for row in range(source.rows) if data.observed[row] == 0]
        if unseen:
            raise DsgenError(
                f"response matrix '{p.responses}' has only empty entries for {len(unseen)} input item(s), "
                f"first: {[items[r] for r in unseen[:5]]} (input rows {unseen[:5]})"
            )
        if p.irt != "none":
            from dsgen.irt import fit_irt

            data.fit = fit_irt(matrix, p.irt, steps=p.irt_steps)
    return data


def _per_model(path: str, matrix: Any, names: list[str]) -> list[list[dict[str, Any]]]:
    """Per item, each model's pass rate with the k and decoding settings the matrix was made with (if stored)."""
    import math

    from dsgen.responses import matrix_settings

    settings = matrix_settings(path)
    return [
        [{"model": name, "pass_rate": round(float(matrix[m, i]), 6), **settings.get(name, {})}
         for m, name in enumerate(names) if not math.isnan(matrix[m, i])]
        for i in range(matrix.shape[1])
    ]


def _answer(
    fmt: str, question: Any, solution: Any, question_col: str, answer_col: str
) -> tuple[str, str, str | None]:
    """(exact answer, verifier kind, boxed text) of a row; ValueError saying what is missing."""
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"no question (column '{question_col}' is empty or missing)")
    if not isinstance(solution, str) or not solution.strip():
        raise ValueError(f"no answer (column '{answer_col}' is empty or missing)")
    if fmt == "gsm8k":
        pos = solution.rfind("####")
        if pos == -1:
            raise ValueError(f"no final answer: column '{answer_col}' has no '#### <number>' line")
        final = solution[pos + 4 :].strip().splitlines()[0].strip() if solution[pos + 4 :].strip() else ""
        value = plain_number(final)
        if value is None:
            raise ValueError(f"the final answer '#### {shorten(final)}' is not a number")
        return format_number(value), "numeric", None
    boxed = last_boxed(solution)
    if boxed is None or not boxed.strip():
        raise ValueError(f"no final answer: column '{answer_col}' has no \\boxed{{…}}")
    boxed = boxed.strip()
    value = plain_number(latex.normalise(boxed))
    return (format_number(value), "numeric", boxed) if value is not None else (boxed, "latex_exact", boxed)


def plain_number(text: str) -> int | Fraction | None:
    """The exact value of ``text`` when all of it is one number (``1,234``, ``-3.5``, ``\\frac{1}{2}``);
    None otherwise."""
    text = text.strip().replace("$", "").rstrip(".").removesuffix("%").rstrip()  # '50%': the verifier reads 50
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = numeric.extract(f"#### {text}")
    return value if isinstance(value, (int, Fraction)) else None


def shorten(value: Any, limit: int = 60) -> str:
    """``value`` as text for an error message: at most ``limit`` characters, saying how long it was."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{…}`` / ``\\fbox{…}`` (nested braces kept), or None."""
    matches = list(_BOXED.finditer(text))
    if not matches:
        return None
    start = matches[-1].end()
    depth = 1
    for i in range(start, len(text)):
        depth += (text[i] == "{") - (text[i] == "}")
        if depth == 0:
            return text[start:i]
    return None


def math_level(value: Any) -> int | None:
    """1-5 from ``Level 3`` / ``3`` / 3; None for ``Level ?`` or a missing level."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 5 else None
    match = _MATH_LEVEL.match(str(value)) if value is not None else None
    return int(match.group(1)) if match else None


# --- features -----------------------------------------------------------------------------------


def max_number(*texts: str) -> int | float:
    """The largest number written in the texts (0 when none); huge ones cap at 1e300."""
    numbers = (float(n.replace(",", "")) for t in texts for n in _NUMBER.findall(t))
    best = min(1e300, max(numbers, default=0.0))
    return int(best) if best.is_integer() and best < 2**53 else best


#: A question that gives the end and asks for the start ("… has 12 left. How many did she have at first?").
_UNKNOWN_START = re.compile(
    r"\b(?:at first|initially|in the beginning|to begin with|originally|to start with|at the start|"
    r"(?:did|does) \w+ (?:have|start with|begin with|buy|bake|pick) (?:before|at first|originally))\b", re.I)
#: A rate: an amount per unit of time or per item ("$12 an hour", "3 km per day", "each box holds").
_RATE = re.compile(r"\b(?:per|an hour|a day|a week|a month|a minute|each hour|every (?:hour|day|week|minute)|"
                   r"mph|km/h|miles an hour)\b", re.I)
_PERCENT = re.compile(r"%|\bpercent\b", re.I)
_ROUNDING = re.compile(r"\b(?:round(?:ed)? (?:up|down|to)|at least|whole (?:boxes|buses|cars|trips)|"
                       r"how many (?:full|complete)|left over)\b", re.I)


def equation_graph(calcs: list[str]) -> dict[str, int]:
    """The shape of a solution's calculations as a graph: a calculation reads an earlier one when an
    operand equals that one's result. ``depth``: the longest chain of reads; ``merges``: calculations that
    read two or more earlier results (branches combined); ``sources``: calculations that read none."""
    results: list[str] = []
    depth_of: list[int] = []
    merges = sources = 0
    for calc in calcs:
        expression, _, result = calc.rpartition("=")
        operands = [n.replace(",", "") for n in _NUMBER.findall(expression)]
        read = [j for j, r in enumerate(results) if r in operands]
        merges += len(read) >= 2
        sources += not read
        depth_of.append(1 + max((depth_of[j] for j in read), default=0))
        results.append(result.strip().replace(",", ""))
    return {"depth": max(depth_of, default=0), "merges": merges, "sources": sources}


def gsm8k_features(question: str, solution: str) -> tuple[dict[str, Any], float]:
    """Features of a GSM8K-format row and its difficulty by the math builders' formula
    (``dsgen.builders.math.difficulty``): steps, the kinds of operation in the calculations, and from the
    question: back-solving (an unknown start), a rate, a percentage, rounding or a remainder."""
    calcs = _CALC.findall(solution)
    operations = [_OPERATION[op] for calc in calcs for op in _OPERATOR.findall(calc.rpartition("=")[0])]
    graph = equation_graph(calcs)
    cues = {"back_solve": bool(_UNKNOWN_START.search(question)), "rate": bool(_RATE.search(question)),
            "percent": bool(_PERCENT.search(question)), "rounding": bool(_ROUNDING.search(question)),
            "fraction": any(_FRACTIONAL.search(calc) for calc in calcs), "combine": graph["merges"] > 0}
    biggest = max_number(question, solution)
    value, _ = gsm_difficulty(max(1, len(calcs)), operations + [k for k, on in cues.items() if on], float(biggest))
    features = {
        "steps": len(calcs), "operations": operations, "solution_length": len(solution),
        "max_number": biggest, "graph": graph, "cues": sorted(k for k, on in cues.items() if on),
    }
    return features, value


def math_features(question: str, solution: str, level: int | None) -> tuple[dict[str, Any], float]:
    """Features of a MATH-format row and its difficulty (formula in the module docstring)."""
    steps = solution.count("=")
    biggest = max_number(question, solution)
    s = min(1.0, max(0, steps - 1) / 11)
    c = min(1.0, len(solution) / 2000)
    m = min(1.0, math.log10(max(1.0, float(biggest))) / 6)
    rest = 0.2 * s + 0.15 * c + 0.15 * m
    value = round(0.5 * (level - 1) / 4 + rest if level is not None else rest / 0.5, 4)
    return {"steps": steps, "operations": [], "solution_length": len(solution), "max_number": biggest}, value
