"""Export a built folder to the files trainers and evaluators read as they are: verl Parquet, OpenRLHF
JSONL, plain JSONL and lm-evaluation-harness task folders.

Configs and splits are read as ``datasets`` reads the folder (the card's ``configs:``), in that order,
after the folder is validated. Every exported row keeps what grading needs, and the reward entry points
in ``dsgen.integrations`` grade it exactly as ``dsgen.score`` grades the original row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DsgenError
from .inspect import extra_files
from .records import decode_verifier, dumps, from_row
from .writer import atomic_write_bytes, atomic_write_text

#: What a record's family trains (verl's ``ability``), by the first part of its kind.
ABILITIES = {"math": "math", "distraction": "instruction_following", "reverse_qa": "multi_hop_qa"}


@dataclass
class ExportResult:
    """What an export wrote: the files (relative to the output folder) and rows per file."""

    out: Path
    files: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.files.values())


def layout(folder: Path) -> list[tuple[str, str, list[Path]]]:
    """(config, split, shard files) in the order of the card's ``configs:``, as ``datasets`` reads them."""
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    if not text.startswith("---\n") or "\n---" not in text[4:]:
        raise DsgenError(f"'{folder}' is not a dsgen build: no README.md with YAML front matter (configs:)")
    meta = yaml.safe_load(text[4 : text.index("\n---", 4)]) or {}
    extra = extra_files(folder)  # a corpus shipped beside the records holds no records to export
    out = []
    for config in meta.get("configs", []):
        for entry in config.get("data_files", []):
            files = sorted(f for f in folder.glob(entry["path"]) if f.relative_to(folder).as_posix() not in extra)
            if files:
                out.append((config["config_name"], entry["split"], files))
    if not out:
        raise DsgenError(f"'{folder}': the card's configs: name no data files")
    return out


def rows_of(files: list[Path]) -> Iterator[dict[str, Any]]:
    """The rows of some shards, as stored (JSON-string columns)."""
    import pyarrow.parquet as pq

    for path in files:
        yield from pq.read_table(path).to_pylist()


def ability(kind: str) -> str:
    """verl's ``ability`` of a record kind (``math+distraction`` trains math)."""
    family = kind.split("+", 1)[0]
    return ABILITIES.get(family, family)


def pass_rates(metadata: dict[str, Any]) -> dict[str, float]:
    """Every pass rate a record carries: an annotated one (``annotate``) and each pass-rate filter's."""
    rates = {}
    annotated = metadata.get("pass_rate")
    if isinstance(annotated, dict) and "pass_rate" in annotated:
        rates["annotate"] = annotated["pass_rate"]
    for name, measured in (metadata.get("filters") or {}).items():
        if isinstance(measured, dict) and "pass_rate" in measured:
            rates[name] = measured["pass_rate"]
    return rates


def label(row: dict[str, Any]) -> str:
    """The one string that carries what grading needs: the JSON of ``{"answer", "verifier": {"kind", "params"}}``."""
    return dumps({"answer": row["answer"], "verifier": decode_verifier(row["verifier"])})


def verl_row(row: dict[str, Any], config: str, split: str, index: int, source: str) -> dict[str, Any]:
    """A row as verl's RLHFDataset and reward managers read it (``extra_info`` carries the verifier)."""
    metadata = from_row(row)["metadata"]
    return {
        "data_source": source,
        "prompt": row["prompt"],
        "ability": ability(row["kind"]),
        "reward_model": {"style": "rule", "ground_truth": row["answer"]},
        "extra_info": {
            "id": row["id"],
            "config": config,
            "split": split,
            "index": index,
            "verifier": {"kind": row["verifier"]["kind"], "params": _params_json(row)},
            "difficulty": row["difficulty"],
            "level": row["level"],
            "pass_rates": dumps(pass_rates(metadata)),
        },
    }


def _params_json(row: dict[str, Any]) -> str:
    params = row["verifier"]["params"]
    return params if isinstance(params, str) else dumps(params)


def _verl_schema():
    import pyarrow as pa

    from .records import arrow_schema

    extra = pa.struct(
        [
            ("id", pa.string()),
            ("config", pa.string()),
            ("split", pa.string()),
            ("index", pa.int64()),
            ("verifier", pa.struct([("kind", pa.string()), ("params", pa.string())])),
            ("difficulty", pa.float64()),
            ("level", pa.string()),
            ("pass_rates", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", arrow_schema().field("prompt").type),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            ("extra_info", extra),
        ]
    )


def _write_verl(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows, schema=_verl_schema()), sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def _write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))


def openrlhf_row(row: dict[str, Any], config: str) -> dict[str, Any]:
    """``--data.input_key prompt --data.label_key label --data.apply_chat_template``; ``datasource`` groups logs."""
    return {"prompt": row["prompt"], "label": label(row), "datasource": config, "id": row["id"]}


#: An OpenRLHF reward file (``--reward.remote_url OUT/reward_func.py``): OpenRLHF loads rewards from a file path.
OPENRLHF_REWARD_FILE = '''"""OpenRLHF reward for this dsgen export: --reward.remote_url <this file> (--remote_rm_url in older releases)."""

from dsgen.integrations.openrlhf import reward_func  # noqa: F401
'''


#: Formats and the file extension of their per-split files (lm-eval writes task folders instead).
FORMATS = {"verl": "parquet", "openrlhf": "jsonl", "jsonl": "jsonl", "lm-eval": None}


def export(
    folder: str | Path, to: str, out: str | Path, *, source: str | None = None, dataset_path: str | None = None
) -> ExportResult:
    """Write the build in ``folder`` to ``out`` in format ``to`` (``verl``, ``openrlhf``, ``jsonl``, ``lm-eval``).

    One file per config and split, ``out/<config>/<split>.<ext>`` (lm-eval: one task folder per config).
    ``source`` is verl's ``data_source`` prefix (default: the recipe's name from the manifest). The folder
    is validated first; nothing is written when it is invalid. ``dataset_path`` is where lm-eval tasks
    load the data from (default: the folder's absolute path; a Hub repo id after ``dsgen push``).
    """
    from .inspect import validate_path

    folder, out = Path(folder), Path(out)
    if to not in FORMATS:
        raise DsgenError(f"unknown export format '{to}'; known: {', '.join(FORMATS)}")
    if not folder.is_dir():
        raise DsgenError(f"'{folder}' is not a folder (export reads a built dataset folder)")
    report = validate_path(folder)
    if not report.ok:
        first = report.problems[0]
        raise DsgenError(f"'{folder}' is not a valid build ({len(report.problems)} problems; first: {first})")
    if source is None:
        source = json.loads((folder / "manifest.json").read_text()).get("recipe") or folder.name
    result = ExportResult(out)
    if to == "lm-eval":
        from .integrations.lm_eval import write_tasks

        write_tasks(layout(folder), dataset_path or str(folder.resolve()), out, result.files)
        return result
    for config, split, files in layout(folder):
        if to == "verl":
            rows = [verl_row(row, config, split, i, f"{source}/{config}") for i, row in enumerate(rows_of(files))]
        elif to == "openrlhf":
            rows = [openrlhf_row(row, config) for row in rows_of(files)]
        else:
            rows = [from_row(row) for row in rows_of(files)]
        rel = f"{config}/{split}.{FORMATS[to]}"
        (_write_verl if to == "verl" else _write_jsonl)(rows, out / rel)
        result.files[rel] = len(rows)
    if to == "openrlhf":
        atomic_write_text(out / "reward_func.py", OPENRLHF_REWARD_FILE)
    return result
