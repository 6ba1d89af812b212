"""Reference texts for instruction-following tasks: generated documents or the user's own texts.

A reference is a list of paragraphs, each a list of sentence strings with the separator that joins
them, so distractors can be planted at sentence boundaries. Generated documents (ten genres in
``templates/distraction/genres.yaml``) know their boundaries; user texts are split into paragraphs at
blank lines and into sentences by spaCy's rule-based sentencizer on a blank English pipeline (no
downloaded model), loaded once per process.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from dsgen.errors import DsgenError
from dsgen.sources import open_source
from dsgen.templating import environment, read_text
from dsgen.verifiers import folding


@dataclass
class Paragraph:
    """Sentences joined by ``sep`` (user texts keep their own whitespace in the sentences and use "")."""

    sentences: list[str]
    sep: str = " "

    def text(self) -> str:
        return self.sep.join(self.sentences)


@dataclass
class Reference:
    """A reference text with its genre label and the facts tasks about it may be graded on.

    Generated documents carry ``questions`` (``{"q", "answers"}``, only about sentences that were
    kept), ``fields`` (name -> value, for conversion), ``key`` facts (what a summary must carry),
    ``people`` (full names in the text) and ``absent`` (same-kind values the text does not hold, for
    "no" questions). User texts carry none of these: tasks over them use the key facts found in them.
    """

    paragraphs: list[Paragraph]
    label: str
    genre: str
    source: str  # "generated" or "user"
    row: int | None = None
    structure: str | None = None  # generated: a hash of the paragraphs, sentences and wordings drawn
    questions: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    key: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n\n".join(p.text() for p in self.paragraphs)

    def sentence_count(self) -> int:
        return sum(len(p.sentences) for p in self.paragraphs)

    def word_count(self) -> int:
        return len(self.text().split())


@lru_cache(maxsize=None)
def genres() -> dict[str, Any]:
    """The genre specs with their sentence templates compiled (once per process)."""
    data = yaml.safe_load(read_text("distraction/genres.yaml"))
    env = environment()
    for spec in data["genres"].values():
        for paragraph in spec["paragraphs"]:
            paragraph["compiled"] = [_compile_sentence(env, s) for s in paragraph["sentences"]]
        for q in spec["questions"]:
            q["compiled"] = [env.from_string(t) for t in [q["q"], q["a"], *q.get("aliases", [])]]
        spec["compiled_fields"] = {k: env.from_string(v) for k, v in spec["fields"].items()}
        spec["compiled_key"] = [env.from_string(k) for k in spec["key"]]
    return data


def _compile_sentence(env, entry: str | list | dict) -> dict[str, Any]:
    """``{"id", "variants"}`` from a sentence entry: a template, a list of wordings, or ``{id, text}``."""
    if isinstance(entry, dict):
        sid, text = entry.get("id"), entry["text"]
    else:
        sid, text = None, entry
    variants = text if isinstance(text, list) else [text]
    return {"id": sid, "variants": [env.from_string(t) for t in variants]}


GENRES = (
    "meeting_notes",
    "product_page",
    "news_brief",
    "email_thread",
    "changelog",
    "recipe",
    "support_ticket",
    "wiki_article",
    "job_posting",
    "event_announcement",
)
#: Fact kinds a yes/no question may ask about: the fact keys of a kind and the lexicon list of its values.
MENTIONABLE = {"company": "companies", "town": "towns", "feature": "features", "event": "events"}


def mention_phrase(value: str) -> str:
    """How a yes/no question names a fact: events take an article ("the repair cafe"), names do not."""
    return f"the {value}" if value in genres()["lexicon"]["events"] else value


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _facts(rng: random.Random, lexicon: dict[str, list[str]]) -> dict[str, Any]:
    """One document's facts; every number is typed by what it measures and drawn from a plausible range."""
    firsts = rng.sample(lexicon["first_names"], 4)
    lasts = rng.sample(lexicon["last_names"], 4)
    dish = rng.choice(sorted(lexicon["recipes"]))
    ing = lexicon["recipes"][dish]
    towns = rng.sample(lexicon["towns"], 2)
    features = rng.sample(lexicon["features"], 2)
    weekdays = rng.sample(lexicon["weekdays"], 2)
    facts: dict[str, Any] = {f"f{i + 1}": firsts[i] for i in range(4)}
    facts.update({f"p{i + 1}": f"{firsts[i]} {lasts[i]}" for i in range(4)})
    facts.update({f"ing{i + 1}": ing[i] for i in range(4)})
    accounts = rng.randint(4, 40)
    salary_lo = rng.randrange(48000, 90000, 1000)
    votes_for = rng.randint(7, 15)
    day = rng.randint(1, 28)
    product = rng.choice(sorted(lexicon["products"]))
    min_g, max_g, min_h, max_h = lexicon["products"][product]
    facts.update(
        product=product,
        weight_g=rng.randrange(min_g, max_g + 1, 10),
        battery_h=rng.randint(min_h, max_h),
        town=towns[0],
        town2=towns[1],
        feature=features[0],
        feature2=features[1],
        weekday=weekdays[0],
        weekday2=weekdays[1],
        company=rng.choice(lexicon["companies"]),
        team=rng.choice(lexicon["teams"]),
        month=rng.choice(lexicon["months"]),
        topic=rng.choice(lexicon["topics"]),
        bug=rng.choice(lexicon["bugs"]),
        dish=dish,
        landmark=rng.choice(lexicon["landmarks"]),
        event=rng.choice(lexicon["events"]),
        day=day,
        day_th=_ordinal(day),
        year=rng.randint(2015, 2025),
        built=rng.randint(1780, 1910),
        hour=rng.randint(8, 17),
        pct=rng.randrange(10, 95, 5),
        price=rng.randrange(19, 250),
        free_over=rng.choice([30, 40, 50, 60]),
        rating=f"{rng.randint(35, 49) / 10:.1f}",
        reviews=rng.randint(12, 2400),
        warranty=rng.randint(1, 3),
        budget=rng.randrange(1200, 48000, 100),
        visitors=rng.randrange(150, 4000, 50),
        votes_for=votes_for,
        votes_against=rng.randint(0, votes_for - 3),
        page_size=rng.choice([25, 50, 100, 200]),
        prep_min=rng.randrange(20, 95, 5),
        simmer_min=rng.randrange(10, 45, 5),
        oven_c=rng.randrange(160, 230, 10),
        serves=rng.randint(2, 8),
        keep_days=rng.randint(2, 4),
        ticket=rng.randint(10000, 99999),
        accounts=accounts,
        hit=rng.randint(1, accounts - 1),
        fix_days=rng.randint(2, 15),
        docs=rng.randint(12, 480),
        years_exp=rng.randint(3, 8),
        oncall=rng.randint(4, 8),
        salary_lo=salary_lo,
        salary_hi=salary_lo + rng.randrange(8000, 30000, 1000),
        places=rng.randrange(30, 200, 10),
        priority=rng.choice(["low", "normal", "high"]),
        version=f"{rng.randint(1, 5)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
        prev_version=f"0.{rng.randint(5, 9)}",
    )
    return facts


