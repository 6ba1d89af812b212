"""Reading built data back: ``validate_path`` (schemas and shard hashes) and ``score_file``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

from .errors import DsgenError
from .records import from_row
from .scoring import score
from .validation import check
from .writer import sha256_file


@dataclass
class Problem:
    """One invalid record or file: where (file and row), which field, which rule, what is wrong."""

    file: str
    row: int | None
    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}: {self.path} ({self.rule}): {self.message}"


@dataclass
class ValidationReport:
    records: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def extra_files(folder: Path) -> set[str]:
    """The files of a built folder's extra configs (a corpus shipped beside the records, not records)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return {rel for c in manifest.get("extra_configs", {}).values() for rel in c["files"]}
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return set()


def data_files(path: Path) -> list[Path]:
    """The Parquet / JSONL files a path stands for: a built folder's record shards, or the file itself."""
    if path.is_dir():
        extra = extra_files(path)
        files = sorted(f for f in (path / "data").rglob("*.parquet")
                       if f.relative_to(path).as_posix() not in extra) if (path / "data").is_dir() else []
        if not files and not (path / "manifest.json").is_file():  # a build whose every config is empty has none
            raise DsgenError(f"'{path}' is not a dsgen build: it has no data/<config>/*.parquet shards")
        return files
    if not path.is_file():
        raise DsgenError(f"'{path}' does not exist")
    if path.suffix not in (".parquet", ".jsonl", ".json"):
        raise DsgenError(f"'{path}': expected a built folder, a .parquet or a .jsonl file")
    return [path]


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, row) of a Parquet or JSONL file; a JSONL line that is not a JSON object yields an error string."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise DsgenError(f"'{path}' is not a readable Parquet file: {exc}") from None
        number = 0
        for batch in table.to_batches():
            for row in batch.to_pylist():
                number += 1
                yield number, row
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON: {exc.msg} at column {exc.colno}"
                continue
            yield number, value if isinstance(value, dict) else f"expected a JSON object, got {type(value).__name__}"


def _records(path: Path) -> Iterator[tuple[str, int, dict[str, Any] | str]]:
    for file in data_files(path):
        yield from _file_records(file)


def _file_records(file: Path) -> Iterator[tuple[str, int, dict[str, Any] | str]]:
    for number, row in rows(file):
        if isinstance(row, dict):
            try:
                row = from_row(row)
            except (ValueError, TypeError, KeyError) as exc:
                row = f"a JSON column could not be decoded: {exc}"
        yield str(file), number, row


def _readable_records(file: Path, report: ValidationReport) -> Iterator[tuple[str, int, dict[str, Any] | str]]:
    """A file's records; a file that cannot be read at all (a truncated shard) is a problem of the report."""
    try:
        yield from _file_records(file)
    except DsgenError as exc:
        report.problems.append(Problem(str(file), None, "/", "file", str(exc)))


def validate_path(path: str | Path) -> ValidationReport:
    """Check every record of a built folder, Parquet or JSONL file against its schema, and a folder's hashes."""
    path = Path(path)
    report = ValidationReport()
    files = data_files(path)
    report.files = len(files)
    for file, number, record in (item for f in files for item in _readable_records(f, report)):
        report.records += 1
        if isinstance(record, str):
            report.problems.append(Problem(file, number, "/", "json", record))
            continue
        try:
            problem = check(record)
        except DsgenError as exc:
            report.problems.append(Problem(file, number, "/kind", "kind", str(exc)))
            continue
        if problem is not None:
            report.problems.append(Problem(file, number, *problem))
    if path.is_dir():
        report.problems.extend(_check_manifest(path))
    elif not report.records and report.ok:
        report.problems.append(Problem(str(path), None, "/", "empty", "the file holds no records"))
    return report


def _check_manifest(folder: Path) -> list[Problem]:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return [Problem(str(manifest_path), None, "/", "manifest", "missing: not a complete dsgen build")]
    try:
        manifest = json.loads(manifest_path.read_text())
        configs = [*manifest["configs"].values(), *manifest.get("extra_configs", {}).values()]
        listed = {rel: info for c in configs for rel, info in c["files"].items()}
    except (ValueError, KeyError, AttributeError) as exc:
        return [Problem(str(manifest_path), None, "/", "manifest", f"unreadable: {exc}")]
    problems = []
    for rel, info in sorted(listed.items()):
        file = folder / rel
        if not file.is_file():
            problems.append(Problem(rel, None, "/", "manifest", "listed in manifest.json but missing"))
        elif sha256_file(file) != info["sha256"]:
            problems.append(Problem(rel, None, "/", "manifest", "sha256 differs from manifest.json (file changed)"))
    for file in sorted((folder / "data").rglob("*.parquet")):
        if file.relative_to(folder).as_posix() not in listed:
            problems.append(Problem(str(file), None, "/", "manifest", "not listed in manifest.json"))
    allowed = _allowed_empty(folder)
    for name, config in manifest["configs"].items():
        if not any(config.get("splits", {}).values()) and name not in allowed:
            problems.append(Problem(f"data/{name}", None, "/", "empty",
                                    "the config has no records and its recipe does not set 'allow_empty: true'"))
    return problems


