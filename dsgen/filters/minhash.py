"""MinHash LSH with numpy: signatures, band keys and candidate pairs for many texts at once.

datasketch's MinHash hashes one record at a time in Python (about 35 s and 2.1 GB for 100k texts
here); this computes the same kind of signature for a whole chunk of texts with array arithmetic,
keeps only one uint64 key per band and record, and finds colliding records by sorting the keys of a
band instead of filling a dict per band. ``benchmarks/bench_filters.py`` measures both.

Shingles are the distinct words of four or more characters of the normalised text: on near
duplicates made by swapping, inserting, deleting and misspelling words, their Jaccard similarity
stays high while unrelated texts (which share mostly short function words) score low, so fewer
permutations reach the same recall than with word or character n-grams.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .text import constants, mix64, word_hashes

MIN_SHINGLE_CHARS = 4
_LOW32 = np.uint64(0xFFFFFFFF)


def shingles(tokens: Sequence[str]) -> list[str]:
    """The words a text's MinHash is computed over (all its words when none is long enough)."""
    long = [w for w in tokens if len(w) >= MIN_SHINGLE_CHARS]
    return long or list(tokens) or [""]


class MinHasher:
    """Computes MinHash signatures and LSH band keys for chunks of tokenised texts.

    Permutation ``k`` maps a 32-bit shingle hash ``x`` to ``(a_k * x + b_k) mod 2**64 >> 32``
    (multiply-add-shift universal hashing), so a whole chunk is hashed by one array product.
    """

    def __init__(self, num_perm: int, bands: int, seed: int = 1):
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self.num_perm, self.bands, self.rows = num_perm, bands, num_perm // bands
        self._a = constants(num_perm, seed)
        self._b = constants(num_perm, seed + 1) >> np.uint64(1)
        self._band_mult = constants(self.rows, seed + 2)
        self._band_salt = constants(bands, seed + 3)

    def signatures(self, texts_tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """A ``(num_perm, len(texts))`` uint32 array: column ``i`` is the signature of text ``i``."""
        sets = [sorted(set(shingles(t))) for t in texts_tokens]
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        x = word_hashes((w for s in sets for w in s), int(lengths.sum()))
        x = (x ^ (x >> np.uint64(32))) & _LOW32
        offsets = np.zeros(len(sets), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])
        sig = np.empty((self.num_perm, len(sets)), dtype=np.uint32)
        h = np.empty_like(x)  # one reused buffer: allocating per permutation costs more than the arithmetic
        for k in range(self.num_perm):
            np.multiply(x, self._a[k], out=h)
            h += self._b[k]
            h >>= np.uint64(32)
            sig[k] = np.minimum.reduceat(h, offsets)
        return sig

    def band_keys(self, sig: np.ndarray) -> np.ndarray:
        """A ``(bands, n)`` uint64 array: one hash of each band's rows per text."""
        keys = np.empty((self.bands, sig.shape[1]), dtype=np.uint64)
        for band in range(self.bands):
            rows = sig[band * self.rows : (band + 1) * self.rows].astype(np.uint64)
            rows *= self._band_mult[:, None]
            key = rows.sum(axis=0, dtype=np.uint64)
            key += self._band_salt[band]
            keys[band] = mix64(key)
        return keys


def candidate_pairs(band_keys: Sequence[np.ndarray], window: int = 32) -> np.ndarray:
    """Pairs of texts that share a band key, as sorted unique ``i << 32 | j`` codes with ``i < j``.

    ``band_keys`` holds one uint64 array per band (index = text). In a bucket, each text is paired
    with the bucket's first text and with the ``window`` texts before it, so a bucket of thousands of
    templated texts costs linear, not quadratic, work.
    """
    found = []
    for keys in band_keys:
        order = np.argsort(keys, kind="stable").astype(np.uint64)
        sorted_keys = keys[order.astype(np.int64)]
        same = sorted_keys[1:] == sorted_keys[:-1]
        if not same.any():
            continue
        starts = np.flatnonzero(np.concatenate(([True], ~same)))
        first = np.repeat(starts, np.diff(np.append(starts, len(keys))))
        member = first != np.arange(len(keys))
        found.append((order[first[member]] << np.uint64(32)) | order[member])
        for d in range(1, window + 1):
            equal = sorted_keys[d:] == sorted_keys[:-d]
            if not equal.any():
                break
            found.append((order[:-d][equal] << np.uint64(32)) | order[d:][equal])
    if not found:
        return np.empty(0, dtype=np.uint64)
    return np.unique(np.concatenate(found))
