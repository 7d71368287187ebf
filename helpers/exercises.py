"""Exercise checkers: each notebook ends with exercises whose answers `check()` grades.

A checker is a function registered under an id such as "02.1". It returns (ok, message);
`check()` prints the message with a tick or a cross; `grade()` returns them, for tests.
"""
_CHECKERS = {}


def exercise(exercise_id):
    """Decorator: register `fn(answer) -> (ok: bool, message: str)` under `exercise_id`."""
    def register(fn):
        if exercise_id in _CHECKERS:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _CHECKERS[exercise_id] = fn
        return fn
    return register


def grade(exercise_id, answer):
    """(ok, message) for `answer` to exercise `exercise_id`, e.g. "01.1"."""
    _load_all()
    if exercise_id not in _CHECKERS:
        raise ValueError(f"unknown exercise {exercise_id!r}; valid ids: {', '.join(sorted(_CHECKERS))}")
    return _CHECKERS[exercise_id](answer)


def check(exercise_id, answer):
    """Print whether `answer` solves exercise `exercise_id`, with a hint if it does not."""
    ok, message = grade(exercise_id, answer)
    print(("✔ " if ok else "✘ ") + message)


def _load_all():
    # Checkers live beside the code they are about; importing the modules registers them.
    import importlib
    for module in ("exercise_answers", "partial_update"):
        try:
            importlib.import_module(f"helpers.{module}")
        except ModuleNotFoundError as err:
            if err.name != f"helpers.{module}":
                raise
