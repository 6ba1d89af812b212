"""Filters: keep or drop records with a counted reason, annotating what they measured."""
