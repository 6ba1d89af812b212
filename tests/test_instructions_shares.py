"""Copy-the-request tasks and IFBench's fixed prompts are capped shares of a build (``copy_rate``,
``custom_rate``), and records of one fixed prompt share a ``metadata.group_id`` so no split holds half of
them (audit2 M7)."""

from __future__ import annotations

import random

from dsgen.builders.distraction import constraints

import dsgen
from dsgen import splits


def copies(made: list[dict]) -> int:
    return sum(
        bool(set(r["verifier"]["params"]["instruction_id_list"]) & constraints.COPY_TASKS) for r in made
    )


def test_copy_tasks_are_drawn_at_the_copy_rate_and_never_otherwise():
    allowed = constraints.family_ids("ifbench_train")
    drawn = [constraints.choose_ids(random.Random(s), 3, allowed, copy_rate=0.1) for s in range(400)]
    copied = [ids for ids in drawn if set(ids) & constraints.COPY_TASKS]
    assert all(len(ids) == 1 for ids in copied) and 20 <= len(copied) <= 60
    assert not any(
        set(ids) & constraints.COPY_TASKS
        for ids in [constraints.choose_ids(random.Random(s), 3, allowed, copy_rate=0.0) for s in range(100)]
    )
    only = ["copy:copy"]
    assert constraints.choose_ids(random.Random(0), 1, only, copy_rate=0.0) == only  # nothing else to draw


def test_builds_hold_few_copy_tasks_and_fixed_prompts_share_a_group():
    made = dsgen.sample("instructions", {"constraint_family": "ifbench_train"}, count=120, seed=3)
    assert copies(made) <= 14  # 5% expected; 24% before the cap
    assert (
        copies(
            dsgen.sample(
                "instructions", {"constraint_family": "ifbench_train", "copy_rate": 0.0}, count=40, seed=3
            )
        )
        == 0
    )
    test = dsgen.sample(
        "instructions", {"constraint_family": "ifbench_test", "custom_rate": 0.5}, count=30, seed=3
    )
    fixed = [r for r in test if r["metadata"]["request"]["source"] == "ifbench_custom"]
    assert fixed and all(
        r["metadata"]["group_id"] == r["verifier"]["params"]["instruction_id_list"][0] for r in fixed
    )
    assert all("group_id" not in r["metadata"] for r in test if r not in fixed)
    for r in fixed:
        assert splits.split_keys(r) == [r["metadata"]["group_id"]]
