"""Text the filters compare: which part of a record, how it is normalised, and its hashed word n-grams.

Every filter that compares texts (dedup, decontamination, model scoring) goes through these helpers,
so "the same text" means the same thing everywhere. Hashes are xxhash (stable across processes and
platforms, unlike ``hash(str)``), combined into n-gram hashes with numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np

Field = Literal["prompt", "answer", "prompt+answer"]

_WORD = re.compile(r"\w+")
_MASK64 = 2**64 - 1


def constants(count: int, seed: int) -> np.ndarray:
    """``count`` fixed pseudo-random odd uint64 numbers from ``seed`` (pure splitmix64: never changes)."""
    out, state = [], seed & _MASK64
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        out.append((z ^ (z >> 31)) | 1)
    return np.array(out, dtype=np.uint64)


# Multipliers combining word hashes position by position into an n-gram hash.
_POSITION = constants(64, seed=13)


def message_text(value: Any) -> str:
    """The text of a prompt: a string as it is, chat messages as their contents joined by newlines."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("content") or "")
    return "\n".join(message_text(m) for m in value)


def record_text(record: dict[str, Any], field: Field = "prompt") -> str:
    """The part of ``record`` a filter compares: the prompt messages, the answer, or both."""
    if field == "prompt":
        return message_text(record.get("prompt"))
    if field == "answer":
        return record.get("answer") or ""
    return message_text(record.get("prompt")) + "\n" + (record.get("answer") or "")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (Unicode letters, digits and underscore); punctuation and spacing vanish."""
    return _WORD.findall(text.lower())


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: two texts that differ only in those compare equal."""
    return " ".join(words(text))


def text_hash(text: str) -> int:
    """A 64-bit hash of an already normalised text (exact-duplicate key)."""
    import xxhash

    return xxhash.xxh3_64_intdigest(text.encode())


def word_hashes(tokens: Iterable[str], count: int = -1) -> np.ndarray:
    """64-bit hashes of words, as a uint64 array (``count`` speeds it up when known)."""
    import xxhash

    return np.fromiter(map(xxhash.xxh3_64_intdigest, map(str.encode, tokens)), dtype=np.uint64, count=count)


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array, in place: spreads every input bit over the output."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def ngram_hashes(texts_words: Sequence[Sequence[str]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every word n-gram of several texts at once.

    Returns ``(hashes, owner)``: one uint64 per n-gram and the index of the text it came from, in
    order. A text with fewer than ``n`` words contributes nothing.
    """
    if not 1 <= n <= len(_POSITION):
        raise ValueError(f"n-gram size must be between 1 and {len(_POSITION)}, got {n}")
    lengths = np.fromiter((len(w) for w in texts_words), dtype=np.int64, count=len(texts_words))
    total = int(lengths.sum())
    flat = word_hashes((w for ws in texts_words for w in ws), total)
    owner = np.repeat(np.arange(len(texts_words), dtype=np.int64), lengths)
    count = total - n + 1
    if count <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    grams = flat[:count] * _POSITION[0]
    for k in range(1, n):
        grams += flat[k : k + count] * _POSITION[k]
    # An n-gram is real only when its first and last word belong to the same text.
    inside = owner[:count] == owner[n - 1 : n - 1 + count]
    return mix64(grams[inside]), owner[:count][inside]
