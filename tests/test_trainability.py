"""trainability_map() trains the same nets as train_net, checks its settings, and draws its map."""
import matplotlib
import numpy as np
import pytest

import helpers
from helpers import diagnosis, theory
from helpers import trainability as tm

matplotlib.use("Agg")

DEPTHS, SIGMAS, SEEDS = (1, 2, 3), (1e-3, 0.1, 0.35, 1.0), (0, 1)


@pytest.fixture(scope="module")
def small_map():
    return helpers.trainability_map(DEPTHS, SIGMAS, SEEDS)


def test_every_cell_agrees_with_train_net(small_map):
    # Same initial weights, inputs, clip and update: the same outcome everywhere. Where the clip acts on most steps
    # (sigma = 1 at depth >= 3) a run is chaotic: the map's program sums in another order than train_net's, a
    # last-bit difference grows, and the mean errors part (both stay stuck), so numbers are compared below 1.
    assert small_map.outcome.shape == small_map.mean_error.shape == (3, 4, 2)
    for i, depth in enumerate(DEPTHS):
        for j, sigma in enumerate(SIGMAS):
            for k, seed in enumerate(SEEDS):
                try:
                    run = helpers.train_net(depth=depth, init="normal", sigma=sigma, seed=seed)
                except helpers.TrainingDiverged as err:
                    run = err.result
                where = (depth, sigma, seed)
                assert small_map.outcome[i, j, k] == diagnosis.outcome(run.losses, run.mean_error()), where
                if sigma < 1:
                    assert small_map.mean_error[i, j, k] == pytest.approx(run.mean_error(), rel=1e-3, abs=1e-4), where
                    assert small_map.final_loss[i, j, k] == pytest.approx(run.losses[-1000:].mean(), rel=1e-3,
                                                                          abs=1e-6), where


REMEDIES = [dict(activation="leaky_relu"), dict(activation="tanh"), dict(residual=True), dict(norm="layer"),
            dict(optimizer="adam")]


def named(options):
    return ",".join(f"{key}={value}" for key, value in options.items())


@pytest.mark.parametrize("options", REMEDIES, ids=named)
def test_every_remedy_cell_agrees_with_train_net_given_the_same_remedy(options):
    # 3,000 steps: with Adam, a net that has learned takes normalised steps on tiny gradients, and the last-bit
    # differences of the two programs' sums grow; by 10,000 steps the mean errors of Adam cells of depth >= 2 part
    # by up to 7x (the outcomes still agree). The other remedies agree to 1e-4 at 10,000 steps for sigma < 1.
    depths, sigmas, seeds, steps = (1, 3), (1e-3, 0.1, 0.35), (0, 1), 3000
    tmap = helpers.trainability_map(depths, sigmas, seeds, steps=steps, **options)
    for i, depth in enumerate(depths):
        for j, sigma in enumerate(sigmas):
            for k, seed in enumerate(seeds):
                run = helpers.train_net(depth=depth, init="normal", sigma=sigma, seed=seed, steps=steps, **options)
                where = (depth, sigma, seed)
                assert tmap.outcome[i, j, k] == diagnosis.outcome(run.losses, run.mean_error()), where
                assert tmap.mean_error[i, j, k] == pytest.approx(run.mean_error(), rel=1e-3, abs=1e-4), where
                assert tmap.final_loss[i, j, k] == pytest.approx(run.losses[-300:].mean(), rel=1e-3, abs=1e-6), where
                if depth == 3 and sigma >= 0.1:     # and train_net did use the remedy: the plain net runs otherwise
                    plain = helpers.train_net(depth=depth, init="normal", sigma=sigma, seed=seed, steps=steps)
                    assert np.abs(run.losses - plain.losses).max() > 0.01, where


def test_one_program_trains_every_depth_of_a_map():
    # The 16 -> 16 layers are a loop whose count is a run-time tensor: a map of depths 1-3 compiles one program
    # (a program per depth kept 10-20 MB each in the kernel), and the zero layers past a net's own depth are
    # never read (the cells' numbers are checked against train_net above).
    tm.compiled_map_trainer.cache_clear()
    helpers.trainability_map((1, 2, 3), (0.1,), (0,), steps=10)
    assert tm.compiled_map_trainer.cache_info().currsize == 1
    first, hidden, out = tm.stacked_params(2, 0.3, 0, slots=4)
    assert first.shape == (2, 16) and out.shape == (17, 1)
    assert hidden.shape == (4, 17, 16) and hidden[0].any() and not hidden[1:].any()


