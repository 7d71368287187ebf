"""Checkers for notebook 02 · vanishing gradients."""
import functools

import numpy as np

from ..exercises import exercise, grade_number
from ..theory import measure_grad_std
from ..training import train_net
from . import pick_mistakes


@exercise("02.1")
def _check_02_1(answer):
    measured = measure_grad_std(3)
    truth = 1 + int(np.argmin(measured[:3]))
    mistakes = [(layer, f"Layer {layer} gets {measured[layer - 1]:.1e}. Multiply the two factors for each layer: "
                        "the delta arriving and the activation coming in.")
                for layer in (1, 2, 3) if layer != truth]
    return grade_number(answer, truth, what="a hidden layer's number", choices=(1, 2, 3), mistakes=mistakes,
                        explain=f"layer {truth} ({measured[truth - 1]:.1e}). Its backward signal has come down "
                                "two layers and its input is a tiny hidden activation, not x.")


@functools.cache
def _sigmas_that_learn(sigmas):
    return [train_net(depth=2, init="normal", sigma=sigma).learned() for sigma in sigmas]


@exercise("02.2")
def _check_02_2(answer):
    sigmas = (0.001, 0.01, 0.1, 1)
    learns = _sigmas_that_learn(sigmas)
    truth, mistakes = pick_mistakes(sigmas, learns, "sigma")
    return grade_number(answer, truth, what="the smallest sigma that learns", choices=sigmas, rtol=0.05,
                        explain=f"{truth:.2g} is the smallest sigma in the list that learns.", mistakes=mistakes)


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"02.1": (2, [1, 3]), "02.2": (0.1, [0.01, 1])}
