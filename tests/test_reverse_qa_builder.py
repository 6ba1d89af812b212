"""reverse_qa records: valid, unique (re-proved here from the world's raw facts), leak-free, deterministic."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import lru_cache

import pytest
import yaml
from pydantic import ValidationError

import dsgen
from dsgen import registry, validation
from dsgen.errors import Skip
from dsgen.records import RecordMaker
from dsgen.templating import read_text

SIZE = 5000
PARAMS = {"num_entities": SIZE, "world_seed": 11, "min_hops": 1, "max_hops": 4}


def make_records(params: dict, count: int, seed: int = 5) -> tuple[list[dict], dict[str, int], object]:
    builder = registry.load("builder", "reverse_qa")(**params)
    maker = RecordMaker("rq", "reverse_qa", builder, seed=seed)
    maker.setup()
    records, skipped = [], {}
    for i in range(count):
        try:
            records.append(maker.make(i))
        except Skip as exc:
            skipped[exc.reason] = skipped.get(exc.reason, 0) + 1
    return records, skipped, builder


@pytest.fixture(scope="module")
def built():
    """The defaults: minimal clue sets, every hop walked, each clue admitting 20+ answers, all blurred."""
    return make_records(PARAMS, 220)


@pytest.fixture(scope="module")
def loose_built():
    """Without the minimality and hop proofs, exact values allowed: still unique."""
    return make_records({**PARAMS, "require_minimal": False, "obfuscation": [0, 1, 2], "min_candidates": 1}, 60,
                        seed=9)


# -- an independent reading of the clue semantics, from the raw facts and the taxonomy file ---------------


@lru_cache(maxsize=None)
def ancestors() -> dict[str, list[str]]:
    """leaf -> [leaf, broader, broadest], read straight from the taxonomy file."""
    tree = yaml.safe_load(read_text("reverse_qa/world.yaml"))["taxonomy"]
    return {leaf: [leaf, group, top] for tops in tree.values() for top, groups in tops.items()
            for group, leaves in groups.items() for leaf in leaves}


def meets(kb, e: int, clue: dict) -> bool:
    """Whether entity ``e`` satisfies one clue of a record's metadata, judged from raw values."""
    c = clue["constraint"]
    if "name" in c:
        return " ".join(kb.names[e].casefold().split()) == " ".join(c["name"].casefold().split())
    value = kb.attrs[clue["attribute"]][e]
    if value is None:
        return False
    if "range" in c:
        return c["range"][0] <= value <= c["range"][1]
    chain = ancestors().get(value, [value])
    return len(chain) > clue["level"] and chain[clue["level"]] == c["category"]


LINKS: dict[int, dict] = {}


def raw_links(kb) -> dict[tuple[str, bool], dict[int, list[int]]]:
    """Each entity's neighbours by (relation, direction), read from the raw pairs once per knowledge base."""
    if id(kb) not in LINKS:
        links: dict[tuple[str, bool], dict[int, list[int]]] = {}
        for rel, pairs in kb.relations.items():
            for s, o in pairs:
                links.setdefault((rel, True), {}).setdefault(s, []).append(o)
                links.setdefault((rel, False), {}).setdefault(o, []).append(s)
        LINKS[id(kb)] = links
    return LINKS[id(kb)]


def solutions(kb, record: dict) -> list[int]:
    """Every entity that fits the question with a path of distinct entities ("another event"): brute force over
    the raw relation pairs, each hop's fit memoised, then a witness path searched."""
    meta = record["metadata"]
    path = meta["path"]
    types = [step["type"] for step in path]
    clues_of = {step["label"]: [c for c in meta["clues"] if c["about"] == step["label"]] for step in path}
    links = raw_links(kb)
    memo: dict[tuple[int, int], bool] = {}

    def fits(i: int, e: int) -> bool:
        if (i, e) not in memo:
            ok = kb.types[e] == types[i] and all(meets(kb, e, c) for c in clues_of[path[i]["label"]])
            if ok and i + 1 < len(path):
                step = path[i]
                ok = any(fits(i + 1, n) for n in links.get((step["relation"], step["forward"]), {}).get(e, ()))
            memo[(i, e)] = ok
        return memo[(i, e)]

    def distinct(i: int, walked: list[int]) -> bool:  # a witness path of distinct entities, as the words say
        if i + 1 == len(path):
            return True
        ahead = links.get((path[i]["relation"], path[i]["forward"]), {}).get(walked[-1], ())
        return any(distinct(i + 1, [*walked, n]) for n in ahead if n not in walked and fits(i + 1, n))

    return [e for e in range(len(kb.names)) if fits(0, e) and distinct(0, [e])]


