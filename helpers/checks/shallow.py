"""Checkers for notebook 01 · shallow net."""
import functools

import numpy as np
import tensorflow as tf

from ..exercises import as_number, call, exercise, grade_number
from ..plateau import escape_step
from ..training import initial_params, train_net

# ------------------------------------------------------------------------------------------------
# 01.1 · one training step with GradientTape and clipping


def _reference_step(params, x, lr, clip, *, clipped=True, sign=1.0):
    """The true step (or a known mistake: no clip, a step uphill) on numpy copies; returns (loss, new params)."""
    W1, b1, W2, b2 = [tf.Variable(p) for p in params]
    with tf.GradientTape() as tape:
        estimate = 2.0 * (tf.nn.relu(x @ W1 + b1) @ W2 + b2)
        loss = tf.reduce_mean(tf.square(x - estimate))
    grads = tape.gradient(loss, [W1, b1, W2, b2])
    new = [p.numpy() - sign * lr * (np.clip(g.numpy(), -clip, clip) if clipped else g.numpy())
           for p, g in zip([W1, b1, W2, b2], grads)]
    return float(loss), new


# Two cases: the seed's tiny weights (the clip never acts) and large weights where it does.
_CASES = (("the seed's initial weights, x = 0.5", dict(depth=1), 0.5),
          ("weights N(0, 1.5), x = 0.9 (some gradients exceed 4.5)", dict(depth=1, init="normal", sigma=1.5, seed=3),
           0.9))


def _close(a, b):
    return all(np.allclose(p, q, rtol=1e-4, atol=1e-7) for p, q in zip(a, b))


@exercise("01.1")
def _check_01_1(train_step):
    lr, clip = 1e-3, 4.5
    for what, init, x_value in _CASES:
        params = [p for layer in initial_params(**init) for p in layer]
        x = tf.constant([[x_value]], tf.float32)
        variables = [tf.Variable(p) for p in params]
        loss = call(train_step, variables, x, lr, clip, what="train_step")
        after = [v.numpy() for v in variables]
        true_loss, truth = _reference_step(params, x, lr, clip)
        where = f" (with {what})"
        if _close(after, params):
            return False, "The variables did not change" + where + ". Update them in place with `assign_sub`."
        if _close(after, _reference_step(params, x, lr, clip, sign=-1.0)[1]):
            return False, "Your step goes uphill" + where + ": subtract lr times the gradient."
        if not _close(after, truth):
            if _close(after, _reference_step(params, x, lr, clip, clipped=False)[1]):
                return False, ("Your update is right without clipping, but not" + where + ": clip every gradient "
                               "entry to [-clip, clip] before the update.")
            return False, ("Your updated weights differ from one SGD step" + where + ". Check the forward pass "
                           "(estimate = 2 * output), the loss, and that you update W1, b1, W2 and b2.")
        try:
            value = as_number(np.asarray(loss).item())
        except (TypeError, ValueError, AttributeError):
            value = None
        if value is None or not np.isclose(value, true_loss, rtol=1e-4, atol=1e-9):
            return False, ("The update is right, but return the loss of this step (before the update), "
                           f"a number; got {loss!r:.60}" + where + ".")
    return True, ("Right: one SGD step with clipping. train_net repeats exactly this, inside one compiled graph.")


def _step_solution(params, x, lr=1e-3, clip=4.5):
    W1, b1, W2, b2 = params
    with tf.GradientTape() as tape:
        estimate = 2.0 * (tf.nn.relu(x @ W1 + b1) @ W2 + b2)
        loss = tf.reduce_mean(tf.square(x - estimate))
    for p, g in zip(params, tape.gradient(loss, params)):
        p.assign_sub(lr * tf.clip_by_value(g, -clip, clip))
    return loss


def _step_unclipped(params, x, lr=1e-3, clip=4.5):
    return _step_solution(params, x, lr, float("inf"))


