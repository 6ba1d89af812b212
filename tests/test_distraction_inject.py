"""distraction.inject: distractors and GSM-IC sentences planted into another builder's record."""

from __future__ import annotations

import random
from typing import Any, ClassVar

import pytest
from dsgen.builders.distraction import InjectDistractors

import dsgen
from dsgen import registry, validation
from dsgen.builder import Builder, Params
from dsgen.errors import Skip
from dsgen.records import RecordMaker
from dsgen.verifiers import distraction as verifier


class WordProblem(Builder):
    """A tiny word-problem builder with its own schema, standing in for any inner family."""

    description: ClassVar[str] = "word problems (test)"
    kind: ClassVar[str] = "wordproblem"
    Params = Params
    schema: ClassVar[dict] = {
        "allOf": [{"$ref": "https://dsgen.dev/schemas/record.schema.json"}],
        "properties": {"metadata": {"required": ["apples"]}},
    }

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        a, b = rng.randint(2, 40), rng.randint(2, 40)
        text = (
            f"Mara picks {a} apples in the morning. Her brother Tomas picks {b} apples after lunch. "
            f"They pack all of them into one basket. How many apples are in the basket?"
        )
        return {
            "prompt": text,
            "answer": str(a + b),
            "verifier": {"kind": "numeric", "params": {}},
            "difficulty": 0.2,
            "level": "easy",
            "metadata": {"apples": [a, b]},
        }


@pytest.fixture(autouse=True)
def registered():
    registry.register("builder", "wordproblem", WordProblem)
    validation._validators.cache_clear()
    yield


def maker(seed=1, **params):
    m = RecordMaker(
        "wp", "wordproblem", WordProblem(), [("distraction.inject", InjectDistractors(**params))], seed=seed
    )
    m.setup()
    return m


def test_wrapped_records_validate_and_keep_their_verifier_and_answer():
    m = maker(min_distractors=1, max_distractors=2)
    for i in range(25):
        record = m.make(i)
        assert record["kind"] == "wordproblem+distraction"
        assert validation.check(record) is None, validation.check(record)
        parts = record["verifier"]["params"]["parts"]
        assert record["verifier"]["kind"] == "all" and parts[0] == {"kind": "numeric", "params": {}}
        assert parts[1]["kind"] == "distraction"
        assert record["metadata"]["apples"] and record["difficulty"] == 0.2 and record["level"] == "easy"
        assert dsgen.score(record, f"So the basket holds {record['answer']} apples.") == 1.0
        assert dsgen.score(record, "The basket holds 1 apple.") == 0.0


def test_obeying_an_injected_distractor_loses_the_reward():
    m = maker(
        min_distractors=2, max_distractors=2, active_rate=1.0, distractor_types=["fake_system", "todo_note"]
    )
    seen = 0
    for i in range(10):
        record = m.make(i)
        for d in record["metadata"]["distraction"]["distractors"]:
            if d["witness"]["type"] == "contains":
                reply = f"{d['witness']['text']}\nThe answer is {record['answer']}."
                assert dsgen.score(record, reply) == 0.0
                assert verifier.breakdown(record, reply)["distractors"][0]["id"] == "d1"
                seen += 1
    assert seen >= 10


def test_gsmic_sentence_goes_before_the_question_with_labels():
    m = maker(min_distractors=0, max_distractors=0, irrelevant_context=1)
    labels = set()
    for i in range(30):
        record = m.make(i)
        content = record["prompt"][-1]["content"]
        (ic,) = record["metadata"]["distraction"]["irrelevant_context"]
        assert content.endswith("How many apples are in the basket?")
        assert content.index(ic["text"]) < content.index("How many apples")
        labels.add((ic["topic"], ic["role_overlap"], ic["num_range"]))
        if ic["role_overlap"]:
            assert "Mara" in ic["text"] or "Tomas" in ic["text"]
        else:
            assert "Mara" not in ic["text"] and "Tomas" not in ic["text"]
        if ic["topic"] == "in_topic":
            assert "apples" in ic["text"]
    assert {t for t, _, _ in labels} == {"in_topic", "off_topic"}
    assert {r for _, _, r in labels} == {"in", "out"} and {o for _, o, _ in labels} == {True, False}


def test_too_short_prompt_is_skipped_with_a_reason():
    class OneLine(WordProblem):
        def generate(self, rng, index):
            item = super().generate(rng, index)
            return {**item, "prompt": "What is 2 + 2?", "answer": "4"}

    wrapper = InjectDistractors(min_distractors=3, max_distractors=3, max_density=1.0)
    with pytest.raises(Skip, match="prompt too short"):
        wrapper.wrap(OneLine().generate(random.Random(0), 0), random.Random(0), 0)


def test_wrapper_is_deterministic_and_refuses_to_generate_alone():
    assert maker(seed=9).make(3) == maker(seed=9).make(3)
    with pytest.raises(TypeError, match="wrapper"):
        InjectDistractors().generate(random.Random(0), 0)


def test_wraps_the_math_family_when_installed():
    try:
        math_cls = registry.load("builder", "math.template")
    except dsgen.DsgenError:
        pytest.skip("math.template not installed")
    m = RecordMaker("m", "math.template", math_cls(), [("distraction.inject", InjectDistractors())], seed=2)
    m.setup()
    record = m.make(0)
    assert record["kind"] == "math+distraction"
    assert dsgen.score(record, f"The answer is {record['answer']}.") == 1.0


def test_gsmic_sentences_reuse_only_goods_name_people_of_the_problem_and_stay_plausible():
    import random

    from dsgen.builders.distraction import distractors as noise

    problem = "Mara has 12 students and 30 pencils. She gives 5 pencils to each student. How many are left?"
    for seed in range(60):
        text, labels = noise.irrelevant_sentence(random.Random(seed), problem)
        assert "students" not in text and "She's" not in text
        if labels["role_overlap"]:
            assert "Mara's" in text
        else:
            assert "Mara" not in text and not any(p in text for p in ("He ", "She ", "his ", "her "))
        n = int(next(w for w in text.replace(".", " ").split() if w.isdigit()))
        assert (5 <= n <= 30) == (labels["num_range"] == "in")  # the problem's numbers span 5..30
        assert n <= 900  # every template's plausible range


def test_gsmic_sentences_never_take_a_question_word_for_a_person_and_vary():
    import random

    from dsgen.builders.distraction import distractors as noise

    problem = "What is left? Then it rains. Ravi buys 4 pens. Today is busy. How many pens does Ravi have after 3 days?"
    texts = {noise.irrelevant_sentence(random.Random(seed), problem)[0] for seed in range(200)}
    for word in ("What", "Then", "Today", "How"):
        assert not any(f"{word}'s" in t for t in texts)
    assert any("Ravi's" in t for t in texts)
    skeletons = {"".join(c for c in t if not c.isdigit()) for t in texts}
    assert len(skeletons) >= 12  # not the same two sentences in most records
