"""The contract every filter implements: measure, then keep or drop with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..builder import Params


@dataclass(frozen=True)
class Verdict:
    """A filter's decision on one record; ``measurements`` go to ``metadata.filters.<name>``.

    A calibrating filter (pass rates, IRT) may also set the record's ``difficulty`` and ``level``,
    so generated and existing data share one scale.
    """

    keep: bool
    reason: str | None = None
    measurements: dict[str, Any] = field(default_factory=dict)
    difficulty: float | None = None
    level: str | None = None


class Filter:
    """Keeps or drops records, with a reason for each drop.

    ``stage`` says where it runs:
    - ``record``: inside the generation workers, one unit of records at a time, no shared state;
    - ``dataset``: after generation, once per dataset: ``fit`` first streams every surviving record
      of that dataset (in index order), then ``apply`` sees them in batches (model filters live here);
    - ``build``: like ``dataset`` but ``fit`` streams every dataset of the build (cross-config dedup).
    Results must not depend on the number of workers: ``fit`` always sees records in the same order.
    """

    description: ClassVar[str] = ""
    Params: ClassVar[type[Params]] = Params
    stage: ClassVar[Literal["record", "dataset", "build"]] = "record"
    # True for a filter whose ``apply`` runs a model and needs no ``fit``: the Ray executor applies it
    # in a pool of actors that each build and ``setup()`` it once (one actor per GPU).
    uses_model: ClassVar[bool] = False

    def __init__(self, params: Params | None = None, **kwargs: Any):
        self.params = params if params is not None else self.Params(**kwargs)

    def setup(self) -> None:
        """Expensive one-time preparation (load a model, read reference sets)."""

    def fit(self, records: Iterable[dict[str, Any]]) -> None:
        """See every record this filter will judge before ``apply`` (dataset and build stages)."""

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        raise NotImplementedError

    def warnings(self) -> list[str]:
        """What the user should hear about after ``fit`` (a build prints them with its summary)."""
        return []
