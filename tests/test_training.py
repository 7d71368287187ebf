"""Behaviour of helpers.train_net: who learns, who is stuck, and why."""
import math

import numpy as np
import tensorflow as tf
import pytest

import helpers
from helpers import legacy, training

GRID = np.linspace(-1.0, 1.0, 101, dtype=np.float32)


@pytest.fixture(scope="module")
def shallow():
    return helpers.train_net(depth=1)


@pytest.fixture(scope="module")
def deep():
    return helpers.train_net(depth=2)


def test_shallow_seed_net_learns_the_identity(shallow):
    assert np.mean(np.abs(shallow.predict(GRID) - GRID)) < 0.05
    assert shallow.losses[-500:].mean() < 0.01 * shallow.losses[:500].mean()


def test_deeper_seed_net_is_stuck_at_a_constant(deep):
    estimate = deep.predict(GRID)
    assert np.ptp(estimate) < 1e-4                       # the same output for every x
    assert np.mean(np.abs(estimate - GRID)) > 0.45       # so about |x| wrong on average
    # and it stayed that way for the whole run, not just at the end
    assert np.ptp(deep.probe_estimates, axis=1).max() < 1e-4


def test_deeper_glorot_net_learns():
    result = helpers.train_net(depth=2, init="glorot")
    assert np.mean(np.abs(result.predict(GRID) - GRID)) < 0.05


def test_bias_is_not_the_fix_the_weight_scale_is():
    tiny_weights_bias_01 = helpers.train_net(depth=2, init="seed", bias=0.1)
    assert np.all(tiny_weights_bias_01.activations[0][0] > 0)            # every unit on ...
    assert np.ptp(tiny_weights_bias_01.predict(GRID)) < 1e-3              # ... and still stuck
    glorot_bias_0 = helpers.train_net(depth=2, init="glorot", bias=0.0)
    np.testing.assert_array_equal(glorot_bias_0.biases[0][0], np.zeros(16))
    assert np.mean(np.abs(glorot_bias_0.predict(GRID) - GRID)) < 0.05


def test_first_layer_gradients_are_over_100x_smaller_in_the_deeper_net(shallow, deep):
    ratio = np.std(shallow.grads[0]) / np.std(deep.grads[0])
    assert ratio >= 100, ratio


def test_chain_rule_prediction_matches_measured_gradients_at_init():
    for depth in (1, 2, 3):
        measured = helpers.measure_grad_std(depth, "seed")
        predicted = helpers.predict_grad_std(depth, "seed")
        assert np.all(np.abs(np.log10(np.divide(measured, predicted))) < 0.3), (measured, predicted)


def test_seed_net_gradients_never_reach_the_clip(deep):
    assert deep.max_abs_grad.max() < 4.5
    unclipped = helpers.train_net(depth=2, clip=float("inf"))
    np.testing.assert_array_equal(unclipped.losses, deep.losses)


def test_same_seed_same_run_other_seed_other_run(deep):
    again = helpers.train_net(depth=2)
    np.testing.assert_array_equal(again.losses, deep.losses)
    for a, b in zip(again.grads, deep.grads):
        np.testing.assert_array_equal(a, b)
    other = helpers.train_net(depth=2, seed=1)
    assert not np.array_equal(other.losses, deep.losses)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_compiled_loop_matches_keras_layers_and_optimizer(optimizer):
    ours = helpers.train_net(depth=2, init="glorot", steps=300, optimizer=optimizer, lr=1e-2)
    keras_losses, _ = legacy.train_eager(depth=2, init="glorot", steps=300, optimizer=optimizer, lr=1e-2)
    np.testing.assert_allclose(ours.losses, keras_losses, rtol=1e-4, atol=1e-6)


def test_adam_rescues_depth_2_but_not_depth_5_from_the_tiny_init():
    assert np.mean(np.abs(helpers.train_net(depth=2, optimizer="adam").predict(GRID) - GRID)) < 0.05
    assert np.ptp(helpers.train_net(depth=5, optimizer="adam").predict(GRID)) < 1e-4