def _allowed_empty(folder: Path) -> set[str]:
    """Datasets that the recipe copy in a built folder allows to be empty."""
    import yaml

    try:
        data = yaml.safe_load((folder / "recipe.yaml").read_text(encoding="utf-8"))
        return {name for name, ds in data["datasets"].items() if isinstance(ds, dict) and ds.get("allow_empty")}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError):
        return set()


@dataclass
class ScoreReport:
    """Scores of a completions file. Several completions for one id are samples of that prompt: each
    record's score is the mean of its samples, and pass@k (a sample with full reward among k) is
    estimated without bias from its n samples (Chen et al., 2021)."""

    scored: int = 0  # records with at least one completion
    samples: int = 0  # completions graded
    missing: int = 0  # records without a completion
    unmatched: int = 0  # completions whose id is no record's
    unreadable: int = 0  # rows of the data that are not records
    total: float = 0.0  # sum over scored records of their mean score
    by_level: dict[str, list[float]] = field(default_factory=dict)  # level -> per-record mean scores
    level_difficulty: dict[str, list[float]] = field(default_factory=dict)
    passes: list[tuple[int, int]] = field(default_factory=list)  # (samples, full-reward samples) per record

    @property
    def mean(self) -> float:
        """Mean score over records, each the mean of its samples."""
        return self.total / self.scored if self.scored else 0.0

    @property
    def min_samples(self) -> int:
        return min((n for n, _ in self.passes), default=0)

    @property
    def max_samples(self) -> int:
        return max((n for n, _ in self.passes), default=0)

    def pass_at(self, k: int) -> float:
        """Unbiased pass@k over records (k at most the fewest samples of any record)."""
        if not 1 <= k <= self.min_samples:
            raise ValueError(f"pass@{k} needs at least {k} samples of every record (fewest: {self.min_samples})")
        return sum(1 - comb(n - c, k) / comb(n, k) for n, c in self.passes) / len(self.passes)

    def ks(self) -> list[int]:
        """The k reported: 1, powers of two, and the fewest samples of any record."""
        top = self.min_samples
        return sorted({k for k in (2**j for j in range(top.bit_length())) if k <= top} | {top}) if top else []

    def levels(self) -> list[str]:
        """Levels easiest first (by their records' mean difficulty), then by name."""
        def key(level: str) -> tuple[float, str]:
            values = self.level_difficulty[level]
            return sum(values) / len(values), level

        return sorted(self.by_level, key=key)


def score_file(data: str | Path, completions: str | Path) -> ScoreReport:
    """Grade a JSONL/Parquet file of ``{id, completion}`` rows against the records of ``data``.

    Rows that share an id are samples of that record (all are graded); ids that match no record and
    data rows that are not records are counted, never dropped silently."""
    completions = Path(completions)
    if not completions.is_file():
        raise DsgenError(f"completions file '{completions}' does not exist")
    answers: dict[str, list[Any]] = {}
    for number, row in rows(completions):
        where = f"{completions} {'line' if completions.suffix != '.parquet' else 'row'} {number}"
        if isinstance(row, str):
            raise DsgenError(f"{where}: {row}")
        if "id" not in row or "completion" not in row:
            raise DsgenError(f"{where}: expected keys 'id' and 'completion', got {sorted(row)}")
        if not (row["completion"] is None or isinstance(row["completion"], (str, dict, list))):
            raise DsgenError(f"{where}: 'completion' must be text or chat messages, got "
                             f"{type(row['completion']).__name__} {row['completion']!r:.40}")
        answers.setdefault(str(row["id"]), []).append(row["completion"])
    report = ScoreReport()
    seen: set[str] = set()
    for _, _, record in _records(Path(data)):
        if isinstance(record, str):
            report.unreadable += 1
            continue
        samples = answers.get(record["id"])
        if not samples:
            report.missing += 1
            continue
        seen.add(record["id"])
        values = [score(record, completion) for completion in samples]
        mean = sum(values) / len(values)
        report.scored += 1
        report.samples += len(values)
        report.total += mean
        report.passes.append((len(values), sum(v >= 1.0 for v in values)))
        report.by_level.setdefault(record["level"], []).append(mean)
        report.level_difficulty.setdefault(record["level"], []).append(record["difficulty"])
    report.unmatched = sum(len(v) for k, v in answers.items() if k not in seen)
    if not report.scored:
        raise DsgenError(f"no completion in '{completions}' matches a record id of '{data}'")
    return report
