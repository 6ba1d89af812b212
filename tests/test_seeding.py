"""Per-record seeding: the key (hash of seed and path, index) gives every record its own stream."""

from __future__ import annotations

import random
import re
from statistics import correlation

from dsgen.seeding import Seeder, rng_for


def stream(seed: int, path: str, index: int, draws: int = 4) -> tuple[str, list[float]]:
    rng = random.Random()
    ident = Seeder(seed, path)(index, rng)
    return ident, [rng.random() for _ in range(draws)]


def test_a_record_stream_depends_on_seed_path_and_index_alone():
    assert stream(7, "d/math.compose", 12) == stream(7, "d/math.compose", 12)
    # a re-used generator is fully re-seeded: what was drawn before does not leak into the next record
    # (a gauss draw keeps a second value for the next call: re-seeding drops it)
    rng, seeder = random.Random(), Seeder(7, "d/math.compose")
    seeder(3, rng)
    rng.gauss(0, 1)
    seeder(12, rng)
    fresh = rng_for(7, "d/math.compose", 12)
    assert [rng.gauss(0, 1) for _ in range(3)] == [fresh.gauss(0, 1) for _ in range(3)]
    assert rng_for(7, "d/math.compose", 12).random() == stream(7, "d/math.compose", 12)[1][0]


def test_neighbouring_seeds_paths_and_indices_give_unrelated_streams():
    base = stream(42, "d/b", 1)
    # seed + i schemes make seed 43 item 0 equal seed 42 item 1
    others = [stream(43, "d/b", 0), stream(42, "d/b", 0), stream(42, "d/b", 2), stream(42, "d/c", 1),
              stream(42, "d/b", 1 + 2**64), stream(42, "d/b", 1 + 2**128)]
    for other in others:
        assert other[0] != base[0] and not set(other[1]) & set(base[1])


def test_ids_are_16_hex_digits_unique_across_indices_and_paths():
    ids = [stream(1, path, i, draws=0)[0] for path in ("d/a", "d/a+w", "e/a") for i in range(20_000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", ident) for ident in ids)
    assert len(set(ids)) == len(ids)


def test_first_draws_of_consecutive_records_are_uncorrelated():
    firsts = [stream(5, "d/math.template", i, draws=1)[1][0] for i in range(20_000)]
    assert abs(correlation(firsts[:-1], firsts[1:])) < 0.03  # standard error 0.007
    assert 0.49 < sum(firsts) / len(firsts) < 0.51
