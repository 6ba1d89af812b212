"""Reference texts for instruction-following tasks: generated documents or the user's own texts.

A reference is a list of paragraphs, each a list of sentence strings with the separator that joins
them, so distractors can be planted at sentence boundaries. Generated documents (ten genres in
``templates/distraction/genres.yaml``) know their boundaries; user texts are split into paragraphs at
blank lines and into sentences by spaCy's rule-based sentencizer on a blank English pipeline (no
downloaded model), loaded once per process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from dsgen.errors import DsgenError
from dsgen.sources import open_source
from dsgen.templating import environment, read_text


@dataclass
class Paragraph:
    """Sentences joined by ``sep`` (user texts keep their own whitespace in the sentences and use "")."""

    sentences: list[str]
    sep: str = " "

    def text(self) -> str:
        return self.sep.join(self.sentences)


@dataclass
class Reference:
    """A reference text with its genre label and what tasks about it may ask."""

    paragraphs: list[Paragraph]
    label: str
    genre: str
    source: str  # "generated" or "user"
    question: str = "what is the main point of the text?"
    mention: str = "a deadline"
    row: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)

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
            paragraph["compiled"] = [env.from_string(s) for s in paragraph["sentences"]]
        spec["compiled_questions"] = [env.from_string(q) for q in spec["questions"]]
        spec["compiled_mentions"] = [env.from_string(m) for m in spec["mentions"]]
    return data


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


def _facts(rng: random.Random, lexicon: dict[str, list[str]]) -> dict[str, Any]:
    firsts = rng.sample(lexicon["first_names"], 4)
    lasts = rng.sample(lexicon["last_names"], 4)
    ing = rng.sample(lexicon["ingredients"], 4)
    cities = rng.sample(lexicon["cities"], 2)
    features = rng.sample(lexicon["features"], 2)
    weekdays = rng.sample(lexicon["weekdays"], 2)
    facts: dict[str, Any] = {f"f{i + 1}": firsts[i] for i in range(4)}
    facts.update({f"p{i + 1}": f"{firsts[i]} {lasts[i]}" for i in range(4)})
    facts.update({f"ing{i + 1}": ing[i] for i in range(4)})
    facts.update(
        city=cities[0],
        city2=cities[1],
        feature=features[0],
        feature2=features[1],
        weekday=weekdays[0],
        weekday2=weekdays[1],
        company=rng.choice(lexicon["companies"]),
        product=rng.choice(lexicon["products"]),
        team=rng.choice(lexicon["teams"]),
        month=rng.choice(lexicon["months"]),
        topic=rng.choice(lexicon["topics"]),
        bug=rng.choice(lexicon["bugs"]),
        dish=rng.choice(lexicon["dishes"]),
        subject=rng.choice(lexicon["subjects"]),
        event=rng.choice(lexicon["events"]),
        day=rng.randint(1, 28),
        year=rng.randint(2015, 2025),
        hour=rng.randint(8, 17),
        n1=rng.randint(1, 4),
        n2=rng.randint(2, 9),
        n3=rng.randint(3, 9),
        pct=rng.randrange(10, 95, 5),
        price=rng.randint(19, 499),
        rating=f"{rng.randint(35, 49) / 10:.1f}",
        ticket=rng.randint(10000, 99999),
        priority=rng.choice(["low", "normal", "high"]),
        version=f"{rng.randint(1, 5)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
        prev_version=f"0.{rng.randint(5, 9)}",
    )
    return facts


def generate(rng: random.Random, genre: str) -> Reference:
    """A realistic document of ``genre``: sampled facts rendered through the genre's sentence templates."""
    data = genres()
    spec = data["genres"][genre]
    facts = _facts(rng, data["lexicon"])
    paragraphs = []
    for paragraph in spec["paragraphs"]:
        templates = paragraph["compiled"]
        if "pick" in paragraph:
            low, high = paragraph["pick"]
            keep = sorted(rng.sample(range(len(templates)), min(len(templates), rng.randint(low, high))))
            templates = [templates[i] for i in keep]
        paragraphs.append(Paragraph([t.render(**facts) for t in templates], paragraph["sep"]))
    return Reference(
        paragraphs=paragraphs,
        label=spec["label"],
        genre=genre,
        source="generated",
        question=rng.choice(spec["compiled_questions"]).render(**facts),
        mention=rng.choice(spec["compiled_mentions"]).render(**facts),
        facts=facts,
    )


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
