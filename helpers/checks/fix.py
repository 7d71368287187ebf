"""Checkers for notebook 03 · the fix."""
import numpy as np

from ..exercises import StudentCodeError, call, exercise, grade_number
from ..training import LEARNED_ERROR, initial_params, layer_shapes, loss_and_grads, params_to_vector, vector_to_params

# Layer shapes the init_std checker asks about: the course's three kinds of layer and a wide non-square one.
_SHAPES = ((1, 16), (16, 16), (16, 1), (300, 100))


def _glorot(fan_in, fan_out):
    return np.sqrt(6.0 / (fan_in + fan_out)) / np.sqrt(3.0)     # the std of U(-limit, limit) is limit / sqrt(3)


def _he(fan_in, fan_out):
    return np.sqrt(2.0 / fan_in)


def _number(value, what):
    try:
        return float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError) as err:
        raise StudentCodeError(f"{what} must return one number ({err}).") from None


@exercise("03.1")
def _check_03_1(answer):
    hint = ("Keras's GlorotUniform draws U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)): what is the "
            "standard deviation of a uniform distribution on [-a, a]? HeNormal's std depends on fan_in only.")
    for init, truth in (("glorot", _glorot), ("he", _he)):
        for fan_in, fan_out in _SHAPES:
            got = _number(call(answer, init, fan_in, fan_out, what=f"init_std({init!r}, {fan_in}, {fan_out})"),
                          "init_std")
            right = truth(fan_in, fan_out)
            if np.isclose(got, right, rtol=1e-3):
                continue
            said = (f"init_std({init!r}, {fan_in}, {fan_out}) gave {got:.4g}, but Keras's initial weights have "
                    f"std {right:.4g}.")
            if np.isclose(got, right * np.sqrt(3.0), rtol=1e-3):
                return False, said + " That is the uniform distribution's limit, not its standard deviation. " + hint
            if np.isclose(got, right ** 2, rtol=1e-3):
                return False, said + " That is the variance; the question asks for the standard deviation."
            if init == "he" and np.isclose(got, np.sqrt(2.0 / fan_out), rtol=1e-3):
                return False, said + " He's recipe keeps the forward signal's variance: which fan does it use?"
            return False, said + " " + hint
    return True, ("Right: Glorot's std is sqrt(2 / (fan_in + fan_out)), the uniform limit over sqrt(3), and He's is "
                  "sqrt(2 / fan_in). For a 16 -> 16 layer: 0.25 and 0.35.")


def _adam_tiny_init_learns(depths, n_seeds):
    from ..seeds import errors_over_seeds
    return {d: sum(e < LEARNED_ERROR for e in errors_over_seeds(n_seeds, depth=d, optimizer="adam")) for d in depths}


@exercise("03.2")
def _check_03_2(answer):
    depths, n = (1, 2, 3, 4), 20
    counts = _adam_tiny_init_learns(depths, n)
    working = [d for d in depths if counts[d] >= n / 2]
    truth = max(working) if working else None
    said = ", ".join(f"depth {d}: {counts[d]}" for d in depths)
    mistakes = [(d, f"At depth {d} Adam learns in {counts[d]} of {n} seeds ({said}).") for d in depths if d != truth]
    return grade_number(answer, truth, what="a depth from 1 to 4", choices=depths, mistakes=mistakes,
                        hint="The next cells show how the runs that fail end.",
                        explain=f"depth {truth}. Seeds that learn, of {n}: {said}.")


def _reference_bias_grads(params, x):
    import tensorflow as tf
    depth = len(params) - 1
    _, grads = loss_and_grads(tf.constant(params_to_vector(params), tf.float32),
                              tf.constant(np.asarray(x, np.float32).reshape(-1, 1)), depth)
    return [bias for _, bias in vector_to_params(grads.numpy(), depth)]


def _test_nets():
    """Weights where every layer gets a bias gradient (He, depth 3) and a tiny-init net (seed init, depth 2)."""
    x = np.linspace(-1.0, 1.0, 9, dtype=np.float32).reshape(-1, 1)
    return [(initial_params(3, "he", seed=1), x), (initial_params(2, "seed", seed=2), x)]


