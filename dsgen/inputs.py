"""The files a recipe reads (input data, user corpora, reference sets, response matrices).

They are the parameters named ``path`` or ``responses``, or ending in ``_path``, ``_file`` or ``_dir``,
at any depth of a builder's, wrapper's or filter's ``params``. A relative one is resolved against the
folder of the recipe file that names it, so a recipe means the same files wherever it is run from;
their contents are hashed so that ``--resume`` never reuses output built from an input since changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INPUT_KEYS = ("path", "responses")
INPUT_SUFFIXES = ("_path", "_file", "_dir")


def is_input_key(key: Any) -> bool:
    return isinstance(key, str) and (key in INPUT_KEYS or key.endswith(INPUT_SUFFIXES))


def input_params(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(dotted location, the mapping holding it, key) of every input parameter in raw recipe data."""
    def components(node: Any, where: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict):
                    yield f"{where}.{i}.params", item.get("params")

    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any], str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if is_input_key(key) and isinstance(value, str) and value:
                    yield f"{where}.{key}", node, key
                else:
                    yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}.{i}")

    datasets = data.get("datasets")
    places = list(components(data.get("filters"), "filters"))
    if isinstance(datasets, dict):
        for name, ds in datasets.items():
            if isinstance(ds, dict):
                places.append((f"datasets.{name}.params", ds.get("params")))
                places += components(ds.get("wrappers"), f"datasets.{name}.wrappers")
                places += components(ds.get("filters"), f"datasets.{name}.filters")
    for where, params in places:
        yield from walk(params, where)


def resolve_inputs(data: dict[str, Any], base: Path) -> None:
    """Make every relative input parameter of raw recipe data absolute, against ``base``."""
    for _, node, key in input_params(data):
        path = Path(os.path.expanduser(node[key]))
        if not path.is_absolute():
            node[key] = os.path.normpath(base.absolute() / path)


def digest(path: Path) -> str:
    """sha256 of a file, or of a folder's files (their relative paths and contents, in sorted order)."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if file != path:
            h.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def input_digests(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{location: {path, sha256}} of the input parameters of recipe data that name an existing file or
    folder (a missing one is the builder's error to report)."""
    result = {}
    for where, node, key in input_params(data):
        path = Path(node[key])
        if path.exists():
            result[where] = {"path": node[key], "sha256": digest(path)}
    return result
