"""The Ray executor on a local 2-CPU Ray instance: same bytes as a local build, retries, resume, model actors.

Ray workers are separate processes that do not see ``dsgen.register`` calls made here: the instance
starts them with this folder on PYTHONPATH and ``register_in_worker`` as their setup hook.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field

ray = pytest.importorskip("ray", reason="the Ray executor needs the 'ray' extra: pip install 'dsgen[ray]'")

from conftest import AddBuilder, AddParams, FirstOfEachAnswer  # noqa: E402
from dsgen.builders.math import scenario, scenario_names  # noqa: E402
from test_build import tree  # noqa: E402

import dsgen  # noqa: E402
from dsgen.builder import Params  # noqa: E402
from dsgen.expressions import evaluate  # noqa: E402
from dsgen.filters.base import Filter, Verdict  # noqa: E402
from dsgen.recipe import load_recipe  # noqa: E402


class FlakyParams(AddParams):
    at: int = Field(-1, description="the index where the failures below happen")
    fail_unless: str = Field("", description="raise at `at` unless this file exists (an interrupted build)")
    die_once: str = Field("", description="kill the worker process at `at` if this file does not exist yet")


class FlakyAdd(AddBuilder):
    """The toy sum builder, with failures that are not part of the data."""

    Params = FlakyParams

    def generate(self, rng, index):
        p = self.params
        if index == p.at and p.fail_unless and not os.path.exists(p.fail_unless):
            raise RuntimeError(f"interrupted at {index}")
        if index == p.at and p.die_once and not os.path.exists(p.die_once):
            Path(p.die_once).touch()
            os._exit(1)
        return super().generate(rng, index)


class ParityModelParams(Params):
    log: str = Field("", description="file that gets one line per setup (process id)")
    die_once: str = Field("", description="kill the process in apply if this file does not exist yet")


class ParityModel(Filter):
    """Stands in for a model filter (dataset stage, no fit): drops multiples of 3, logs each setup."""

    description = "parity model (test)"
    stage = "dataset"
    uses_model: ClassVar[bool] = True
    Params = ParityModelParams

    def setup(self):
        if self.params.log:
            with open(self.params.log, "a") as fh:
                fh.write(f"{os.getpid()}\n")

    def apply(self, records):
        if self.params.die_once and not os.path.exists(self.params.die_once):
            Path(self.params.die_once).touch()
            os._exit(1)
        remainders = [int(r["answer"]) % 3 for r in records]
        return [Verdict(m != 0, "multiple of 3", {"mod3": m}) for m in remainders]


def register_in_worker() -> None:
    dsgen.register("builder", "toy.flaky", FlakyAdd)
    dsgen.register("filter", "toy.parity_model", ParityModel)


register_in_worker()


@pytest.fixture(scope="module", autouse=True)
def ray_instance():
    here = str(Path(__file__).parent)
    path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    hook = "test_ray.register_in_worker"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}, "worker_process_setup_hook": hook})
    yield
    ray.shutdown()


RECIPE = """\
name: toy
seed: 7
datasets:
  sums:
    builder: toy.flaky
    count: 2500
    params: {{max_value: 500, at: {at}, fail_unless: "{fail}", die_once: "{die}"}}
    filters: [{{filter: toy.drop_odd}}]
    splits:
      fractions: {{train: 0.8, test: 0.2}}
  math:
    builder: math.compose
    count: 300
    splits:
      by: quantile
      fractions: {{easy: 0.5, hard: 0.5}}
filters:
  - filter: toy.first_answer
output:
  shard_size: 400
  rejects: true
