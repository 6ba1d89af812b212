"""Which split a record goes to: by a hash of its split keys, its level or its difficulty.

A fraction split hashes ``metadata.split_keys``, else ``metadata.group_id``, else the id, so groups
(noisy/clean twins, an answer and its path) are never cut apart. A template split hashes
``metadata.scenario``, so every record of a scenario lands in the same split.
"""

from __future__ import annotations

import json
from typing import Any

from .recipe import Splits
from .seeding import unit_interval


def _metadata(record: dict[str, Any]) -> dict[str, Any]:
    metadata = record.get("metadata") or {}
    return json.loads(metadata) if isinstance(metadata, str) else metadata


def split_keys(record: dict[str, Any]) -> list[str]:
    """What a fraction split hashes: ``metadata.split_keys`` (an answer and the entities on its path),
    else ``metadata.group_id`` (noisy/clean twins), else the id, so groups are never cut apart."""
    metadata = _metadata(record)
    if metadata.get("split_keys"):
        return list(metadata["split_keys"])
    return [metadata["group_id"]] if metadata.get("group_id") else [record["id"]]


def _fraction_split(splits: Splits, key: str) -> str | None:
    u, total = unit_interval(key + "/split"), 0.0
    last = None
    for name, fraction in splits.fractions.items():
        if fraction > 0:
            total += fraction
            last = name
            if u < total:
                return name
    return last


def assign_split(splits: Splits, record: dict[str, Any]) -> str | None:
    """The split of a record: by a hash of its split keys against cumulative fractions, or by its level.

    None when no split takes it: its level is in no split, its split keys fall in different splits
    (a reverse-QA path that would leak an entity across splits), or a template split meets a record
    without ``metadata.scenario``; ``unassigned_reason`` says which."""
    if splits.by == "level":
        return next((s for s, levels in splits.levels.items() if record["level"] in levels), None)
    if splits.by == "difficulty":
        return next(s for s, bound in splits.thresholds.items() if record["difficulty"] <= bound)
    if splits.by == "template":
        scenario = _metadata(record).get("scenario")
        return _fraction_split(splits, "template/" + scenario) if scenario else None
    names = {_fraction_split(splits, key) for key in split_keys(record)}
    return names.pop() if len(names) == 1 else None


def unassigned_reason(splits: Splits, record: dict[str, Any]) -> str:
    """The counted reason for a record that ``assign_split`` puts in no split."""
    if splits.by == "level":
        return f"split: level '{record['level']}' is in no split"
    if splits.by == "template":
        return "split: by template, but the record has no metadata.scenario"
    return "split: its split keys (answer and path entities) fall in different splits"
