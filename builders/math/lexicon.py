"""The shared lexicon of the math builders (``templates/math/lexicon.yaml``): people with their pronouns,
and the plausible range of each kind of quantity (measure) a problem may state or compute."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from quicktions import Fraction

from dsgen.errors import DsgenError
from dsgen.expressions import parse_number
from dsgen.templating import read_text

LEXICON_FILE = "math/lexicon.yaml"
#: The words of a person a scenario text may use, in the order a person's slots hold them.
PRONOUN_KEYS = ("he", "He", "his", "His", "him")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(relpath: str) -> Any:
    """A YAML file of ``dsgen.templates``; a syntax error names the file."""
    try:
        return yaml.load(read_text(relpath), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DsgenError(f"templates/{relpath}: invalid YAML: {exc}") from exc


@lru_cache(maxsize=None)
def people() -> tuple[tuple[str, ...], ...]:
    """Every person as (name, he, He, his, His, him), grouped by pronouns, in file order."""
    data = load_yaml(LEXICON_FILE)
    pronouns = data["pronouns"]
    return tuple((name, *(pronouns[p][k] for k in PRONOUN_KEYS))
                 for p in sorted(data["names"]) for name in data["names"][p])


@dataclass(frozen=True)
class Measure:
    """The plausible range of one kind of quantity (both ends included), and ``size``: what one unit of it
    counts as in the difficulty's number-size term (0.01 for cents, so that money is sized in dollars)."""

    name: str
    low: int | Fraction
    high: int | Fraction
    size: int | Fraction = 1

    def holds(self, value: Any) -> bool:
        return self.low <= value <= self.high


@lru_cache(maxsize=None)
def measures() -> dict[str, Measure]:
    """The measures of the lexicon by name."""
    origin = f"templates/{LEXICON_FILE}: measures"
    found = {}
    for name, spec in load_yaml(LEXICON_FILE)["measures"].items():
        bounds, size = (spec.get("range"), spec.get("size", 1)) if isinstance(spec, dict) else (spec, 1)
        try:
            low, high = (parse_number(str(b)) for b in bounds)
            size = parse_number(str(size))
        except (TypeError, ValueError):
            raise DsgenError(f"{origin}.{name}: expected [lowest, highest] or {{range: [lowest, highest], "
                             f"size: number}}, got {spec!r}") from None
        if low > high or size <= 0:
            raise DsgenError(f"{origin}.{name}: expected lowest <= highest and a positive size, got {spec!r}")
        found[name] = Measure(name, low, high, size)
    return found


def measure(name: str, origin: str) -> Measure:
    """The measure ``name``; an unknown name is an error naming ``origin`` and the known measures."""
    known = measures()
    if name not in known:
        raise DsgenError(f"{origin}: unknown measure {name!r}; the lexicon declares {', '.join(sorted(known))}")
    return known[name]
