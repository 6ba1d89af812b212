"""Jinja2 templates of the builders (package data, read with importlib.resources)."""
