"""Extracts entities and fact triples from documents with spaCy, for reverse QA over a user corpus.

The default pipeline is ``spacy.blank("en")`` with a sentencizer and an EntityRuler (capitalised
multi-word names, years, numbers), so nothing needs downloading; a trained pipeline named by the
user adds its NER; the corpus's titles are matched whole ("Dawn over Tessmere", not "Dawn"). Facts are
read by rule: between two mentions of a sentence, the words must be a cue of facts.yaml ("X was born in
Y", "X was founded in 1890", "Y was written by X", "X wrote Y"), once normalised: a leading article
("joined the Y"), adverbs ("later joined"), an appositive or category ("X, a painter, was born in",
"X is a river town in Y", "X is a novel by Y", "X is a choir that was founded in") are read off, and
"and …" or ", founded in …" continue with the sentence's subject. "He", "She", a sentence-opening "It",
"The bank" (when the subject is a bank) and the subject's surname stand for the document's subject (the
entity its title names); a trailing
"in 1853" dates the fact before it ("born in Roulgim in 1853"); "X wrote A and B" repeats the relation.
Each fact keeps the documents and sentences stating it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

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
         "as", "by", "for", "from", "with", "and", "but", "or", "of", "to", "is", "was", "its", "some", "many",
         "the"]
_CATEGORY = re.compile(r"^\s+(?:is|was)\s+an?\s+([a-z][a-z' -]*[a-z])\s*\.?\s*$")
#: "(is|was) a CATEGORY [that|who|which] REST" and ", a CATEGORY, REST": the category, then the cue left
_CATEGORY_THEN = re.compile(r"^(?:(?:is|was) )?an? ([a-z][a-z' -]*?)(?:,| (?:that|which|who))? "
                            r"(in|by|from|born in|founded by|founded in|established by|established in|written by|"
                            r"composed by|painted by|created by|organised by|organized by|held in|attended by|"
                            r"lies in|located in|based in|headquartered in|(?:was|is) .+)$")
_PRONOUNS = frozenset({"he", "she", "they"})
_ADVERBS = frozenset({"later", "also", "then", "soon", "first", "eventually", "subsequently"})
#: a year after a relation ("born in Roulgim in 1853") dates the relation's subject with this attribute
_DATED_BY = {"born_in": "birth_year", "founded_by": "founding_year", "held_in": "event_year",
             "authored_by": "publication_year"}
#: what "a <kind> in Y" states, by the type the kind belongs to
_IN_BY_TYPE = {"place": "is located in", "organisation": "is headquartered in", "event": "was held in"}
#: and a place after a date ("first held in 1899 in Tessmere") places it with this relation
_PLACED_BY = {"birth_year": "born_in", "event_year": "held_in"}


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


def pipeline(model: str | None, names: list[str] = ()):
    """The spaCy pipeline: blank English with rules, or the installed pipeline ``model`` plus the rules;
    ``names`` (the corpus's titles) are matched whole before the generic name rules."""
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
    titles = sorted({" ".join(n.split()) for n in names if n and n[:1].isupper()})
    ruler.add_patterns([{"label": "NAME", "pattern": t} for t in titles] + _patterns())
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


class _Mention(NamedTuple):
    start: int
    end: int
    label: str
    text: str  # the name it stands for (a pronoun's or surname's is the document subject's)


def _normal_cue(cue: str) -> tuple[str, str | None, bool]:
    """(cue, category it states, whether it continues the sentence's subject) of the words between mentions."""
    cue = cue.strip().lower()
    continues = cue.startswith((",", "and ", "(", ")")) and not cue.startswith(", a ")
    words = [w for w in cue.lstrip(",() ").split() if w not in _ADVERBS]
    if words[:1] == ["and"]:
        words = words[1:]
    if words[-1:] == ["the"]:
        words = words[:-1]
    cue = " ".join(words).strip(" ,()")
    category = None
    found = _CATEGORY_THEN.match(cue)
    if found:
        category, cue = found.group(1), found.group(2)
    return cue, category, continues


def extract(rows: list[tuple[str, str, str]], nlp) -> tuple[KB, dict[tuple, list[tuple[str, str]]]]:
    """The knowledge base of the facts stated in ``rows`` (id, title, text), and each fact's sources."""
    from .world import taxonomy

    specs = config("facts.yaml")
    rel_cues, year_cues, number_cues = _cues()
    titles = {" ".join(title.split()) for _, title, _ in rows if title}
    leaves, _ = taxonomy()
    kind_types = {leaf.split()[-1]: etype for etype, groups in leaves.items() for names in groups.values()
                  for leaf in names}  # "museum" -> organisation, "town" -> place
    ids: dict[str, int] = {}
    votes: list[Counter] = []
    values: dict[str, dict[int, object]] = {attr: {} for attr in specs["attributes"]}
    pairs: dict[str, dict[tuple[int, int], None]] = {rel: {} for rel in specs["relations"]}
    sources: dict[tuple, list[tuple[str, str]]] = {}

    def canonical(name: str) -> str:
        """One name for "The Tessary Society" and "the Tessary Society": the title's form where there is one."""
        name = " ".join(name.split())
        if name.startswith("The ") and name not in titles and name[4:] in titles:
            return name[4:]
        return f"The {name}" if f"The {name}" in titles else name

    def entity(name: str, label: str = "NAME") -> int:
        if name not in ids:
            ids[name] = len(ids)
            votes.append(Counter())
        e = ids[name]
        if label in NER_TYPES:
            votes[e][NER_TYPES[label]] += 1
        return e

    def attribute(e: int, attr: str, value, doc_id: str, sentence: str) -> None:
        for t in specs["attributes"][attr]["types"] if len(specs["attributes"][attr]["types"]) == 1 else ():
            votes[e][t] += 1
        known = values[attr].setdefault(e, value)
        if known == value:
            _cite(sources, (e, attr, value), doc_id, sentence)

    def relation(rel: str, s: int, o: int, doc_id: str, sentence: str) -> None:
        votes[s][specs["relations"][rel]["subject"]] += 1
        votes[o][specs["relations"][rel]["object"]] += 1
        pairs[rel][(s, o)] = None
        _cite(sources, (s, rel, o), doc_id, sentence)

    texts = (text for _, _, text in rows)
    for (doc_id, title, _), doc in zip(rows, nlp.pipe(texts, batch_size=64)):
        text = doc.text  # spaCy rebuilds doc.text on every access
        all_ents = [e for e in doc.ents if e.label_ in USED_LABELS]
        named = [canonical(e.text) for e in all_ents if e.label_ in NAME_LABELS]
        subject = canonical(title) if title and canonical(title) in named else (named[0] if named else None)
        surname = subject.split()[-1] if subject and " " in subject else None
        k = 0
        for sent in doc.sents:  # sent.ents scans the whole document: walk both lists together instead
            start, end = sent.start_char, sent.end_char
            while k < len(all_ents) and all_ents[k].start_char < start:
                k += 1
            mentions = []
            while k < len(all_ents) and all_ents[k].end_char <= end:
                ent = all_ents[k]
                name = subject if ent.label_ in NAME_LABELS and ent.text == surname else canonical(ent.text)
                mentions.append(_Mention(ent.start_char, ent.end_char, ent.label_, name))
                k += 1
            if subject is not None:
                mentions += [_Mention(t.idx, t.idx + len(t), "NAME", subject) for t in sent
                             if t.lower_ in _PRONOUNS or (t.lower_ == "it" and t.is_sent_start)]
                kind = values["category"].get(ids.get(subject, -1))
                if kind and len(sent) > 2 and sent[0].lower_ == "the" and sent[1].lower_ == kind.split()[-1]:
                    mentions.append(_Mention(sent[0].idx, sent[1].idx + len(sent[1]), "NAME", subject))  # "The bank"
            mentions.sort()
            sentence = text[start:end].strip()
            # the sentence's subject, which "and …" and ", founded in …" continue: a name that opens it
            opening = [m for m in mentions[:1] if m.label in NAME_LABELS
                       and not text[start:m.start].strip(" \"'").removeprefix("The").strip()]
            if mentions and mentions[0].label in NAME_LABELS:
                match = _CATEGORY.match(text[mentions[0].end:end])
                if match:
                    attribute(entity(mentions[0].text), "category", match.group(1), doc_id, sentence)
            last: tuple[str, int, int] | None = None  # the sentence's last relation (name, subject, object)
            dated: tuple[str, int] | None = None  # and its last year attribute (name, entity)
            for a, b in zip(mentions, mentions[1:]):
                cue, category, continues = _normal_cue(text[a.end:b.start])
                head = (opening[0] if opening else None) if continues else a
                year = re.fullmatch(_YEAR, b.text.strip())
                if cue == "in" and b.label in NAME_LABELS and dated is not None and dated[0] in _PLACED_BY:
                    relation(_PLACED_BY[dated[0]], dated[1], entity(b.text, b.label), doc_id, sentence)  # "in 1899 in X"
                    continue
                if head is None or head.label not in NAME_LABELS:
                    continue
                if category is not None:
                    attribute(entity(head.text), "category", category, doc_id, sentence)
                if b.label in NAME_LABELS:
                    if cue == "and" and last is not None:  # "X wrote A and B"
                        rel, s, o = last
                        s, o = (s, entity(b.text, b.label)) if o == entity(a.text) else (entity(b.text, b.label), o)
                        relation(rel, s, o, doc_id, sentence)
                        continue
                    rel_cue = cue
                    if category is not None and cue == "in":  # "a museum in Y", "a regatta in Y", "a town in Y"
                        rel_cue = _IN_BY_TYPE.get(kind_types.get(category.split()[-1]), "")
                    elif category is not None and cue == "by":
                        rel_cue = "was created by"
                    if rel_cue in rel_cues:
                        rel, swapped = rel_cues[rel_cue]
                        s, o = entity(head.text, head.label), entity(b.text, b.label)
                        s, o = (o, s) if swapped else (s, o)
                        relation(rel, s, o, doc_id, sentence)
                        last = (rel, s, o)
                    continue
                if cue == "in" and year and last is not None and last[0] in _DATED_BY:  # "born in Roulgim in 1853"
                    attribute(last[1], _DATED_BY[last[0]], int(year.group(1)), doc_id, sentence)
                elif cue in year_cues and year:
                    attribute(entity(head.text), year_cues[cue], int(year.group(1)), doc_id, sentence)
                    dated = (year_cues[cue], entity(head.text))
                elif b.label in NUMBER_LABELS | DATE_LABELS and cue in number_cues:
                    digits = b.text.replace(",", "")
                    if digits.isdigit():
                        attribute(entity(head.text), number_cues[cue], int(digits), doc_id, sentence)

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
