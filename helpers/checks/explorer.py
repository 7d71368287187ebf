"""Checkers for notebook 04 · explorer."""
import functools

import numpy as np

from ..exercises import call, exercise, grade_number

KINDS = ("learns", "exploded", "dead", "frozen", "plateau")
# One run of each kind, as the explorer's state strings (seed 0; tests/test_explorer.py checks the kinds).
RUNS = {
    "depth=1&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0": "learns",
    "depth=2&init=glorot&opt=sgd&lr=0.001&steps=10000&seed=0": "learns",       # converged
    "depth=8&init=he&opt=sgd&lr=1&steps=10000&seed=0": "exploded",
    "depth=3&init=seed&opt=adam&lr=0.001&steps=10000&seed=0": "dead",
    "depth=3&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0": "frozen",
    "depth=2&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0": "plateau",
}
HINTS = {
    "learns": "a run that learned: check result.learned() first.",
    "exploded": "its loss rose far above 1/3 (the loss of answering 0) and ended above 1/3: look at result.losses.",
    "dead": "one hidden layer has no unit on for any probe input at the last recording (result.activations).",
    "frozen": "one hidden layer's update : data ratio (result.update_ratio, one column per layer) is below 1e-7 "
              "over the second half of the run.",
    "plateau": "nothing is dead or frozen and it did not learn or explode.",
}
SLIDER_LRS = 10.0 ** np.arange(-4, 0.01, 0.25)


def kind_of(result):
    """The diagnosis' kind in the five words of exercise 04.1 (helpers.diagnosis is the authority)."""
    from ..diagnosis import diagnose
    d = diagnose(result)
    if d.outcome in ("learns", "exploded", "diverged"):
        return d.outcome
    if d.kind == "stuck":
        return "dead" if "dead" in d.text else "frozen"
    return "plateau"


@functools.cache
def _run(state):
    from ..explorer import ExplorerState, run
    return run(ExplorerState.from_string(state)).result


@exercise("04.1")
def _check_04_1(answer):
    for state, expected in RUNS.items():
        result = _run(state)        # (tests/test_explorer.py checks that helpers.diagnosis agrees with RUNS)
        got = call(answer, result, what="classify(result)")
        if not isinstance(got, str) or got not in KINDS:
            return False, (f"classify(result) must return one of {', '.join(map(repr, KINDS))}; for {state} "
                           f"it returned {got!r}.")
        if got != expected:
            return False, (f"For {state} your function says {got!r}, but the run is {expected!r}: "
                           f"{HINTS[expected]} Check the rules in the order the docstring gives them.")
    return True, ("Right on all six runs: your rules give the same words as helpers.diagnosis, which the "
                  "panel's verdict uses.")


@functools.cache
def _largest_lr_that_learns(depth, init):
    from ..explorer import ExplorerState, run
    learns = [lr for lr in SLIDER_LRS if (r := run(ExplorerState(depth=depth, init=init, lr=float(lr))).result)
              is not None and r.learned()]
    return max(learns) if learns else None


@exercise("04.2")
def _check_04_2(answer):
    truth = _largest_lr_that_learns(8, "he")
    return grade_number(answer, truth, what="a learning rate from the slider", choices=SLIDER_LRS, rtol=0.8,
                        explain=f"the sweep finds {truth:.2g}; your prediction is within one slider step of it.",
                        hint="A prediction within one slider step (a factor of 1.8) counts. Think of what the "
                             "lr = 1 snapshot showed, and what a step must not do to the deepest layers' units.")


@exercise("04.3")
def _check_04_3(answer):
    for depth, init in ((8, "he"), (4, "glorot")):
        truth = _largest_lr_that_learns(depth, init)
        got = call(answer, depth, init, what="largest_lr_that_learns(depth, init)")
        try:
            value = float(got)
        except (TypeError, ValueError):
            return False, f"largest_lr_that_learns({depth}, {init!r}) must return a number; it returned {got!r}."
        if not np.isclose(value, truth, rtol=1e-3):
            low = "smaller" if value < truth else "larger"
            return False, (f"largest_lr_that_learns({depth}, {init!r}) returned {value:.3g}, {low} than the "
                           "largest slider value that learns. Try every value of SLIDER_LRS with "
                           "helpers.explorer.run and keep the largest whose result learned().")
    return True, ("Right: a sweep over the slider's values finds the edge where the net stops learning, "
                  "which no single run can show.")


def _classify(result):
    if result.learned():
        return "learns"
    losses = np.asarray(result.losses, dtype=np.float64)
    means = losses[:len(losses) // 100 * 100].reshape(-1, 100).mean(axis=1)
    if means.max() > 100 / 3 and losses[-len(losses) // 10:].mean() > 1 / 3:
        return "exploded"
    if any(np.all(acts[-1] <= 0) for acts in result.activations):
        return "dead"
    recent = result.update_ratio[len(result.update_ratio) // 2:]
    if np.median(recent, axis=0)[:-1].min() < 1e-7:
        return "frozen"
    return "plateau"


def _sweep(depth, init):
    from ..explorer import ExplorerState, run
    best = None
    for lr in SLIDER_LRS:
        result = run(ExplorerState(depth=depth, init=init, lr=float(lr))).result
        if result is not None and result.learned():
            best = lr
    return best


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"04.1": (_classify, [lambda r: "plateau", lambda r: "learns" if r.learned() else "dead"]),
            "04.2": (0.0562, [1.0, 0.001]),
            "04.3": (_sweep, [lambda d, i: min(SLIDER_LRS), lambda d, i: 1.0])}
