"""Exercise checkers accept the solutions given in the notebooks and reject wrong answers."""
import pytest

import helpers
from helpers.exercises import _CHECKERS, _load_all

# The answers the notebooks' <details> solutions arrive at, and a wrong one for each.
SOLUTIONS = {
    "01.1": (5615, 3000),
    "01.2": (1e-3, 3e-4),
    "02.1": (2, 1),
    "02.2": (0.1, 0.01),
    "03.1": ("he", "glorot"),
    "03.2": (2, 3),
    "05.1": (0.178, 0.1),
    "05.2": (0.0562, 0.1),
}


def test_unknown_exercise_names_the_valid_ids():
    with pytest.raises(ValueError, match="valid ids: 01.1"):
        helpers.check("99.9", 1)


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_solution_is_accepted_and_a_wrong_answer_is_not(exercise_id):
    right, wrong = SOLUTIONS[exercise_id]
    assert helpers.grade(exercise_id, right)[0] is True
    assert helpers.grade(exercise_id, wrong)[0] is False


def test_every_checker_handles_the_placeholder_none(capsys):
    _load_all()
    for exercise_id in _CHECKERS:
        ok, message = helpers.grade(exercise_id, None)
        assert ok is False and message
    helpers.check("01.1", None)
    assert capsys.readouterr().out.startswith("✘ ")


def test_every_notebook_exercise_has_a_checked_solution():
    _load_all()
    ours = {e for e in _CHECKERS if not e.startswith("04.")}   # 04's live in test_partial_update.py
    assert ours == set(SOLUTIONS)
