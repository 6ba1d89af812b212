"""pytest plugin (entry point ``pytest11: dsgen``): the ``dsgen_contract`` fixture and ``--dsgen-profile``.

A package that ships a builder tests it with one line::

    def test_contract(dsgen_contract):
        dsgen_contract("mypkg.sums")

Loaded by every pytest run where dsgen is installed, so it imports nothing heavy: Hypothesis and
the kit (``dsgen.testing``) load only when a test asks for the fixture.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

PROFILE_ENV = "DSGEN_HYPOTHESIS_PROFILE"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dsgen", "dsgen builder contract")
    group.addoption(
        "--dsgen-profile",
        choices=("dsgen-ci", "dsgen-dev"),
        default=None,
        help="Hypothesis profile of the builder contract: dsgen-ci (default: derandomised, 15 examples) "
        "or dsgen-dev (100 random examples). Same as $" + PROFILE_ENV + ".",
    )


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("--dsgen-profile")
    if profile:
        os.environ[PROFILE_ENV] = profile  # also reaches the subprocesses of the fresh-process check


@pytest.fixture
def dsgen_contract() -> Callable[..., Any]:
    """``dsgen.testing.check_builder``: call it with a builder name (or class) and optional keywords."""
    from dsgen.testing import check_builder

    return check_builder
