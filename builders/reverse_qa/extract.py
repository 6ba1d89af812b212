"""Extracts entities and fact triples from documents with spaCy, for reverse QA over a user corpus.

The default pipeline is ``spacy.blank("en")`` with a sentencizer and an EntityRuler (capitalised
multi-word names, years, numbers), so nothing needs downloading; a trained pipeline named by the
user adds its NER. Facts are read by rule: between two entities of a sentence, the words must be a
cue of facts.yaml ("X was born in Y", "X was founded in 1890", "Y was written by X", "X wrote Y"),
and "X is a violinist." gives a category. Each fact keeps the documents and sentences stating it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from dsgen.errors import DsgenError

from .kb import KB, config

NER_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place",
             "WORK_OF_ART": "work", "EVENT": "event"}
NAME_LABELS = frozenset({"NAME", "NORP", "PRODUCT", *NER_TYPES})
DATE_LABELS = frozenset({"YEAR", "DATE"})
NUMBER_LABELS = frozenset({"NUM", "CARDINAL", "QUANTITY"})
USED_LABELS = NAME_LABELS | DATE_LABELS | NUMBER_LABELS
_YEAR = r"\b([1-9][0-9]{2}|1[0-9]{3}|20[0-9]{2})\b"  # years 100 to 2099, as written in the text
_STOP = ["he", "she", "it", "they", "we", "i", "you", "in", "on", "at", "this", "that", "these", "those", "his",
         "her", "its", "their", "our", "a", "an", "after", "before", "during", "when", "while", "there", "here",
         "as", "by", "for", "from", "with", "and", "but", "or", "of", "to", "is", "was", "its", "some", "many"]
_CATEGORY = re.compile(r"^\s+(?:is|was)\s+an?\s+([a-z][a-z' -]*[a-z])\s*\.?\s*$")


def _patterns() -> list[dict]:
    first = {"IS_TITLE": True, "LOWER": {"NOT_IN": _STOP}}
    more = {"IS_TITLE": True, "OP": "*"}
    the = {"LOWER": "the", "IS_TITLE": True}
    of = [{"LOWER": "of"}, {"IS_TITLE": True, "OP": "+"}]
    return [
        {"label": "NAME", "pattern": [first, more]},
        {"label": "NAME", "pattern": [first, more, *of]},
        {"label": "NAME", "pattern": [the, {"IS_TITLE": True, "OP": "+"}]},
        {"label": "NAME", "pattern": [the, {"IS_TITLE": True, "OP": "+"}, *of]},
        {"label": "YEAR", "pattern": [{"SHAPE": "dddd"}]},
        {"label": "NUM", "pattern": [{"LIKE_NUM": True, "IS_ALPHA": False, "SHAPE": {"NOT_IN": ["dddd"]}}]},
    ]


def pipeline(model: str | None):
    """The spaCy pipeline: blank English with rules, or the installed pipeline ``model`` plus the rules."""
    import spacy

    if model is None:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    else:
        if not spacy.util.is_package(model) and not Path(model).is_dir():
            raise DsgenError(
                f"spaCy pipeline '{model}' is not installed: install it with `python -m spacy download {model}` "
                f"(or `pip install {model}`), or leave spacy_model unset to use the built-in rule-based pipeline"
            )
        try:
            nlp = spacy.load(model)
        except (OSError, ValueError) as exc:
            raise DsgenError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from exc
        if not any(nlp.has_pipe(p) for p in ("parser", "senter", "sentencizer")):
            nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", before="ner") if nlp.has_pipe("ner") else nlp.add_pipe("entity_ruler")
    ruler.add_patterns(_patterns())
    return nlp


def _cues() -> tuple[dict, dict, dict]:
    """Cue words → (relation, swapped), → year attribute, → number attribute."""
    specs = config("facts.yaml")
    relations, years, numbers = {}, {}, {}
    for rel, spec in specs["relations"].items():
        for cue in (spec["cue"], *spec.get("also", ())):
            relations[cue] = (rel, False)
        for cue in spec.get("inverse", ()):
            relations[cue] = (rel, True)
    for attr, spec in specs["attributes"].items():
        table = {"year": years, "number": numbers}.get(spec["kind"])
        if table is not None:
            for cue in (spec["cue"], *spec.get("also", ())):
                table[cue] = attr
    return relations, years, numbers


def extract(rows: list[tuple[str, str, str]], nlp) -> tuple[KB, dict[tuple, list[tuple[str, str]]]]:
    """The knowledge base of the facts stated in ``rows`` (id, title, text), and each fact's sources."""
    from .world import taxonomy

    specs = config("facts.yaml")
    rel_cues, year_cues, number_cues = _cues()
    ids: dict[str, int] = {}
    votes: list[Counter] = []
    values: dict[str, dict[int, object]] = {attr: {} for attr in specs["attributes"]}
    pairs: dict[str, dict[tuple[int, int], None]] = {rel: {} for rel in specs["relations"]}
    sources: dict[tuple, list[tuple[str, str]]] = {}

    def entity(span) -> int:
        name = " ".join(span.text.split())
        if name not in ids:
            ids[name] = len(ids)
            votes.append(Counter())
        e = ids[name]
        if span.label_ in NER_TYPES:
            votes[e][NER_TYPES[span.label_]] += 1
        return e

    def attribute(e: int, attr: str, value, doc_id: str, sentence: str) -> None:
        for t in specs["attributes"][attr]["types"] if len(specs["attributes"][attr]["types"]) == 1 else ():
            votes[e][t] += 1
        known = values[attr].setdefault(e, value)
        if known == value:
            _cite(sources, (e, attr, value), doc_id, sentence)

    texts = (text for _, _, text in rows)
    for (doc_id, _, _), doc in zip(rows, nlp.pipe(texts, batch_size=64)):
        text = doc.text  # spaCy rebuilds doc.text on every access
        all_ents, k = [e for e in doc.ents if e.label_ in USED_LABELS], 0
        for sent in doc.sents:  # sent.ents scans the whole document: walk both lists together instead
            start, end = sent.start_char, sent.end_char
            while k < len(all_ents) and all_ents[k].start_char < start:
                k += 1
            ents = []
            while k < len(all_ents) and all_ents[k].end_char <= end:
                ents.append(all_ents[k])
                k += 1
            sentence = text[start:end].strip()
            if ents and ents[0].label_ in NAME_LABELS:
                match = _CATEGORY.match(text[ents[0].end_char:end])
                if match:
                    attribute(entity(ents[0]), "category", match.group(1), doc_id, sentence)
            for a, b in zip(ents, ents[1:]):
                if a.label_ not in NAME_LABELS:
                    continue
                cue = " ".join(text[a.end_char:b.start_char].split()).lower().strip(" ,")
                if b.label_ in NAME_LABELS and cue in rel_cues:
                    rel, swapped = rel_cues[cue]
                    s, o = (entity(b), entity(a)) if swapped else (entity(a), entity(b))
                    votes[s][specs["relations"][rel]["subject"]] += 1
                    votes[o][specs["relations"][rel]["object"]] += 1
                    pairs[rel][(s, o)] = None
                    _cite(sources, (s, rel, o), doc_id, sentence)
                elif cue in year_cues:
                    year = re.search(_YEAR, b.text)
                    if year:
                        attribute(entity(a), year_cues[cue], int(year.group(1)), doc_id, sentence)
                elif b.label_ in NUMBER_LABELS | DATE_LABELS and cue in number_cues:
                    digits = b.text.replace(",", "")
                    if digits.isdigit():
                        attribute(entity(a), number_cues[cue], int(digits), doc_id, sentence)

    names = list(ids)
    types = [v.most_common(1)[0][0] if v else "entity" for v in votes]
    attrs = {attr: [column.get(e) for e in range(len(names))] for attr, column in values.items()}
    relations = {rel: list(found) for rel, found in pairs.items()}
    _, broader = taxonomy()
    return KB(names, types, [()] * len(names), attrs, relations, broader), sources


def _cite(sources: dict, fact: tuple, doc_id: str, sentence: str) -> None:
    cited = sources.setdefault(fact, [])
    if (doc_id, sentence) not in cited:
        cited.append((doc_id, sentence))
