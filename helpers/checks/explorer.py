"""Checkers for notebook 04 · explorer."""
import dataclasses
import functools

import numpy as np

from ..diagnosis import FROZEN_RATIO

from ..exercises import as_number, call, exercise, grade_number

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


PLATEAU = "depth=2&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0"


def _edited(what, **change):
    """The plateau run with some recordings edited: cases that separate the rules' details (no training)."""
    r = _run(PLATEAU)
    losses, ratio = np.array(r.losses), np.array(r.update_ratio)
    n, half = len(losses), len(ratio) // 2
    if "spike" in change:                       # a 100-step spike far above 1/3, then back below it
        losses[4000:4100] = 1e3
        losses[-n // 10:] = 0.3
    if "one_step" in change:                    # a single step at 100; its 100-step mean is only about 1.3
        losses[5050] = 100.0
        losses[-n // 10:] = 0.5
    if "frozen_late" in change:                 # hidden 1 moves fast in the first 60 %, then 1e-9 per step
        ratio[:int(len(ratio) * 0.6), 0] = 1e-3
        ratio[int(len(ratio) * 0.6):, 0] = 1e-9
    if "spikes" in change:                      # hidden 1 at 1e-9 with a few fast recordings in the second half
        ratio[half:, 0] = 1e-9
        ratio[half::10, 0] = 1e-3
    if "output_slow" in change:                 # only the output layer below 1e-7
        ratio[:, -1] = 1e-9
    if "last_slow" in change:                   # hidden 1 below 1e-7 at the last recording only
        ratio[-1, 0] = 1e-9
    return what, dataclasses.replace(r, losses=losses.astype(np.float32), update_ratio=ratio.astype(np.float32))


@functools.cache
def _edited_runs():
    return [_edited("the plateau run with a 100-step spike to 1e3 whose last tenth is back below 1/3", spike=1),
            _edited("the plateau run with one step of loss 100 (its 100-step mean is 1.3) and a last tenth at 0.5",
                    one_step=1),
            _edited("the plateau run with hidden 1's ratio at 1e-3 for the first 60 % of recordings, then 1e-9",
                    frozen_late=1),
            _edited("the plateau run with hidden 1's ratio at 1e-9 in the second half but 1e-3 at every tenth "
                    "recording", spikes=1),
            _edited("the plateau run with only the output layer's ratio at 1e-9", output_slow=1),
            _edited("the plateau run with hidden 1's ratio at 1e-9 at the last recording only", last_slow=1)]


def _cases():
    # (tests/test_explorer.py checks that helpers.diagnosis agrees with RUNS)
    yield from ((state, _run(state), expected) for state, expected in RUNS.items())
    yield from ((what, result, kind_of(result)) for what, result in _edited_runs())


@exercise("04.1")
def _check_04_1(answer):
    for state, result, expected in _cases():
        got = call(answer, result, what="classify(result)")
        if not isinstance(got, str) or got not in KINDS:
            return False, (f"classify(result) must return one of {', '.join(map(repr, KINDS))}; for {state} "
                           f"it returned {got!r}.")
        if got != expected:
            return False, (f"For {state} your function says {got!r}, but the run is {expected!r}: "
                           f"{HINTS[expected]} Check the rules in the order the docstring gives them.")
    return True, ("Right on all six runs and six edited copies of the plateau run: your rules give the same words as helpers.diagnosis, which the "
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
    # One of the slider's values (to 5 %), and within one slider step (a factor of 10^0.25) of the truth.
    value = as_number(answer)
    if (value is not None and value > 0 and any(abs(value - c) <= 0.05 * c for c in SLIDER_LRS)
            and abs(np.log10(value / truth)) <= 0.25 * 1.01):
        answer = truth
    return grade_number(answer, truth, what="a learning rate from the slider", choices=SLIDER_LRS, rtol=0.05,
                        explain="your prediction is within one slider step of what the sweep of 04.3 finds.",
                        hint="A prediction within one slider step (a factor of 1.8) counts. Think of what the "
                             "lr = 1 snapshot showed, and what a step must not do to the deepest layers' units.")


DIVERGE_FROM = 0.3     # the checker's third sweep: runs at this lr and above diverge (as without the clip)


@exercise("04.3")
def _check_04_3(answer):
    from .. import explorer
    for depth, init, diverge in ((8, "he", False), (4, "glorot", False), (8, "he", True)):
        truth = _largest_lr_that_learns(depth, init)
        what = f"largest_lr_that_learns({depth}, {init!r})"
        if diverge:
            what += (f" in a sweep where every run at lr >= {DIVERGE_FROM} diverges (helpers.explorer.run returns "
                     "a view whose result is None)")
            real = explorer.run

            def run(state):
                view = real(state)
                if state.lr < DIVERGE_FROM:
                    return view
                return dataclasses.replace(view, result=None, verdict="diverged: the loss became nan.")
            explorer.run = run
        try:
            got = call(answer, depth, init, what=what)
        finally:
            if diverge:
                explorer.run = real
        try:
            value = float(got)
        except (TypeError, ValueError):
            why = (" None means no slider value learned, but several do: keep going past a value that fails "
                   "(the smallest learning rates can fail too, in 10,000 steps) and keep the largest that learns."
                   if got is None else "")
            return False, f"{what} must return a number; it returned {got!r}.{why}"
        if not np.isclose(value, truth, rtol=1e-3):
            low = "smaller" if value < truth else "larger"
            return False, (f"{what} returned {value:.3g}, {low} than the largest slider value that learns. Try "
                           "every value of SLIDER_LRS with helpers.explorer.run and keep the largest whose result "
                           "learned().")
    return True, ("Right: a sweep over the slider's values finds the edge where the net stops learning, "
                  "which no single run can show.")


def _classify_variant(*, tail=True, single_step=False, frozen="median-second-half"):
    """_classify with one known mistake (for EXAMPLES)."""
    def classify(result):
        if result.learned():
            return "learns"
        losses = np.asarray(result.losses, dtype=np.float64)
        means = losses[:len(losses) // 100 * 100].reshape(-1, 100).mean(axis=1)
        peak = losses.max() if single_step else means.max()
        if peak > 100 / 3 and (not tail or losses[-len(losses) // 10:].mean() > 1 / 3):
            return "exploded"
        if any(np.all(acts[-1] <= 0) for acts in result.activations):
            return "dead"
        ratio = result.update_ratio
        speed = {"median-second-half": np.median(ratio[len(ratio) // 2:], axis=0)[:-1],
                 "mean-all": ratio.mean(axis=0)[:-1],
                 "median-all-with-output": np.median(ratio, axis=0),
                 "last": ratio[-1][:-1]}[frozen]
        return "frozen" if speed.min() < FROZEN_RATIO else "plateau"
    return classify


# The reference solution of 04.1: the rule as the notebook states it, with none of the mistakes.
_classify = _classify_variant()


def _sweep(depth, init):
    """The reference solution of 04.3."""
    from ..explorer import ExplorerState, run
    best = None
    for lr in SLIDER_LRS:
        result = run(ExplorerState(depth=depth, init=init, lr=float(lr))).result
        if result is not None and result.learned():
            best = lr
    return best


def _sweep_without_guard(depth, init):
    from .. import explorer
    best = None
    for lr in SLIDER_LRS:
        if explorer.run(explorer.ExplorerState(depth=depth, init=init, lr=float(lr))).result.learned():
            best = lr
    return best


def _sweep_stopping_at_first_failure(depth, init):
    from .. import explorer
    best = None
    for lr in SLIDER_LRS:
        result = explorer.run(explorer.ExplorerState(depth=depth, init=init, lr=float(lr))).result
        if result is None or not result.learned():
            break
        best = lr
    return best


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"04.1": (_classify, [lambda r: "plateau", lambda r: "learns" if r.learned() else "dead",
                                 _classify_variant(tail=False), _classify_variant(single_step=True),
                                 _classify_variant(frozen="mean-all"),
                                 _classify_variant(frozen="median-all-with-output"),
                                 _classify_variant(frozen="last")]),
            "04.2": (0.0562, [1.0, 0.001, 0.0178, 0.012]),
            "04.3": (_sweep, [lambda d, i: min(SLIDER_LRS), lambda d, i: 1.0, _sweep_without_guard,
                              _sweep_stopping_at_first_failure])}
