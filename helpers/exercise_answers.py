"""Checkers for the exercises of notebooks 01-03 and 05. Each recomputes the truth by training."""
import numpy as np

from .exercises import exercise
from .plots import running_mean
from .theory import backward_factor, measure_grad_std
from .training import train_net


def _number(answer):
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def _check_pick(answer, values, learns, what, smallest=True):
    """Grade an answer to "which is the smallest (or largest) of `values` that learns?"."""
    learning = [v for v, ok in zip(values, learns) if ok]
    truth = min(learning) if smallest else max(learning)
    value = _number(answer)
    if value is None or not np.any(np.isclose(values, value, rtol=0.05)):
        return False, f"Give one of the {what} values: {', '.join(f'{v:.2g}' for v in values)}."
    which, other = ("smallest", "smaller") if smallest else ("largest", "larger")
    if np.isclose(value, truth, rtol=0.05):
        return True, f"Yes: {truth:.2g} is the {which} {what} in the list that learns."
    if learns[int(np.argmin(np.abs(np.log(values) - np.log(value))))]:
        return False, f"{value:.2g} learns, but a {other} {what} in the list does too."
    return False, f"{value:.2g} does not learn: look at its mean error or the verdict."


@exercise("01.1")
def _check_01_1(answer):
    smooth = running_mean(train_net(depth=1).losses, 200)
    truth = 200 + int(np.argmax(smooth[200:] < 0.1))
    value = _number(answer)
    if value is None:
        return False, "Give a step number, e.g. 5000. Hint: np.argmax(smooth[200:] < 0.1)."
    if abs(value - truth) <= 100:
        return True, f"Yes: the running mean first drops below 0.1 at step {truth}."
    return False, f"Not quite ({value:g}). Did you skip the first 200 steps and add 200 back?"


@exercise("01.2")
def _check_01_2(answer):
    rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
    learns = [train_net(depth=1, lr=lr).learned() for lr in rates]
    return _check_pick(answer, rates, learns, "learning rate")


@exercise("02.1")
def _check_02_1(answer):
    measured = measure_grad_std(3)
    truth = 1 + int(np.argmin(measured[:3]))
    value = _number(answer)
    if value not in (1, 2, 3):
        return False, "Give a hidden layer's number: 1, 2 or 3."
    if value == truth:
        return True, (f"Yes: layer {truth} ({measured[truth - 1]:.1e}). Its backward signal has come down "
                      "two layers and its input is a tiny hidden activation, not x.")
    return False, (f"Layer {int(value)} gets {measured[int(value) - 1]:.1e}. Multiply the two factors "
                   "for each layer: the delta arriving and the activation coming in.")


@exercise("02.2")
def _check_02_2(answer):
    sigmas = [0.001, 0.01, 0.1, 1]
    learns = [train_net(depth=2, init="normal", sigma=sigma).learned() for sigma in sigmas]
    return _check_pick(answer, sigmas, learns, "sigma")


@exercise("03.1")
def _check_03_1(answer):
    choices = ("seed", "glorot", "he")
    if not isinstance(answer, str) or answer.lower() not in choices:
        return False, f"Give one of {', '.join(map(repr, choices))}."
    if answer.lower() == "he":
        return True, ("Yes: He's sigma_w = sqrt(2 / fan_in) makes sqrt(fan_out / 2) * sigma_w = "
                      f"{backward_factor(16, np.sqrt(2 / 16)):.2f} for a 16 -> 16 layer.")
    factor = backward_factor(16, 1e-3 if answer.lower() == "seed" else np.sqrt(2 / 32))
    return False, f"{answer!r} gives a factor of {factor:.3g}, not 1."


@exercise("03.2")
def _check_03_2(answer):
    value = _number(answer)
    if value is None or value != int(value) or not 1 <= value <= 8:
        return False, "Give a depth from 1 to 8."
    learns = [train_net(depth=d, optimizer="adam").learned() for d in range(1, 9)]
    truth = max(d for d, ok in zip(range(1, 9), learns) if ok)
    if int(value) == truth:
        return True, (f"Yes: depth {truth}. One layer deeper, the bottom layers' gradients fall below "
                      "Adam's epsilon and freeze, while full-size bias steps kill the layers above.")
    if learns[int(value) - 1]:
        return False, f"Depth {int(value)} learns, but a deeper one does too."
    return False, f"Depth {int(value)} is stuck with Adam: look at its mean error."


def _slider_values(low_exponent, high_exponent):
    return 10.0 ** np.arange(low_exponent, high_exponent + 0.01, 0.25)


def _learns(**settings):
    from .explorer import ExplorerState, run
    return run(ExplorerState(**settings)).verdict.startswith("learns")


@exercise("05.1")
def _check_05_1(answer):
    sigmas = _slider_values(-4, 1)
    return _check_pick(answer, sigmas, [_learns(depth=4, init="normal", sigma=s) for s in sigmas], "sigma")


@exercise("05.2")
def _check_05_2(answer):
    rates = _slider_values(-4, 0)
    learns = [_learns(depth=8, init="he", lr=lr) for lr in rates]
    return _check_pick(answer, rates, learns, "learning rate", smallest=False)
