"""Errors dsgen raises on bad input (the CLI prints them as one paragraph and exits with code 2), and the
wording helpers its messages share: ``did_you_mean``, ``plural``."""

from __future__ import annotations

from collections.abc import Iterable


class DsgenError(Exception):
    """A problem with the user's input (recipe, file, argument), explained in plain words."""


class RecordInvalid(DsgenError):
    """A generated record broke its JSON Schema: a builder bug, reported with dataset, index, field and rule."""

    def __init__(self, dataset: str, index: int, path: str, rule: str, message: str):
        self.dataset, self.index, self.path, self.rule, self.detail = dataset, index, path, rule, message
        super().__init__(
            f"record {index} of dataset '{dataset}' failed its schema at '{path or '/'}' "
            f"(rule '{rule}'): {message}. This is a bug in the builder; set "
            f"'output.rejects: true' in the recipe to route such records to a rejects file instead."
        )

    def __reduce__(self):  # crosses process boundaries from build workers
        return (type(self), (self.dataset, self.index, self.path, self.rule, self.detail))


class Skip(Exception):
    """Raised by a builder, wrapper or filter to discard one item with a reason that is counted."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice by rapidfuzz, or '' when nothing is close."""
    from rapidfuzz import fuzz, process

    # plain edit-distance ratio: WRatio scores a one-letter substring ('n' in 'questoin') highly
    match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=70)
    return f" (did you mean '{match[0]}'?)" if match else ""


def plural(n: int, noun: str) -> str:
    """'1 record', '2 records', '1,000 records' (dsgen's nouns all take an -s)."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"
