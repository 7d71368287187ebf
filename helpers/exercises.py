"""Exercise checking: `check()` prints a verdict, `grade()` returns it, for tests and autograding.

Checkers live in helpers/checks/, one module per notebook, each registered under an id such as "02.1"
with the `@exercise` decorator. A checker takes the student's answer (a number, a name, or a function they
wrote) and returns (ok, message). This module handles what every checker would otherwise repeat:
    - an answer that is still the placeholder (None or ...) or a function that still raises
      NotImplementedError: "not done yet", never a traceback;
    - a student's function that fails: its error, in one line (`call`);
    - a numeric answer: `grade_number`, the one grading helper for numbers and picks from a list.
"""
import importlib
import numbers

import numpy as np

# One module of checkers per notebook (helpers/checks/<name>.py), loaded on first use.
CHECK_MODULES = ("shallow", "vanishing", "fix", "explorer", "trainability", "steering")
_CHECKERS = {}
_loaded = False


class StudentCodeError(Exception):
    """A student's function raised: grade() reports it as the answer's fault, not the checker's."""


class NotDone(Exception):
    """The exercise is not done yet (the placeholder, or a stub that raises NotImplementedError)."""


def exercise(exercise_id):
    """Decorator: register `fn(answer) -> (ok: bool, message: str)` under `exercise_id`."""
    def register(fn):
        if exercise_id in _CHECKERS:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _CHECKERS[exercise_id] = fn
        return fn
    return register


def _load_all():
    """Import every checker module; a module that is missing or broken is an error that says which."""
    global _loaded
    if _loaded:
        return
    for name in CHECK_MODULES:
        try:
            importlib.import_module(f"helpers.checks.{name}")
        except Exception as err:  # noqa: BLE001 - re-raised with the module's name
            raise RuntimeError(f"the exercise checkers in helpers/checks/{name}.py could not be loaded: "
                               f"{type(err).__name__}: {err}") from err
    _loaded = True


def exercise_ids():
    _load_all()
    return sorted(_CHECKERS)


def grade(exercise_id, answer):
    """(ok, message) for `answer` to exercise `exercise_id`, e.g. "01.1"."""
    _load_all()
    if exercise_id not in _CHECKERS:
        raise ValueError(f"unknown exercise {exercise_id!r}; valid ids: {', '.join(sorted(_CHECKERS))}")
    try:
        if answer is None or answer is Ellipsis:
            raise NotDone
        return _CHECKERS[exercise_id](answer)
    except (NotDone, NotImplementedError):
        if callable(answer):  # a function stub: the `raise NotImplementedError` line under the `...` must go too
            return False, (f"Exercise {exercise_id} is not done yet: write your code in place of the `...` in its "
                           "cell, delete the `raise NotImplementedError` line, run that cell, then this one again.")
        return False, (f"Exercise {exercise_id} is not done yet: replace the `...` in its cell with your "
                       "answer, run that cell, then run this one again.")
    except StudentCodeError as err:
        return False, str(err)


def check(exercise_id, answer):
    """Print whether `answer` solves exercise `exercise_id` (✔ or ✘, with a hint). Never raises for an answer."""
    ok, message = grade(exercise_id, answer)
    print(("✔ " if ok else "✘ ") + message)


def done(exercise_id, answer):
    """Whether `answer` solves the exercise (if not, one line says so): for a cell that draws with the student's code."""
    ok, message = grade(exercise_id, answer)
    if not ok:
        print(f"(This cell shows its result once exercise {exercise_id} is done.)")
    return ok


def assert_correct(exercise_id, answer):
    """For autograding (nbgrader's hidden tests): raise AssertionError with the hint unless `answer` is right."""
    ok, message = grade(exercise_id, answer)
    assert ok, f"Exercise {exercise_id}: {message}"


def call(fn, *args, what="your function"):
    """Call a student's function; NotImplementedError means "not done yet", any other error is reported."""
    if not callable(fn):
        raise StudentCodeError(f"Pass {what} itself, without calling it (no parentheses).")
    try:
        return fn(*args)
    except NotImplementedError:
        raise NotDone from None
    except Exception as err:  # noqa: BLE001 - a student's code may fail in any way; report it
        raise StudentCodeError(f"{what} raised {type(err).__name__}: {err}") from None


def as_number(answer):
    """The answer as a finite float, or None (True/False, strings and NaN are not numbers here)."""
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.floating, np.integer)):
        return None
    value = float(answer)
    return value if np.isfinite(value) else None


def grade_number(answer, right, *, what, explain, hint="", choices=None, rtol=0.0, atol=0.0, mistakes=()):
    """Grade a numeric answer: the one grading helper for numbers.

    right      the true value (a number)
    what       what the answer is, e.g. "a step number" or "the learning rate"
    explain    said when the answer is right
    hint       said with every wrong answer
    choices    if given, the answer must be one of these values (within rtol): a pick from a list
    mistakes   [(value, why), ...]: known wrong answers and what each one means
    """
    if right is None:
        return False, "No value works in this run, so this exercise has no right answer here: tell your teacher."
    value = as_number(answer)
    if value is None:
        listed = f" from {', '.join(f'{c:.2g}' for c in choices)}" if choices is not None else ""
        return False, f"Answer with one number: {what}{listed}."

    def close(a, b):
        return abs(a - b) <= atol + rtol * abs(b)

    if choices is not None and not any(close(value, c) for c in choices):
        return False, f"Give one of the values {', '.join(f'{c:.2g}' for c in choices)} ({what})."
    if close(value, right):
        return True, "Right: " + explain
    for wrong, why in mistakes:
        if close(value, wrong):
            return False, f"{why} {hint}".strip()
    return False, f"Not {value:g}. {hint}".strip()
