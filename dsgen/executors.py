"""Where a build's units run: worker processes on this machine (``local``) or tasks on Ray (``ray``).

Both run the same ``run_unit`` on the same units and only differ in where and in which order, so
their output is byte-identical. The Ray executor also applies model filters (``Filter.uses_model``)
in a pool of actors that each load the model once, one per GPU when the cluster has GPUs.
Ray is imported only when the ``ray`` executor is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from . import registry
from .errors import DsgenError
from .recipe import FilterSpec, Recipe
from .units import STATE, Unit, WorkerState, new_filter, run_unit

Pending = list[tuple[Unit, bool]]  # (unit, staged?) still to run
RETRIES = 3  # attempts after a Ray worker died mid-unit (a unit is idempotent: files first, marker last)


def executor_for(name: str, recipe: Recipe, out: Path, *, workers: int | None, address: str | None):
    """The executor called ``name`` ('local' or 'ray'); use it as a context manager."""
    if name == "local":
        if address:
            raise DsgenError(f"a Ray address ('{address}') was given but the executor is 'local'; "
                             f"use --executor ray (or 'executor: ray' in the recipe)")
        return LocalExecutor(recipe, out, workers)
    if name == "ray":
        return RayExecutor(recipe, out, workers, address)
    raise DsgenError(f"unknown executor '{name}'; known executors: local, ray")


def _run_unit_task(args: tuple[Unit, bool]) -> tuple[Unit, dict[str, Any]]:
    return args[0], run_unit(*args)


def preload(recipe: Recipe) -> None:
    """Each dataset's builder and wrappers load their shared read-only resources (``Builder.preload``)
    in this process, before it forks the workers."""
    for ds in recipe.datasets.values():
        registry.load("builder", ds.builder)(**ds.params).preload()
        for wrapper in ds.wrappers:
            registry.load("builder", wrapper.builder)(**wrapper.params).preload()


class LocalExecutor:
    """A multiprocessing pool of ``workers`` processes (all CPUs by default), or inline for one."""

    model_pool = None  # model filters run in the driver, once

    def __init__(self, recipe: Recipe, out: Path, workers: int | None):
        self.recipe, self.out, self.workers = recipe, out, workers

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, pending: Pending) -> Iterator[tuple[Unit, dict[str, Any]]]:
        """Run ``pending`` units; yields (unit, marker) as each finishes."""
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(pending)))
        recipe_json = self.recipe.model_dump_json()
        WorkerState.init(recipe_json, str(self.out))
        if workers == 1:
            yield from map(_run_unit_task, pending)
            return
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            preload(self.recipe)
        pool = multiprocessing.get_context(method).Pool(
            workers, initializer=WorkerState.init, initargs=(recipe_json, str(self.out))
        )
        try:
            yield from pool.imap_unordered(_run_unit_task, pending)
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.close()
            pool.join()


# --- Ray ---------------------------------------------------------------------------------------


def import_ray():
    try:
        import ray
    except ImportError:
        raise DsgenError("the 'ray' executor needs Ray: pip install 'dsgen[ray]'") from None
    return ray


_worker_build: tuple[str, str] | None = None  # (recipe json, out) this Ray worker process is set up for


def _ray_unit(recipe_json: str, out: str, unit: Unit, staged: bool) -> dict[str, Any]:
    """One unit in a Ray worker; builders are set up once per worker process and build."""
    global _worker_build
    if _worker_build != (recipe_json, out):
        if not (Path(out) / STATE / "state.json").is_file():
            import socket

            raise DsgenError(
                f"the output folder '{out}' is not visible on Ray node {socket.gethostname()}: a build on a "
                f"cluster writes into a folder every node mounts at the same path (NFS, a cloud file system)"
            )
        WorkerState.init(recipe_json, out)
        _worker_build = (recipe_json, out)
    return run_unit(unit, staged)


class _FilterActor:
    """Holds one model filter, set up once (one actor per GPU), and applies it to batches."""

    def __init__(self, spec_json: str):
        self.filter = new_filter(FilterSpec.model_validate_json(spec_json))

    def apply(self, records: list[dict[str, Any]]) -> list:
        return self.filter.apply(records) if records else []


class ModelPool:
    """A model filter applied by a pool of actors; ``judge`` keeps the order of the batches."""

    def __init__(self, ray, actors: list):
        from ray.util import ActorPool

        self.ray, self.actors, self.pool = ray, actors, ActorPool(actors)

    def judge(self, batches: Iterable[list[dict]]) -> Iterator[tuple[list[dict], list]]:
        """(records, verdicts) per batch, in order; at most two batches per actor are in flight."""
        batches = iter(batches)
        window: deque = deque()

        def submit(records: list[dict]) -> None:
            self.pool.submit(lambda actor, value: actor.apply.remote(value), records)
            window.append(records)

        for records in islice(batches, 2 * len(self.actors)):
            submit(records)
        while window:
            verdicts = self.pool.get_next()
            records = window.popleft()
            following = next(batches, None)
            if following is not None:
                submit(following)
            yield records, verdicts

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


class RayExecutor:
    """Ray tasks over the units and actor pools for model filters.

    Connects to ``address`` (``ray start`` on a cluster; ``auto``), to an already initialised Ray, or
    starts a local instance with ``workers`` CPUs (all by default) that it stops at the end. A unit
    whose worker dies is retried (``RETRIES`` times); an error raised by a builder is not.
    """

    def __init__(self, recipe: Recipe, out: Path, workers: int | None, address: str | None):
        self.recipe, self.out, self.workers, self.address = recipe, out.resolve(), workers, address
        self.ray = None
        self.started = False
        self.pools: list[ModelPool] = []

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        for pool in self.pools:
            pool.close()
        if self.started:
            self.ray.shutdown()

    def _connect(self):
        if self.ray is None:
            ray = import_ray()
            if not ray.is_initialized():
                import logging

                if self.address:
                    ray.init(address=self.address, logging_level=logging.WARNING)
                else:
                    ray.init(num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False,
                             logging_level=logging.WARNING)
                self.started = True
            self.ray = ray
        return self.ray

    def run(self, pending: Pending) -> Iterator[tuple[Unit, dict[str, Any]]]:
        """Submit every pending unit as a task; yields (unit, marker) as each finishes."""
        if not pending:
            return
        ray = self._connect()
        task = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=False)(_ray_unit)
        recipe_json = ray.put(self.recipe.model_dump_json())
        waiting = {task.remote(recipe_json, str(self.out), unit, staged): unit for unit, staged in pending}
        try:
            while waiting:
                done, _ = ray.wait(list(waiting), num_returns=1)
                unit = waiting.pop(done[0])
                try:
                    marker = ray.get(done[0])
                except ray.exceptions.RayTaskError as exc:  # a builder's error: raised as a local build does
                    raise exc.cause from None
                yield unit, marker
        finally:
            for ref in waiting:
                ray.cancel(ref)

    def model_pool(self, spec: FilterSpec) -> ModelPool | None:
        """An actor pool for a model filter that does not ``fit`` (its verdicts need no other record);
        None for any other filter, which then runs in the driver as with the local executor."""
        from . import registry
        from .filters.base import Filter

        cls = registry.load("filter", spec.filter)
        if not cls.uses_model or cls.fit is not Filter.fit:
            return None
        ray = self._connect()
        gpus = int(ray.cluster_resources().get("GPU", 0))
        resources = {"num_gpus": 1} if gpus else {"num_cpus": 1}
        # a dead actor is restarted (its model set up again) and its batch retried: apply is pure
        actor_cls = ray.remote(max_restarts=RETRIES, max_task_retries=RETRIES, **resources)(_FilterActor)
        count = gpus or max(1, min(self.workers or 1, int(ray.cluster_resources().get("CPU", 1))))
        pool = ModelPool(ray, [actor_cls.remote(spec.model_dump_json()) for _ in range(count)])
        self.pools.append(pool)
        return pool