def cut(record: dict, depth: int | None = None, clues: list[dict] | None = None) -> dict:
    """The record's question with its path cut after entity ``depth`` and/or other clues."""
    meta = dict(record["metadata"])
    if depth is not None:
        meta["path"] = meta["path"][:depth + 1]
        kept = {step["label"] for step in meta["path"]}
        meta["clues"] = [c for c in meta["clues"] if c["about"] in kept]
    if clues is not None:
        meta["clues"] = clues
    return {**record, "metadata": meta}


# -- the records -------------------------------------------------------------------------------------------


def test_enough_records_and_counted_skips(built):
    records, skipped, _ = built
    assert len(records) >= 90
    assert {r["metadata"]["hops"] for r in records} >= {1, 2, 3}
    assert set(skipped) <= {"not_unique", "path_dead_end", "obfuscation_leak", "name_in_question",
                            "single_document", "last_hop_without_clue", "too_few_facts", "hop_shortcut",
                            "too_few_clues_when_minimal", "too_few_hops_when_minimal"}


def test_every_record_is_valid(built):
    for record in built[0]:
        assert validation.check(record) is None, (record["provenance"]["index"], validation.check(record))


def test_uniqueness_is_re_proved_for_every_record(built, loose_built):
    for records, _, builder in (built, loose_built):
        kb = builder.source.kb
        assert len(records) >= 25
        for record in records:
            assert solutions(kb, record) == [record["metadata"]["path"][0]["entity_id"]], record["prompt"]


def test_by_default_every_clue_is_needed_and_none_is_a_lookup(built):
    records, _, builder = built
    kb = builder.source.kb
    assert all(record["metadata"]["minimal"] for record in records)
    for record in records[:50]:  # the brute force takes a while per clue
        answer = record["metadata"]["path"][0]["entity_id"]
        clues = record["metadata"]["clues"]
        for i, clue in enumerate(clues):
            assert len(solutions(kb, cut(record, clues=clues[:i] + clues[i + 1:]))) > 1, (record["id"], i)
            alone = solutions(kb, cut(record, clues=[clue]))
            assert len(alone) == clue["candidates"] >= 20 and answer in alone, (record["id"], clue)


def test_by_default_every_hop_is_walked(built):
    """The answer's own clues, and any shorter part of the path, leave other entities in: effective = nominal."""
    records, _, builder = built
    kb = builder.source.kb
    for record in records:
        hops = record["metadata"]["hops"]
        assert record["metadata"]["effective_hops"] == hops
        for depth in range(hops):
            assert len(solutions(kb, cut(record, depth=depth))) > 1, (record["id"], depth)


def test_the_loose_mode_reports_its_effective_hops(loose_built):
    records, _, builder = loose_built
    kb = builder.source.kb
    for record in records:
        effective = record["metadata"]["effective_hops"]
        assert solutions(kb, cut(record, depth=effective)) == [record["metadata"]["path"][0]["entity_id"]]
        if effective:
            assert len(solutions(kb, cut(record, depth=effective - 1))) > 1


