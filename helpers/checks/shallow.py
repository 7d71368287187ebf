"""Checkers for notebook 01 · shallow net."""
import functools

import numpy as np

from ..exercises import exercise, grade_number
from ..plots import running_mean
from ..training import train_net
from . import pick_mistakes


# The truths are measured once per kernel: a wrong answer re-checked costs nothing.
@functools.cache
def _rates_that_learn(rates):
    return [train_net(depth=1, lr=lr).learned() for lr in rates]


@exercise("01.1")
def _check_01_1(answer):
    smooth = running_mean(train_net(depth=1).losses, 200)
    below = np.flatnonzero(smooth[200:] < 0.1)
    if below.size == 0:
        return False, "The running mean never drops below 0.1 after step 200 in this run: there is no such step."
    truth = 200 + int(below[0])
    return grade_number(answer, truth, what="a step number", atol=100,
                        explain=f"the running mean first drops below 0.1 at step {truth}.",
                        hint="Did you skip the first 200 steps and add 200 back?")


@exercise("01.2")
def _check_01_2(answer):
    rates = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
    learns = _rates_that_learn(rates)
    truth, mistakes = pick_mistakes(rates, learns, "learning rate")
    return grade_number(answer, truth, what="the smallest learning rate that learns", choices=rates, rtol=0.05,
                        explain=f"{truth:.2g} is the smallest learning rate in the list that learns.",
                        mistakes=mistakes)


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"01.1": (5615, [3000]), "01.2": (1e-3, [3e-4, 1e-2])}