def test_recordings_have_the_promised_shapes(deep):
    n = len(deep.record_steps)
    assert n == 100 and deep.record_steps[1] == 100
    assert [w.shape for w in deep.weights] == [(n, 16), (n, 256), (n, 16)]
    assert [g.shape for g in deep.grads] == [(n, 16), (n, 256), (n, 16)]
    assert [a.shape for a in deep.activations] == [(n, 41 * 16)] * 2
    assert deep.update_ratio.shape == (n, 3) and deep.losses.shape == (10_000,)
    # the first recording is the initial state
    np.testing.assert_array_equal(deep.weights[0][0], training.initial_params(2)[0][0].ravel())


def test_update_ratio_is_lr_times_clipped_gradient_over_weights_for_sgd(deep):
    r = 7
    expected = 1e-3 * np.linalg.norm(deep.grads[0][r]) / np.linalg.norm(deep.weights[0][r])
    assert math.isclose(deep.update_ratio[r, 0], expected, rel_tol=1e-4)


def test_recorded_gradients_are_the_ones_their_steps_applied():
    # Recording every step: each recorded gradient, clipped and times lr, turns one recorded set
    # of weights into the next.
    result = helpers.train_net(depth=3, init="he", steps=50, record_every=1, lr=1e-2, clip=0.5)
    for weights, grads in zip(result.weights, result.grads):
        expected = weights[:-1] - 1e-2 * np.clip(grads[:-1], -0.5, 0.5)
        np.testing.assert_allclose(weights[1:], expected, rtol=1e-5, atol=1e-7)
    assert np.abs(result.grads[-1]).max() > 0.5          # so the clip did act


def test_slider_moves_reuse_the_compiled_graph_and_a_short_run_starts_a_long_one():
    training.compiled_trainer.cache_clear()
    short = helpers.train_net(depth=3, steps=1000)
    helpers.train_net(depth=3, steps=20_000, optimizer="adam", lr=1e-2, seed=1, init="glorot")
    long = helpers.train_net(depth=3, steps=5000, lr=1e-3)
    assert training.compiled_trainer.cache_info().currsize == 1
    np.testing.assert_array_equal(short.losses, long.losses[:1000])


REMEDIES = [dict(activation="leaky_relu"), dict(activation="tanh"), dict(residual=True), dict(norm="layer")]


def named(options):
    return ",".join(f"{key}={value}" for key, value in options.items())


@pytest.mark.parametrize("options", [{}] + REMEDIES, ids=lambda options: named(options) or "plain")
def test_predict_matches_the_recorded_estimates_of_the_final_weights(options):
    # predict() runs the net in numpy (the plain net) or through train_net's own forward pass (a remedy): either
    # way it must be the net that was trained, whose estimates the compiled run recorded.
    result = helpers.train_net(depth=3, init="he", steps=200, record_every=199, **options)
    final = helpers.train_net(depth=3, init="he", steps=201, record_every=200, **options)
    np.testing.assert_allclose(result.predict(result.probe_x), final.probe_estimates[1], atol=1e-5)
    if options:       # a predict() that ignored the remedy would compute another net
        plain_net = training.forward_numpy(result.params, result.probe_x)
        assert np.abs(result.predict(result.probe_x) - plain_net).max() > 1e-3
    with pytest.raises(ValueError, match="1-D"):
        result.predict(np.zeros((3, 1)))


