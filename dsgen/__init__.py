"""dsgen: build verifiable post-training datasets for LLMs.

The public API is small and imported lazily, so ``import dsgen`` (and ``dsgen --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Builder": "dsgen.builder",
    "Wrapper": "dsgen.builder",
    "Params": "dsgen.builder",
    "user_prompt": "dsgen.builder",
    "DsgenError": "dsgen.errors",
    "Skip": "dsgen.errors",
    "RecordInvalid": "dsgen.errors",
    "rng_for": "dsgen.seeding",
    "register": "dsgen.registry",
    "score": "dsgen.scoring",
    "reward": "dsgen.rewards",
    "Reward": "dsgen.rewards",
    "from_row": "dsgen.records",
    "Recipe": "dsgen.recipe",
    "load_recipe": "dsgen.recipe",
    "default_recipe": "dsgen.recipe",
    "build": "dsgen.pipeline",
    "sample": "dsgen.pipeline",
    "validate_path": "dsgen.inspect",
    "score_file": "dsgen.inspect",
    "push": "dsgen.hub",
    "Search": "dsgen.search",
}

__all__ = [
    "Builder",
    "DsgenError",
    "Params",
    "Recipe",
    "RecordInvalid",
    "Reward",
    "Search",
    "Skip",
    "Wrapper",
    "build",
    "default_recipe",
    "from_row",
    "load_recipe",
    "push",
    "register",
    "reward",
    "rng_for",
    "sample",
    "score",
    "score_file",
    "user_prompt",
    "validate_path",
    "__version__",
]

if TYPE_CHECKING:
    from .builder import Builder, Params, Wrapper, user_prompt
    from .errors import DsgenError, RecordInvalid, Skip
    from .hub import push
    from .inspect import score_file, validate_path
    from .pipeline import build, sample
    from .recipe import Recipe, default_recipe, load_recipe
    from .records import from_row
    from .registry import register
    from .rewards import Reward, reward
    from .scoring import score
    from .search import Search
    from .seeding import rng_for


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'dsgen' has no attribute {name!r}")
