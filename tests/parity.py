"""Agreement of dsgen's checks with a reference checker over a pool of cases, per instruction id.

A difference counts as ``fixed`` when ``explained`` says it is one of dsgen's documented departures from
the reference (and the reference crashing, a None verdict, always is); any other goes to ``bad``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Check = Callable[[str, str, dict], "bool | None"]  # (response, id, kwargs) -> verdict


def compare(
    cases: Iterable[tuple[str, dict, str]],
    ours: Check,
    theirs: Check,
    explained: Callable[[str, dict, str, "bool | None"], bool],
) -> dict[str, dict]:
    """Per id: cases, agreeing verdicts, documented differences, dsgen's passes and the undocumented rest."""
    table: dict[str, dict] = {}
    for iid, kwargs, response in cases:
        row = table.setdefault(iid, {"cases": 0, "agree": 0, "fixed": 0, "passes": 0, "bad": []})
        mine, reference = ours(response, iid, kwargs), theirs(response, iid, kwargs)
        row["cases"] += 1
        row["passes"] += mine
        if mine == reference:
            row["agree"] += 1
        elif reference is None or explained(iid, kwargs, response, reference):
            row["fixed"] += 1
        else:
            row["bad"].append((kwargs, response, mine, reference))
    return table