def test_path_and_clues_are_true_of_the_world(built):
    records, _, builder = built
    kb = builder.source.kb
    for record in records:
        path = record["metadata"]["path"]
        assert record["answer"] == path[0]["entity"] == kb.names[path[0]["entity_id"]]
        assert len(path) == record["metadata"]["hops"] + 1
        for step, nxt in zip(path, path[1:]):
            pair = (step["entity_id"], nxt["entity_id"]) if step["forward"] else (nxt["entity_id"], step["entity_id"])
            assert pair in set(kb.relations[step["relation"]])
        label_to_entity = {step["label"]: step["entity_id"] for step in path}
        for clue in record["metadata"]["clues"]:
            assert meets(kb, label_to_entity[clue["about"]], clue)
        last = path[-1]["label"]
        assert any(c["about"] == last for c in record["metadata"]["clues"]), "the last hop carries a clue"


def test_blurred_values_never_appear_in_the_question(built, loose_built):
    for records, _, builder in (built, loose_built):
        kb = builder.source.kb
        for record in records:
            question = record["prompt"][0]["content"]
            entities = {step["label"]: step["entity_id"] for step in record["metadata"]["path"]}
            for clue in record["metadata"]["clues"]:
                if clue["level"] == 0 or clue["attribute"] == "name":
                    continue
                value = kb.attrs[clue["attribute"]][entities[clue["about"]]]
                forms = {str(value)} | ({f"{value:,}"} if isinstance(value, int) else set())
                for form in forms:
                    assert not re.search(rf"(?<![\w,]){re.escape(form)}(?![\w]|,\d)", question, re.IGNORECASE), (
                        form, question)
            for step in record["metadata"]["path"]:
                assert step["entity"].casefold() not in question.casefold()


def test_numbers_and_dates_are_blurred_by_default(built):
    for record in built[0]:
        assert set(record["metadata"]["obfuscation_levels"]) <= {1, 2}
        assert all(c["attribute"] != "name" for c in record["metadata"]["clues"])


def test_questions_are_prose_that_states_the_answer_type(built):
    asks = yaml.safe_load(read_text("reverse_qa/facts.yaml"))["asks"]
    openings, links = set(), set()
    for record in built[0]:
        question = record["prompt"][0]["content"]
        assert not re.search(r"\b(X|Y[0-9])\b", question), question
        assert any(ask in question for ask in asks[record["metadata"]["answer_type"]]), question
        assert question.count(".") >= 2 and "Answer: <name>" in question
        openings.add(question.split(" a", 1)[0])
        links.add(question.split(". ")[1].split(" a")[0] if record["metadata"]["hops"] else "")
    assert len(openings) >= 4 and len(links) >= 10


def test_evidence_cites_the_gold_documents_that_state_it(built):
    records, _, builder = built
    world = builder.source
    for record in records[:60]:
        meta = record["metadata"]
        evidence = meta["evidence"]
        assert meta["gold_docs"] == sorted({ev["doc_id"] for ev in evidence})
        articles = {step["label"]: f"entity/{step['entity_id']}" for step in meta["path"]}
        assert set(meta["gold_docs"]) <= set(articles.values())
        assert {articles[c["about"]] for c in meta["clues"]} <= set(meta["gold_docs"])
        for ev in evidence:
            assert ev["text"] in world.document(ev["doc_id"])["text"]
            assert ev["triple"][0] in ev["text"]


def test_split_keys_are_the_regions_of_the_answer_and_every_path_entity(built):
    records, _, builder = built
    kb = builder.source.kb
    single = 0
    for record in records:
        keys = record["metadata"]["split_keys"]
        regions = {kb.regions[step["entity_id"]] for step in record["metadata"]["path"]}
        assert -1 not in regions and keys == sorted(f"region/{r}" for r in regions)
        single += len(keys) == 1
    assert single >= 0.8 * len(records)  # the world's locality keeps most paths in one region


def test_metadata_counts_agree(built):
    for record in built[0]:
        meta = record["metadata"]
        assert meta["clue_count"] == len(meta["clues"]) == len(meta["obfuscation_levels"])
        assert meta["candidates_per_clue"] == [c["candidates"] for c in meta["clues"]]
        assert 0.0 <= record["difficulty"] <= 1.0
        bounds = {"easy": (0, 0.35), "medium": (0.35, 0.6), "hard": (0.6, 1.01)}[record["level"]]
        assert bounds[0] <= record["difficulty"] < bounds[1]
        assert meta["source"] == {"world_seed": 11, "num_entities": SIZE}