def test_outcomes_are_the_course_words_and_the_seed_cells_are_right(small_map):
    assert set(np.unique(small_map.outcome)) <= set(diagnosis.OUTCOMES)
    assert list(small_map.outcome[0, 0]) == ["learns", "learns"]      # the seed's depth-1 net learns
    assert list(small_map.outcome[1, 0]) == ["stuck", "stuck"]        # and its depth-2 net does not
    assert sum(small_map.counts().values()) == small_map.outcome.size
    assert small_map.learned_fraction().shape == (3, 4)


def test_plot_returns_a_figure_with_title_and_labels(small_map):
    fig = small_map.plot()
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Glorot" in t for t in labels) and any("He" in t for t in labels)
    assert any("clip" in t for t in labels)
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("options", [dict(activation="tanh"), dict(activation="leaky_relu"), dict(residual=True),
                                     dict(norm="layer"), dict(optimizer="adam")])
def test_every_remedy_runs_and_gives_outcomes(options):
    result = helpers.trainability_map((1, 3), (1e-3, 0.3), seeds=(0,), steps=300, **options)
    assert result.outcome.shape == (2, 2, 1)
    assert set(np.unique(result.outcome)) <= set(diagnosis.OUTCOMES)
    assert result.config[next(iter(options))] == next(iter(options.values()))


def test_layer_norm_works_with_one_sample_and_rescues_a_tiny_init():
    # With one sample per step a layer norm still has 16 units to normalise over.
    result = helpers.trainability_map((3,), (1e-3,), seeds=(0, 1), norm="layer")
    assert np.isfinite(result.mean_error).all()


@pytest.mark.parametrize("bad, match", [
    (dict(depths=[0]), "depth must be a whole number"),
    (dict(depths=[]), "depths must be a non-empty list"),
    (dict(depths=[2, 2]), "must not repeat"),
    (dict(sigmas=[-1.0]), "sigma"),
    (dict(seeds=[1.5]), "seed must be a whole number"),
    (dict(optimizer="rmsprop"), "valid choices: 'sgd', 'adam'"),
    (dict(activation="gelu"), "valid choices: 'relu', 'leaky_relu', 'tanh'"),
    (dict(norm="batch"), "valid choices: None, 'layer'"),
    (dict(residual="yes"), "residual must be True or False"),
    (dict(residual=1), "residual must be True or False, got 1"),
    (dict(steps=0), "steps must be a whole number"),
    (dict(lr=float("nan")), "lr"),
    (dict(sigmas=tuple(np.logspace(-3, 0, 400)), seeds=tuple(range(20)), steps=100_000), "GB"),
])
def test_bad_settings_are_refused_with_the_valid_choices(bad, match):
    settings = dict(depths=(1,), sigmas=(0.1,), seeds=(0,), steps=100) | bad
    with pytest.raises(ValueError, match=match):
        helpers.trainability_map(**settings)


@pytest.mark.parametrize("depth, sigma", [(1, 1e-3), (2, 1e-3), (3, 0.1), (5, 0.01)])
def test_the_first_layer_prediction_is_notebook_02s_rule(depth, sigma):
    # theory.predict_grad_std uses the sampled weights' std and the initial net's actual error; the closed form
    # uses sigma itself, so they agree to within the sampling of the weights (the output layer has only 16).
    # (Near He's sigma and above, single draws scatter by factors of several: the notebook shows that.)
    sampled = np.mean([theory.predict_grad_std(depth, "normal", sigma, seed)[0] for seed in range(3)])
    assert 0.5 < tm.predicted_first_grad(depth, sigma) / sampled < 2.0


def test_theory_lines_bracket_he():
    vanish, explode = tm.theory_lines(range(2, 10))
    assert np.all(vanish < tm.HE_SIGMA) and np.all(explode > tm.HE_SIGMA)
    assert np.all(np.diff(vanish) > 0)            # the band narrows with depth
