"""Filter ``difficulty.calibrate``: set each record's difficulty and level from measured model pass rates.

It keeps every record. It reads the pass rates that earlier filters measured (by default the
``pass_rate`` filter: ``metadata.filters.pass_rate.pass_rate`` and its sample count ``samples``) and
maps them exactly as ``math.annotate`` does (``dsgen.irt``), so generated and annotated data share one
scale:

- ``method: pass_rate`` — ``1 - (c + 1) / (n + 2)`` with ``c`` correct of ``n`` samples, summed over
  the ``sources`` (several pass-rate filters, e.g. one per model);
- ``method: irt`` — a 1PL / 2PL fit (``irt``) over the sources as models and the dataset's records as
  items (pass rates are soft outcomes), needing two sources or more; difficulty ``sigmoid(b)``.
The previous difficulty and level are kept in the measurements (``metadata.filters.<label>``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..builder import Params
from ..errors import DsgenError
from ..irt import level_of, pass_rate_difficulty
from .base import Filter, Verdict


class CalibrateParams(Params):
    sources: list[str] = Field(["pass_rate"], min_length=1,
                               description="labels of the filters whose measurements hold pass rates")
    key: str = Field("pass_rate", description="measurement holding the pass rate in [0, 1]")
    samples_key: str = Field("samples", description="measurement holding the number of samples behind it")
    method: Literal["pass_rate", "irt"] = "pass_rate"
    irt: Literal["1pl", "2pl"] = "1pl"
    on_missing: Literal["error", "keep"] = Field(
        "error", description="a record without a measured pass rate: stop, or keep its difficulty unchanged")

    @model_validator(mode="after")
    def _check(self) -> CalibrateParams:
        if self.method == "irt" and len(self.sources) < 2:
            raise ValueError("method 'irt' needs two sources or more (one pass-rate filter per model)")
        if len(set(self.sources)) != len(self.sources):
            raise ValueError(f"sources repeat: {self.sources}")
        return self


class Calibrate(Filter):
    description: ClassVar[str] = "Sets difficulty and level from measured pass rates (smoothed, or IRT)."
    Params = CalibrateParams
    params: CalibrateParams
    stage: ClassVar[str] = "dataset"

    def _measured(self, record: dict[str, Any]) -> list[tuple[float, float]] | None:
        """(correct, samples) per source, or None when a source did not measure this record."""
        p = self.params
        found = record["metadata"].get("filters", {})
        result = []
        for source in p.sources:
            m = found.get(source)
            if not m or p.key not in m:
                return None
            rate, samples = m[p.key], m.get(p.samples_key)
            if not isinstance(samples, (int, float)) or samples <= 0 or not 0 <= rate <= 1:
                raise DsgenError(
                    f"difficulty.calibrate: record {record['id']} (index {record['provenance']['index']}): "
                    f"metadata.filters.{source} needs '{p.key}' in [0, 1] and '{p.samples_key}' > 0, got {m}"
                )
            result.append((rate * samples, float(samples)))
        return result

    def _missing(self, record: dict[str, Any]) -> None:
        if self.params.on_missing == "error":
            raise DsgenError(
                f"difficulty.calibrate: record {record['id']} (index {record['provenance']['index']}) has no "
                f"'{self.params.key}' measured by {self.params.sources} (metadata.filters); run the "
                f"pass-rate filter(s) before it, or set on_missing: keep"
            )

    def fit(self, records: Iterable[dict[str, Any]]) -> None:
        self.fitted: dict[str, dict[str, Any]] = {}
        if self.params.method != "irt":
            return
        import numpy as np

        from ..irt import fit_irt

        ids, rates = [], []
        for record in records:
            measured = self._measured(record)
            if measured is None:
                self._missing(record)
                continue
            ids.append(record["id"])
            rates.append([c / n for c, n in measured])
        if not ids:
            return
        fit = fit_irt(np.asarray(rates).T, self.params.irt)
        self.fitted = {ident: fit.item(k) for k, ident in enumerate(ids)}

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        verdicts = []
        for record in records:
            measured = self._measured(record)
            if measured is None:
                self._missing(record)
                verdicts.append(Verdict(True))
                continue
            correct, samples = sum(c for c, _ in measured), sum(n for _, n in measured)
            notes = {
                "previous_difficulty": record["difficulty"], "previous_level": record["level"],
                "correct": round(correct, 6), "samples": int(samples) if samples.is_integer() else samples,
            }
            if self.params.method == "irt":
                item = self.fitted[record["id"]]
                value, notes["irt"] = item["normalised"], item
            else:
                value = pass_rate_difficulty(correct, samples)
            verdicts.append(Verdict(True, measurements=notes, difficulty=value, level=level_of(value)))
        return verdicts
