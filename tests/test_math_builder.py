"""Math builders: exact renderings, answers recomputed from each record's own worked solution,
exact step counts, determinism, uniqueness, schema validity, parameter and scenario-file errors."""

from __future__ import annotations

import ast
import math
import random
import re
from collections import Counter
from fractions import Fraction

import pytest
from dsgen.builders.math import (
    ComposedProblems,
    Scenario,
    TemplateProblems,
    difficulty,
    scenario,
    scenario_names,
)
from pydantic import ValidationError

import dsgen
from dsgen.errors import DsgenError, Skip
from dsgen.records import RecordMaker
from dsgen.validation import check

CALC = re.compile(r"<<([^<>=]+)=([^<>]+)>>([^\s]+)")


def _exact(node: ast.AST) -> Fraction:
    """An arithmetic evaluator written independently of dsgen.expressions (numbers, + - * /, ceil, floor, abs)."""
    if isinstance(node, ast.Expression):
        return _exact(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_exact(node.operand)
    if isinstance(node, ast.BinOp):
        a, b = _exact(node.left), _exact(node.right)
        ops = {ast.Add: a.__add__, ast.Sub: a.__sub__, ast.Mult: a.__mul__, ast.Div: a.__truediv__}
        return ops[type(node.op)](b)
    if isinstance(node, ast.Call) and node.func.id in ("ceil", "floor", "abs"):
        rounding = {"ceil": math.ceil, "floor": math.floor, "abs": abs}[node.func.id]
        return Fraction(rounding(_exact(node.args[0])))
    raise AssertionError(f"unexpected syntax in a calculation: {ast.dump(node)}")


#: a calculation whose rounding is in words: "56/40 rounded up = 2", "|675-1020| = 345"
WORDED = re.compile(r"((?:[\d.+\-*/()|]|rounded up|rounded down| )+) = (\d[\d.]*)")


def value_of(text: str) -> Fraction:
    return _exact(ast.parse(text, mode="eval"))


def check_solution(record: dict) -> list[Fraction]:
    """Recompute every <<expr=value>> of the record's solution and its '#### answer'; return the values."""
    solution = record["metadata"]["solution"]
    lines = solution.split("\n")
    assert lines[-1] == f"#### {record['answer']}", solution
    values = []
    for line in lines[:-1]:
        calcs = CALC.findall(line)
        if not calcs:  # rounding is said in words, outside the calculator marks: "56/40 rounded up = 2"
            worded = WORDED.search(line)
            assert worded and "<<" not in line, line
            expression, value = worded.groups()
            expression = re.sub(r"\|([^|]+)\|", r"abs(\1)", expression.strip())
            expression = re.sub(r"^(.+) rounded (up|down)$",
                                 lambda m: ("ceil" if m.group(2) == "up" else "floor") + f"({m.group(1)})", expression)
        else:
            assert len(calcs) == 1 and not re.search(r"ceil|floor|abs", calcs[0][0]), line
            expression, value, shown = calcs[0]
            assert shown.rstrip(".") == value, line
        assert value_of(expression) == value_of(value), line
        values.append(value_of(value))
    assert len(values) == record["metadata"]["steps"]
    assert values[-1] == value_of(record["answer"])
    return values


def make(builder, n: int, *, seed: int = 1, name: str = "math") -> list[dict]:
    maker = RecordMaker("d", name, builder, seed=seed)
    maker.setup()
    return [maker.make(i) for i in range(n)]


# -- exact renderings -----------------------------------------------------------------------


def test_bakery_boxes_renders_exactly():
    item = TemplateProblems(scenarios=["bakery_boxes"]).generate(random.Random(7), 0)
    assert item["prompt"] == (
        "For a street festival, Daniela bakes 4 batches of cookies with 18 cookies in each batch. She packs all "
        "of them into boxes that hold 9 cookies each. How many boxes does she fill?"
    )
    assert item["metadata"]["solution"] == (
        "Daniela bakes 4*18 = <<4*18=72>>72 cookies.\nShe fills 72/9 = <<72/9=8>>8 boxes.\n#### 8"
    )
    # 0.4 * 1/6 + 0.4 * (0.15 mul + 0.25 div - 0.1)/0.8 + 0.2 * (log10(72) - 1)/3
    assert (item["answer"], item["difficulty"], item["level"]) == ("8", 0.2738, "easy")
    assert item["metadata"]["operations"] == ["mul", "div"]
    assert item["template"] == "math/scenarios/bakery_boxes.yaml"


def test_shopping_change_renders_money_exactly():
    item = TemplateProblems(scenarios=["shopping_change"]).generate(random.Random(1), 0)
    assert item["prompt"] == (  # the second of its two phrasings
        "Andre hands over a $50 bill at the station shop to pay for 7 notebooks priced at $4.75 each. How many "
        "dollars of change should he receive?"
    )
    assert item["metadata"]["solution"] == (
        "The notebooks cost 7*4.75 = <<7*4.75=33.25>>33.25 dollars.\n"
        "He gets back 50-33.25 = <<50-33.25=16.75>>16.75 dollars.\n#### 16.75"
    )
    assert item["answer"] == "16.75"
    # 0.4 * 1/6 + 0.4 * (0.15 mul + 0.1 sub + 0.15 fraction - 0.1)/0.8 + 0.2 * (log10(50) - 1)/3
    assert (item["difficulty"], item["level"], item["metadata"]["max_number"]) == (0.2633, "easy", 50)


def test_school_trip_renders_ceil_exactly():
    item = TemplateProblems(scenarios=["school_trip"]).generate(random.Random(7), 0)
    assert item["prompt"] == (
        "Aisha plans a trip to a farm for Hillside School: 3 classes of 28 students go, with 2 "
        "teachers. Each bus has 40 seats. How many buses are needed so everyone has a seat?"
    )
    assert item["metadata"]["solution"] == (
        "There are 3*28 = <<3*28=84>>84 students.\nWith the teachers, 84+2 = <<84+2=86>>86 people go.\n"
        "They need 86/40 rounded up = 3 buses.\n#### 3"
    )
    assert item["metadata"]["operations"] == ["mul", "add", "div", "ceil"]
    # 0.4 * 2/6 + 0.4 * (0.15 mul + 0.05 add + 0.25 div + 0.35 rounding - 0.1)/0.8 + 0.2 * (log10(86) - 1)/3
    assert (item["difficulty"], item["level"]) == (0.5456, "medium")


def test_compose_renders_exactly():
    builder = ComposedProblems(min_steps=3, max_steps=3, frames=["people"])
    item = builder.generate(random.Random(7), 0)
    assert item["prompt"] == (
        "David owns 131 rubber ducks. Ethan has 24 rubber ducks. Sofia owns 213 rubber ducks more than David does. "
        "Hassan has 20 fewer rubber ducks than Ethan. How many rubber ducks do Sofia and Hassan have altogether?"
    )
    assert item["metadata"]["solution"] == (
        "Sofia has 131+213 = <<131+213=344>>344 rubber ducks.\n"
        "Hassan has 24-20 = <<24-20=4>>4 rubber ducks.\n"
        "Together they have 344+4 = <<344+4=348>>348 rubber ducks.\n#### 348"
    )
    assert item["metadata"]["operations"] == ["add", "sub", "add"]
    assert item["metadata"]["kinds"] == ["combine"]  # the total reads two branches
    assert item["metadata"]["scenario"] == "people"  # the frame: one column for both generators



def test_compose_never_undoes_a_step_and_names_chains():
    """No step lands back on a quantity it is made from ((x+y)-y = x, x*2/2 = x, (x-y)+y in the total), and a
    chain with no step that reads two quantities says so in its kinds."""
    from dsgen.builders.math.compose import Grapher, Quantity

    undo = [Quantity("A", 30, "given"), Quantity("B", 12, "given"), Quantity("C", 42, "sum", (0, 1))]
    assert Grapher.undoes(undo, (2, 1), 30) and Grapher.undoes(undo, (2,), 12) and not Grapher.undoes(undo, (1,), 30)
    builder = ComposedProblems()
    builder.setup()
    labels = [str(i) for i in range(20)]
    graphs = 0
    for seed in range(600):
        quantities = builder.grapher.graph(random.Random(seed), 2 + seed % 7, labels, 1, 300, 2000)
        if quantities is None:
            continue
        graphs += 1
        for index, q in enumerate(quantities):
            ancestors, todo = set(), list(q.reads)
            while todo:
                i = todo.pop()
                ancestors.add(i)
                todo += quantities[i].reads
            assert all(quantities[i].value != q.value for i in ancestors), (index, quantities)
    assert graphs > 500
    kinds = {tuple(r["metadata"]["kinds"]) for r in make(ComposedProblems(), 300, seed=5)}
    assert kinds == {("chain",), ("combine",)}


# -- correctness over many seeds --------------------------------------------------------------


def test_there_are_at_least_30_scenarios():
    assert len(scenario_names()) >= 30
    topics = {scenario(n).topic for n in scenario_names()}
    assert len(topics) >= 10


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_is_correct_over_many_seeds(name):
    records = make(TemplateProblems(scenarios=[name]), 120, seed=sum(map(ord, name)))
    prompts = set()
    for record in records:
        assert check(record) is None, check(record)
        values = check_solution(record)
        assert all(v > 0 for v in values)
        assert record["metadata"]["scenario"] == name
        assert record["metadata"]["steps"] == len(scenario(name).steps)
        assert dsgen.score(record, record["metadata"]["solution"]) == 1.0
        assert "{" not in record["prompt"][0]["content"] and "}" not in record["prompt"][0]["content"]
        prompts.add(record["prompt"][0]["content"])
    assert len(prompts) >= 115


def check_graph(record: dict) -> None:
    """Every operand of a calculation is a number of the prompt or an earlier result, and every result
    but the last is read by a later calculation (no step is idle)."""
    prompt_numbers = {Fraction(n) for n in re.findall(r"\d+", record["prompt"][0]["content"])}
    calcs = CALC.findall(record["metadata"]["solution"])
    results: list[Fraction] = []
    for i, (expression, value, _) in enumerate(calcs):
        operands = [Fraction(n) for n in re.findall(r"\d+", expression)]
        if expression.endswith("/100"):
            operands = operands[:-1]
        words = set(range(2, 11))  # "twice", "half", "a tenth" ... say their number in words
        assert all(o in prompt_numbers or o in results or o in words for o in operands), (expression, record)
        results.append(Fraction(value))
    for i, result in enumerate(results[:-1]):
        later = [Fraction(n) for expression, _, _ in calcs[i + 1:] for n in re.findall(r"\d+", expression)]
        assert result in later, record


@pytest.mark.parametrize("k", range(1, 13))
def test_compose_has_exactly_k_steps_and_correct_answers(k):
    records = make(ComposedProblems(min_steps=k, max_steps=k), 60, seed=k)
    for record in records:
        assert check(record) is None, check(record)
        values = check_solution(record)
        assert record["metadata"]["steps"] == k
        assert len(record["metadata"]["operations"]) == k
        check_graph(record)
        assert all(v == int(v) and 2 <= v <= 1000 for v in values)
        assert dsgen.score(record, record["metadata"]["solution"]) == 1.0


def test_compose_builds_graphs_not_only_chains_in_eight_frames():
    records = make(ComposedProblems(min_steps=3, max_steps=8), 400, seed=3)
    assert len({r["metadata"]["scenario"] for r in records}) >= 8
    merged = [r for r in records if "combine" in r["metadata"]["kinds"]]
    assert 0.3 * len(records) < len(merged) < len(records)
    totals = [r for r in records if re.search(r"altogether|in total", r["prompt"][0]["content"])]
    assert totals  # parallel branches merged by a total


def test_compose_graphs_never_make_a_quantity_the_same_way_twice():
    from dsgen.builders.math.compose import OPERATIONS, Grapher, compose_data

    grapher = Grapher(OPERATIONS, compose_data()[1])
    rng = random.Random(2)
    labels = [f"e{i}" for i in range(25)]
    made = 0
    for _ in range(300):
        quantities = grapher.graph(rng, 12, labels, 1, 1000, 20000)
        if quantities is None:
            continue
        made += 1
        ways = [(q.op, frozenset(q.reads), q.amount) for q in quantities if q.op != "given"]
        assert len(ways) == len(set(ways)) == 12
    assert made > 100


def test_compose_differences_never_echo_a_stated_number():
    """'B has 11 more than A' then 'C is the difference between B and A' would make C = 11, copyable."""
    from dsgen.builders.math.compose import Grapher, compose_data

    grapher = Grapher(("add", "sub", "diff"), compose_data()[1])
    rng, diffs = random.Random(3), 0
    for _ in range(400):
        quantities = grapher.graph(rng, 6, [f"e{i}" for i in range(12)], 1, 500, 20000) or []
        for i, q in enumerate(quantities):
            if q.op == "diff":
                diffs += 1
                assert q.value not in {p.amount for p in quantities[:i]}, quantities
    assert diffs > 200


def test_compose_respects_max_value_and_operations():
    builder = ComposedProblems(min_steps=5, max_steps=8, max_value=50, operations=["add", "sub", "mul"])
    for record in make(builder, 300):
        values = check_solution(record)
        assert max(values) <= 50 and record["metadata"]["max_number"] <= 50
        assert set(record["metadata"]["operations"]) <= {"add", "sub", "mul"}


def test_compose_quantities_stay_in_their_declared_ranges():
    from dsgen.builders.math.lexicon import measures

    ranges = measures()
    for record in make(ComposedProblems(min_steps=1, max_steps=12, max_value=10**9), 500, seed=8):
        quantities = record["metadata"]["quantities"]
        assert len(quantities) >= record["metadata"]["steps"] + 1
        for q in quantities:
            assert ranges[q["measure"]].holds(q["value"]) and q["value"] >= 2, (q, record["prompt"])


def test_template_max_value_redraws_or_skips():
    builder = TemplateProblems(max_value=100)
    builder.setup()
    kept = 0
    for i in range(300):
        try:
            item = builder.generate(random.Random(i), i)
        except Skip as skip:
            assert "max_value" in skip.reason
            continue
        kept += 1
        assert item["metadata"]["max_number"] <= 100
    assert kept > 150


def test_step_selection_of_scenarios():
    builder = TemplateProblems(min_steps=4)
    builder.setup()
    assert builder.scenarios and all(len(s.steps) >= 4 for s in builder.scenarios)
    with pytest.raises(DsgenError, match="no scenario has between 9 and 12 steps"):
        TemplateProblems(min_steps=9).setup()


# -- determinism and uniqueness ---------------------------------------------------------------


@pytest.mark.parametrize("builder_cls", [TemplateProblems, ComposedProblems])
def test_determinism(builder_cls):
    first = make(builder_cls(), 50, seed=42)
    again = make(builder_cls(), 50, seed=42)
    assert first == again
    assert len({r["prompt"][0]["content"] for r in first}) == 50


@pytest.mark.parametrize("builder_cls", [TemplateProblems, ComposedProblems])
def test_adjacent_seeds_do_not_collide(builder_cls):
    a = {r["prompt"][0]["content"] for r in make(builder_cls(), 1000, seed=42)}
    b = {r["prompt"][0]["content"] for r in make(builder_cls(), 1000, seed=43)}
    assert len(a & b) <= 2


@pytest.mark.parametrize("builder_cls", [TemplateProblems, ComposedProblems])
def test_ten_thousand_problems_are_unique(builder_cls):
    records = make(builder_cls(), 10_000, seed=42)
    assert len({r["prompt"][0]["content"] for r in records}) == 10_000


def test_capacity_estimate_matches_a_brute_force_count():
    # classroom_groups: 10 times x 10 subjects x 80 teachers x (classes 2..12, per_class 12..40,
    # size in 5 choices, whole groups)
    combos = sum(
        1 for c in range(2, 13) for p in range(12, 41) for g in (2, 3, 4, 5, 6) if c * p % g == 0
    )
    truth = combos * 10 * 10 * 80
    estimate = TemplateProblems(scenarios=["classroom_groups"]).capacity()
    assert truth / 2 < estimate < truth * 2


def test_capacity_reports_small_spaces():
    tiny = ComposedProblems(min_steps=1, max_steps=1, max_value=20, operations=["add"], frames=["days"])
    default = ComposedProblems()
    assert tiny.capacity() < 10_000 < default.capacity()
    assert TemplateProblems().capacity() > 10**8


# -- difficulty --------------------------------------------------------------------------------


def test_difficulty_formula_bounds_and_levels():
    # the easiest problem (one addition of small numbers) is 0, the hardest 1
    assert difficulty(1, ["add"], 9) == (0.0, "easy")
    assert difficulty(1, ["sub"], 1) == difficulty(1, [], 1) == (0.0, "easy")
    hardest = ["add", "sub", "mul", "div", "percent", "ceil", "back_solve"]
    assert difficulty(7, hardest, 10**4) == (1.0, "hard")
    assert difficulty(30, hardest, 10**9) == (1.0, "hard")
    # 0.4 * 3/6 + 0.4 * (0.15 + 0.25 + 0.35 - 0.1)/0.8 + 0.2 * (3 - 1)/3
    assert difficulty(4, ["mul", "div", "ceil"], 1000) == (0.6583, "hard")
    assert difficulty(4, ["mul", "div", "floor"], 1000) == difficulty(4, ["mul", "div", "ceil"], 1000)


def test_difficulty_counts_kinds_not_repeats_and_back_solving_raises_it():
    assert difficulty(3, ["add", "add", "add"], 50) == difficulty(3, ["add"], 50)
    assert difficulty(3, ["add", "back_solve"], 50)[0] > difficulty(3, ["add", "sub"], 50)[0]
    # a non-whole operand adds a little, it no longer makes a problem the hardest
    assert difficulty(2, ["mul", "fraction"], 30)[1] == "easy"


def test_difficulty_is_monotone_in_each_feature():
    """With the other features fixed, more steps, one more kind of operation, or a larger number never
    lowers the difficulty; steps raise it strictly up to 7, where S saturates."""
    kind_sets = [["add"], ["mul", "div"], ["percent", "ceil"], ["sub", "back_solve", "combine"], ["fraction", "rate"]]
    numbers = [1, 9, 36, 500, 12_000, 10**7]
    for kinds in kind_sets:
        for n in numbers:
            by_steps = [difficulty(k, kinds, n)[0] for k in range(1, 13)]
            assert by_steps == sorted(by_steps)
            if difficulty(7, kinds, n)[0] < 1:
                assert len(set(by_steps[:7])) == 7, (kinds, n, by_steps)
            by_number = [difficulty(3, kinds, m)[0] for m in numbers]
            assert by_number == sorted(by_number)
            for extra in ("rounding", "back_solve", "percent", "div", "fraction"):
                assert difficulty(3, kinds + [extra], n)[0] >= difficulty(3, kinds, n)[0]
    # rounding, back-solving and percentages each raise a plain multiplication problem
    for extra in ("ceil", "back_solve", "percent"):
        assert difficulty(3, ["mul", extra], 100)[0] > difficulty(3, ["mul"], 100)[0]


@pytest.mark.parametrize("builder, low, high", [(TemplateProblems, 0.05, 0.9), (ComposedProblems, 0.05, 0.9)])
def test_default_build_spans_the_scale_with_three_levels(builder, low, high):
    """The default build reaches both ends of [0, 1] (math.template's one-step scenarios, such as adding two
    small numbers, score near 0) and every level holds at least 10%."""
    records = make(builder(), 3000, seed=11)
    values = [r["difficulty"] for r in records]
    assert min(values) <= low and max(values) >= high
    shares = Counter(r["level"] for r in records)
    assert set(shares) == {"easy", "medium", "hard"} and min(shares.values()) >= 300, shares


def test_money_stated_in_cents_is_sized_in_dollars():
    """paper_route pays cents per paper: its number-size term reads 21,000 cents as 210 dollars."""
    paper = scenario("paper_route")
    rng, big_cents = random.Random(4), 0
    for _ in range(200):
        env, _ = paper.draw(rng, 10**6)
        values = paper.named(env)
        largest, whole = paper.measure(env)
        assert largest == max(values["papers"], values["total"], values["cents"] / 100)
        assert whole == (values["total"] == int(values["total"]))
        big_cents += values["cents"] > 1000
    assert big_cents > 100


def test_difficulty_grows_with_steps():
    means = []
    for k in (1, 4, 8, 12):
        records = make(ComposedProblems(min_steps=k, max_steps=k), 100, seed=5)
        means.append(sum(r["difficulty"] for r in records) / len(records))
    assert means == sorted(means)
    levels = {r["level"] for r in make(ComposedProblems(min_steps=1, max_steps=12), 500)}
    assert levels == {"easy", "medium", "hard"}


# -- schema ------------------------------------------------------------------------------------


def test_schema_catches_broken_records():
    record = make(TemplateProblems(), 1)[0]
    assert check(record) is None
    broken = [
        ("answer", "1.50"),
        ("answer", "04"),
        ("answer", "2/1"),
        ("answer", None),
        ("level", "extreme"),
    ]
    for key, value in broken:
        assert check({**record, key: value}) is not None, key
    for key, value in [("steps", 0), ("operations", []), ("solution", "no calculation"), ("generator", "x")]:
        assert check({**record, "metadata": {**record["metadata"], key: value}}) is not None, key
    meta = dict(record["metadata"])
    del meta["scenario"]
    assert check({**record, "metadata": meta}) is not None
    assert check({**record, "verifier": {"kind": "numeric", "params": {"tolerance": 1}}}) is not None
    assert check({**record, "metadata": {**record["metadata"], "filters": {"dedup": {}}}}) is None


# -- parameter and scenario-file errors --------------------------------------------------------


def test_params_are_validated_with_clear_messages():
    with pytest.raises(ValidationError, match="min_steps \\(5\\) must not exceed max_steps \\(2\\)"):
        ComposedProblems(min_steps=5, max_steps=2)
    with pytest.raises(ValidationError, match="did you mean 'bakery_boxes'"):
        TemplateProblems(scenarios=["bakery_box"])
    with pytest.raises(ValidationError, match="must include 'add' or 'sub'"):
        ComposedProblems(operations=["mul", "div"])
    with pytest.raises(ValidationError, match="unknown frame 'peeple'"):
        ComposedProblems(frames=["peeple"])
    with pytest.raises(ValidationError):
        ComposedProblems(max_steps=21)
    with pytest.raises(ValidationError):
        TemplateProblems(colour="red")


BASE = {
    "name": "toy",
    "variables": {"who": "name", "a": {"int": [2, 9], "measure": "containers"},
                  "b": {"int": [2, 9], "measure": "items_container"}},
    "question": "{{ who }} has {{ a }} bags of {{ b }} pens. How many pens does {{ who_he }} have?",
    "solution": [{"let": "total = a * b", "text": "{{ who }} has {{ calc }} pens.", "measure": "items_person"}],
    "answer": "total",
}


def toy(**changes) -> Scenario:
    return Scenario("toy", {**BASE, **changes}, "math/scenarios/toy.yaml")


def test_a_scenario_built_from_data_renders():
    toy_scenario = toy()
    drawn, _ = toy_scenario.draw(random.Random(3), 10**6)
    question, lines = toy_scenario.render(drawn)
    env = toy_scenario.named(drawn)
    assert question.endswith("pens. How many pens does she have?") or question.endswith("does he have?")
    assert question.startswith(f"{env['who']} has {env['a']} bags of {env['b']} pens.")
    assert lines[0].endswith(f"= <<{env['a']}*{env['b']}={env['a'] * env['b']}>>{env['a'] * env['b']} pens.")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"solution": [{"let": "total = a.__class__", "text": "{{ calc }}", "measure": "items_person"}]},
         "attribute access"),
        ({"solution": [{"let": "total = __import__('os')", "text": "{{ calc }}", "measure": "items_person"}]},
         "calling '__import__'"),
        ({"solution": [{"let": "total = a * c", "text": "{{ calc }}", "measure": "items_person"}]},
         "unknown name 'c'"),
        ({"solution": [{"let": "total = a * b", "text": "no calc here", "measure": "items_person"}]}, "calc"),
        ({"constraints": ["lambda: 1"]}, "constraints[0]"),
        ({"question": "{{ who }} has {{ a }} {{ b }} {{ total }}"}, "must not show solution values"),
        ({"question": "{{ who }} has {{ a }} {{ b }} {{ nope }}"}, "undefined name(s) ['nope']"),
        ({"question": "{{ who }} has {{ a }} pens"}, "['b'] never appear in the question"),
        ({"variables": {"who": "name", "a": {"int": [2]}, "b": 3}}, "variables.a"),
        ({"variables": {"who": "name", "a": {"float": [1, 2]}, "b": {"int": [1, 2]}}}, "variables.a"),
        ({"answer": "nothing"}, "answer 'nothing'"),
        ({"name": "other"}, "must equal the file name"),
        ({"extra": 1}, "unknown keys ['extra']"),
        ({"question": "{{ who }"}, "template syntax error"),
    ],
)
def test_bad_scenario_files_are_reported_with_file_and_key(changes, fragment):
    with pytest.raises(DsgenError) as info:
        toy(**changes)
    assert "math/scenarios/toy.yaml" in str(info.value)
    assert fragment in str(info.value)


