"""Reports on ``dsgen eval`` results: the tables and plots a paper needs, as Markdown, PNG and JSON.

For each evaluated model: mean reward, pass@1 and pass@k (the unbiased estimator of Chen et al. 2021 over
the k samples of a record) per config and split, level, difficulty bin, solution steps (math) and hops
(reverse QA); for distraction data the robustness drop between each noisy record and its clean twin
(same ``metadata.group_id``, ``metadata.variant`` noisy / clean) and how often planted distractors were
obeyed, per distractor type, witness (the behaviour it asked for) and position; and whether difficulty
tracks the model's failures (Spearman between ``difficulty`` and 1 - pass rate); and how much reward went
to echoes of the prompt (a sign of a gameable verifier). Several models give a
side-by-side table and the robustness drop against model size (the inverse-scaling figure).

A sample passes when its reward is 1.0 (the verifiers' full reward); mean reward averages the rewards.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

from .errors import DsgenError
from .evaluate import COMPLETIONS, SETTINGS, EvalResult, evaluate, load_items
from .writer import atomic_write_bytes, atomic_write_text, write_json

BIN_WIDTH = 0.2


@dataclass
class Run:
    """One model's eval: its settings, its records (by id, with config and split) and its samples."""

    folder: Path
    model: str
    parameters: int | None
    settings: dict[str, Any]
    throughput: dict[str, Any] | None
    records: dict[str, Any]  # id -> Item
    samples: dict[str, list[float]]  # id -> rewards, sample order
    details: dict[str, list[dict[str, Any] | None]]
    texts: dict[str, list[str]] | None = None


def load_run(folder: str | Path, data: str | Path | None = None) -> Run:
    """An eval folder read back, with its records from ``data`` (default: the data folder it was run on)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    if not (folder / SETTINGS).is_file() or not (folder / COMPLETIONS).is_file():
        raise DsgenError(f"'{folder}' is not a finished eval: it has no {SETTINGS} and {COMPLETIONS}")
    info = json.loads((folder / SETTINGS).read_text())
    settings = info["settings"]
    items = load_items(data or settings["data"], configs=settings["configs"], splits=settings["splits"],
                       limit=settings["limit"])
    records = {it.record["id"]: it for it in items}
    samples: dict[str, list[float]] = defaultdict(list)
    details: dict[str, list[dict[str, Any] | None]] = defaultdict(list)
    texts: dict[str, list[str]] = defaultdict(list)
    for row in pq.read_table(folder / COMPLETIONS).to_pylist():
        if row["id"] not in records:
            raise DsgenError(f"{folder / COMPLETIONS}: record '{row['id']}' is not in the data it names")
        samples[row["id"]].append(row["score"])
        details[row["id"]].append(json.loads(row["details"]) if row["details"] else None)
        texts[row["id"]].append(row["completion"])
    return Run(folder, settings["model"], info.get("parameters"), settings, info.get("throughput"),
               records, dict(samples), dict(details), dict(texts))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``c`` passing samples of ``n`` (1 - C(n-c, k) / C(n, k))."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant."""
    import numpy as np

    def ranks(values: list[float]) -> Any:
        a = np.asarray(values, dtype=float)
        order = np.argsort(a, kind="stable")
        r = np.empty(len(a))
        r[order] = np.arange(len(a), dtype=float)
        for value in np.unique(a):  # ties share their mean rank
            tied = a == value
            r[tied] = r[tied].mean()
        return r

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return round(float(np.corrcoef(ranks(x), ranks(y))[0, 1]), 4)


def _cell(rewards_by_record: list[list[float]], k: int) -> dict[str, Any]:
    n_samples = sum(len(r) for r in rewards_by_record)
    passes = [(len(r), sum(v >= 1.0 for v in r)) for r in rewards_by_record]
    return {
        "records": len(rewards_by_record),
        "samples": n_samples,
        "mean_reward": round(sum(sum(r) for r in rewards_by_record) / n_samples, 4),
        "pass@1": round(sum(pass_at_k(n, c, 1) for n, c in passes) / len(passes), 4),
        f"pass@{k}": round(sum(pass_at_k(n, c, k) for n, c in passes) / len(passes), 4),
    }


