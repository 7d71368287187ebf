"""The diagnosis of a run: the course's outcome words, each from a run that really ends that way."""
import numpy as np
import pytest

import helpers
from helpers import diagnosis
from helpers.diagnosis import FROZEN_RATIO, diagnose, outcome


@pytest.mark.parametrize("settings, kind, words", [
    (dict(depth=1), "learns", "still falling"),
    (dict(depth=2, init="glorot"), "converged", "stopped falling"),
    (dict(depth=2), "plateau", "every layer moves"),                     # the seed's deeper net: ~450k-step plateau
    (dict(depth=1, lr=3e-4), "plateau", "larger learning rate"),
    (dict(depth=3), "stuck", "below float32's resolution"),              # the bottom layers' updates round away
    (dict(depth=3, optimizer="adam"), "stuck", "hidden 3 is dead"),
    (dict(depth=8, init="he", lr=1.0), "exploded", "clip kept it finite"),
    (dict(depth=4, init="normal", sigma=3.16), "exploded", "initial scale"),
    (dict(depth=4, init="normal", sigma=1.0), "learning slowly", "still falling"),
])
def test_each_kind_of_run_gets_its_verdict(settings, kind, words):
    found = diagnose(helpers.train_net(**settings))
    assert found.kind == kind and words in found.text, found


def test_frozen_is_below_float32s_resolution_and_the_plateau_above_it():
    stuck, plateau = helpers.train_net(depth=3), helpers.train_net(depth=2)
    half = len(stuck.update_ratio) // 2
    assert np.median(stuck.update_ratio[half:, 0]) < FROZEN_RATIO < np.median(plateau.update_ratio[half:, 0])
    # what "round away" means: an update of that relative size leaves a float32 weight exactly unchanged
    w = np.float32(1e-3)
    assert w + np.float32(FROZEN_RATIO / 3) * w == w and w + np.float32(FROZEN_RATIO * 10) * w != w


def test_a_diverged_run_says_where():
    with pytest.raises(helpers.TrainingDiverged) as info:
        helpers.train_net(depth=2, init="he", lr=1.0, clip=float("inf"), steps=200)
    found = diagnose(info.value.result)
    assert found.kind == "diverged" and f"at step {info.value.step:,}" in found.text


def test_outcome_is_the_coarse_word_for_many_runs_at_once():
    steps = 1000
    losses = np.full((5, steps), 0.3)
    losses[1, 100:300] = 1e6                                       # exploded, and still bad at the end
    losses[1, -100:] = 20.0
    losses[2, 7] = np.nan                                          # diverged
    losses[3, :200] = 1e4                                          # started huge, then fine: not exploded
    losses[3, 200:] = 1e-3
    losses[4, 500] = 1e19                                          # one huge step, later tiny ones
    losses[4, -100:] = 1e-4
    errors = np.array([0.5, 0.5, 0.5, 0.2, 0.01])
    assert outcome(losses, errors).tolist() == ["stuck", "exploded", "diverged", "stuck", "learns"]
    assert outcome(losses[0], 0.5).shape == ()
    assert set(outcome(losses, errors).tolist()) <= set(diagnosis.OUTCOMES)


def test_diagnose_agrees_with_outcome():
    for settings in (dict(depth=1), dict(depth=2), dict(depth=8, init="he", lr=1.0)):
        r = helpers.train_net(**settings)
        assert diagnose(r).outcome == str(outcome(r.losses, r.mean_error()))
