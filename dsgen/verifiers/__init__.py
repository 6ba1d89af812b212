"""Verifier kinds: each module exposes ``score(completion, answer, params) -> float``."""