def _grouped(run: Run, key) -> dict[str, dict[str, Any]]:
    """Cells keyed by ``key(item)`` (a string, or None to leave a record out)."""
    k = run.settings["decoding"]["k"]
    groups: dict[str, list[list[float]]] = defaultdict(list)
    for rid, rewards in run.samples.items():
        name = key(run.records[rid])
        if name is not None:
            groups[name].append(rewards)
    return {name: _cell(groups[name], k) for name in sorted(groups, key=_natural)}


def _natural(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in name.replace("/", " / ").split())


def _bin(difficulty: float) -> str:
    low = min(int(difficulty / BIN_WIDTH), int(round(1 / BIN_WIDTH)) - 1) * BIN_WIDTH
    return f"{low:.1f}-{low + BIN_WIDTH:.1f}"


def robustness(run: Run) -> dict[str, dict[str, Any]]:
    """Per config: the noisy/clean twins both evaluated, their mean rewards and the drop (clean - noisy)."""
    twins: dict[str, dict[tuple[str, str], dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for rid, rewards in run.samples.items():
        item = run.records[rid]
        meta = item.record.get("metadata") or {}
        if meta.get("variant") in ("noisy", "clean") and meta.get("group_id"):
            twins[item.config][(item.split, meta["group_id"])][meta["variant"]] = sum(rewards) / len(rewards)
    result = {}
    for config, groups in sorted(twins.items()):
        pairs = [g for g in groups.values() if len(g) == 2]
        if not pairs:
            continue
        clean = sum(p["clean"] for p in pairs) / len(pairs)
        noisy = sum(p["noisy"] for p in pairs) / len(pairs)
        result[config] = {
            "pairs": len(pairs),
            "clean_mean": round(clean, 4),
            "noisy_mean": round(noisy, 4),
            "drop": round(clean - noisy, 4),
            "broken_by_noise": round(sum(p["clean"] >= 1.0 > p["noisy"] for p in pairs) / len(pairs), 4),
        }
    return result


def obey_rates(run: Run) -> dict[str, dict[str, dict[str, Any]]]:
    """How often active distractors (those with a witness) were obeyed, per type, witness and position."""
    counts: dict[str, dict[str, list[int]]] = {"type": defaultdict(lambda: [0, 0]),
                                                "witness": defaultdict(lambda: [0, 0]),
                                                "position": defaultdict(lambda: [0, 0])}
    for rid, details in run.details.items():
        record = run.records[rid].record
        planted = {d["id"]: d for d in ((record.get("metadata") or {}).get("distraction") or {}).get("distractors", [])}
        for detail in details:
            for did, was_obeyed in ((detail or {}).get("obeyed") or {}).items():
                if was_obeyed is None or did not in planted:
                    continue
                d = planted[did]
                for axis, value in (("type", d.get("type")), ("witness", (d.get("witness") or {}).get("type")),
                                    ("position", d.get("position"))):
                    cell = counts[axis][str(value)]
                    cell[0] += 1
                    cell[1] += bool(was_obeyed)
    return {axis: {name: {"distractors": n, "obeyed": o, "rate": round(o / n, 4)}
                   for name, (n, o) in sorted(cells.items())}
            for axis, cells in counts.items() if cells}


ECHO_NGRAM, ECHO_SHARE, ECHO_MIN_WORDS = 5, 0.8, 20


def is_echo(completion: str, prompt_text: str) -> bool:
    """Whether a completion is mostly copied from its prompt: at least 80% of its word 5-grams occur there."""
    words = completion.casefold().split()
    if len(words) < ECHO_MIN_WORDS:
        return False
    source = prompt_text.casefold().split()
    seen = {tuple(source[i:i + ECHO_NGRAM]) for i in range(len(source) - ECHO_NGRAM + 1)}
    grams = [tuple(words[i:i + ECHO_NGRAM]) for i in range(len(words) - ECHO_NGRAM + 1)]
    return sum(g in seen for g in grams) >= ECHO_SHARE * len(grams)


def echoes(run: Run) -> dict[str, dict[str, Any]]:
    """Per config: samples that mostly copy the prompt, and the reward they earned (a verifier that pays
    echoes can be gamed; see DESIGN's validity rules)."""
    from .evaluate import messages

    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for rid, texts in (run.texts or {}).items():
        item = run.records[rid]
        prompt = "\n".join(m["content"] for m in messages(item.record))
        cell = counts[item.config]
        for text, reward in zip(texts, run.samples[rid]):
            cell[0] += 1
            if is_echo(text, prompt):
                cell[1] += 1
                cell[2] += reward
    return {c: {"samples": int(n), "echoes": int(e), "echo_mean_reward": round(r / e, 4) if e else None}
            for c, (n, e, r) in sorted(counts.items())}


def difficulty_tracking(run: Run) -> dict[str, dict[str, Any]]:
    """Per config: Spearman between ``difficulty`` and 1 - pass rate (None when either is constant)."""
    per: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for rid, rewards in run.samples.items():
        item = run.records[rid]
        xs, ys = per[item.config]
        xs.append(float(item.record["difficulty"]))
        ys.append(1.0 - sum(r >= 1.0 for r in rewards) / len(rewards))
    return {c: {"records": len(xs), "spearman": spearman(xs, ys)} for c, (xs, ys) in sorted(per.items())}


def summarise(run: Run) -> dict[str, Any]:
    """Every table of one model's report, as JSON-ready data."""
    meta = lambda it, key: (it.record.get("metadata") or {}).get(key)  # noqa: E731
    return {
        "model": run.model,
        "parameters": run.parameters,
        "decoding": run.settings["decoding"],
        "throughput": run.throughput,
        "by_config": _grouped(run, lambda it: f"{it.config}/{it.split}"),
        "by_level": _grouped(run, lambda it: f"{it.config}/{it.record['level']}"),
        "by_difficulty_bin": _grouped(run, lambda it: f"{it.config}/{_bin(float(it.record['difficulty']))}"),
        "by_steps": _grouped(run, lambda it: None if meta(it, "steps") is None else f"{it.config}/{meta(it, 'steps')}"),
        "by_hops": _grouped(run, lambda it: None if meta(it, "hops") is None else f"{it.config}/{meta(it, 'hops')}"),
        "robustness": robustness(run),
        "obey_rates": obey_rates(run),
        "difficulty_tracking": difficulty_tracking(run),
        "echoes": echoes(run),
    }


# --- rendering ----------------------------------------------------------------------------------


def _table(title: str, cells: dict[str, dict[str, Any]], first: str) -> list[str]:
    if not cells:
        return []
    columns = list(next(iter(cells.values())))
    lines = [f"### {title}", "", f"| {first} | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, cell in cells.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(cell[c]) for c in columns) + " |")
    return [*lines, ""]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _model_section(summary: dict[str, Any], figure: str | None) -> list[str]:
    d = summary["decoding"]
    lines = [f"## {summary['model']}", "",
             f"Parameters: {_fmt(summary['parameters'])}. Decoding: k={d['k']}, temperature={d['temperature']}, "
             f"top_p={d['top_p']}, max_new_tokens={d['max_new_tokens']}, seed={d['seed']}.", ""]
    if summary["throughput"]:
        t = summary["throughput"]
        lines += [f"Throughput (batches generated in the last run): {t['records']} records in {t['seconds']} s, "
                  f"{t['tokens']} tokens: {t['tokens_per_second']} tokens/s, {t['records_per_second']} records/s.", ""]
    lines += _table("Per config and split", summary["by_config"], "config/split")
    lines += _table("Per level", summary["by_level"], "config/level")
    lines += _table("Per difficulty bin", summary["by_difficulty_bin"], "config/difficulty")
    lines += _table("Math: by solution steps", summary["by_steps"], "config/steps")
    lines += _table("Reverse QA: by hops", summary["by_hops"], "config/hops")
    lines += _table("Robustness: noisy records against their clean twins", summary["robustness"], "config")
    for axis, cells in summary["obey_rates"].items():
        lines += _table(f"Distractors obeyed, by {axis}", cells, axis)
    lines += _table("Does difficulty track failures? (Spearman of difficulty and 1 - pass rate)",
                    summary["difficulty_tracking"], "config")
    lines += _table("Echoes: samples that mostly copy the prompt, and the reward they earned (should be ~0)",
                    summary["echoes"], "config")
    if figure:
        lines += [f"![mean reward by level]({figure})", ""]
    return lines


def _side_by_side(summaries: list[dict[str, Any]]) -> list[str]:
    names = [s["model"] for s in summaries]
    rows = sorted({c for s in summaries for c in s["by_config"]}, key=_natural)
    lines = ["## Side by side (mean reward; robustness drop = clean - noisy)", "",
             "| config/split | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for row in rows:
        lines.append(f"| {row} | " + " | ".join(_fmt(s["by_config"].get(row, {}).get("mean_reward")) for s in summaries)
                     + " |")
    for config in sorted({c for s in summaries for c in s["robustness"]}):
        lines.append(f"| drop: {config} | " + " | ".join(_fmt(s["robustness"].get(config, {}).get("drop"))
                                                       for s in summaries) + " |")
    return [*lines, ""]


def _level_figure(summary: dict[str, Any]) -> bytes:
    """Grouped bars: mean reward per level for each config."""
    plt = _pyplot()
    cells = summary["by_level"]
    configs = sorted({k.split("/")[0] for k in cells})
    levels = ["easy", "medium", "hard"]
    levels += sorted({k.split("/", 1)[1] for k in cells} - set(levels))
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=120)
    width = 0.8 / len(levels)
    for j, level in enumerate(levels):
        values = [cells.get(f"{c}/{level}", {}).get("mean_reward", 0.0) for c in configs]
        ax.bar([i + j * width for i in range(len(configs))], values, width, label=level)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(configs))], configs, rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean reward")
    ax.set_title(f"{summary['model']}: mean reward by level")
    ax.legend(fontsize=8)
    return _png(fig)


def _size_figure(summaries: list[dict[str, Any]]) -> bytes | None:
    """Robustness drop (and clean / noisy means) against parameter count, one line per config."""
    sized = [s for s in summaries if s["parameters"] and s["robustness"]]
    if not sized:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    sized.sort(key=lambda s: s["parameters"])
    for config in sorted({c for s in sized for c in s["robustness"]}):
        points = [(s["parameters"], s["robustness"][config]["drop"]) for s in sized if config in s["robustness"]]
        ax.plot([p for p, _ in points], [d for _, d in points], marker="o", label=f"{config}: drop")
    ax.set_xscale("log")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("parameters")
    ax.set_ylabel("mean reward, clean - noisy")
    ax.set_title("Robustness drop against model size")
    ax.legend(fontsize=8)
    return _png(fig)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise DsgenError("eval reports draw plots with matplotlib: pip install 'dsgen[eval]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})  # no version stamp: same data, same bytes
    plt.close(fig)
    return buffer.getvalue()


def _slug(model: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", model).strip("_.") or "model"


def write_report(runs: list[Run], out: str | Path) -> dict[str, Any]:
    """``report.md``, ``report.json`` and ``figures/*.png`` in ``out`` for one or several models' evals."""
    out = Path(out)
    summaries = [summarise(r) for r in runs]
    lines = ["# dsgen eval report", "", f"Data: `{runs[0].settings['data']}`. A sample passes at reward 1.0; "
             "pass@k is the unbiased estimator over each record's k samples.", ""]
    if len(runs) > 1:
        lines += _side_by_side(summaries)
        figure = _size_figure(summaries)
        if figure:
            atomic_write_bytes(out / "figures" / "robustness-vs-size.png", figure)
            lines += ["![robustness drop against model size](figures/robustness-vs-size.png)", ""]
    for summary in summaries:
        name = f"figures/{_slug(summary['model'])}-levels.png"
        atomic_write_bytes(out / name, _level_figure(summary))
        lines += _model_section(summary, name)
    atomic_write_text(out / "report.md", "\n".join(lines))
    result = {"data": runs[0].settings["data"], "models": summaries}
    write_json(out / "report.json", result)
    return result


def evaluate_models(data: str | Path, models: list[str], out: str | Path, *, progress=None,
                    **options: Any) -> list[EvalResult]:
    """Evaluate each model into ``out/<model>/`` (``options``: those of ``evaluate``), then write the report.

    ``progress(model, done, total)`` counts records per model.
    """
    out = Path(out)
    slugs = [_slug(m) for m in models]
    if len(set(slugs)) != len(slugs):
        raise DsgenError(f"models {models} give the same folder name twice; evaluate them into separate outputs")
    results = []
    for model, slug in zip(models, slugs):
        tick = None if progress is None else (lambda done, total, m=model: progress(m, done, total))
        results.append(evaluate(data, model, out=out / slug, progress=tick, **options))
    write_report([load_run(r.out, data) for r in results], out)
    return results
