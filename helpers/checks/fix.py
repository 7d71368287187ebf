"""Checkers for notebook 03 · the fix."""
import functools

import numpy as np

from ..exercises import exercise, grade_number
from ..theory import backward_factor
from ..training import train_net
from . import pick_mistakes


@exercise("03.1")
def _check_03_1(answer):
    choices = ("seed", "glorot", "he")
    if not isinstance(answer, str) or answer.lower() not in choices:
        return False, f"Give one of {', '.join(map(repr, choices))}."
    if answer.lower() == "he":
        return True, ("Yes: He's sigma_w = sqrt(2 / fan_in) makes sqrt(fan_out / 2) * sigma_w = "
                      f"{backward_factor(16, np.sqrt(2 / 16)):.2f} for a 16 -> 16 layer.")
    factor = backward_factor(16, 1e-3 if answer.lower() == "seed" else np.sqrt(2 / 32))
    return False, (f"{answer!r} gives sqrt(fan_out / 2) * sigma_w = {factor:.3g} for a 16 -> 16 layer, not 1. "
                   "Which sigma_w makes it exactly 1?")


@functools.cache
def _adam_depths_that_learn(depths):
    return [train_net(depth=d, optimizer="adam").learned() for d in depths]


@exercise("03.2")
def _check_03_2(answer):
    depths = tuple(range(1, 9))
    learns = _adam_depths_that_learn(depths)
    truth, mistakes = pick_mistakes(depths, learns, "depth", smallest=False)
    return grade_number(answer, truth, what="a depth from 1 to 8", choices=depths, mistakes=mistakes,
                        explain=f"depth {truth}. One layer deeper, the bottom layers' gradients fall below "
                                "Adam's epsilon and freeze, while full-size bias steps kill the layers above.")


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"03.1": ("he", ["glorot", "seed"]), "03.2": (2, [3, 1])}
