"""Checkers for notebook 04 · explorer."""
import functools

import numpy as np

from ..exercises import exercise, grade_number
from . import pick_mistakes


def _slider_values(low_exponent, high_exponent):
    return 10.0 ** np.arange(low_exponent, high_exponent + 0.01, 0.25)


@functools.cache
def _learns(**settings):
    from ..diagnosis import diagnose
    from ..explorer import ExplorerState, run
    view = run(ExplorerState(**settings))
    return view.result is not None and diagnose(view.result).outcome == "learns"


@exercise("04.1")
def _check_04_1(answer):
    sigmas = _slider_values(-4, 1)
    truth, mistakes = pick_mistakes(sigmas, [_learns(depth=4, init="normal", sigma=s) for s in sigmas], "sigma")
    return grade_number(answer, truth, what="a sigma from the slider", choices=sigmas, rtol=0.05,
                        mistakes=mistakes, explain=f"{truth:.2g} is the smallest sigma on the slider that learns.")


@exercise("04.2")
def _check_04_2(answer):
    rates = _slider_values(-4, 0)
    truth, mistakes = pick_mistakes(rates, [_learns(depth=8, init="he", lr=lr) for lr in rates],
                                    "learning rate", smallest=False)
    return grade_number(answer, truth, what="a learning rate from the slider", choices=rates, rtol=0.05,
                        mistakes=mistakes,
                        explain=f"{truth:.2g} is the largest learning rate on the slider that learns.")


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"04.1": (0.178, [0.1, 0.316]), "04.2": (0.0562, [0.1, 0.001])}