def test_every_shipped_number_declares_a_measure_and_keeps_its_range():
    """The rule holds for the catalogue: every numeric variable and every step names a lexicon measure."""
    for name in scenario_names():
        compiled = scenario(name)
        numbers = [v for v in compiled.variables if v.kind in ("int", "money", "decimal")
                   or v.kind == "choice" and not isinstance(v.choices[0], (dict, str))]
        assert all(v.measure is not None for v in numbers), name
        assert all(s.measure is not None for s in compiled.steps), name
        assert len(compiled.measured) == len(numbers) + len(compiled.steps), name


@pytest.mark.parametrize(
    ("variables", "solution", "fragment"),
    [
        ({"a": {"int": [2, 9]}}, None, "variables.a: a number must name the lexicon measure"),
        ({"a": {"choice": [2, 3]}}, None, "variables.a: a number must name the lexicon measure"),
        (None, [{"let": "total = a * b", "text": "{{ calc }}"}], "solution[0]: step 'total' must name"),
        ({"a": {"int": [2, 900], "measure": "items_container"}}, None, "variables.a: value 900 is outside"),
        ({"a": {"choice": [2, 30], "measure": "times_factor"}}, None, "variables.a: value 30 is outside"),
        ({"a": {"int": [2, 9], "measure": "parsecs"}}, None, "variables.a: unknown measure 'parsecs'"),
        ({"a": {"choice": [{"n": 2, "w": "x"}, {"n": 3, "w": "y"}]}}, None, "choice of mappings holds words only"),
    ],
)
def test_a_number_without_a_plausible_measure_is_a_file_error(variables, solution, fragment):
    changes = {}
    if variables:
        changes["variables"] = {**BASE["variables"], **variables}
    if solution:
        changes["solution"] = solution
    with pytest.raises(DsgenError) as info:
        toy(**changes)
    assert "templates/math/scenarios/toy.yaml" in str(info.value) and fragment in str(info.value)