@exercise("03.3")
def _check_03_3(answer):
    hint = ("Inside the tape, run the forward pass with the variables `biases`: ReLU after every hidden layer, "
            "none after the output; the estimate is 2 * output and the loss is the batch mean of (x - estimate)^2. "
            "Then ask the tape for the gradient of the loss with respect to `biases`.")
    for params, x in _test_nets():
        truth = _reference_bias_grads(params, x)
        got = call(answer, params, x, what="bias_gradients(params, x)")
        try:
            got = [np.asarray(g, dtype=float).reshape(-1) for g in got]
        except (TypeError, ValueError) as err:
            raise StudentCodeError(f"bias_gradients must return a list of arrays, one per layer ({err}).") from None
        shapes = [fan_out for _, fan_out in layer_shapes(len(params) - 1)]
        if [g.size for g in got] != shapes:
            return False, (f"Expected one gradient per layer with sizes {shapes}; got sizes {[g.size for g in got]}. "
                           + hint)
        for layer, (g, t) in enumerate(zip(got, truth)):
            if not np.allclose(g, t, rtol=1e-3, atol=1e-3 * np.abs(t).max() + 1e-12):
                name = "the output layer" if layer == len(params) - 1 else f"hidden {layer + 1}"
                ratio = np.linalg.norm(g) / max(np.linalg.norm(t), 1e-30)
                return False, (f"For a depth-{len(params) - 1} net, {name}'s bias gradient is off (its size is "
                               f"{ratio:.3g} times the true one). " + hint)
    return True, ("Right: a bias's gradient is the layer's delta summed over the batch, with no incoming activation "
                  "to shrink it. Where a layer is dead, its delta is zero, and so is every gradient below it.")


def _bias_gradients(params, x):
    import tensorflow as tf
    x = tf.constant(np.asarray(x, np.float32).reshape(-1, 1))
    biases = [tf.Variable(b) for _, b in params]
    with tf.GradientTape() as tape:
        h = x
        for (kernel, _), b in zip(params[:-1], biases[:-1]):
            h = tf.nn.relu(h @ kernel + b)
        loss = tf.reduce_mean(tf.square(x - 2.0 * (h @ params[-1][0] + biases[-1])))
    return [g.numpy() for g in tape.gradient(loss, biases)]


def _bias_gradients_without_relu(params, x):
    import tensorflow as tf
    x = tf.constant(np.asarray(x, np.float32).reshape(-1, 1))
    biases = [tf.Variable(b) for _, b in params]
    with tf.GradientTape() as tape:
        h = x
        for (kernel, _), b in zip(params, biases):
            h = h @ kernel + b
        loss = tf.reduce_mean(tf.square(x - 2.0 * h))
    return [g.numpy() for g in tape.gradient(loss, biases)]


def _kernel_gradients(params, x):
    import tensorflow as tf
    depth = len(params) - 1
    _, grads = loss_and_grads(tf.constant(params_to_vector(params), tf.float32),
                              tf.constant(np.asarray(x, np.float32).reshape(-1, 1)), depth)
    return [kernel.sum(axis=0) for kernel, _ in vector_to_params(grads.numpy(), depth)]


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {
    "03.1": (lambda init, fan_in, fan_out: (_glorot if init == "glorot" else _he)(fan_in, fan_out),
             [lambda init, fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out)) if init == "glorot"
              else _he(fan_in, fan_out),                                            # the limit, not the std
              lambda init, fan_in, fan_out: _glorot(fan_in, fan_out) if init == "glorot"
              else np.sqrt(2.0 / fan_out),                                          # He with fan_out
              lambda init, fan_in, fan_out: 2.0 / (fan_in + fan_out)]),             # a variance
    "03.2": (2, [3, 1, 4]),
    "03.3": (_bias_gradients, [_bias_gradients_without_relu, _kernel_gradients,
                               lambda params, x: [np.zeros(16), np.zeros(1)]]),
}
