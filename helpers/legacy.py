"""The same training written two slower ways, for comparison and for reading old code.

train_tf1    TensorFlow 1 style, as in the original question: build a graph of placeholders and
             variables, then call sess.run once per step, feeding one x each time.
train_eager  the naive TensorFlow 2 way: Keras layers and optimizer, a Python loop, a
             GradientTape per step.
Both take seconds where train_net takes milliseconds; see benchmarks/train_speed.py.
"""
import keras
import numpy as np
import tensorflow as tf

from .quiet import native_stderr_captured
from .training import check_config, draw_inputs_like_train_net, initial_params, layer_shapes


def train_tf1(depth=1, init="seed", steps=10_000, lr=1e-3, clip=4.5, seed=0):
    """Train with a tf.compat.v1 graph and Session; returns (losses, x_grid, estimates_on_grid)."""
    check_config(depth=depth, init=init, steps=steps, lr=lr, clip=clip, seed=seed)
    if init not in ("seed", "glorot"):
        raise ValueError(f"train_tf1 knows init 'seed' and 'glorot', got {init!r}")
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(seed)
        x = tf1.placeholder(tf.float32, shape=[None, 1], name="x")
        if init == "seed":
            kernel_init = bias_init = tf1.random_normal_initializer(0.0, 1e-3)
        else:
            kernel_init, bias_init = tf1.glorot_uniform_initializer(), tf1.constant_initializer(0.1)
        h, variables = x, []
        for layer, (fan_in, fan_out) in enumerate(layer_shapes(depth)):
            kernel = tf1.get_variable(f"W{layer}", [fan_in, fan_out], initializer=kernel_init)
            bias = tf1.get_variable(f"b{layer}", [fan_out], initializer=bias_init)
            variables += [kernel, bias]
            h = tf.matmul(h, kernel) + bias
            if layer < depth:
                h = tf.nn.relu(h)
        estimate = 2.0 * h
        loss = tf.reduce_mean(tf.square(x - estimate))
        optimizer = tf1.train.GradientDescentOptimizer(lr)
        grads_and_vars = optimizer.compute_gradients(loss, variables)
        clipped = [(tf.clip_by_value(g, -clip, clip), v) for g, v in grads_and_vars]
        train_op = optimizer.apply_gradients(clipped)
        init_op = tf1.global_variables_initializer()

    rng = np.random.default_rng(seed)
    losses = np.empty(steps, np.float32)
    grid = np.linspace(-1.0, 1.0, 9, dtype=np.float32)[:, None]
    with tf1.Session(graph=graph) as sess:
        sess.run(init_op)
        for step in range(steps):
            feed = {x: rng.uniform(-1.0, 1.0, size=(1, 1))}
            _, losses[step] = sess.run([train_op, loss], feed_dict=feed)
        estimates = sess.run(estimate, feed_dict={x: grid})[:, 0]
    return losses, grid[:, 0], estimates


def train_eager(depth=1, init="seed", steps=10_000, lr=1e-3, optimizer="sgd", clip=4.5, seed=0):
    """Train with a Keras model and optimizer in a plain Python loop; returns (losses, model).

    Starts from the same weights and sees the same inputs as train_net with the same arguments,
    so the two must produce the same losses (tests/test_training.py checks that).
    """
    check_config(depth=depth, init=init, steps=steps, lr=lr, optimizer=optimizer, clip=clip, seed=seed)
    model = keras.Sequential([keras.Input((1,))]
                             + [keras.layers.Dense(16, activation="relu") for _ in range(depth)]
                             + [keras.layers.Dense(1)])
    model.set_weights([p for layer in initial_params(depth, init, 1e-3, seed) for p in layer])
    opt_class = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    opt = opt_class(learning_rate=lr, clipvalue=clip)
    xs = draw_inputs_like_train_net(steps, 1, tf.constant([seed, 0]))
    losses = np.empty(steps, np.float32)
    for step in range(steps):
        x = xs[step]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x - 2.0 * model(x)))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses[step] = loss.numpy()
    return losses, model


def _warm_up_session():
    """Run one tiny Session now, with descriptor 2 captured (see quiet.py).

    Older TensorFlow (Colab's 2.19) logs "MLIR V1 optimization pass is not enabled" at a process's first
    Session run, past its log level; here it goes nowhere instead of under the student's first train_tf1 cell.
    """
    graph = tf.Graph()
    with graph.as_default():
        one = tf.constant(1.0)
    with native_stderr_captured(), tf.compat.v1.Session(graph=graph) as sess:
        sess.run(one)


_warm_up_session()
