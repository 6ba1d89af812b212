"""What lingua's model load costs a build, and whether loading fewer languages would keep the verdicts.

Run: ``python benchmarks/bench_language_load.py [--build N]``. Prints:

1. the first language check of a fresh process (detector built, models loaded lazily for an English
   text): seconds and peak memory, for lingua with all languages (dsgen's checker), with IFEval's 29
   languages only, and in low-accuracy mode;
2. verdicts of ``ifeval.follows_language`` with all languages vs IFEval's 29 only, on the IFEval parity
   pool's ``response_language`` cases, the single-language texts of ``tests/ifeval_pool.py`` (asked
   English and their own language) and texts in 23 languages outside IFEval's list (asked 13 IFEval
   languages): every disagreement is a verdict the restriction would change;
3. with ``--build N``: wall and CPU seconds of ``dsgen build`` of N distraction records with 2 workers,
   with the driver preloading the checks before forking (``Builder.preload``) and without.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import ifeval_pool  # noqa: E402

from dsgen.verifiers import ifeval  # noqa: E402

_LOAD = """
import resource, sys, time
from lingua import IsoCode639_1, LanguageDetectorBuilder
from dsgen.verifiers import ifeval
start = time.time()
mode = sys.argv[1]
if mode == "all":
    builder = LanguageDetectorBuilder.from_all_languages()
elif mode == "ifeval":
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(
        *(getattr(IsoCode639_1, c.upper()) for c in ifeval.LANGUAGES if hasattr(IsoCode639_1, c.upper())))
else:
    builder = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode()
