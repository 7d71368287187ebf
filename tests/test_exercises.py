"""Exercise checkers accept the notebooks' solutions, reject wrong answers, and never crash on odd ones."""
import math

import numpy as np
import pytest

import helpers
from helpers import exercises
from helpers.exercises import _CHECKERS, _load_all, grade_number


def _examples():
    """Every checker module's EXAMPLES: {id: (the solution's answer, [wrong answers])}."""
    import importlib
    found = {}
    for name in exercises.CHECK_MODULES:
        found.update(importlib.import_module(f"helpers.checks.{name}").EXAMPLES)
    return found


EXAMPLES = _examples()


def _stub(*args):
    raise NotImplementedError("Exercise: fill this in")


def _broken(*args):
    return {}["no such key"]


# Whatever a student might pass: none of these may make a checker raise.
ODD_ANSWERS = [None, ..., "", "abc", "0.1", True, float("nan"), float("inf"), -1, 0, 10**9, [1, 2], {},
               np.float32(0.5), np.array([1.0]), _stub, _broken, print]


def test_unknown_exercise_names_the_valid_ids():
    with pytest.raises(ValueError, match="valid ids: 01.1"):
        helpers.check("99.9", 1)


@pytest.mark.parametrize("exercise_id", sorted(EXAMPLES))
def test_solution_is_accepted_and_wrong_answers_are_explained(exercise_id):
    right, wrong = EXAMPLES[exercise_id]
    ok, message = helpers.grade(exercise_id, right)
    assert ok is True and message, message
    for answer in wrong:
        ok, message = helpers.grade(exercise_id, answer)
        assert ok is False and len(message) > 40, (answer, message)     # a reason or a hint, not just "no"


@pytest.mark.parametrize("exercise_id", sorted(exercises.exercise_ids()))
def test_a_checker_never_crashes_on_an_odd_answer(exercise_id):
    for answer in ODD_ANSWERS:
        ok, message = helpers.grade(exercise_id, answer)
        assert ok is False and isinstance(message, str) and len(message) > 20, (exercise_id, answer, message)


def test_the_placeholder_and_an_unfinished_stub_say_not_done_yet(capsys):
    for answer in (None, ..., _stub):
        ok, message = helpers.grade("06.2", answer)
        assert ok is False and "not done yet" in message
    helpers.check("01.1", None)
    assert capsys.readouterr().out.startswith("✘ Exercise 01.1 is not done yet")


def test_a_students_error_is_reported_in_one_line():
    ok, message = helpers.grade("06.2", _broken)
    assert not ok and "KeyError" in message and "\n" not in message


def test_assert_correct_raises_with_the_hint_only_when_wrong():
    exercises.assert_correct("01.2", EXAMPLES["01.2"][0])
    with pytest.raises(AssertionError, match="Exercise 01.2: .*not done yet"):
        exercises.assert_correct("01.2", None)


def test_a_misspelt_or_broken_checker_module_is_named(monkeypatch):
    monkeypatch.setattr(exercises, "CHECK_MODULES", exercises.CHECK_MODULES + ("no_such_module",))
    monkeypatch.setattr(exercises, "_loaded", False)
    with pytest.raises(RuntimeError, match=r"helpers/checks/no_such_module.py could not be loaded: ModuleNotFound"):
        helpers.check("01.1", 1)


def test_grade_number_is_the_one_grader_for_numbers():
    kwargs = dict(what="a number", explain="yes.", hint="Look again.")
    assert grade_number(3, 3, **kwargs) == (True, "Right: yes.")
    assert grade_number(3.05, 3, atol=0.1, **kwargs)[0]
    assert grade_number(4, 3, mistakes=[(4, "4 is the other one.")], **kwargs) == (False, "4 is the other one. Look again.")
    assert grade_number(5, 3, choices=(1, 3), **kwargs)[1].startswith("Give one of the values 1, 3")
    assert grade_number(5, None, **kwargs)[0] is False
    for odd in ("3", True, math.nan, [3]):
        assert grade_number(odd, 3, **kwargs) == (False, "Answer with one number: a number.")


def test_every_registered_exercise_has_examples():
    _load_all()
    assert set(_CHECKERS) == set(EXAMPLES)
