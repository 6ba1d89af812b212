"""Upstream reference checkers vendored for differential tests (each file says where it came from)."""
