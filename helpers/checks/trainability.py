"""Checkers for notebook 05 · trainability map."""


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {}
