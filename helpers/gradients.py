"""Each layer's kernel *and* bias gradient at initialization (notebook 02): a bias's gradient is the backward
signal delta itself, with no incoming activation to shrink it, so the two can differ by orders of magnitude."""
import numpy as np
import tensorflow as tf

from .training import initial_params, loss_and_grads, params_to_vector, vector_to_params


def measure_kernel_and_bias_grad_std(depth, init="seed", sigma=1e-3, seed=0, n=1000):
    """[(kernel gradient std, bias gradient std), ...] per weight layer at the initial weights, over n inputs
    (the same per-sample gradients as helpers.measure_grad_std)."""
    start = params_to_vector(initial_params(depth, init, sigma, seed))
    x = tf.random.stateless_uniform([n, 1, 1], seed=[seed, 1], minval=-1.0, maxval=1.0)
    _, grads = loss_and_grads(tf.constant(np.tile(start, (n, 1))), x, depth)
    return [(float(np.std(kernel)), float(np.std(bias))) for kernel, bias in vector_to_params(grads.numpy(), depth)]