def generate(rng: random.Random, genre: str) -> Reference:
    """A document of ``genre``: sampled facts rendered through the genre's sentence templates.

    Questions are kept only when the sentence they need was kept; fields and key facts only when their
    value appears in the text (folded), so every task is answerable from the text itself.
    """
    data = genres()
    spec = data["genres"][genre]
    facts = _facts(rng, data["lexicon"])
    paragraphs, kept, structure = [], set(), []
    for p, paragraph in enumerate(spec["paragraphs"]):
        if "optional" in paragraph and rng.random() >= paragraph["optional"]:
            continue
        keep = range(len(paragraph["compiled"]))
        if "pick" in paragraph:
            low, high = paragraph["pick"]
            keep = sorted(rng.sample(keep, min(len(keep), rng.randint(low, high))))
        sentences = []
        for e in keep:
            entry = paragraph["compiled"][e]
            v = rng.randrange(len(entry["variants"]))
            sentences.append(entry["variants"][v].render(**facts))
            kept.add(entry["id"])
            structure.append(f"{p}.{e}.{v}")
        paragraphs.append(Paragraph(sentences, paragraph["sep"]))
    ref = Reference(paragraphs=paragraphs, label=spec["label"], genre=genre, source="generated")
    ref.structure = hashlib.blake2b(" ".join(structure).encode(), digest_size=6).hexdigest()
    hay = folding.Haystack(ref.text())
    for q in spec["questions"]:
        if q["needs"] in kept:
            question, *answers = (t.render(**facts) for t in q["compiled"])
            assert answers[0] in hay, f"{genre}: gold answer {answers[0]!r} is not in the text"
            ref.questions.append({"q": question, "answers": answers})
    ref.fields = {k: v for k, t in spec["compiled_fields"].items() if (v := t.render(**facts)) in hay}
    ref.key = [v for t in spec["compiled_key"] if (v := t.render(**facts)) in hay]
    ref.people = [facts[f"p{i}"] for i in range(1, 5) if facts[f"p{i}"] in hay]
    for extra in ref.people:  # a summary always has at least three facts to carry
        if len(ref.key) >= 3:
            break
        if extra not in ref.key:
            ref.key.append(extra)
    lexicon = data["lexicon"]
    ref.present = [facts[k] for k in MENTIONABLE if facts[k] in hay]
    ref.absent = [
        v for k, pool in MENTIONABLE.items() if facts[k] in hay for v in lexicon[pool] if v not in hay
    ]
    return ref


@lru_cache(maxsize=1)
def sentencizer():
    """spaCy's blank English pipeline with the rule-based sentencizer (built once per process)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split(text: str) -> list[Paragraph]:
    """Paragraphs (at blank lines) of sentences (spaCy sentencizer), whitespace kept to join back exactly."""
    nlp = sentencizer()
    paragraphs = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            sentences = [s.text_with_ws for s in nlp(block.strip()).sents]
            paragraphs.append(Paragraph(sentences, ""))
    return paragraphs


def from_user(text: str, *, label: str, row: int) -> Reference:
    """A user text as a reference (split at sentence boundaries with spaCy)."""
    return Reference(paragraphs=split(text), label=label, genre="user", source="user", row=row)


def load_texts(path: str, column: str) -> list[str]:
    """The texts in ``column`` of a file or folder read by ``dsgen.sources`` (JSONL, JSON, Parquet, a
    folder of them, a ``datasets`` folder: its ``train`` split, else its first).

    Raises DsgenError naming the file and column when the file is missing or unreadable, the column
    is absent (with the closest name), holds a value that is not text (naming the row), or has no text.
    """
    source = open_source(path, what="texts file")
    if len(source.splits) > 1:
        source = source.only("train" if "train" in source.splits else sorted(source.splits)[0])
    texts = source.column(column)
    for row, value in enumerate(texts):
        if not isinstance(value, str):
            raise DsgenError(
                f"{path}: row {row} of column '{column}' is {type(value).__name__} "
                f"({str(value)[:40]!r}), expected text"
            )
    if not any(t.strip() for t in texts):
        raise DsgenError(f"{path}: column '{column}' has no text (0 non-empty values in {len(texts)} rows)")
    return texts
