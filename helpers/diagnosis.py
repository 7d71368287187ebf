"""The diagnosis of a training run in one line of plain words: the explorer's verdict.

Kept apart from the widget panel so that exercise checkers and tests can use it without ipywidgets.
"""
import numpy as np

from .training import GRID, LEARNED_ERROR

OUTCOMES = ("learns", "stuck", "exploded", "diverged")
EXPLODED_FACTOR = 100.0   # the loss's running mean rose this many times above its start: exploded
WINDOW = 100              # steps in the running mean that outcome() compares


def outcome(losses, mean_error):
    """The outcome of runs, in the words the course uses everywhere: OUTCOMES.

    losses      (..., steps) the loss of every step of each run
    mean_error  (...) each run's mean |estimate - x| after training
    Returns a numpy array of strings of shape (...):
      "diverged"  a loss was not finite (NaN or infinite)
      "learns"    mean_error < LEARNED_ERROR
      "exploded"  the loss's running mean (WINDOW steps) rose above EXPLODED_FACTOR times its first value,
                  even if it stayed finite (the gradient clip can keep it so), and the net did not learn
      "stuck"     anything else: the net did not learn (frozen, dead, or a plateau that outlasted the run)
    """
    losses = np.asarray(losses, dtype=np.float64)
    mean_error = np.asarray(mean_error, dtype=np.float64)
    finite = np.all(np.isfinite(losses), axis=-1)
    window = min(WINDOW, losses.shape[-1])
    safe = np.where(np.isfinite(losses), losses, 0.0)
    csum = np.cumsum(safe, axis=-1)
    running = (csum[..., window - 1:] - np.concatenate(
        [np.zeros(csum.shape[:-1] + (1,)), csum[..., :-window]], axis=-1)) / window
    exploded = np.max(running, axis=-1) > EXPLODED_FACTOR * np.maximum(running[..., 0], 1e-12)
    result = np.full(mean_error.shape, "stuck", dtype=object)
    result[exploded] = "exploded"
    result[mean_error < LEARNED_ERROR] = "learns"
    result[~finite] = "diverged"
    return result.astype(str)


def verdict(result):
    """One line, in plain words: does the net learn, and if not, which layer is to blame.

    A layer's speed is its median update : data ratio, |lr * update| / |weights| per step;
    about 1e-3 is healthy, below 1e-5 the layer is effectively frozen.
    """
    error = result.mean_error()
    names = result.layer_names
    speed = np.median(result.update_ratio, axis=0)
    slowest = int(np.argmin(speed[:-1])) if len(speed) > 1 else 0
    live = [float(np.mean(a[-1] > 0)) for a in result.activations]
    dead = [i for i, share in enumerate(live) if share == 0.0]
    steps = result.config["steps"]
    if result.learned():
        return (f"learns: mean |estimate − x| = {error:.3f}; the slowest layer, {names[slowest]}, "
                f"changes by {speed[slowest]:.0e} of its size per step.")
    if dead:
        return (f"stuck: {names[dead[-1]]} is dead (no unit is on for any input), so no gradient "
                "passes below it.")
    if speed[slowest] < 1e-5:
        return (f"stuck: {names[slowest]} changes by only {speed[slowest]:.0e} of its size per step "
                "(healthy is about 1e-3): vanishing gradients.")
    if np.ptp(result.predict(GRID)) < 0.1:
        return (f"on a plateau: after {steps:,} steps the estimate still ignores x, though every layer "
                f"moves (slowest: {speed[slowest]:.0e} per step). Try more steps or a larger learning rate.")
    return (f"learning slowly: mean |estimate − x| = {error:.2f} after {steps:,} steps; the slowest layer, "
            f"{names[slowest]}, changes by {speed[slowest]:.0e} of its size per step.")
