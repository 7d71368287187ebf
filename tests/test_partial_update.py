"""Notebooks 06-07: each way of training output 2 does to output 1 what the notebook says it does."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import helpers
from helpers import partial_update as pu
from helpers.projection import gauss_newton_correction, held_jacobian, project_out

RUN_KEYS = ("loss2", "drift_train", "drift_heldout", "mean_drift_train", "mean_drift_heldout")


@pytest.fixture(scope="module")
def table():
    return helpers.partial_update_table(n_samples=8, steps=200, lr=0.1, seed=0, net="small")


def _same_run(a, b):
    for key in RUN_KEYS:
        np.testing.assert_allclose(a["history"][key], b["history"][key], rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- the table
def test_table_has_every_method_with_its_numbers(table):
    assert list(table) == list(pu.METHODS)
    for method in pu.METHODS:
        assert all(np.isfinite(table[method][key]) for key in RUN_KEYS), method
        assert table[method]["diverged_at"] is None, method


def test_head_only_and_masked_loss_with_var_list_hold_output_1_exactly(table):
    for method in ("head_only", "masked_loss_head"):
        assert table[method]["drift_train"] <= 1e-6
        assert table[method]["drift_heldout"] <= 1e-6
    _same_run(table["head_only"], table["masked_loss_head"])
    assert table["head_only"]["loss2"] < 0.5 * table["naive"]["history"]["loss2"][0]  # it does learn


def test_masking_the_loss_alone_drifts_exactly_like_naive(table):
    _same_run(table["naive"], table["masked_loss"])
    assert table["naive"]["drift_train"] > 1e-3
    assert table["naive"]["drift_heldout"] > 1e-3


def test_null_space_holds_output_1_a_hundred_times_better_and_still_learns(table):
    naive, projected = table["naive"], table["null_space"]
    assert projected["drift_train"] <= naive["drift_train"] / 100
    assert abs(projected["loss2"] - naive["loss2"]) <= 0.2 * naive["loss2"]
    # and the hidden layer learned something the head alone could not
    assert projected["loss2"] < table["head_only"]["loss2"]


def test_a_stable_penalty_drifts_less_than_naive_but_far_more_than_projection(table):
    assert table["null_space"]["drift_train"] < table["penalty"]["drift_train"] < table["naive"]["drift_train"]


def test_gauss_newton_and_anchors_improve_on_plain_projection(table):
    assert table["null_space_gn"]["drift_train"] < table["null_space"]["drift_train"] / 100
    assert table["null_space_anchored"]["drift_heldout"] < table["null_space"]["drift_heldout"] / 3


def test_too_large_a_penalty_is_reported_as_diverged_not_returned_as_nan():
    history = pu.run_method("penalty", lam=3.0, steps=50)
    assert history["diverged_at"] is not None and history["diverged_at"] < 50
    assert len(history["loss2"]) == history["diverged_at"] + 1
    assert all(np.all(np.isfinite(history[key])) for key in RUN_KEYS)
    assert pu.run_method("penalty", lam=0.5, steps=50)["diverged_at"] is None


def test_same_seed_same_numbers_other_seed_other_numbers():
    runs = [pu.partial_update_table(steps=20, seed=seed, methods=("naive", "null_space"))
            for seed in (0, 0, 1)]
    for method in ("naive", "null_space"):
        for key in RUN_KEYS:
            assert runs[0][method][key] == runs[1][method][key]
        assert runs[0][method]["loss2"] != runs[2][method]["loss2"]


def test_relu_net_projection_holds_the_batch_better_than_held_out_inputs():
    table = pu.partial_update_table(net="relu", steps=100, methods=("naive", "null_space"))
    assert table["null_space"]["drift_train"] < table["naive"]["drift_train"] / 10
    assert table["null_space"]["drift_heldout"] > 2 * table["null_space"]["drift_train"]


# ----------------------------------------------------------------------------- the claims
def test_the_questions_own_step_is_the_gradient_of_the_loss_on_output_2():
    x, y, _, _ = pu.make_data()
    model = pu.make_net()
    with tf.GradientTape(persistent=True) as tape:
        out = model(x)
        loss = pu.loss_out2(out, y)
    G = tape.gradient(loss, out)
    assert np.all(G.numpy()[:, 0] == 0)
    via_outputs = tape.gradient(out, model.trainable_variables, output_gradients=G)
    direct = tape.gradient(loss, model.trainable_variables)
    for a, b in zip(via_outputs, direct):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_projected_drift_shrinks_with_the_square_of_the_learning_rate():
    lrs = np.logspace(-3, -1, 5)
    assert 1.9 < pu.drift_vs_lr(lrs, net="small")["slope"] < 2.1
    # control: a ridge so large that nothing is removed is a plain step, first order in lr
    assert 0.9 < pu.drift_vs_lr(lrs, net="small", eps=1e6)["slope"] < 1.1


def test_projection_leaves_only_output_2s_head_once_n_reaches_21():
    result = pu.rank_vs_n([8, 20, 21, 40])
    assert result["n_params"] == 26 and result["depends"] == 21
    assert list(result["rank"]) == [8, 20, 21, 21]
    assert result["outside_head"][0] > 1e-2 and result["outside_head"][1] > 1e-3
    assert result["outside_head"][-1] < 1e-8


def test_project_out_removes_exactly_the_row_space():
    rng = np.random.default_rng(0)
    J = tf.constant(rng.normal(size=(3, 7)))
    g = tf.constant(rng.normal(size=7))
    projected = project_out(g, J).numpy()
    np.testing.assert_allclose(J.numpy() @ projected, 0, atol=1e-12)
    formula = g.numpy() - J.numpy().T @ np.linalg.solve(J.numpy() @ J.numpy().T, J.numpy() @ g.numpy())
    np.testing.assert_allclose(projected, formula, atol=1e-12)
    np.testing.assert_allclose(project_out(g, J, eps=1e12).numpy(), g.numpy(), atol=1e-9)
    twice = tf.concat([J, J], axis=0)            # dependent rows: still finite with eps = 0
    np.testing.assert_allclose(project_out(g, twice).numpy(), projected, atol=1e-10)


def test_gauss_newton_correction_is_the_least_norm_fix():
    rng = np.random.default_rng(1)
    J, r = rng.normal(size=(3, 7)), rng.normal(size=3)
    delta = gauss_newton_correction(tf.constant(J), tf.constant(r)).numpy()
    np.testing.assert_allclose(J @ delta, -r, atol=1e-12)
    np.testing.assert_allclose(delta, J.T @ np.linalg.lstsq(J.T, delta, rcond=None)[0], atol=1e-12)


def _float32_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(6, activation="tanh"),
                             keras.layers.Dense(3)])


def test_projected_step_works_on_any_keras_model_and_several_held_outputs():
    model = _float32_model()
    x = tf.constant(np.random.default_rng(0).random((4, 3)), tf.float32)
    before = model(x).numpy()
    loss = pu.projected_step(model, model.trainable_variables, x,
                             lambda out: tf.reduce_mean(tf.square(out[:, 1] - 1.0)), hold=(0, 2), lr=1e-2)
    change = np.abs(model(x).numpy() - before)
    assert float(loss) > 0
    assert change[:, 1].max() > 1e-3
    assert change[:, [0, 2]].max() < 1e-2 * change[:, 1].max()    # second order only
    J = held_jacobian(model, model.trainable_variables, x, hold=(0, 2))
    assert J.shape == (8, sum(int(np.prod(v.shape)) for v in model.trainable_variables))


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, message", [
    (dict(hold=(2,)), r"hold must list distinct output indices from 0 to 1"),
    (dict(hold=(-1,)), r"from 0 to 1"),
    (dict(hold=(0, 0)), r"distinct"),
    (dict(hold=()), r"hold must list"),
    (dict(eps=-1e-3), r"eps must be a finite number >= 0"),
    (dict(eps=float("nan")), r"eps must be"),
    (dict(lr=0.0), r"lr must be a finite number > 0"),
    (dict(x=np.zeros((8, 4))), r"x has 4 features per sample but the model takes 3"),
    (dict(x=np.zeros(3)), r"x must be 2-D"),
    (dict(anchors=np.zeros((5, 2))), r"anchors must be 2-D with 3 features"),
    (dict(loss_fn=lambda out: out[:, 1]), r"loss_fn must return a scalar"),
    (dict(variables=[]), r"variables must be a non-empty list"),
])
def test_projected_step_rejects_bad_input_clearly(kwargs, message):
    x, y, _, _ = pu.make_data()
    model = pu.make_net()
    args = dict(model=model, variables=model.trainable_variables, x=x,
                loss_fn=lambda out: pu.loss_out2(out, y)) | kwargs
    with pytest.raises(ValueError, match=message):
        pu.projected_step(**args)


@pytest.mark.parametrize("kwargs, message", [
    (dict(net="big"), r"net must be one of 'small', 'small6', 'relu'"),
    (dict(n_samples=0), r"n_samples must be a whole number >= 1"),
    (dict(steps=0), r"steps must be a whole number >= 1"),
    (dict(lr=-0.1), r"lr must be a finite number > 0"),
    (dict(seed=1.5), r"seed must be a whole number"),
])
def test_partial_update_table_rejects_bad_input_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.partial_update_table(**kwargs)


def test_other_entry_points_reject_bad_input_clearly():
    with pytest.raises(ValueError, match="method must be one of naive, masked_loss"):
        pu.run_method("magic")
    with pytest.raises(ValueError, match="lam must be a finite number >= 0"):
        pu.run_method("penalty", lam=-1.0)
    with pytest.raises(ValueError, match="same shape"):
        pu.masked_loss(tf.zeros((8, 2)), tf.zeros((8, 2)), tf.zeros((8, 1)))
    with pytest.raises(ValueError, match="lrs must be at least two learning rates > 0"):
        pu.drift_vs_lr([0.1])
    with pytest.raises(ValueError, match="ns must be a list of whole numbers >= 1"):
        pu.rank_vs_n([0, 8])


def test_one_projected_step_moves_output_1_far_less_than_a_plain_step_on_the_sigmoid_net():
    for seed in range(3):
        step = pu.one_step_drift("small", seed=seed)
        assert step["plain"] > 30 * step["projected"], step
        assert step["out2_projected"] > 0.99 * step["out2_plain"] and step["switched"] == 0


def test_a_too_large_penalty_survives_by_saturating_the_sigmoid_units_down_to_the_bias_columns_floor():
    settles = pu.penalty_mechanism(1.0, seeds=range(2))
    assert np.all(settles["diverged_at"] < 0)
    # the all-ones column of b2[0] keeps sigma_max >= sqrt(n); stable needs sigma_max^2 < 1 / (lr lam) = 10
    assert np.all(settles["sigma_end"] >= np.sqrt(8) - 1e-9) and np.all(settles["sigma_end"] < np.sqrt(10))
    assert np.all(settles["slope_start"] > 0.24) and np.all(settles["slope_end"] < 0.1)
    assert np.all(pu.penalty_mechanism(3.0, seeds=range(2))["diverged_at"] >= 0)


def test_with_6_hidden_units_projection_is_head_only_from_31_samples():
    capacity = pu.rank_vs_n([30, 31], net="small6")
    assert capacity["depends"] == 31 and capacity["rank"].tolist() == [30, 31]
    assert capacity["outside_head"][1] < 1e-8 < capacity["outside_head"][0]