@pytest.mark.parametrize("options", REMEDIES, ids=named)
def test_a_remedy_is_in_the_config_and_in_the_recordings(options):
    result = helpers.train_net(depth=3, init="he", steps=300, **options)
    assert {key: result.config[key] for key in options} == options
    n = len(result.record_steps)
    assert [a.shape for a in result.activations] == [(n, 41 * 16)] * 3
    assert [w.shape for w in result.weights] == [(n, 16), (n, 256), (n, 256), (n, 16)]
    lowest = min(a.min() for a in result.activations)
    if options.get("activation") in ("leaky_relu", "tanh"):
        assert lowest < 0                   # a ReLU's output never is
    else:
        assert lowest == 0.0
    # Recording every step: the recorded gradients, times lr, turn one recorded set of weights into the next.
    steps = helpers.train_net(depth=3, init="he", steps=50, record_every=1, lr=1e-2, clip=100.0, **options)
    for weights, grads in zip(steps.weights, steps.grads):
        np.testing.assert_allclose(weights[1:], weights[:-1] - 1e-2 * grads[:-1], rtol=1e-5, atol=1e-7)


def test_each_variant_of_the_net_is_its_own_compiled_program_and_the_plain_one_is_shared():
    training.compiled_trainer.cache_clear()
    helpers.train_net(depth=2, steps=100)
    helpers.train_net(depth=2, steps=100, activation="relu", residual=False, norm=None)
    assert training.compiled_trainer.cache_info().currsize == 1
    helpers.train_net(depth=2, steps=100, residual=True)
    helpers.train_net(depth=2, steps=100, residual=True, activation="tanh")
    assert training.compiled_trainer.cache_info().currsize == 3


def test_batch_loss_smooths_training_but_does_not_cure_vanishing_gradients():
    single = helpers.train_net(depth=2, init="glorot")
    batch = helpers.train_net(depth=2, init="glorot", batch_size=32)
    assert batch.losses[-1000:].std() < single.losses[-1000:].std() / 3
    stuck = helpers.train_net(depth=2, init="seed", batch_size=32)
    assert np.ptp(stuck.predict(GRID)) < 1e-4


def test_adam_kills_the_last_hidden_layer_of_the_tiny_init_net_at_depth_3():
    result = helpers.train_net(depth=3, optimizer="adam")
    active = [np.mean(a > 0, axis=1) for a in result.activations]
    assert active[-1][0] > 0.2 and active[-1][-1] == 0.0     # alive at step 0, dead at the end


def test_divergence_is_reported_with_its_step():
    with pytest.raises(helpers.TrainingDiverged, match=r"diverged at step \d+") as info:
        helpers.train_net(depth=3, init="he", lr=50.0, clip=float("inf"), steps=500)
    step = info.value.step
    assert np.all(np.isfinite(info.value.result.losses[:step]))
    assert not np.isfinite(info.value.result.losses[step])


