"""Adapters with each framework's own signature: verl, OpenRLHF, lm-evaluation-harness, inspect-ai.

Each module imports only dsgen's light modules at import time (the framework is imported inside the
function that needs it), and grades through ``dsgen.scoring`` with the same conventions as ``dsgen.score``.
Imports are absolute, so a framework that loads a reward from a file path can load these files too.
"""
