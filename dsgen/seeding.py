"""Per-record seeding: record i is a pure function of (recipe seed, builder path, index).

The RNG seed is a hash of the three, never ``seed + i`` (which makes seed 43 item 0 equal
seed 42 item 1).
"""

from __future__ import annotations

import random
from hashlib import blake2b


def _digest(seed: int, path: str, index: int) -> bytes:
    return blake2b(f"{seed}\x1f{path}\x1f{index}".encode(), digest_size=16).digest()


def rng_for(seed: int, path: str, index: int) -> random.Random:
    """A fresh ``random.Random`` for one record, seeded from a hash of (seed, path, index)."""
    return random.Random(int.from_bytes(_digest(seed, path, index), "little"))


def record_id(seed: int, path: str, index: int) -> str:
    """The stable id of a record: 16 hex digits of the same provenance hash."""
    return _digest(seed, path, index)[:8].hex()


def rng_and_id(
    seed: int, path: str, index: int, rng: random.Random | None = None
) -> tuple[random.Random, str]:
    """``rng_for`` and ``record_id`` from one hash (the hot path of a build).

    Given ``rng``, that object is re-seeded in place and returned (its state is then that of a fresh
    ``rng_for``; re-seeding is about twice as fast as making a new generator).
    """
    digest = _digest(seed, path, index)
    number = int.from_bytes(digest, "little")
    if rng is None:
        return random.Random(number), digest[:8].hex()
    rng.seed(number)
    return rng, digest[:8].hex()


def unit_interval(key: str) -> float:
    """A uniform number in [0, 1) derived from ``key`` (used for split assignment)."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little") / 2**64
