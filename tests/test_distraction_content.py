"""The distraction reward grades the task: content checks from the generator's own facts, non-answers,
Parquet rows, answerability, group-whole splits, and labels that do not punish mentioning a distractor."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dsgen.builders.distraction import DistractionTasks, witness

import dsgen
from dsgen.errors import Skip
from dsgen.pipeline import assign_split
from dsgen.recipe import Splits
from dsgen.records import RecordMaker, to_row
from dsgen.verifiers import content, distraction, folding


@pytest.fixture(scope="module")
def records():
    maker = RecordMaker("c", "distraction", DistractionTasks(variants="both"), seed=3)
    maker.setup()
    out = []
    for i in range(160):
        try:
            out.append(maker.make(i))
        except Skip:
            pass
    return out


def by_type(records, kind):
    found = [r for r in records if r["verifier"]["params"]["content"]["type"] == kind]
    assert found, kind
    return found


def test_witness_scores_one_in_memory_and_as_parquet_row(records, tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([to_row(r) for r in records]), path)
    rows = pq.read_table(path).to_pylist()
    assert isinstance(rows[0]["verifier"]["params"], str)
    for record, row in zip(records, rows):
        witness = DistractionTasks().reference_completion(row)
        assert dsgen.score(record, witness) == 1.0 == dsgen.score(row, witness)
        result = distraction.breakdown(row, witness)
        assert set(result["parts"]) == {"content", "constraints", "distractors"}


def test_non_answers_never_earn_full_reward(records):
    for record in records:
        p = record["verifier"]["params"]
        fillers = [
            "OK",
            "Done.",
            "",
            record["prompt"][-1]["content"],
            p["content"]["reference"],
            "My answer is yes. My answer is no. My answer is maybe.",
        ]
        if "detectable_format:constrained_response" not in p["instruction_id_list"]:
            # (there the constraint's own witness, "My answer is yes.", is an answer: graded by content)
            fillers.append(witness.witness_response(p["instruction_id_list"], p["kwargs"]) or "x")
        for text in fillers:
            assert dsgen.score(record, text) < 1.0, (p["content"]["type"], text[:80])


def test_every_question_is_answered_by_its_own_text(records):
    for record in by_type(records, "answer"):
        c = record["verifier"]["params"]["content"]
        assert c["answers"][0] in folding.Haystack(c["reference"])
    for record in by_type(records, "yes_no"):
        c = record["verifier"]["params"]["content"]
        mention = record["metadata"]["task"]["about"]
        assert (mention in folding.Haystack(c["reference"])) == (c["gold"] == "yes")


def answer_params(answers, others=()):
    ref = "The plan will be shared by Priya Kapoor. The meeting is at 15:00 in Fennick. Costs are 4800 euros."
    return {
        "type": "answer",
        "reference": ref,
        "copy_limit": 0.5,
        "no_new_numbers": True,
        "allowed_numbers": ["15", "4800"],
        "answers": list(answers),
        "others": list(others),
    }


def test_answer_needs_gold_once_and_no_hedge_or_invented_number():
    c = answer_params(["Priya Kapoor", "Priya"], ["15:00", "Fennick", "4800"])
    assert content.check(c, "PRIYA KAPOOR will share it.")["ok"]
    assert content.check(c, "Priya, as agreed in Fennick.")["ok"]  # one other fact in context is fine
    assert not content.check(c, "Jonas Berg will share it.")["ok"]
    assert not content.check(c, "Priya Kapoor, or 15:00, or Fennick, or 4800.")["checks"]["one_answer"]
    assert not content.check(c, "Priya Kapoor, who earns 9100 euros.")["checks"]["no_invented_numbers"]
    spelled = {**answer_params(["48", "forty-eight", "forty eight"]), "allowed_numbers": ["48"]}
    assert content.check(spelled, "Forty-eight.")["ok"] and content.check(spelled, "4\u200b8")["ok"]


def test_yes_no_states_one_polarity():
    c = {**answer_params(["x"]), "type": "yes_no", "gold": "no"}
    assert content.check(c, "No, the text does not mention it.")["ok"]
    assert content.check(c, "My answer is no.")["ok"]
    assert not content.check(c, "Yes, it does.")["ok"]
    assert not content.check(c, "Yes. No.")["ok"]
    assert not content.check(c, "No and yes: it depends.")["ok"] and not content.check(c, "Yes/no.")["ok"]
    assert not content.check(c, "My answer is no. My answer is maybe.")["ok"]
    assert not content.check(c, "It is hard to say.")["ok"]


def test_convert_parses_and_holds_every_field(records):
    record = by_type(records, "convert")[0]
    c = record["verifier"]["params"]["content"]
    good = json.dumps({k.upper().replace("_", " "): v for k, v in c["fields"].items()})
    assert content.check(c, f"```json\n{good}\n```")["ok"]
    assert not content.check(c, good[:-1])["checks"]["parses"]
    missing = json.dumps(dict(list(c["fields"].items())[1:]))
    assert not content.check(c, missing)["checks"]["fields"]
    wrong = json.dumps({k: "unknown" for k in c["fields"]})
    assert not content.check(c, wrong)["checks"]["values"]


def test_extract_recall_and_precision(records):
    c = by_type(records, "extract")[0]["verifier"]["params"]["content"]
    assert content.check(c, "\n".join(c["items"]))["ok"]
    assert not content.check(c, c["items"][0])["checks"]["recall"]
    invented = "\n".join(c["items"] + [str(90000 + i) for i in range(len(c["items"]))])
    assert not content.check(c, invented)["checks"]["precision"]


def test_summary_list_and_rewrite_need_key_facts(records):
    for kind in ("summarise", "list_items", "rewrite"):
        c = by_type(records, kind)[0]["verifier"]["params"]["content"]
        assert not content.check(c, "This document covers several things of interest.")["ok"]
    c = by_type(records, "list_items")[0]["verifier"]["params"]["content"]
    assert not content.check(c, " ".join(c["key"]))["checks"]["list"]
    assert content.check(c, "\n".join(f"- {k}" for k in c["key"] + ["more", "more"]))["checks"]["list"]


def test_fifty_fifty_split_keeps_every_twin_group_whole(records):
    splits = Splits(fractions={"train": 0.5, "test": 0.5})
    groups = defaultdict(set)
    for record in records:
        groups[record["metadata"]["group_id"]].add(assign_split(splits, record))
    assert len(groups) > 40
    assert all(len(s) == 1 and None not in s for s in groups.values())
    assert {s.pop() for s in groups.values()} == {"train", "test"}


def test_benign_noise_never_addresses_an_assistant_and_density_is_recorded():
    import re

    from dsgen.builders.distraction import distractors as noise

    addresses = re.compile(
        r"\b(assistant|ai|model|system|your (answer|reply|response)|any (answer|reply))\b", re.I
    )
    maker = RecordMaker("b", "distraction", DistractionTasks(family="benign", max_distractors=6), seed=5)
    maker.setup()
    seen = 0
    for i in range(40):
        try:
            record = maker.make(i)
        except Skip:
            continue
        summary = record["metadata"]["distraction"]
        assert summary["word_share"] < 0.6
        for d in summary["distractors"]:
            assert noise.FAMILY[d["type"]] == "benign" and not addresses.search(d["text"]), d["text"]
            assert d["position"] != "inline"
            seen += 1
    assert seen >= 30


def test_injected_material_is_quoted_and_the_clean_prompt_kept():
    from dsgen.builders.distraction import QUOTE_FRAMES, InjectDistractors

    inner = {
        "prompt": [
            {"role": "user", "content": "Ana has 12 apples. She buys 30 more. How many apples does she have?"}
        ],
        "answer": "42",
        "verifier": {"kind": "numeric", "params": {}},
        "metadata": {},
    }
    wrapper = InjectDistractors(min_distractors=2, max_distractors=2)
    wrapper.setup()
    import random

    out = wrapper.wrap(inner, random.Random(4), 0)
    summary = out["metadata"]["distraction"]
    assert summary["clean_prompt"] == inner["prompt"][0]["content"]
    heads = tuple(f.split("{}")[0] for f in QUOTE_FRAMES)
    for d in summary["distractors"]:
        assert d["text"].startswith(heads) and d["text"] in out["prompt"][-1]["content"]


def test_aligned_and_conflict_settings_are_recorded_and_graded():
    maker = RecordMaker("s", "distraction", DistractionTasks(aligned_rate=0.6, conflict_rate=0.3), seed=9)
    maker.setup()
    settings = defaultdict(list)
    for i in range(60):
        try:
            record = maker.make(i)
        except Skip:
            continue
        settings[record["metadata"]["distraction"]["setting"]].append(record)
    assert settings["aligned"] and settings["conflict"] and settings["none"]
    for record in settings["aligned"]:
        summary = record["metadata"]["distraction"]
        note = next(d for d in summary["distractors"] if d["type"] == "aligned_note")
        assert note["aligned_with"] in summary["aligned"] and note["witness"] is None
        witness = DistractionTasks().reference_completion(record)
        assert dsgen.score(record, witness) == 1.0  # following the aligned note is following the user


def test_no_canary_coincides_with_task_content_and_copy_tasks_carry_no_contradicting_constraint(records):
    from dsgen.builders.distraction import grading

    copies = 0
    for record in records:
        p = record["verifier"]["params"]
        c = p["content"]
        needed = " ".join(
            [c["reference"], record["metadata"]["task"]["text"], *c.get("answers", []), *c.get("items", [])]
            + [*c.get("key", []), *c.get("fields", {}).values()]
        )
        hay = folding.Haystack(needed)
        for d in p["distractors"]:
            w = d["witness"]
            if w and w["type"] == "contains":
                assert w["text"] not in hay, (w, record["metadata"]["task"]["type"])
        if c["type"] == "preserve":
            copies += 1
            assert not set(p["instruction_id_list"]) & grading.EXCLUDED["preserve"]
    assert copies >= 5


def test_a_number_answer_must_lead_and_not_hide_among_number_words():
    c = {**answer_params(["4", "four"]), "allowed_numbers": []}
    assert content.check(c, "Four accounts are affected.")["ok"]
    assert content.check(c, "The ticket says 4. " + "It took one day and two calls. " * 20)["ok"]
    assert not content.check(c, "One, two, three, four or five.")["checks"]["one_answer"]
    assert not content.check(
        c, "Report plan notes. Draft open agreed. Lists holds makes. Most two are four."
    )["checks"]["answer"]


def test_a_repeated_request_is_not_part_of_the_answer():
    c = {**answer_params(["x"]), "type": "yes_no", "gold": "no", "reference": "Some text about nothing."}
    request = "Based on the memo below, is Fennick mentioned anywhere? Answer yes or no."
    params = {
        "instruction_id_list": ["combination:repeat_prompt"],
        "kwargs": [{"prompt_to_repeat": request}],
        "loose": False,
        "content": c,
        "distractors": [],
    }
    assert distraction.breakdown(params, f"{request}\nNo, it is not mentioned.")["reward"] == 1.0
    assert distraction.breakdown(params, f"{request}\nYes and no.")["reward"] == 0.0


def test_convert_needs_every_value_right_and_one_value_a_field(records):
    for record in by_type(records, "convert"):
        c = record["verifier"]["params"]["content"]
        fields = c["fields"]
        assert c["min_values"] == len(fields)
        assert content.check(c, json.dumps(fields))["ok"]
        name = next(iter(fields))
        one_wrong = {**fields, name: "Tessmere Quay 4471"}
        assert not content.check(c, json.dumps(one_wrong))["checks"]["values"]
        listed = {**fields, name: [fields[name], "Tessmere Quay 4471"]}
        assert not content.check(c, json.dumps(listed))["checks"]["single_values"]
        either = {**fields, name: f"{fields[name]} or Tessmere Quay 4471"}
        assert not content.check(c, json.dumps(either))["checks"]["single_values"]
        assert dsgen.score(record, json.dumps(listed)) < 1.0


def test_a_summary_or_rewrite_that_copies_part_of_the_reference_is_not_one(records):
    for kind in ("summarise", "rewrite"):
        for record in by_type(records, kind)[:5]:
            c = record["verifier"]["params"]["content"]
            assert c["max_copied"] == 0.6
            words = c["reference"].split()
            opening = " ".join(words[: int(len(words) * 0.35)])  # under the copy limit of the whole reference
            keys = ". ".join(c["key"])
            assert content.check(c, f"In short: {keys}.")["checks"]["own_words"]
            copied = content.check(c, f"{opening} {keys}.")
            assert copied["checks"]["not_a_copy"] and not copied["checks"]["own_words"]
            assert dsgen.score(record, f"{opening} {keys}.") < 1.0


def test_a_summary_or_rewrite_is_prose_not_a_list_of_names_and_figures(records):
    """A dump of the reference's capitalised words and numbers held the key facts and passed (audit: 42 of 75
    summarise/rewrite records' content checks); prose with function words passes, terse or not."""
    for kind in ("summarise", "rewrite"):
        for record in by_type(records, kind)[:5]:
            c = record["verifier"]["params"]["content"]
            names = [w.strip(".,;:") for w in c["reference"].split() if w[:1].isupper() or w[:1].isdigit()]
            dump = "Key points: " + "; ".join(dict.fromkeys([*names, *c["key"]])) + "."
            result = content.check(c, dump)
            assert result["checks"]["key_facts"] and not result["checks"]["prose"]
            assert dsgen.score(record, dump) < 1.0
            keys = ", ".join(c["key"])
            assert content.check(c, f"In short, the text is about {keys}, and it says what happens next.")["checks"]["prose"]
    terse = "Marlow Heath runs a coding workshop for beginners; the budget is 42300."
    assert content.prose(folding.tokens(terse), terse, 0.15)
    assert not content.prose(folding.tokens("Release 3.4.1 September 2023 Emeka Brennan"), "x", 0.15)
