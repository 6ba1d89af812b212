"""Per-record seeding: record i is a pure function of (recipe seed, builder path, index).

The RNG seed is a blake2b hash of the three, never ``seed + i`` (which makes seed 43 item 0 equal
seed 42 item 1).
"""

from __future__ import annotations

import random
from _random import Random as _MersenneTwister
from hashlib import blake2b


def rng_for(seed: int, path: str, index: int) -> random.Random:
    """A fresh ``random.Random`` for one record, seeded from a hash of (seed, path, index)."""
    rng = random.Random(0)
    Seeder(seed, path)(index, rng)
    return rng


class Seeder:
    """Seeds record after record of one builder path: ``seeder(index, rng) -> record id``.

    ``rng`` is re-seeded in place from a blake2b hash of ``seed``, ``path`` and ``index``, and the id
    is 16 hex digits of the same hash. This is the hot path of a build: the hash state of the constant
    prefix is kept, and the generator is re-seeded through the C method (what ``Random.seed`` does
    for an int, without its Python-level checks), about 1.5 µs a record less than a new generator.
    """

    __slots__ = ("_prefix",)

    def __init__(self, seed: int, path: str):
        self._prefix = blake2b(f"{seed}\x1f{path}\x1f".encode(), digest_size=16)

    def __call__(self, index: int, rng: random.Random) -> str:
        hasher = self._prefix.copy()
        hasher.update(b"%d" % index)
        digest = hasher.digest()
        _MersenneTwister.seed(rng, int.from_bytes(digest, "little"))
        rng.gauss_next = None
        return digest[:8].hex()


def unit_interval(key: str) -> float:
    """A uniform number in [0, 1) derived from ``key`` (used for split assignment)."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little") / 2**64
