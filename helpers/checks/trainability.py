"""Checkers for notebook 05 · trainability map."""
import numpy as np

from ..exercises import StudentCodeError, call, exercise
from ..trainability import predicted_first_grad

# (depth, sigma) pairs where the weights are small enough that the net's output is about 0 at the start, so the
# tiny-weight rule of exercise 05.1 and the full prediction (helpers.trainability.predicted_first_grad) agree.
_SMALL = [(1, 1e-3), (2, 1e-3), (3, 1e-3), (2, 0.01), (5, 0.01), (8, 0.02), (16, 0.01)]


def _number(value, what, hint):
    try:
        value = float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise StudentCodeError(f"{what} must return one number, got {value!r}. {hint}") from None
    return value


@exercise("05.1")
def _check_05_1(answer):
    hint = ("Multiply the output's signal by one factor per hidden layer it passes on the way down, then by the "
            "input's scale; check which fan_out each layer's factor uses.")
    for depth, sigma in _SMALL:
        got = _number(call(answer, depth, sigma, what="first_grad(depth, sigma)"), "first_grad(depth, sigma)", hint)
        truth = float(predicted_first_grad(depth, sigma))
        if not np.isfinite(got) or got <= 0:
            return False, f"first_grad({depth}, {sigma:g}) gave {got!r}: a std is a number > 0. {hint}"
        ratio = got / truth
        if abs(ratio - 1) > 0.02:
            if abs(ratio - 4) < 0.05 or abs(ratio - 0.25) < 0.01:
                why = "off by a factor 4: the top hidden layer's fan_out is 1 (the output), not 16."
            elif abs(ratio * np.sqrt(8) * sigma - 1) < 0.02 or abs(ratio / (np.sqrt(8) * sigma) - 1) < 0.02:
                why = "off by one layer's factor sqrt(8) * sigma: count the layers the signal passes."
            else:
                why = f"{got:.3g} where the rule gives {truth:.3g}."
            return False, f"first_grad({depth}, {sigma:g}): {why} {hint}"
    return True, ("Right: the first layer's gradient is the output's signal times one factor per hidden layer, "
                  "so it falls (or grows) exponentially with depth: at depth 16 and sigma 0.01 it is "
                  f"{predicted_first_grad(16, 0.01):.0e}.")


def _oracle_band_edges(fraction, sigmas, at_least=0.5):
    fraction, sigmas = np.asarray(fraction, float), np.asarray(sigmas, float)
    edges = np.full((len(fraction), 2), np.nan)
    for i, row in enumerate(fraction):
        good = sigmas[row >= at_least]
        if good.size:
            edges[i] = good.min(), good.max()
    return edges


@exercise("05.2")
def _check_05_2(answer):
    hint = ("For each row (a depth), keep the sigmas whose fraction is at least `at_least` and return the smallest "
            "and the largest of them; a row with none gives [nan, nan]. The result has shape (rows, 2).")
    rng = np.random.default_rng(5)
    sigmas = np.logspace(-3, 0.5, 8)
    fraction = rng.choice([0.0, 1 / 3, 0.5, 2 / 3, 1.0], size=(6, 8))
    fraction[2] = 0.0                                              # a depth where nothing learned
    for at_least in (0.5, 1.0):
        truth = _oracle_band_edges(fraction, sigmas, at_least)
        got = call(answer, fraction.copy(), sigmas.copy(), at_least, what="band_edges(fraction, sigmas, at_least)")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise StudentCodeError(f"band_edges must return an array of numbers, got {got!r}. {hint}") from None
        if got.shape != truth.shape:
            return False, f"Expected shape {truth.shape} for 6 depths, got {got.shape}. {hint}"
        if np.allclose(got, truth, equal_nan=True, rtol=1e-9):
            continue
        if np.allclose(got, _oracle_band_edges(fraction, sigmas, at_least + 1e-9), equal_nan=True):
            return False, f"A cell whose fraction equals at_least={at_least:g} counts (at least, >=). {hint}"
        if not np.isnan(got[2]).all():
            return False, f"Row 2 has no sigma that learned, so its edges are [nan, nan], got {got[2]}. {hint}"
        if np.nanmax(got) >= 1 and np.nanmax(got) == int(np.nanmax(got)) and np.nanmax(got) <= len(sigmas):
            return False, f"Return the sigmas themselves, not their positions in the list. {hint}"
        return False, f"For at_least={at_least:g} the edges differ, e.g. row 0: {got[0]} instead of {truth[0]}. {hint}"
    return True, ("Right: the band at each depth runs from its smallest to its largest sigma that learned in enough "
                  "seeds.")


def _first_grad(depth, sigma):
    return 4 * np.sqrt(1 / 3) * np.sqrt(1 / 2) * sigma * (np.sqrt(16 / 2) * sigma) ** (depth - 1) * np.sqrt(1 / 3)


def _band_edges(fraction, sigmas, at_least=0.5):
    sigmas = np.asarray(sigmas)
    edges = np.full((len(fraction), 2), np.nan)
    for i, row in enumerate(np.asarray(fraction)):
        good = sigmas[row >= at_least]
        if good.size:
            edges[i] = good.min(), good.max()
    return edges


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {
    "05.1": (_first_grad, [lambda depth, sigma: _first_grad(depth, sigma) * 4,                  # fan_out 16 on top
                           lambda depth, sigma: _first_grad(depth, sigma) * np.sqrt(8) * sigma,  # one layer too many
                           lambda depth, sigma: sigma ** depth, lambda depth, sigma: "small"]),
    "05.2": (_band_edges, [lambda f, s, a=0.5: _band_edges(np.asarray(f) - 1e-9, s, a),        # > instead of >=
                           lambda f, s, a=0.5: np.zeros((len(f), 2)),
                           lambda f, s, a=0.5: [[0, len(s) - 1]] * len(f)]),
}