"""


def recipe_file(tmp_path, at=-1, fail="", die=""):
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE.format(at=at, fail=fail, die=die))
    return path


def test_ray_build_is_byte_identical_to_a_local_build(tmp_path):
    recipe = recipe_file(tmp_path)
    local = dsgen.build(recipe, out=tmp_path / "local", workers=2)
    remote = dsgen.build(recipe, out=tmp_path / "ray", workers=2, executor="ray")
    assert remote.records == local.records > 300
    assert remote.datasets["sums"].rejects == local.datasets["sums"].rejects
    assert local.datasets["sums"].rejects["toy.drop_odd: odd answer"] > 500  # record filters ran in the tasks
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")


def test_math_scenarios_compiled_in_the_driver_leave_ray_working(tmp_path):
    """Scenario files hold decimal literals; parsed by quicktions' own parser they would break Ray's
    serialization of task arguments in this process (hence ``dsgen.expressions.parse_number``)."""
    for name in scenario_names():
        scenario(name)
    assert evaluate("2.5 * 2") == 5
    (tmp_path / "r.yaml").write_text(
        "name: money\nseed: 3\ndatasets:\n  m:\n    builder: math.template\n    count: 300\n"
        "    params: {scenarios: [movie_night, coffee_cart, recipe_scaling]}\noutput:\n  shard_size: 100\n"
    )
    result = dsgen.build(tmp_path / "r.yaml", out=tmp_path / "ray", executor="ray")
    assert result.records == 300


def test_a_dead_worker_is_retried_by_unit(tmp_path):
    flag = tmp_path / "died"
    recipe = recipe_file(tmp_path, at=1234, die=str(flag))
    flag.touch()
    local = dsgen.build(recipe, out=tmp_path / "local", workers=1)
    flag.unlink()
    remote = dsgen.build(recipe, out=tmp_path / "ray", executor="ray")
    assert flag.exists()  # a worker did die at index 1234, once
    assert remote.records == local.records
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")


def test_an_interrupted_ray_build_resumes_from_its_complete_units(tmp_path):
    flag = tmp_path / "may-finish"
    recipe = recipe_file(tmp_path, at=2100, fail=str(flag))
    flag.touch()
    dsgen.build(recipe, out=tmp_path / "local", workers=1)
    flag.unlink()
    with pytest.raises(RuntimeError, match="interrupted at 2100"):  # the builder's error, not a Ray wrapper
        dsgen.build(recipe, out=tmp_path / "ray", executor="ray")
    assert not (tmp_path / "ray" / "manifest.json").exists()
    flag.touch()
    result = dsgen.build(recipe, out=tmp_path / "ray", executor="ray", resume=True)
    assert result.reused_units >= 1
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")


def test_model_filters_run_in_actors_that_set_up_once(tmp_path):
    log, flag = tmp_path / "setups.log", tmp_path / "died"
    text = recipe_file(tmp_path).read_text()
    model = f'filters: [{{filter: toy.parity_model, params: {{log: "{log}", die_once: "{flag}"}}}}]'
    recipe = tmp_path / "model.yaml"
    recipe.write_text(text.replace("filters: [{filter: toy.drop_odd}]", model) + "executor: ray\n")
    flag.touch()
    local = dsgen.build(load_recipe(recipe), out=tmp_path / "local", executor="local")
    assert log.read_text().split() == [str(os.getpid())]  # the local executor sets it up once, in the driver
    log.unlink()
    flag.unlink()
    remote = dsgen.build(recipe, out=tmp_path / "ray", workers=2)  # the recipe asks for ray; 2 model actors
    setups = log.read_text().split()
    # once per actor, not per unit (7), and once more for the actor that died in apply and was restarted
    assert flag.exists() and len(setups) == 3 and str(os.getpid()) not in setups
    assert remote.datasets["sums"].rejects["toy.parity_model: multiple of 3"] > 100
    assert remote.datasets["sums"].rejects == local.datasets["sums"].rejects
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")


def test_filters_that_fit_stay_in_the_driver():
    from dsgen.executors import RayExecutor
    from dsgen.recipe import FilterSpec

    assert FirstOfEachAnswer.uses_model is False
    runner = RayExecutor(None, Path("."), 2, None)
    assert runner.model_pool(FilterSpec(filter="toy.first_answer")) is None
    assert runner.ray is None  # and Ray was not even needed to decide


def test_the_executor_does_not_change_the_recipe_hash(tmp_path):
    recipe = recipe_file(tmp_path)
    base = load_recipe(recipe)
    on_ray = load_recipe(recipe, overrides=["executor=ray", "ray_address=auto"])
    assert on_ray.executor == "ray" and on_ray.content_hash() == base.content_hash()
    assert load_recipe(recipe, seed=8).content_hash() != base.content_hash()


def test_cli_runs_a_build_on_ray_and_rejects_an_address_for_the_local_executor(tmp_path):
    from click.testing import CliRunner
    from dsgen.cli.main import main

    recipe = recipe_file(tmp_path)
    args = ["build", str(recipe), "-q", "--set", "datasets.sums.count=500"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "o"), "--executor", "ray"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "manifest.json").is_file()
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "p"), "--executor", "local",
                                       "--ray-address", "auto"])
    assert result.exit_code == 2 and "executor is 'local'" in result.output


def test_ray_is_imported_only_when_asked_for(tmp_path):
    code = (
        "import sys, dsgen\n"
        "recipe = dsgen.Recipe(name='r', datasets={'m': {'builder': 'math.compose', 'count': 20}})\n"
        "dsgen.build(recipe, out=sys.argv[1] + '/o', workers=1)\n"
        "assert 'ray' not in sys.modules, 'a local build imported ray'\n"
        "sys.modules['ray'] = None  # as if it were not installed\n"
        "try:\n"
        "    dsgen.build(recipe, out=sys.argv[1] + '/p', executor='ray')\n"
        "except dsgen.DsgenError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         check=True)
    assert "the 'ray' executor needs Ray: pip install 'dsgen[ray]'" in out.stdout