def test_tensorboard_event_file_holds_every_layers_histograms_at_the_recorded_steps(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = helpers.train_net(depth=2, steps=200, logdir=tmp_path)
    (event_file,) = tmp_path.glob("events.out.tfevents.*")
    events = EventAccumulator(str(event_file), size_guidance={"tensors": 0}).Reload()
    histograms = {f"{layer}/{kind}" for layer in ("hidden_1", "hidden_2", "output")
                  for kind in ("kernel", "bias", "kernel_grad")}
    assert set(events.Tags()["tensors"]) == histograms | {"loss"}
    for tag in histograms:
        assert [e.step for e in events.Tensors(tag)] == list(result.record_steps), tag
    first_grad = tf.make_ndarray(events.Tensors("hidden_1/kernel_grad")[0].tensor_proto)   # (bins, 3): left, right, count
    assert first_grad[:, 2].sum() == result.grads[0][0].size
    assert first_grad[0, 0] == pytest.approx(result.grads[0][0].min())
    losses = events.Tensors("loss")
    assert [e.step for e in losses] == list(range(200))
    assert float(tf.make_ndarray(losses[7].tensor_proto)) == pytest.approx(float(result.losses[7]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(init="xavier"), r"unknown init 'xavier'; valid choices: 'seed', 'glorot', 'he', 'normal'"),
    (dict(optimizer="rmsprop"), r"unknown optimizer 'rmsprop'; valid choices: 'sgd', 'adam'"),
    (dict(depth=0), r"depth must be a whole number of hidden layers from 1 to 20, got 0"),
    (dict(depth=21), r"from 1 to 20, got 21"),
    (dict(depth=2.5), r"depth must be a whole number"),
    (dict(depth=True), r"depth must be a whole number of hidden layers from 1 to 20, got True"),
    (dict(steps=1_000_000, batch_size=4096), r"about 1\d\.\d GB .* over the course's limit of 1 GB"),
    (dict(steps=1_000_000, record_every=1), r"GB for its inputs and recordings, over the course's limit"),
    (dict(steps=0), r"steps must be a whole number from 1 to"),
    (dict(lr=0), r"lr \(learning rate\) must be a finite number > 0, got 0"),
    (dict(lr=-1e-3), r"lr \(learning rate\) must be a finite number > 0, got -0.001"),
    (dict(lr=float("nan")), r"lr \(learning rate\) must be a finite number > 0"),
    (dict(clip=0), r"clip must be a number > 0"),
    (dict(clip=-4.5), r"clip must be a number > 0"),
    (dict(init="normal", sigma=0), r"sigma .* must be a finite number > 0"),
    (dict(seed=-1), r"seed must be a whole number"),
    (dict(record_every=0), r"record_every must be a whole number from 1 to steps"),
    (dict(batch_size=0), r"batch_size must be a whole number"),
    (dict(bias=float("inf")), r"bias must be None \(the init's own biases\) or a finite number"),
    (dict(bias="0.1"), r"bias must be None"),
    (dict(activation="gelu"), r"unknown activation 'gelu'; valid choices: 'relu', 'leaky_relu', 'tanh'"),
    (dict(activation=None), r"unknown activation None; valid choices: 'relu', 'leaky_relu', 'tanh'"),
    (dict(norm="batch"), r"unknown norm 'batch'; valid choices: None, 'layer'"),
    (dict(norm=False), r"unknown norm False; valid choices: None, 'layer'"),
    (dict(residual=1), r"residual must be True or False, got 1"),
    (dict(residual="yes"), r"residual must be True or False, got 'yes'"),
    (dict(residual=None), r"residual must be True or False, got None"),
])
def test_bad_input_names_the_valid_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.train_net(**{"steps": 100, **kwargs})


def test_tf1_graph_and_session_show_the_same_story():
    _, grid, shallow = legacy.train_tf1(depth=1, steps=10_000)
    _, _, deep = legacy.train_tf1(depth=2, steps=3000)
    assert np.mean(np.abs(shallow - grid)) < 0.1
    assert np.ptp(deep) < 1e-4


@pytest.mark.parametrize("entry", ["train_net", "initial_params", "predict_grad_std", "measure_grad_std",
                                   "train_tf1", "train_eager", "ExplorerState"])
def test_a_bool_is_not_a_depth_anywhere(entry):
    call = {"train_net": helpers.train_net, "initial_params": helpers.initial_params,
            "predict_grad_std": helpers.predict_grad_std, "measure_grad_std": helpers.measure_grad_std,
            "train_tf1": legacy.train_tf1, "train_eager": legacy.train_eager,
            "ExplorerState": helpers.explorer.ExplorerState}[entry]
    with pytest.raises(ValueError, match="depth must be a whole number"):
        call(depth=True)


def test_a_run_too_large_for_memory_is_refused_before_anything_is_allocated():
    drawn, compiled = training._inputs.cache_info().currsize, training.compiled_trainer.cache_info().currsize
    with pytest.raises(ValueError, match="over the course's limit of 1 GB"):
        helpers.train_net(depth=2, steps=1_000_000, batch_size=4096)
    assert training._inputs.cache_info().currsize == drawn
    assert training.compiled_trainer.cache_info().currsize == compiled
    # the estimate is about right: the inputs alone are steps x batch float32s
    assert training.run_bytes(2, 1_000_000, 4096, 100) > 1_048_576 * 4096 * 4
