"""Checkers for notebook 02 · vanishing gradients."""
import dataclasses
import functools

import numpy as np

from ..diagnosis import FROZEN_RATIO, diagnose
from ..exercises import call, exercise
from ..training import train_net

# ------------------------------------------------------------------------------------------------
# 02.1 · the chain-rule product


def chain_rule_scales(depth, sigma=1e-3, width=16, *, with_bias=True, halve=True, output_fan_out=1):
    """The rule of notebook 02, section 4 (keywords: the known mistakes): each kernel's gradient scale at init."""
    half = 0.5 if halve else 1.0
    a_sq = [1.0 / 3.0]                                      # E[x^2] into hidden 1
    for layer in range(1, depth + 1):
        fan_in = 1 if layer == 1 else width
        a_sq.append((fan_in * sigma ** 2 * a_sq[-1] + (sigma ** 2 if with_bias else 0.0)) * half)
    delta_sq = [16.0 / 3.0]                                 # at the output: delta = -4x
    for layer in range(depth, 0, -1):
        fan_out = output_fan_out if layer == depth else width
        delta_sq.insert(0, fan_out * sigma ** 2 * delta_sq[0] * half)
    return [float(np.sqrt(a * d)) for a, d in zip(a_sq, delta_sq)]


_MISTAKES = (
    (dict(with_bias=False), "Your forward sizes leave out the bias: z = W a + b, and with a tiny W·a the bias's "
                            "sigma^2 is most of E[z^2]."),
    (dict(halve=False), "A ReLU passes only the positive half: halve the mean square at every ReLU, forward and "
                        "backward."),
    (dict(output_fan_out=16), "Going down from the output layer, the sum has one term: the output layer has a "
                              "single unit (fan_out = 1)."),
)


@exercise("02.1")
def _check_02_1(predicted_grad_scales):
    for depth, sigma in ((1, 1e-3), (2, 1e-3), (3, 1e-3), (5, 0.1), (2, 1.0)):
        truth = chain_rule_scales(depth, sigma)
        got = call(predicted_grad_scales, depth, sigma, what="predicted_grad_scales")
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return False, f"Return a list of numbers, one per weight layer; got {got!r:.60}."
        where = f" (depth {depth}, sigma {sigma:g})"
        if got.shape != (depth + 1,):
            return False, (f"Return one number per weight layer, hidden 1 .. hidden {depth} and the output: "
                           f"{depth + 1} numbers{where}; got shape {got.shape}.")
        if np.allclose(got, truth, rtol=1e-3):
            continue
        if np.allclose(got[::-1], truth, rtol=1e-3):
            return False, "Your numbers are in reverse order: hidden 1 first, the output layer last."
        for kwargs, why in _MISTAKES:
            if np.allclose(got, chain_rule_scales(depth, sigma, **kwargs), rtol=1e-3):
                return False, why + where
        wrong = int(np.argmax(~np.isclose(got, truth, rtol=1e-3)))
        return False, (f"Layer {wrong + 1}'s number is off{where}. Multiply the root of the mean square of the "
                       "activation coming in by the root of the mean square of the delta arriving.")
    return True, ("Right: the chain rule's product, layer by layer. The next cells compare it with measured "
                  "gradients.")


def _scales_solution(depth, sigma=1e-3, width=16):
    return chain_rule_scales(depth, sigma, width)


def _scales_without_bias(depth, sigma=1e-3, width=16):
    return chain_rule_scales(depth, sigma, width, with_bias=False)


def _scales_reversed(depth, sigma=1e-3, width=16):
    return chain_rule_scales(depth, sigma, width)[::-1]


# ------------------------------------------------------------------------------------------------
# 02.2 · "learns", "on a plateau" or "stuck": the course's words, from a run's recordings


