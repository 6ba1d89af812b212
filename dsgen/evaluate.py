"""``dsgen eval``: generate completions for a built dataset with a model, grade each with its record's verifier.

The records to evaluate (chosen configs and splits, the first ``limit`` of each config and split in file
order, so noisy/clean twins stay together) are put in a fixed plan: sorted by config and prompt length (little
padding), cut into batches of ``batch_size``. Each batch is written atomically as
``batches/NNNNN.parquet`` once generated and graded, so an interrupted eval resumes where it stopped and
never regenerates a finished batch; ``eval.json`` holds the settings the batches were made with, and a
different setting refuses to mix with them. The result is ``completions.parquet``: one row per sample.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Any

from . import __version__
from .backends import Backend, Decoding, Generation, open_backend
from .errors import DsgenError
from .inspect import data_files, rows
from .records import dumps, from_row
from .scoring import score
from .verifiers.distraction import breakdown, distraction_params
from .writer import atomic_write_bytes, table_bytes, write_json

COMPLETIONS = "completions.parquet"
SETTINGS = "eval.json"


@dataclass(frozen=True)
class Item:
    """One record to evaluate, with the config and split it was read from."""

    config: str
    split: str
    record: dict[str, Any]


@dataclass
class EvalResult:
    """What an eval wrote and how fast it generated (throughput counts only batches generated in this run)."""

    out: Path
    model: str
    records: int
    samples: int
    batches_generated: int = 0
    batches_reused: int = 0
    records_generated: int = 0
    seconds: float = 0.0
    tokens: int = 0
    mean: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def throughput(self) -> dict[str, Any]:
        """Generated tokens and records per second of generation (batches generated in this run)."""
        seconds = self.seconds or float("nan")
        return {"records": self.records_generated, "seconds": round(self.seconds, 3), "tokens": self.tokens,
                "tokens_per_second": round(self.tokens / seconds, 3),
                "records_per_second": round(self.records_generated / seconds, 4)}


def config_and_split(data: Path, file: Path) -> tuple[str, str]:
    """(config, split) of a shard ``data/<config>/<split>-NNNNN.parquet``; a single file is config ``data``."""
    if data.is_dir():
        return file.parent.name, file.name.rsplit("-", 1)[0]
    return "data", "all"


def load_items(data: str | Path, *, configs: list[str] | None = None, splits: list[str] | None = None,
               limit: int | None = None) -> list[Item]:
    """The records of ``data`` in the chosen configs and splits; at most ``limit`` per config and split, in file
    order (so a config split by level is sampled at every level)."""
    data = Path(data)
    files = data_files(data)
    found = {config_and_split(data, f) for f in files}
    for wanted, known, what in ((configs, {c for c, _ in found}, "config"), (splits, {s for _, s in found}, "split")):
        unknown = sorted(set(wanted or ()) - known)
        if unknown:
            raise DsgenError(f"'{data}' has no {what} {', '.join(map(repr, unknown))}; it has: {', '.join(sorted(known))}")
    items: list[Item] = []
    taken: dict[tuple[str, str], int] = {}
    for file in files:
        config, split = config_and_split(data, file)
        if (configs and config not in configs) or (splits and split not in splits):
            continue
        for number, row in rows(file):
            if limit is not None and taken.get((config, split), 0) >= limit:
                break
            if isinstance(row, str):
                raise DsgenError(f"{file} line {number}: {row}")
            try:
                record = from_row(row)
            except (ValueError, TypeError, KeyError) as exc:
                raise DsgenError(f"{file} row {number}: a JSON column could not be decoded: {exc}") from None
            for key in ("id", "prompt", "verifier"):
                if key not in record:
                    raise DsgenError(f"{file} row {number}: not a dsgen record (no '{key}')")
            items.append(Item(config, split, record))
            taken[config, split] = taken.get((config, split), 0) + 1
    if not items:
        raise DsgenError(f"no records of '{data}' match the chosen configs and splits")
    return items


def messages(record: dict[str, Any]) -> list[dict[str, str]]:
    """A record's prompt as chat messages (a plain-text prompt becomes one user turn)."""
    prompt = record["prompt"]
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return [{"role": m["role"], "content": m["content"]} for m in prompt]


def grade(record: dict[str, Any], completion: str) -> tuple[float, str | None]:
    """(reward, details): for a record with a distraction verifier, which distractors were obeyed (JSON)."""
    value = score(record, completion)
    try:
        params = distraction_params(record)
    except KeyError:
        return value, None
    parts = breakdown(params, completion)
    obeyed = {d["id"]: d["obeyed"] for d in parts["distractors"]}
    followed = [c["followed"] for c in parts["constraints"]]
    return value, dumps({"obeyed": obeyed, "constraints_followed": followed})


def _plan(items: list[Item]) -> list[Item]:
    """Config by config, shortest prompt first (ties by id): batches of similar length pad little."""
    return sorted(items, key=lambda it: (it.config, sum(len(m["content"]) for m in messages(it.record)),
                                         it.record["id"]))


def batch_seed(seed: int, ids: list[str]) -> int:
    key = "\x1f".join([str(seed), *ids]).encode()
    return int.from_bytes(blake2b(key, digest_size=4).digest(), "little") >> 1  # 31 bits: any server takes it


