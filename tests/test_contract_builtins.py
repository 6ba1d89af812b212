"""Every built-in builder and wrapper passes the builder contract (``dsgen.testing.check_builder``).

Parametrised over the builders the dsgen distribution registers, so a new built-in is covered
without touching this file. A builder whose parameters the kit cannot draw on its own (a required
path, a nested mapping) or whose defaults are slow to set up declares ``test_params``; until it
does, ``KIT_ARGS`` below supplies them. The Hypothesis profile is ``dsgen-ci`` unless
``--dsgen-profile``/``$DSGEN_HYPOTHESIS_PROFILE`` says otherwise.
"""

from __future__ import annotations

from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest

from dsgen import registry
from dsgen.testing import check_builder


def builtin_builders() -> list[str]:
    group = registry.GROUPS["builder"]
    return sorted(ep.name for ep in distribution("dsgen").entry_points if ep.group == group)


#: check_builder keywords for built-ins that need them (their own test_params take over when declared).
KIT_ARGS: dict[str, dict[str, Any]] = {
    "math.annotate": {"params": {"path": str(Path(__file__).parent / "data" / "gsm8k_sample.jsonl")}},
}


@pytest.mark.parametrize("name", builtin_builders())
def test_builtin_passes_the_contract(name):
    cls = registry.load("builder", name)
    args = dict(KIT_ARGS.get(name, {}))
    if cls.test_params:  # the builder's own test parameters take over
        args.pop("params", None)
    report = check_builder(name, **args)
    assert report.examples > 0
    assert {"schema", "determinism", "fresh_process", "difficulty_range"} <= set(report.checked), str(report)
