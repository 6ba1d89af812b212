"""Calibrated difficulty from model results: smoothed pass rates and item response theory (IRT).

Both map to the same [0, 1] difficulty scale and the same levels as the math builders
(``easy`` below 0.35, ``medium`` below 0.6, ``hard`` from 0.6), so generated and annotated data
can be split on one column.

- Pass rate: ``difficulty = 1 - (c + 1) / (n + 2)`` for ``c`` correct out of ``n`` (Laplace smoothing:
  an item nobody tried is 0.5, one that 1 of 1 model solved is 1/3 rather than 0).
- IRT (as in Easy2Hard-Bench): ``P(model j solves item i) = sigmoid(a_i * (theta_j - b_i))``. The 1PL
  (Rasch) model fixes every ``a_i = 1``, so ``b`` is in logits; the 2PL model fits one ``a_i`` per
  item. The fit
  maximises the likelihood of the observed entries (NaN = not observed; fractional entries, e.g. a
  model's pass rate over k samples, count as soft outcomes) with weak Gaussian priors (theta ~ N(0, 1),
  b ~ N(0, 3²), log a ~ N(0, 1)) by full-batch L-BFGS in float64, deterministic from a data-based
  start. The location is identified exactly (abilities shifted to mean 0, ``b`` with them); the scale
  by ``a = 1`` (1PL) or by the priors (2PL). It is not forced to an ability sd of 1: that blows the
  scale up when the models barely differ. The normalised difficulty is
  ``sigmoid(b)``: 0.5 for an item the average model solves half the time; ``quantile`` is the mid-rank
  of ``b`` among the items, in (0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .builders.math import LEVELS
from .errors import DsgenError

if TYPE_CHECKING:
    import numpy as np

PRIOR_SD_B = 3.0
PRIOR_SD_LOG_A = 1.0
DEFAULT_STEPS = 100


def level_of(difficulty: float) -> str:
    """The named level of a difficulty in [0, 1]."""
    return next(name for name, upper in LEVELS if difficulty < upper)


def pass_rate_difficulty(correct: float, total: float) -> float:
    """``1 - (correct + 1) / (total + 2)``, rounded to 6 places (``correct`` may be fractional)."""
    if total < 0 or not 0 <= correct <= total:
        raise ValueError(f"pass rate needs 0 <= correct <= total, got {correct} of {total}")
    return round(1.0 - (correct + 1.0) / (total + 2.0), 6)


@dataclass(frozen=True)
class IRTFit:
    """A fitted item response model: per-item arrays (``difficulty`` = b) and per-model ``ability``."""

    model: str
    difficulty: np.ndarray
    discrimination: np.ndarray
    ability: np.ndarray
    normalised: np.ndarray
    quantile: np.ndarray
    level: list[str]
    log_likelihood: float

    def item(self, i: int) -> dict[str, Any]:
        """The fit of item ``i`` as plain numbers rounded to 6 places (for record metadata)."""
        return {
            "model": self.model,
            "b": round(float(self.difficulty[i]), 6),
            "a": round(float(self.discrimination[i]), 6),
            "normalised": round(float(self.normalised[i]), 6),
            "quantile": round(float(self.quantile[i]), 6),
        }


def _torch():
    try:
        import torch
    except ImportError:
        raise DsgenError("IRT fitting needs torch: pip install 'dsgen[models]'") from None
    return torch


def mid_ranks(values: np.ndarray) -> np.ndarray:
    """Quantiles in (0, 1): (average rank of each value − 0.5) / n, ties sharing their mean rank."""
    import numpy as np

    n = len(values)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n, dtype=np.float64)
    sorted_values = values[order]
    start = 0
    while start < n:
        stop = start + 1
        while stop < n and sorted_values[stop] == sorted_values[start]:
            stop += 1
        ranks[order[start:stop]] = (start + stop - 1) / 2
        start = stop
    return (ranks + 0.5) / max(n, 1)


def fit_irt(
    responses: Any,
    model: Literal["1pl", "2pl"] = "1pl",
    *,
    device: str | None = None,
    steps: int = DEFAULT_STEPS,
) -> IRTFit:
    """Fit a 1PL or 2PL model to ``responses`` (models × items, values in [0, 1], NaN = missing).

    ``device`` is a torch device (default CPU, which is deterministic); ``steps`` caps the L-BFGS
    iterations. Raises ``DsgenError`` on a malformed matrix or when torch is missing.
    """
    import numpy as np

    if model not in ("1pl", "2pl"):
        raise DsgenError(f"IRT model must be '1pl' or '2pl', got {model!r}")
    y = np.asarray(responses, dtype=np.float64)
    if y.ndim != 2 or y.shape[0] < 2 or y.shape[1] < 1:
        raise DsgenError(f"a response matrix is models × items with at least 2 models, got shape {y.shape}")
    observed = ~np.isnan(y)
    if ((y[observed] < 0) | (y[observed] > 1)).any():
        raise DsgenError("response matrix values must lie in [0, 1] (correct = 1, wrong = 0, NaN = missing)")
    if not observed.any():
        raise DsgenError("the response matrix has no observed entries")
    torch = _torch()
    dev = torch.device(device or "cpu")
    f64 = torch.float64
    target = torch.tensor(np.where(observed, y, 0.0), dtype=f64, device=dev)
    mask = torch.tensor(observed, dtype=f64, device=dev)
    count = float(observed.sum())

    # Deterministic start: logits of smoothed pass rates of each model and each item.
    def logit(c: np.ndarray, n: np.ndarray) -> np.ndarray:
        p = (c + 0.5) / (n + 1.0)
        return np.log(p / (1 - p))

    filled = np.where(observed, y, 0.0)
    theta0 = logit(filled.sum(1), observed.sum(1))
    theta0 = (theta0 - theta0.mean()) / (theta0.std() or 1.0)
    theta = torch.tensor(theta0, dtype=f64, device=dev, requires_grad=True)
    b = torch.tensor(-logit(filled.sum(0), observed.sum(0)), dtype=f64, device=dev, requires_grad=True)
    log_a = torch.zeros(y.shape[1], dtype=f64, device=dev, requires_grad=model == "2pl")
    params = [theta, b, log_a] if model == "2pl" else [theta, b]

    def loss_fn():
        logits = torch.exp(log_a) * (theta[:, None] - b[None, :])
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
        nll = (bce * mask).sum()
        prior = theta.square().sum() + (b / PRIOR_SD_B).square().sum()
        prior = prior + (log_a / PRIOR_SD_LOG_A).square().sum()
        return (nll + 0.5 * prior) / count, nll

    optimizer = torch.optim.LBFGS(
        params, lr=1.0, max_iter=steps, max_eval=steps * 2, history_size=20,
        tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        loss, _ = loss_fn()
        loss.backward()
        return loss

    threads = torch.get_num_threads()
    if dev.type == "cpu":
        torch.set_num_threads(1)  # reductions then do not depend on the machine's thread count
    try:
        optimizer.step(closure)
    finally:
        torch.set_num_threads(threads)
    with torch.no_grad():
        _, nll = loss_fn()
        t, bb, a = theta.cpu().numpy(), b.cpu().numpy(), np.exp(log_a.cpu().numpy())
    # identify the location exactly (mean ability 0, a (theta - b) unchanged); a = 1 or priors set the scale
    mean = float(t.mean())
    ability, difficulty = t - mean, bb - mean
    discrimination = np.broadcast_to(a, difficulty.shape).copy()
    normalised = 1.0 / (1.0 + np.exp(-difficulty))
    quantile = mid_ranks(difficulty)
    return IRTFit(
        model=model,
        difficulty=difficulty,
        discrimination=discrimination,
        ability=ability,
        normalised=normalised,
        quantile=quantile,
        level=[level_of(float(v)) for v in normalised],
        log_likelihood=-float(nll),
    )


def simulate(
    models: int, items: int, *, two_pl: bool, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(responses, true b, true a) drawn from a known IRT model, for tests and benchmarks.

    Abilities and difficulties ~ N(0, 1); discriminations ~ LogNormal(0, 0.3) for 2PL, else 1.
    """
    import numpy as np

    gen = np.random.default_rng(seed)
    theta = gen.normal(size=models)
    b = gen.normal(size=items)
    a = np.exp(gen.normal(0.0, 0.3, size=items)) if two_pl else np.ones(items)
    p = 1.0 / (1.0 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
    return (gen.random((models, items)) < p).astype(np.float64), b, a

