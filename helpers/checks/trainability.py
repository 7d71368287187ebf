"""Checkers for notebook 05 · trainability map."""