def _schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("config", pa.string()), ("split", pa.string()), ("sample", pa.int32()),
        ("completion", pa.string()), ("score", pa.float64()), ("completion_tokens", pa.int64()),
        ("finish_reason", pa.string()), ("details", pa.string()),
    ])


def _read_batch(path: Path, ids: list[str], k: int) -> list[dict[str, Any]] | None:
    """A finished batch's rows, or None when the file is unreadable or holds other records."""
    import pyarrow.parquet as pq

    try:
        batch = pq.read_table(path).to_pylist()
    except Exception:  # a truncated or foreign file: generate the batch again
        return None
    expected = [i for i in ids for _ in range(k)]
    return batch if [r["id"] for r in batch] == expected else None


def evaluate(data: str | Path, model: str, *, out: str | Path, configs: list[str] | None = None,
             splits: list[str] | None = None, limit: int | None = None, decoding: Decoding = Decoding(),
             batch_size: int = 8, base_url: str | None = None, device: str = "auto",
             api_key_env: str = "OPENAI_API_KEY", backend: Backend | None = None,
             progress: Callable[[int, int], None] | None = None) -> EvalResult:
    """Generate ``decoding.k`` completions per chosen record of ``data`` with ``model``, grade and write them.

    Resumes an eval in ``out`` made with the same settings; ``progress(done, total)`` counts records.
    """
    if batch_size < 1:
        raise DsgenError(f"batch_size must be at least 1, got {batch_size}")
    data, out = Path(data), Path(out)
    plan = _plan(load_items(data, configs=configs, splits=splits, limit=limit))
    ids = [it.record["id"] for it in plan]
    settings = {
        "dsgen_version": __version__, "data": str(data.resolve()), "model": model, "base_url": base_url,
        "decoding": decoding.as_dict(), "batch_size": batch_size, "configs": configs, "splits": splits,
        "limit": limit, "records": len(plan),
        "plan": blake2b("\x1f".join(ids).encode(), digest_size=16).hexdigest(),
    }
    settings_path = out / SETTINGS
    if settings_path.is_file():
        info = json.loads(settings_path.read_text())
        mismatched = [k for k in settings if k != "dsgen_version" and info.get("settings", {}).get(k) != settings[k]]
        if mismatched:
            raise DsgenError(f"'{out}' holds an eval with other settings ({', '.join(mismatched)} differ): choose "
                             "another output folder or delete it")
    elif out.exists() and any(out.iterdir()):
        raise DsgenError(f"'{out}' exists and is not an eval folder: choose another output folder")
    else:
        info = {"settings": settings, "parameters": None}
        write_json(settings_path, info)
    batches = [plan[i:i + batch_size] for i in range(0, len(plan), batch_size)]
    result = EvalResult(out=out, model=model, records=len(plan), samples=len(plan) * decoding.k, settings=settings)
    done = 0
    for number, batch in enumerate(batches):
        path = out / "batches" / f"{number:05d}.parquet"
        batch_ids = [it.record["id"] for it in batch]
        if path.is_file() and _read_batch(path, batch_ids, decoding.k) is not None:
            result.batches_reused += 1
        else:
            if backend is None:
                backend = open_backend(model, base_url=base_url, device=device, api_key_env=api_key_env)
            if info["parameters"] != backend.parameters:
                info["parameters"] = backend.parameters
                write_json(settings_path, info)
            start = time.perf_counter()
            generations = backend.generate([messages(it.record) for it in batch], decoding,
                                           batch_seed(decoding.seed, batch_ids))
            result.seconds += time.perf_counter() - start
            _write_batch(path, batch, generations, result)
            result.batches_generated += 1
            result.records_generated += len(batch)
        done += len(batch)
        if progress is not None:
            progress(done, len(plan))
    result.mean = _combine(out, len(batches))
    if result.batches_generated:
        info["throughput"] = result.throughput()
        write_json(settings_path, info)
    return result


def _write_batch(path: Path, batch: list[Item], generations: list[list[Generation]], result: EvalResult) -> None:
    """Grade a batch's generations and write them as one Parquet file, atomically."""
    import pyarrow as pa

    rows_out = []
    for it, group in zip(batch, generations, strict=True):
        for sample, g in enumerate(group):
            value, details = grade(it.record, g.text)
            result.tokens += g.tokens or 0
            rows_out.append({"id": it.record["id"], "config": it.config, "split": it.split, "sample": sample,
                             "completion": g.text, "score": value, "completion_tokens": g.tokens,
                             "finish_reason": g.finish, "details": details})
    atomic_write_bytes(path, table_bytes(pa.Table.from_pylist(rows_out, schema=_schema())))


def _combine(out: Path, count: int) -> float:
    """Concatenate the batches into ``completions.parquet``; the mean score over all samples."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pa.concat_tables([pq.read_table(out / "batches" / f"{n:05d}.parquet") for n in range(count)])
    atomic_write_bytes(out / COMPLETIONS, table_bytes(table.cast(_schema())))
    return float(pc.mean(table.column("score")).as_py() or 0.0)
