"""Checkers for the exercises of notebooks 01-03. Each recomputes the truth with train_net."""
import numpy as np

from .exercises import exercise
from .plots import running_mean
from .theory import backward_factor, measure_grad_std
from .training import train_net

GRID = np.linspace(-1.0, 1.0, 101, dtype=np.float32)


def mean_error(result):
    """Mean |estimate - x| on 101 evenly spaced x in [-1, 1]."""
    return float(np.mean(np.abs(result.predict(GRID) - GRID)))


def _number(answer):
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


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
    truth = next(lr for lr in rates if mean_error(train_net(depth=1, lr=lr)) < 0.05)
    value = _number(answer)
    if value is None:
        return False, "Give one of the learning rates, e.g. 3e-3."
    if np.isclose(value, truth):
        return True, f"Yes: {truth:g} is the smallest that learns within 10,000 steps."
    if value > truth:
        return False, f"{value:g} learns, but a smaller one in the list does too."
    return False, f"{value:g} does not learn within 10,000 steps: look at its mean error."


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
    truth = next(s for s in sigmas if mean_error(train_net(depth=2, init="normal", sigma=s)) < 0.05)
    value = _number(answer)
    if value is None or not any(np.isclose(value, s) for s in sigmas):
        return False, f"Give one of {sigmas}."
    if np.isclose(value, truth):
        return True, f"Yes: sigma = {truth:g} is the smallest in the list that learns."
    if value > truth:
        return False, f"sigma = {value:g} learns, but a smaller sigma in the list does too."
    return False, f"sigma = {value:g} is still stuck: its gradients vanish like the seed's."


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
    learns = [mean_error(train_net(depth=d, optimizer="adam")) < 0.05 for d in range(1, 9)]
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


def _check_slider_value(answer, values, truth, what):
    value = _number(answer)
    if value is None or not np.any(np.isclose(values, value, rtol=0.05)):
        return False, f"Give one of the slider's {what} values, e.g. {values[4]:.2g}."
    if np.isclose(value, truth, rtol=0.05):
        return True, None
    return False, f"Not {value:.2g}: try its neighbours on the slider and watch the verdict."


@exercise("05.1")
def _check_05_1(answer):
    sigmas = _slider_values(-4, 1)
    truth = next(s for s in sigmas if _learns(depth=4, init="normal", sigma=s))
    ok, message = _check_slider_value(answer, sigmas, truth, "sigma")
    return ok, message or f"Yes: sigma = {truth:.2g} is the smallest that learns at depth 4."


@exercise("05.2")
def _check_05_2(answer):
    rates = _slider_values(-4, 0)
    truth = max(lr for lr in rates if _learns(depth=8, init="he", lr=lr))
    ok, message = _check_slider_value(answer, rates, truth, "learning-rate")
    return ok, message or f"Yes: {truth:.2g} is the largest learning rate that still learns at depth 8."
