"""Checkers for notebooks 06-07 · steering a gradient step."""
import numpy as np

from ..exercises import StudentCodeError, call, exercise, grade_number


@exercise("06.1")
def _check_06_1(answer):
    return grade_number(
        answer, 31, what="the smallest n, a whole number",
        hint=("Count the parameters output 1 depends on in the 3 -> 6 -> 2 net (W1, b1, and output 1's "
              "column of W2 and entry of b2): J has one row per sample, so its rank grows up to that count."),
        explain=("output 1 depends on W1 (18), b1 (6), W2[:, 0] (6) and b2[0] (1) = 31 parameters. "
                 "From n = 31 samples J has rank 31, its null space is just output 2's own head "
                 "(W2[:, 1], b2[1]), and projection = head-only training."),
        mistakes=[(38, "38 is every parameter, but W2[:, 1] and b2[1] never touch output 1: their columns "
                       "of J are zero, so they always stay in the null space."),
                  (7, "7 is the size of output 2's head, what is LEFT at the limit."),
                  (21, "21 is the answer for 4 hidden units; this net has 6.")])


@exercise("06.2")
def _check_06_2(answer):
    return grade_number(
        answer, 1.25, what="the largest lambda", atol=0.015,
        hint=("Along b2[0] alone the penalty is lam * n * (b2[0] - target)^2 on a batch of n = 8, and "
              "gradient descent on a*(b - c)^2 with step lr is stable only if lr * 2a < 2."),
        explain=("1 / (lr * n) = 1 / (0.1 * 8) = 1.25. b2[0] moves output 1 on every sample alike, so its "
                 "column of J is all ones and sigma_max^2 >= n whatever the hidden layer does; above 1.25 "
                 "the b2[0] error is multiplied by |1 - 2 lr lam n| > 1 every step. That is why lam = 3 "
                 "blows up (factor 3.8)."),
        mistakes=[(0.66, "0.66 is the limit at the start, from sigma_max^2 of the starting J. The run at "
                         "lam = 1 shows the hidden layer can shrink that; find what it cannot shrink."),
                  (0.625, "Close, but check the factor 2: the curvature of a*(b - c)^2 is 2a.")])


@exercise("06.3")
def _check_06_3(answer):
    hint = ("Write a function gn_correction(J, r) returning delta (length n_params) with "
            "J @ delta = -r and delta a combination of the rows of J (the least-norm solution).")
    rng = np.random.default_rng(4)
    J, r = rng.normal(size=(4, 10)), rng.normal(size=4)
    try:
        delta = np.asarray(call(answer, J, r, what="gn_correction(J, r)"), dtype=float).reshape(-1)
    except (TypeError, ValueError) as err:
        raise StudentCodeError(f"gn_correction(J, r) must return a vector of numbers ({err}). {hint}") from None
    if delta.shape != (10,):
        return False, f"Expected a vector of length 10 for J of shape (4, 10); got shape {delta.shape}. " + hint
    if not np.allclose(J @ delta, -r, atol=1e-8):
        return False, "J @ delta is not -r, so the held outputs would not return. " + hint
    if not np.allclose(delta, -J.T @ np.linalg.solve(J @ J.T, r), atol=1e-8):
        return False, ("J @ delta = -r holds, but delta is not the smallest such change: it also "
                       "moves along J's null space, spending step on nothing. " + hint)
    return True, ("Right: delta = -J^T (J J^T)^-1 r cancels the drift to first order and is the "
                  "smallest change that does, so it disturbs output 2's progress as little as possible.")


def _least_norm(J, r):
    return -J.T @ np.linalg.solve(J @ J.T, r)


def _not_least_norm(J, r):
    return _least_norm(J, r) + np.linalg.svd(J)[2][-1]        # plus a direction J cannot see


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"06.1": (31, [38, 7, 21, "31"]), "06.2": (1.25, [0.66, 0.625, 3.0]),
            "06.3": (_least_norm, [_not_least_norm, lambda J, r: np.zeros(10), lambda J, r: 1 / 0])}
