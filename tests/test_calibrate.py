"""``difficulty.calibrate``: pass rates measured by earlier filters set difficulty and level on the same
scale as ``math.annotate`` (checked with fake pass-rate filters, no model)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field
from test_build import records_of

import dsgen
from dsgen.builder import Params
from dsgen.errors import DsgenError
from dsgen.filters.base import Filter, Verdict
from dsgen.irt import level_of, pass_rate_difficulty
from dsgen.recipe import Recipe
from dsgen.seeding import unit_interval

SAMPLES = 8


class FakePassRateParams(Params):
    model: str = "a"
    skip_every: int = Field(0, ge=0, description="leave every n-th record unmeasured (0: never)")


class FakePassRate(Filter):
    """Writes what a pass-rate filter would: ``pass_rate`` and ``samples``, from a hash of the record id."""

    stage: ClassVar[str] = "record"
    Params = FakePassRateParams

    @staticmethod
    def correct(record_id: str, model: str) -> int:
        return int(unit_interval(f"{model}/{record_id}") * (SAMPLES + 1))

    def apply(self, records):
        verdicts = []
        for r in records:
            if self.params.skip_every and r["provenance"]["index"] % self.params.skip_every == 0:
                verdicts.append(Verdict(True))
                continue
            c = self.correct(r["id"], self.params.model)
            verdicts.append(Verdict(True, measurements={"pass_rate": c / SAMPLES, "samples": SAMPLES}))
        return verdicts


dsgen.register("filter", "toy.pass_rate", FakePassRate)


def build(tmp_path: Path, builder: str, filters: list[dict], count: int = 120, params: dict | None = None,
          name: str = "out") -> list[dict]:
    recipe = Recipe.model_validate({
        "name": "cal", "seed": 3,
        "datasets": {"d": {"builder": builder, "count": count, "params": params or {}, "filters": filters}},
        "output": {"shard_size": 50},
    })
    dsgen.build(recipe, out=tmp_path / name, workers=2)
    return records_of(tmp_path / name, "d")


def test_pass_rates_set_difficulty_of_generated_math_records(tmp_path):
    plain = build(tmp_path, "math.compose", [], name="plain")
    records = build(tmp_path, "math.compose", [
        {"filter": "toy.pass_rate"},
        {"filter": "difficulty.calibrate", "params": {"sources": ["toy.pass_rate"]}},
    ])
    assert len(records) == len(plain) == 120
    before = {r["id"]: r for r in plain}
    changed = 0
    for r in records:
        c = FakePassRate.correct(r["id"], "a")
        assert r["difficulty"] == pass_rate_difficulty(c, SAMPLES) and r["level"] == level_of(r["difficulty"])
        notes = r["metadata"]["filters"]["difficulty.calibrate"]
        assert notes["previous_difficulty"] == before[r["id"]]["difficulty"]
        assert notes["previous_level"] == before[r["id"]]["level"]
        assert notes["correct"] == c and notes["samples"] == SAMPLES
        changed += r["difficulty"] != before[r["id"]]["difficulty"]
    assert changed > 100
    assert dsgen.validate_path(tmp_path / "out").ok


def test_calibrated_generated_and_annotated_records_share_one_scale(tmp_path):
    """Same pass counts → same difficulty, whether a math.compose record was calibrated or a GSM8K row annotated."""
    generated = build(tmp_path, "math.compose", [
        {"filter": "toy.pass_rate"}, {"filter": "difficulty.calibrate", "params": {"sources": ["toy.pass_rate"]}}])
    matrix = tmp_path / "r.csv"
    data = Path(__file__).parent / "data" / "gsm8k_sample.jsonl"
    counts = [FakePassRate.correct(r["id"], "a") for r in generated[:21]]
    matrix.write_text("model,item,correct\n" + "".join(
        f"m{k},{i},{int(k < c)}\n" for i, c in enumerate(counts) for k in range(SAMPLES)))
    annotated = dsgen.sample("math.annotate", {"path": str(data), "responses": str(matrix), "irt": "none"}, count=21)
    assert [r["difficulty"] for r in annotated] == [r["difficulty"] for r in generated[:21]]
    assert [r["level"] for r in annotated] == [r["level"] for r in generated[:21]]


def test_irt_over_several_sources(tmp_path):
    records = build(tmp_path, "toy.add", [
        {"filter": "toy.pass_rate", "params": {"model": "a"}},
        {"filter": "toy.pass_rate", "params": {"model": "b"}},
        {"filter": "toy.pass_rate", "params": {"model": "c"}},
        {"filter": "difficulty.calibrate",
         "params": {"sources": ["toy.pass_rate.1", "toy.pass_rate.2", "toy.pass_rate.3"], "method": "irt"}},
    ], params={"max_value": 100})
    assert len(records) == 120
    totals = {r["id"]: sum(FakePassRate.correct(r["id"], m) for m in "abc") for r in records}
    ranked = sorted(records, key=lambda r: totals[r["id"]])
    for low, high in zip(ranked, ranked[1:]):
        if totals[low["id"]] < totals[high["id"]]:
            assert low["difficulty"] > high["difficulty"]  # 1PL: more solved samples → easier
    notes = records[0]["metadata"]["filters"]["difficulty.calibrate"]
    assert notes["irt"]["model"] == "1pl" and records[0]["difficulty"] == notes["irt"]["normalised"]
    assert notes["samples"] == 3 * SAMPLES


def test_missing_pass_rates_stop_or_keep(tmp_path):
    with pytest.raises(DsgenError, match=r"record [0-9a-f]{16} \(index 0\) has no 'pass_rate' measured by \['toy"):
        build(tmp_path, "toy.add", [{"filter": "toy.pass_rate", "params": {"skip_every": 7}},
                                     {"filter": "difficulty.calibrate", "params": {"sources": ["toy.pass_rate"]}}])
    records = build(tmp_path, "toy.add", [
        {"filter": "toy.pass_rate", "params": {"skip_every": 7}},
        {"filter": "difficulty.calibrate", "params": {"sources": ["toy.pass_rate"], "on_missing": "keep"}},
    ], name="keep", params={"max_value": 100})
    kept = [r for r in records if r["provenance"]["index"] % 7 == 0]
    assert kept and all("difficulty.calibrate" not in r["metadata"].get("filters", {}) for r in kept)
    assert all(r["difficulty"] == pass_rate_difficulty(FakePassRate.correct(r["id"], "a"), SAMPLES)
               for r in records if r["provenance"]["index"] % 7)


def test_params_are_checked():
    from dsgen.filters.calibrate import Calibrate

    with pytest.raises(ValueError, match="two sources or more"):
        Calibrate(method="irt")
    with pytest.raises(ValueError, match="sources repeat"):
        Calibrate(sources=["a", "a"])


def test_malformed_measurements_are_named():
    from dsgen.filters.calibrate import Calibrate

    record = {"id": "0123456789abcdef", "provenance": {"index": 4}, "difficulty": 0.1, "level": "easy",
              "metadata": {"filters": {"pass_rate": {"pass_rate": 1.5, "samples": 4}}}}
    with pytest.raises(DsgenError, match=r"index 4\): metadata.filters.pass_rate needs 'pass_rate' in \[0, 1\]"):
        Calibrate().apply([record])
