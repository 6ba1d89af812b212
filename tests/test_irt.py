"""IRT fits recover known item parameters; pass-rate difficulty and levels; malformed matrices."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from dsgen.errors import DsgenError
from dsgen.irt import fit_irt, level_of, mid_ranks, pass_rate_difficulty, simulate


@pytest.fixture(scope="module")
def one_pl():
    responses, b, _ = simulate(150, 1000, two_pl=False, seed=11)
    return responses, b, fit_irt(responses, "1pl")


@pytest.fixture(scope="module")
def two_pl():
    responses, b, a = simulate(150, 1000, two_pl=True, seed=12)
    return responses, b, a, fit_irt(responses, "2pl")


def test_1pl_recovers_difficulty_from_simulated_responses(one_pl):
    _, b, fit = one_pl
    assert spearmanr(fit.difficulty, b).statistic >= 0.95
    # Rasch: a = 1, so b is in logits, the scale of the truth
    assert (fit.discrimination == 1).all() and np.mean(np.abs(fit.difficulty - b)) < 0.35


def test_2pl_recovers_difficulty_and_discrimination(two_pl):
    _, b, a, fit = two_pl
    assert spearmanr(fit.difficulty, b).statistic >= 0.95
    assert spearmanr(fit.discrimination, a).statistic >= 0.6
    assert (fit.discrimination > 0).all()


def test_scale_is_identified_and_outputs_are_consistent(two_pl):
    _, _, _, fit = two_pl
    assert abs(fit.ability.mean()) < 1e-9 and 0.7 < fit.ability.std() < 1.3  # true sd 1, shrunk a little by the priors
    assert np.allclose(fit.normalised, 1 / (1 + np.exp(-fit.difficulty)))
    order = np.argsort(fit.difficulty)
    assert (np.diff(fit.quantile[order]) > 0).all() and 0 < fit.quantile.min() and fit.quantile.max() < 1
    assert fit.level == [level_of(v) for v in fit.normalised]
    item = fit.item(3)
    assert item["b"] == round(float(fit.difficulty[3]), 6) and item["model"] == "2pl"


def test_2pl_fits_2pl_data_better_than_1pl(two_pl):
    responses, _, _, fit2 = two_pl
    fit1 = fit_irt(responses, "1pl")
    assert fit2.log_likelihood > fit1.log_likelihood


def test_missing_entries_are_ignored_not_read_as_wrong():
    responses, b, _ = simulate(150, 400, two_pl=False, seed=3)
    holes = np.random.default_rng(4).random(responses.shape) < 0.3
    sparse = np.where(holes, np.nan, responses)
    fit = fit_irt(sparse, "1pl")
    assert spearmanr(fit.difficulty, b).statistic >= 0.9
    # reading the holes as wrong answers would make every item look harder; NaN must not
    assert abs(np.median(fit.difficulty - b)) < 0.25


def test_fit_is_deterministic():
    responses, _, _ = simulate(40, 200, two_pl=True, seed=5)
    one, two = fit_irt(responses, "2pl", steps=60), fit_irt(responses, "2pl", steps=60)
    assert np.array_equal(one.difficulty, two.difficulty) and np.array_equal(one.discrimination, two.discrimination)


def test_items_everyone_solves_or_fails_stay_finite_and_ordered():
    responses, _, _ = simulate(30, 50, two_pl=False, seed=8)
    responses[:, 0], responses[:, 1] = 1.0, 0.0
    assert np.isfinite(fit_irt(responses, "2pl").difficulty).all()
    fit = fit_irt(responses, "1pl")  # in 1PL an item's total is sufficient: all-solved is easiest, all-failed hardest
    assert np.isclose(fit.difficulty[0], fit.difficulty.min()) and np.isclose(fit.difficulty[1], fit.difficulty.max())


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros((1, 5)), "at least 2 models"),
        (np.zeros(5), "models × items"),
        (np.array([[0.0, 2.0], [1.0, 0.0]]), "in \\[0, 1\\]"),
        (np.full((3, 3), np.nan), "no observed entries"),
    ],
)
def test_malformed_matrices_are_rejected(matrix, message):
    with pytest.raises(DsgenError, match=message):
        fit_irt(matrix)


def test_unknown_model_is_rejected():
    with pytest.raises(DsgenError, match="1pl' or '2pl"):
        fit_irt(np.zeros((2, 2)), "3pl")


def test_pass_rate_difficulty_is_smoothed():
    assert pass_rate_difficulty(0, 0) == 0.5
    assert pass_rate_difficulty(1, 1) == round(1 - 2 / 3, 6)
    assert pass_rate_difficulty(0, 8) == 0.9 and pass_rate_difficulty(8, 8) == 0.1
    assert pass_rate_difficulty(2.5, 5) == 0.5  # fractional correctness (k samples averaged)
    with pytest.raises(ValueError):
        pass_rate_difficulty(3, 2)


def test_levels_match_the_math_builders():
    from dsgen.builders.math import difficulty

    for steps, number, kinds in [(1, 5, ["add"]), (5, 1000, ["mul", "sub"]), (12, 10**6, ["div", "ceil"]),
                                 (3, 80, ["percent"])]:
        value, level = difficulty(steps, kinds, number)
        assert level_of(value) == level
    assert [level_of(v) for v in (0.0, 0.3499, 0.35, 0.5999, 0.6, 1.0)] == ["easy", "easy", "medium", "medium",
                                                                            "hard", "hard"]


def test_mid_ranks_share_ties():
    assert mid_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [0.75, 0.125, 0.75, 0.375]


def test_models_of_equal_ability_do_not_blow_the_scale_up():
    rng = np.random.default_rng(9)
    p = rng.uniform(0.1, 0.9, size=200)
    responses = (rng.random((3, 200)) < p).astype(float)  # three interchangeable models
    fit = fit_irt(responses, "1pl")
    assert np.abs(fit.difficulty).max() < 4 and 0.05 < fit.normalised.min() and fit.normalised.max() < 0.95
