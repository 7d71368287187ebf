"""Notebook 03's measurements over many seeds, and the gradients a TrainResult does not record.

    over_seeds(n, **config)     train_net(**config) for seeds 0 .. n-1: a list of TrainResults
    errors_over_seeds(n, ...)   only their mean errors (kept between calls)
    params_at(result, record)   the [(kernel, bias), ...] a run had at one of its recordings
    gradient_scales(params)     RMS of each layer's kernel and bias gradient, per sample, over the probe inputs
    top_layer_inputs(result)    the top hidden layer's biases, and the largest input W a they compete with
    dead_layers(result, record) the hidden layers whose every unit is off for every probe input
    adam_epsilon(step)          Adam's epsilon on the gradient's scale at a step (it sits outside the bias correction)
"""
import functools

import numpy as np

from .training import (ADAM_BETA_2, ADAM_EPSILON, PROBE_X, initial_params, layer_shapes, loss_and_grads,
                       params_to_vector, train_net, vector_to_params)


def over_seeds(n, **config):
    """train_net(**config, seed=s) for s = 0 .. n-1 (a list of TrainResults)."""
    return [train_net(**config, seed=seed) for seed in range(n)]


def errors_over_seeds(n, **config):
    """The mean |estimate - x| of train_net(**config, seed=s) for s = 0 .. n-1: a tuple, kept (only the numbers,
    not the runs' recordings), so the notebook and its checkers share the runs."""
    return _errors_over_seeds(n, tuple(sorted(config.items())))


@functools.lru_cache(maxsize=256)
def _errors_over_seeds(n, config):
    return tuple(train_net(**dict(config), seed=seed).mean_error() for seed in range(n))


def params_at(result, record):
    """The run's [(kernel, bias), ...] at recording `record` (an index into result.record_steps)."""
    shapes = layer_shapes(result.config["depth"])
    return [(kernel[record].reshape(shape), bias[record])
            for kernel, bias, shape in zip(result.weights, result.biases, shapes)]


def gradient_scales(params, x=PROBE_X):
    """(kernel RMS, bias RMS): per layer, the root-mean-square of the gradient of one sample's loss,
    over the samples x (default: the 41 probe inputs in [-1, 1]) and the layer's entries."""
    import tensorflow as tf

    depth = len(params) - 1
    x = np.asarray(x, np.float32).reshape(-1, 1, 1)
    flat = np.tile(params_to_vector(params), (len(x), 1))
    _, grads = loss_and_grads(tf.constant(flat), tf.constant(x), depth)
    layers = vector_to_params(grads.numpy(), depth)
    rms = lambda g: float(np.sqrt(np.mean(np.square(g))))  # noqa: E731
    return [rms(k) for k, _ in layers], [rms(b) for _, b in layers]


def top_layer_inputs(result):
    """For the top hidden layer, per recording: its biases (n_records, 16) and the largest |W a| of any of its units
    over the probe inputs (n_records,), where a is the layer below's output. A unit whose bias is below
    -max |W a| is off for every input."""
    depth = result.config["depth"]
    reach = []
    for record in range(len(result.record_steps)):
        params = params_at(result, record)
        h = np.asarray(result.probe_x, np.float32)[:, None]
        for kernel, bias in params[:depth - 1]:
            h = np.maximum(h @ kernel + bias, 0.0)
        reach.append(float(np.abs(h @ params[depth - 1][0]).max()))
    return result.biases[depth - 1], np.array(reach)


def dead_layers(result, record=-1):
    """Hidden layer numbers (1 = hidden 1) whose units are all off for every probe input at `record`."""
    return [i + 1 for i, acts in enumerate(result.activations) if not np.any(acts[record] > 0)]


def share_on(params, x=PROBE_X):
    """Per hidden layer, the share of ReLUs on over the inputs x, at the weights `params`."""
    h = np.asarray(x, np.float32)[:, None]
    shares = []
    for kernel, bias in params[:-1]:
        h = np.maximum(h @ kernel + bias, 0.0)
        shares.append(float(np.mean(h > 0)))
    return shares


def initial_share_on(depth, init, seed=0, bias=None):
    """share_on() at the initial weights."""
    return share_on(initial_params(depth, init, seed=seed, bias=bias))


def adam_epsilon(step):
    """Adam's epsilon measured on the gradient's scale at step `step` (0 = the first step):
    epsilon / sqrt(1 - beta_2^t), since Keras adds it after the bias correction."""
    return ADAM_EPSILON / np.sqrt(1.0 - ADAM_BETA_2 ** (step + 1))