def test_difficulty_grows_with_effective_hops(built):
    by_hops: dict[int, list[float]] = {}
    for record in built[0]:
        by_hops.setdefault(record["metadata"]["effective_hops"], []).append(record["difficulty"])
    means = [sum(v) / len(v) for _, v in sorted(by_hops.items())]
    assert len(means) >= 3 and means == sorted(means)


def test_the_verifier_grades_the_answer_and_not_a_wrong_entity(built):
    records, _, builder = built
    kb = builder.source.kb
    for record in records[:40]:
        assert dsgen.score(record, f"Reasoning...\nAnswer: {record['answer']}") == 1.0
        answer_id = record["metadata"]["path"][0]["entity_id"]
        other = kb.names[(answer_id + 1) % len(kb.names)]
        assert dsgen.score(record, f"Answer: {other}") == 0.0
        assert dsgen.score(record, f"Answer: {record['answer']} or {other}") == 0.0
        for name in record["verifier"]["params"]["reject"]:
            assert dsgen.score(record, f"Answer: {name}") == 0.0


def test_reject_lists_name_close_entities_of_the_world(built):
    records, _, builder = built
    from dsgen.verifiers.answer_match import close_enough, normalise

    names = [normalise(n) for n in builder.source.kb.names]
    for record in records[:30]:
        target = normalise(record["answer"])
        expected = sorted({builder.source.kb.names[i] for i, n in enumerate(names)
                           if n != target and close_enough(n, target, 0.9)})
        assert record["verifier"]["params"]["reject"] == expected


def test_same_seed_same_records_and_another_seed_differs(built):
    again, _, _ = make_records(PARAMS, 40)
    first = [r for r in built[0] if r["provenance"]["index"] < 40]
    assert len(again) >= 15 and json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)
    other, _, _ = make_records(PARAMS, 10, seed=6)
    assert [r["prompt"] for r in other] != [r["prompt"] for r in built[0][:10]]


def test_same_records_in_a_fresh_process_with_another_hash_seed(built):
    code = (
        "import json\n"
        "from dsgen import registry\n"
        "from dsgen.records import RecordMaker\n"
        "from dsgen.errors import Skip\n"
        f"b = registry.load('builder', 'reverse_qa')(**{PARAMS!r})\n"
        "m = RecordMaker('rq', 'reverse_qa', b, seed=5); m.setup(); out = []\n"
        "for i in range(25):\n"
        "    try: out.append(m.make(i))\n"
        "    except Skip: pass\n"
        "print(json.dumps(out, sort_keys=True))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": "12345"})
    expected = [r for r in built[0] if r["provenance"]["index"] < 25]
    assert json.loads(result.stdout) == json.loads(json.dumps(expected, sort_keys=True))


def test_world_seed_changes_the_world():
    from dsgen.builders.reverse_qa.world import World

    a, b, c = World(500, 1), World(500, 1), World(500, 2)
    assert a.kb.names == b.kb.names and a.kb.attrs == b.kb.attrs and a.kb.relations == b.kb.relations
    assert a.kb.names != c.kb.names


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_hops": 3, "max_hops": 2}, "min_hops"),
        ({"min_clues": 5, "max_clues": 3}, "min_clues"),
        ({"obfuscation": [3]}, "obfuscation"),
        ({"obfuscation": []}, "obfuscation"),
        ({"num_entities": 10}, "num_entities"),
        ({"spacy_model": "en_core_web_sm"}, "corpus"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_params_are_refused_with_the_key(params, message):
    with pytest.raises(ValidationError, match=message):
        registry.load("builder", "reverse_qa")(**params)


def test_single_obfuscation_level_is_accepted():
    builder = registry.load("builder", "reverse_qa")(obfuscation=2)
    assert builder.params.obfuscation == (2,)
