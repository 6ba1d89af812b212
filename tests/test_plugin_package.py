"""A user's own package: a builder registered through the entry point and tested with the kit in one line.

The package is written, installed with pip (no network: setuptools is already here) into a folder
put on PYTHONPATH, and its tests run in a new pytest process, where dsgen's pytest11 plugin
provides the ``dsgen_contract`` fixture. One builder is correct; the other has a verifier that
accepts hedged answers, and its failure must print the ``dsgen show`` command that reproduces it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "dsgen-sums-example"
version = "0.1.0"
dependencies = ["dsgen"]

[project.entry-points."dsgen.builders"]
"sums.pairs" = "sums_example:Pairs"
"sums.sloppy" = "sums_example:Sloppy"

[project.entry-points."dsgen.verifiers"]
"sums.mentions" = "sums_example:mentions"

[tool.setuptools]
py-modules = ["sums_example"]
"""

MODULE = '''\
"""Sums of two numbers: a dsgen builder in a user's own package."""

import math
import random
from typing import Any, ClassVar

from pydantic import Field

from dsgen import Builder, Params


class PairParams(Params):
    max_value: int = Field(1000, ge=10, le=10**9, description="largest addend")


class Pairs(Builder):
    description: ClassVar[str] = "What is a + b?"
    kind: ClassVar[str] = "sums"
    Params = PairParams
    difficulty_params: ClassVar[dict[str, int]] = {"max_value": +1}
    verifier: ClassVar[str] = "numeric"
    schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [{"$ref": "https://dsgen.dev/schemas/record.schema.json"}],
        "required": ["answer"],
        "properties": {
            "answer": {"type": "string", "pattern": "^[0-9]+$"},
            "metadata": {
                "type": "object",
                "required": ["a", "b"],
                "properties": {
                    "a": {"type": "integer", "minimum": 1},
                    "b": {"type": "integer", "minimum": 1},
                },
            },
        },
    }

    def capacity(self) -> int:
        return self.params.max_value**2

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        a, b = rng.randint(1, self.params.max_value), rng.randint(1, self.params.max_value)
        value = round(math.log10(max(a, b)) / 9, 6)
        return {
            "prompt": f"What is {a} + {b}? End with 'The answer is N.'",
            "answer": str(a + b),
            "verifier": {"kind": self.verifier, "params": {}},
            "difficulty": value,
            "level": "easy" if value < 0.3 else "hard",
            "metadata": {"a": a, "b": b},
        }


def mentions(completion: str, answer: str | None, params: dict) -> float:
    """Bug on purpose: any completion that mentions the answer passes, hedges included."""
    return 1.0 if answer and answer in completion else 0.0


class Sloppy(Pairs):
    verifier: ClassVar[str] = "sums.mentions"
'''

TESTS = """\
def test_pairs(dsgen_contract):
    dsgen_contract("sums.pairs")


def test_sloppy(dsgen_contract):
    dsgen_contract("sums.sloppy")
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    package = root / "package"
    package.mkdir()
    (package / "pyproject.toml").write_text(PYPROJECT)
    (package / "sums_example.py").write_text(MODULE)
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(package)],
        check=True, capture_output=True, text=True,
    )
    (root / "test_sums.py").write_text(TESTS)
    return root, site


def run_pytest(root: Path, site: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("DSGEN_HYPOTHESIS_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_sums.py", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_entry_points_register_the_builders(installed):
    root, site = installed
    code = "from dsgen import registry; print(registry.names('builder')); print(registry.names('verifier'))"
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(site)),
                         capture_output=True, text=True, check=True).stdout
    assert "'sums.pairs', 'sums.sloppy'" in out and "'sums.mentions'" in out


def test_one_line_runs_the_contract_in_the_users_package(installed):
    root, site = installed
    result = run_pytest(root, site, "-rA")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "PASSED test_sums.py::test_pairs" in output
    assert "FAILED test_sums.py::test_sloppy" in output
    assert "dsgen contract: 'sums.sloppy' breaks 'answer': a wrong or hedged completion scored 1.0" in output
    assert "minimal example: params={}, seed=0, index=0" in output
    assert "reproduce: dsgen show sums.sloppy --count 1 --seed 0 --index 0" in output
    assert "1 failed, 1 passed" in output


def test_the_printed_command_reproduces_the_failing_record(installed):
    root, site = installed
    env = dict(os.environ, PYTHONPATH=str(site))
    code = (
        "import dsgen, json; r = dsgen.sample('sums.sloppy', {}, count=1, seed=0, start=0)[0]; "
        "print(r['id']); print(dsgen.score(r, 'The answer is ' + r['answer'] + ' or 1.'))"
    )
    ident, score = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                  check=True).stdout.split()
    assert score == "1.0"  # the bug the contract reported
    command = "dsgen show sums.sloppy --count 1 --seed 0 --index 0".split()
    shown = subprocess.run([sys.executable, "-m", "dsgen.cli.main", *command[1:]], env=env,
                           capture_output=True, text=True, check=True)
    assert ident in shown.stdout


def test_the_profile_option_reaches_the_kit(installed):
    root, site = installed
    (root / "test_profile.py").write_text(
        "from dsgen.testing import contract_settings\n\n"
        "def test_profile():\n    assert contract_settings().max_examples == 100\n"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("DSGEN_HYPOTHESIS_PROFILE", None)

    def run(*args):
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_profile.py", *args]
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)

    assert run("--dsgen-profile=dsgen-dev").returncode == 0
    assert run().returncode == 1  # dsgen-ci by default: 15 examples
    bad = run("--dsgen-profile=fast")
    assert bad.returncode != 0 and "invalid choice: 'fast'" in bad.stderr