builder.build().compute_language_confidence_values("The committee agreed to move the deadline to Tuesday.")
print(f"{time.time() - start:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""
#: One sentence ("the meeting moved to Thursday because the room was booked") in languages IFEval does not list.
OTHER = {
    "nl": "De vergadering is verplaatst naar donderdag omdat de zaal bezet was.",
    "sv": "Mötet flyttades till torsdag eftersom rummet var bokat.",
    "da": "Mødet blev flyttet til torsdag, fordi lokalet var booket.",
    "id": "Rapat dipindahkan ke hari Kamis karena ruangannya sudah dipesan.",
    "tl": "Inilipat ang pulong sa Huwebes dahil may nakareserba na sa silid.",
    "lv": "Sanāksme tika pārcelta uz ceturtdienu, jo telpa bija aizņemta.",
    "tr": "Toplantı, oda dolu olduğu için perşembeye ertelendi.",
    "cs": "Schůzka byla přesunuta na čtvrtek, protože místnost byla obsazená.",
    "ro": "Ședința a fost mutată joi pentru că sala era ocupată.",
    "ca": "La reunió es va traslladar a dijous perquè la sala estava reservada.",
    "la": "Conventus in diem Iovis translatus est quod conclave occupatum erat.",
    "af": "Die vergadering is na Donderdag geskuif omdat die kamer bespreek was.",
    "eo": "La kunveno estis movita al ĵaŭdo ĉar la ĉambro estis rezervita.",
    "ms": "Mesyuarat dipindahkan ke hari Khamis kerana bilik itu telah ditempah.",
    "sk": "Stretnutie bolo presunuté na štvrtok, pretože miestnosť bola obsadená.",
    "hr": "Sastanak je premješten na četvrtak jer je soba bila zauzeta.",
    "sr": "Састанак је померен за четвртак јер је соба била заузета.",
    "mk": "Состанокот беше преместен за четврток бидејќи собата беше зафатена.",
    "be": "Сустрэчу перанеслі на чацвер, бо пакой быў заняты.",
    "kk": "Кездесу бөлме бос болмағандықтан бейсенбіге ауыстырылды.",
    "zh": "会议改到星期四，因为房间已经被预订了。",
    "yo": "A gbe ipade na lo si ojo Ojobo nitori pe yara naa ti kun.",
    "so": "Kulanka waxaa loo dhigay Khamiista sababtoo ah qolka waa la qabsaday.",
}
ASKED = ("en", "de", "es", "pt", "fr", "ru", "pl", "sw", "fi", "bg", "uk", "ja", "vi")


def load_table() -> Table:
    table = Table(title="First language check in a fresh process (lingua 2.1, English text)")
    for column in ("languages loaded", "seconds", "peak MB"):
        table.add_column(column, justify="left" if column == "languages loaded" else "right")
    for mode, label in (("all", "all 75 (dsgen's checker)"), ("ifeval", "IFEval's 29"), ("low", "all, low accuracy")):
        out = subprocess.run([sys.executable, "-c", _LOAD, mode], capture_output=True, text=True, check=True)
        seconds, peak = out.stdout.split()
        table.add_row(label, seconds, peak)
    return table


def agreement_table() -> Table:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    full = ifeval._language_detector()
    codes = [getattr(IsoCode639_1, c.upper()) for c in ifeval.LANGUAGES if hasattr(IsoCode639_1, c.upper())]
    restricted = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
    groups = {
        "IFEval pool (response_language)": [
            (response, kw["language"])
            for _, kw, response in ifeval_pool.cases(["language:response_language"], 400, 3, ifeval_pool)
        ],
        "IFEval languages (asked en, own)": [
            (text, asked) for code, texts in ifeval_pool.LANGUAGE_TEXTS.items() for text in texts for asked in {"en", code}
        ],
        "23 other languages (asked 13)": [(text, asked) for text in OTHER.values() for asked in ASKED],
    }
    table = Table(title="follows_language: all 75 languages vs IFEval's 29 only")
    for column in ("texts", "cases", "same verdict", "changed", "example"):
        table.add_column(column, justify="left" if column in ("texts", "example") else "right")
    original = ifeval._language_detector
    try:
        for name, cases in groups.items():
            changed = []
            for text, code in cases:
                ifeval._language_detector = lambda: full  # noqa: B023
                a = ifeval.follows_language(text, code)
                ifeval._language_detector = lambda: restricted  # noqa: B023
                if ifeval.follows_language(text, code) != a:
                    changed.append(f"{text[:40]!r} in {code}: {a} -> {not a}")
            table.add_row(name, str(len(cases)), str(len(cases) - len(changed)), str(len(changed)), changed[0] if changed else "")
    finally:
        ifeval._language_detector = original
    return table


def build_table(count: int) -> Table:
    table = Table(title=f"dsgen build: {count} distraction records, 2 workers")
    for column in ("driver", "wall s", "CPU s"):
        table.add_column(column, justify="left" if column == "driver" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        recipe = Path(tmp) / "recipe.yaml"
        recipe.write_text(
            f"name: preload\nseed: 1\ndatasets:\n  d:\n    builder: distraction\n    count: {count}\n"
            f"output:\n  dir: {tmp}/out\n  shard_size: {max(1, count // 2)}\n"
        )
        for label, patch in (("preloads (this change)", ""), ("does not preload", "e.preload = lambda recipe: None\n")):
            code = (
                "import resource, shutil, sys, time\nimport dsgen.executors as e\n" + patch
                + f"shutil.rmtree('{tmp}/out', ignore_errors=True)\nstart = time.time()\n"
                + f"sys.argv = ['dsgen', 'build', '{recipe}', '-w', '2', '-q']\nfrom dsgen.cli.main import main\n"
                + "try:\n    main()\nexcept SystemExit:\n    pass\n"
                + "cpu = sum(getattr(resource.getrusage(w), 'ru_utime') for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
                + "print(f'{time.time() - start:.1f} {cpu:.1f}')\n"
            )
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            table.add_row(label, *out.stdout.split()[-2:])
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=int, default=0, help="also time a build of this many distraction records")
    args = parser.parse_args()
    console = Console(width=160)
    tables = [load_table(), agreement_table()] + ([build_table(args.build)] if args.build else [])
    for table in tables:
        console.print(table)


if __name__ == "__main__":
    main()
