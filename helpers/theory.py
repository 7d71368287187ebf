"""Chain-rule prediction of each layer's gradient scale at initialization.

For a ReLU layer z = W a + b with zero-mean weights of std sigma_w and inputs half switched on:
  forward:  E[z^2] = fan_in * sigma_w^2 * E[a^2] + sigma_b^2 (+ b^2 for a constant bias),
            E[a^2] = E[z^2] / 2                       (ReLU keeps half of a symmetric z)
  backward: E[delta_in^2] = fan_out * sigma_w^2 * E[delta_out^2] / 2
so each layer multiplies the backward signal's scale by about sqrt(fan_out / 2) * sigma_w,
which for the seed's N(0, 1e-3) and width 16 is 2.8e-3. A kernel entry's gradient is
a * delta, so its scale is sqrt(E[a^2] * E[delta^2]).
"""
import numpy as np

from .training import (forward_numpy, initial_params, layer_shapes, loss_and_grads, params_to_vector,
                       vector_to_params)


def predict_grad_std(depth, init="seed", sigma=1e-3, seed=0, bias=None):
    """Predicted std of each weight layer's kernel gradient at initialization (list, input -> output).

    Uses the actual initial weights' std per layer and the loss of the seed,
    (x - 2 * out)^2 with x ~ U(-1, 1), so dL/d(out) = -4 (x - 2 out) (about -4 x for tiny weights).
    """
    params = initial_params(depth, init, sigma, seed, bias)
    sigma_w = [float(np.std(kernel)) for kernel, _ in params]
    bias_sq = [float(np.mean(bias ** 2)) for _, bias in params]
    shapes = layer_shapes(depth)

    # Forward: mean square of each layer's input.
    a_sq = [1.0 / 3.0]                                  # E[x^2] for x ~ U(-1, 1)
    for (fan_in, _), s, b2 in zip(shapes[:-1], sigma_w, bias_sq):
        z_sq = fan_in * s ** 2 * a_sq[-1] + b2
        a_sq.append(z_sq / 2.0)

    # Backward: mean square of dL/dz at each layer, from the output down.
    x = np.linspace(-1.0, 1.0, 201, dtype=np.float32)
    delta_sq = [16.0 * float(np.mean((x - forward_numpy(params, x)) ** 2))]  # output (linear)
    for layer in range(depth, 0, -1):                   # hidden layers depth .. 1
        fan_out = shapes[layer][1]
        delta_sq.insert(0, fan_out * sigma_w[layer] ** 2 * delta_sq[0] / 2.0)

    return [float(np.sqrt(a * d)) for a, d in zip(a_sq, delta_sq)]


def backward_factor(fan_out=16, sigma_w=1e-3):
    """How much one ReLU layer shrinks (< 1) or grows (> 1) the backward signal: sqrt(fan_out/2)*sigma_w."""
    return float(np.sqrt(fan_out / 2.0) * sigma_w)


def measure_grad_std(depth, init="seed", sigma=1e-3, seed=0, bias=None, n=1000):
    """Measured std of each layer's kernel gradient at initialization, over n inputs x ~ U(-1, 1).

    The per-sample gradients come from n copies of the initial weights, each seeing one input.
    """
    import tensorflow as tf

    start = params_to_vector(initial_params(depth, init, sigma, seed, bias))
    x = tf.random.stateless_uniform([n, 1, 1], seed=[seed, 1], minval=-1.0, maxval=1.0)
    _, grads = loss_and_grads(tf.constant(np.tile(start, (n, 1))), x, depth)
    return [float(np.std(kernel)) for kernel, _ in vector_to_params(grads.numpy(), depth)]