def _step_uphill(params, x, lr=1e-3, clip=4.5):
    return _step_solution(params, x, -lr, clip)


# ------------------------------------------------------------------------------------------------
# 01.2 · where the plateau ends


def _plateau_cases():
    shallow = train_net(depth=1).losses
    synthetic = np.concatenate([np.full(1000, 0.3), np.full(1000, 0.01)]).astype(np.float32)
    synthetic[100] = 0.0          # one lucky step on the plateau (x near 0): not the end of it
    return (("notebook 01's run, window 200", shallow, 200), ("notebook 01's run, window 1000", shallow, 1000),
            ("a made-up loss curve, window 200", synthetic, 200),
            ("the depth-2 run, which never leaves its plateau", train_net(depth=2).losses, 200))


@functools.cache
def _plateau_truths():
    return [(what, losses, window, escape_step(losses, window)) for what, losses, window in _plateau_cases()]


@exercise("01.2")
def _check_01_2(plateau_end):
    for what, losses, window, truth in _plateau_truths():
        got = call(plateau_end, losses.copy(), window, 0.1, what="plateau_end")
        if truth is None:
            if got is not None:
                return False, f"For {what} no window's mean falls below 0.1, so return None; you returned {got!r:.40}."
            continue
        value = as_number(got)
        if value is None:
            return False, f"Return a step number (or None when no window qualifies); for {what} you returned {got!r:.40}."
        if value == truth // window and truth != 0:
            return False, f"For {what} you returned the window's number; return the step it starts at."
        ok, message = grade_number(value, truth, what="a step number", explain="",
                                   hint=f"(for {what}) Average each window of `window` steps first: a single "
                                        "step's loss is noisy, and windows start at steps 0, window, 2 window, ...")
        if not ok:
            return False, message
    return True, ("Right: the plateau ends where a whole window's mean loss falls below 0.1. helpers.plateau."
                  "escape_step is the same function; the next sections use it.")


def _plateau_solution(losses, window=200, level=0.1):
    losses = np.asarray(losses, dtype=np.float64)
    means = losses[:len(losses) // window * window].reshape(-1, window).mean(axis=1)
    below = np.flatnonzero(means < level)
    return int(below[0]) * window if below.size else None


def _plateau_single_step(losses, window=200, level=0.1):
    below = np.flatnonzero(np.asarray(losses) < level)
    return int(below[0]) if below.size else None


def _plateau_window_number(losses, window=200, level=0.1):
    step = _plateau_solution(losses, window, level)
    return None if step is None else step // window


# ------------------------------------------------------------------------------------------------
# 01.3 · predict the plateau at lr = 3e-4

PLATEAU_SEEDS = range(10)


@functools.lru_cache(maxsize=8)
def plateau_ends(lr, steps=60_000):
    """Where the plateau ends (window 200) for depth 1 at `lr`, one entry per seed in PLATEAU_SEEDS."""
    return [escape_step(train_net(depth=1, lr=lr, steps=steps, seed=s).losses, 200) for s in PLATEAU_SEEDS]


@exercise("01.3")
def _check_01_3(answer):
    ends = plateau_ends(3e-4)
    truth = float(np.median([e for e in ends if e is not None]))
    return grade_number(answer, truth, what="a number of steps", rtol=0.25,
                        explain=f"the plateau ends at about step {truth:,.0f} at lr = 3e-4 (median of "
                                f"{len(ends)} seeds): the plateau's length goes like 1/lr.",
                        mistakes=[(5600 * 0.3, "That is shorter than at lr = 1e-3: does a smaller step make the "
                                               "plateau shorter or longer?")],
                        hint="Think of the plateau as a distance the weights must travel at lr × gradient per step.")


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"01.1": (_step_solution, [_step_unclipped, _step_uphill]),
            "01.2": (_plateau_solution, [_plateau_single_step, _plateau_window_number]),
            "01.3": (18_700, [1_700, 5_600, 60_000])}