@functools.lru_cache(maxsize=1)
def _runs():
    """Runs that end each way: a learning one, plateaus (depth 2 and a frozen-free case) and stuck ones."""
    runs = [train_net(depth=1), train_net(depth=2), train_net(depth=2, seed=3), train_net(depth=3),
            train_net(depth=3, seed=4), train_net(depth=2, init="glorot")]
    runs += [_edited(runs[1], edit) for edit in ("spikes", "late", "output")]
    return [(r, {"converged": "learns", "plateau": "on a plateau"}.get(diagnose(r).kind, diagnose(r).kind))
            for r in runs]


_EDITS = {"spikes": "hidden 1's ratio set to 1e-9 in the second half, with 1e-3 at every tenth recording",
          "late": "hidden 1's ratio set to 1e-3 for the first 60 % of recordings, then 1e-9",
          "output": "only the output layer's ratio set to 1e-9"}


def _edited(result, edit):
    """A copy of a run with its update : data ratios edited: cases that separate the rule's details."""
    ratio = np.array(result.update_ratio)
    half, cut = len(ratio) // 2, int(len(ratio) * 0.6)
    if edit == "spikes":
        ratio[half:, 0] = 1e-9
        ratio[half::10, 0] = 1e-3
    elif edit == "late":
        ratio[:cut, 0], ratio[cut:, 0] = 1e-3, 1e-9
    else:
        ratio[:, -1] = 1e-9
    config = dict(result.config, edited=_EDITS[edit])
    return dataclasses.replace(result, update_ratio=ratio.astype(np.float32), config=config)


def _describe(result):
    c = result.config
    edited = f", with {c['edited']}" if "edited" in c else ""
    return f"depth {c['depth']}, {c['init']} init, seed {c['seed']}, {c['steps']:,} steps{edited}"


@exercise("02.2")
def _check_02_2(word):
    for result, truth in _runs():
        if truth not in ("learns", "on a plateau", "stuck"):
            continue
        got = call(word, result, what="verdict_word")
        if got == truth:
            continue
        if not isinstance(got, str):
            return False, f"Return one of the words 'learns', 'on a plateau', 'stuck'; got {got!r:.40}."
        ratios = np.median(result.update_ratio[len(result.update_ratio) // 2:, :-1], axis=0)
        return False, (f"For the run {_describe(result)} the course says {truth!r}, you say {got!r}. Its mean error "
                       f"is {result.mean_error():.3f}; its hidden layers' median update : data ratios over the second "
                       f"half of the run are {', '.join(f'{r:.0e}' for r in ratios)} (frozen below "
                       f"{FROZEN_RATIO:.0e}).")
    return True, "Right: your words agree with helpers.diagnosis on every run the checker tried."


def _word_solution(result):
    if result.mean_error() < 0.05:
        return "learns"
    recent = result.update_ratio[len(result.update_ratio) // 2:, :-1]
    return "stuck" if np.median(recent, axis=0).min() < FROZEN_RATIO else "on a plateau"


def _word_by_loss_only(result):
    return "learns" if result.mean_error() < 0.05 else "stuck"


def _word_healthy_1e3(result):
    if result.mean_error() < 0.05:
        return "learns"
    recent = result.update_ratio[len(result.update_ratio) // 2:, :-1]
    return "stuck" if np.median(recent, axis=0).min() < 1e-4 else "on a plateau"


def _word_variant(rule):
    """_word_solution with one known mistake (for EXAMPLES)."""
    def word(result):
        if result.mean_error() < 0.05:
            return "learns"
        ratio = result.update_ratio
        speed = {"mean": np.mean(ratio[len(ratio) // 2:, :-1], axis=0),
                 "whole run": np.median(ratio[:, :-1], axis=0),
                 "with output": np.median(ratio[len(ratio) // 2:], axis=0)}[rule]
        return "stuck" if speed.min() < FROZEN_RATIO else "on a plateau"
    return word


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {"02.1": (_scales_solution, [_scales_without_bias, _scales_reversed]),
            "02.2": (_word_solution, [_word_by_loss_only, _word_healthy_1e3, _word_variant("mean"),
                                      _word_variant("whole run"), _word_variant("with output")])}
