"""What happened in a training run, in the words the course uses everywhere.

    outcome(losses, mean_error)  learns / stuck / exploded / diverged, for many runs at once (arrays)
    diagnose(result)             the finer diagnosis of one run: kind and a one-line verdict
    verdict(result)              just the line (the explorer shows it)

The kinds, from one run's recordings:
    diverged       the loss became NaN or infinite
    exploded       the loss rose to more than 100x the loss of answering 0 (E[x^2] = 1/3), even if the
                   gradient clip kept it finite, and was still worse than answering 0 at the end
    learns         mean |estimate - x| < 0.05 and the loss is still falling
    converged      mean |estimate - x| < 0.05 and the loss has stopped falling
    stuck          not learned, and a hidden layer is dead (no unit on for any input) or frozen
    on a plateau   not learned, nothing frozen or dead, and the estimate still ignores x
    learning slowly  not learned, the estimate depends on x: under way but not there yet

*Frozen* is the rule the notebooks teach: a layer whose median update : data ratio |lr * update| / |weights|
is below FROZEN_RATIO = 1e-7 per step. float32 keeps about 7 digits (2^-24 = 6e-8 of a number), so updates
smaller than that mostly round away and the weights stop changing at all. Above it, the size of the ratio says
little on its own: every learning SGD run of the course moves its layers by 1e-6 to 4e-5 per step. What the
loss does decides between learning and a plateau.

Kept apart from the widget panel so that exercise checkers, the trainability map and tests can use it.
"""
import dataclasses

import numpy as np

from .training import GRID, LEARNED_ERROR

OUTCOMES = ("learns", "stuck", "exploded", "diverged")
FROZEN_RATIO = 1e-7       # update : data per step below this: the updates round away in float32
BASELINE_LOSS = 1.0 / 3.0  # the loss of always answering 0: E[x^2] for x ~ U(-1, 1)
EXPLODED_FACTOR = 100.0   # the loss's running mean rose above this many times BASELINE_LOSS: exploded
WINDOW = 100              # steps in the running means that outcome() compares
FALLING = 0.8             # the last tenth's mean loss below this times the tenth before: still falling


def _window_means(losses, window):
    """Means of consecutive, non-overlapping windows along the last axis (exact: no cumulative sums)."""
    steps = losses.shape[-1] // window * window
    return losses[..., :steps].reshape(losses.shape[:-1] + (-1, window)).mean(axis=-1)


def outcome(losses, mean_error):
    """The outcome of one run or many: an array of strings from OUTCOMES, shaped like `mean_error`.

    losses      (..., steps) the loss of every step of each run
    mean_error  (...) each run's mean |estimate - x| after training
    "diverged" a loss was not finite; "learns" mean_error < 0.05; "exploded" the loss's running mean
    (WINDOW steps) rose above EXPLODED_FACTOR x BASELINE_LOSS and the last tenth of the run was still worse
    than answering 0; "stuck" anything else that did not learn (frozen, dead, or a plateau that
    outlasted the run).
    """
    losses = np.asarray(losses, dtype=np.float64)
    mean_error = np.asarray(mean_error, dtype=np.float64)
    finite = np.all(np.isfinite(losses), axis=-1)
    safe = np.where(np.isfinite(losses), losses, 0.0)
    window = max(1, min(WINDOW, safe.shape[-1]))
    peak = _window_means(safe, window).max(axis=-1)
    tail = safe[..., -max(1, safe.shape[-1] // 10):].mean(axis=-1)
    exploded = (peak > EXPLODED_FACTOR * BASELINE_LOSS) & (tail > BASELINE_LOSS)
    result = np.full(mean_error.shape, "stuck", dtype=object)
    result[exploded] = "exploded"
    result[mean_error < LEARNED_ERROR] = "learns"
    result[~finite] = "diverged"
    return result.astype(str)


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    kind: str          # one of the kinds in the module docstring
    outcome: str       # the coarse outcome (OUTCOMES) it belongs to
    text: str          # the verdict line


def _still_falling(losses):
    tenth = max(1, len(losses) // 10)
    if len(losses) < 2 * tenth:
        return False
    return losses[-tenth:].mean() < FALLING * losses[-2 * tenth:-tenth].mean()


def diagnose(result):
    """The diagnosis of one run (a TrainResult, also one that diverged: TrainingDiverged.result)."""
    losses = np.asarray(result.losses, dtype=np.float64)
    if result.diverged_at is not None:
        return Diagnosis("diverged", "diverged",
                         f"diverged: the loss became {losses[result.diverged_at]} at step {result.diverged_at:,}. "
                         "Lower the learning rate.")
    names = result.layer_names
    error = result.mean_error()
    coarse = str(outcome(losses, error))
    # The current state of each layer: the second half of the run's recordings.
    recent = result.update_ratio[len(result.update_ratio) // 2:]
    speed = np.median(recent, axis=0)
    hidden = speed[:-1] if len(speed) > 1 else speed
    slowest = int(np.argmin(hidden))
    live = [float(np.mean(a[-1] > 0)) for a in result.activations]
    dead = [i for i, share in enumerate(live) if share == 0.0]
    steps = result.config["steps"]
    falling = _still_falling(losses)

    if coarse == "learns":
        if falling:
            return Diagnosis("learns", coarse, f"learns: mean |estimate − x| = {error:.3f}, and the loss is still "
                                               "falling.")
        return Diagnosis("converged", coarse, f"converged: mean |estimate − x| = {error:.3f}; the loss has stopped "
                                              "falling.")
    if coarse == "exploded":
        peak = _window_means(losses, min(WINDOW, len(losses))).max()
        after = f" Then {names[dead[-1]]} died (no unit is on for any input)." if dead else ""
        return Diagnosis("exploded", coarse,
                         f"exploded: the loss reached {peak:.1e} (answering 0 scores {BASELINE_LOSS:.2f}); the "
                         f"gradient clip kept it finite.{after} Lower the learning rate or the initial scale.")
    if dead:
        return Diagnosis("stuck", coarse, f"stuck: {names[dead[-1]]} is dead (no unit is on for any input), so no "
                                          "gradient passes below it.")
    if hidden[slowest] < FROZEN_RATIO:
        return Diagnosis("stuck", coarse,
                         f"stuck: {names[slowest]} changes by only {hidden[slowest]:.0e} of its size per step, "
                         f"below float32's resolution (frozen below {FROZEN_RATIO:.0e}): most of its updates round "
                         "away, and at this pace it would need over 10 million steps to change by its own size. "
                         "Vanishing gradients.")
    if np.ptp(result.predict(GRID)) < 0.1:
        return Diagnosis("plateau", coarse,
                         f"on a plateau: after {steps:,} steps the estimate still ignores x, but every layer moves "
                         f"(slowest: {names[slowest]}, {hidden[slowest]:.0e} of its size per step, so about "
                         f"{_steps_to_double(hidden[slowest])} steps to change by its own size). More steps or a "
                         "larger learning rate may end it.")
    trend = "still falling" if falling else "not falling any more"
    return Diagnosis("learning slowly", coarse,
                     f"learning slowly: mean |estimate − x| = {error:.3g} after {steps:,} steps; the loss is {trend}.")


def _steps_to_double(ratio):
    """1/ratio, rounded for a sentence: '1.7 million', '40,000'."""
    steps = 1.0 / ratio
    return f"{steps / 1e6:.2g} million" if steps >= 1e6 else f"{float(f'{steps:.2g}'):,.0f}"


def verdict(result):
    """The one-line verdict on a run, in plain words (what the explorer shows)."""
    return diagnose(result).text