def test_a_draw_leaving_a_measure_is_redrawn():
    # a * b ranges over 4..81; the step's measure (times_factor, 2..10) keeps 8 of the 64 pairs
    narrow = toy(solution=[{"let": "total = a * b", "text": "{{ calc }}", "measure": "times_factor"}])
    redrawn = 0
    for seed in range(200):
        drawn, tries = narrow.draw(random.Random(seed), 10**6)
        assert narrow.named(drawn)["total"] <= 10
        redrawn += tries > 1
    assert redrawn > 100


def test_impossible_constraints_skip_with_a_reason():
    impossible = toy(constraints=["a > 100"])
    assert impossible.draw(random.Random(0), 10**6) is None
    builder = TemplateProblems(scenarios=["bakery_boxes"])
    builder.setup()
    builder.scenarios = [impossible]
    with pytest.raises(Skip, match="scenario 'toy': no draw met its constraints"):
        builder.generate(random.Random(0), 0)


def test_jinja_control_flow_falls_back_to_jinja_rendering():
    fancy = toy(question="{{ who }} has {{ a }} bag{% if num.a > 1 %}s{% endif %} of {{ b }} pens. How many?")
    assert fancy.text_variants[0].pattern is None
    drawn, _ = fancy.draw(random.Random(1), 10**6)
    question, _ = fancy.render(drawn)
    env = fancy.named(drawn)
    assert f"has {env['a']} bags of {env['b']} pens." in question


def test_multiple_of_draws_only_multiples_within_the_bounds():
    variables = {"who": "name", "a": {"int": [2, 9], "measure": "containers"},
                 "b": {"int": [3, 40], "multiple_of": "12 / gcd(12, a)", "measure": "items_container"}}
    aligned = toy(variables=variables)
    seen = set()
    for seed in range(300):
        drawn, tries = aligned.draw(random.Random(seed), 10**6)
        env = aligned.named(drawn)
        assert tries == 1
        step = 12 // math.gcd(12, env["a"])
        assert env["b"] % step == 0 and 3 <= env["b"] <= 40
        seen.add((env["a"], env["b"]))
    assert (3, 4) in seen and (5, 36) in seen and not any(b < 3 for _, b in seen)
    for bad in ({"money": [1, 2], "multiple_of": 2, "measure": "price_small"},
                {"int": [1, 9], "step": 2, "multiple_of": 3, "measure": "items_container"}):
        with pytest.raises(DsgenError, match="multiple_of is for int variables"):
            toy(variables={**variables, "b": bad})
