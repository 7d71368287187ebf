"""train_net(): the seed's ReLU net that should learn y = x, trained in one compiled graph.

The network: 1 input -> `depth` hidden ReLU layers of width 16 -> 1 linear output.
The estimate is 2 * output and the loss is (x - estimate)^2 with x ~ U(-1, 1), one x per step,
exactly as in the original question. A whole run (the forward and backward passes, clipping, the
optimizer, the recordings) happens inside one XLA-compiled `tf.function`, so 10,000 steps take
milliseconds instead of the minute of a Python loop (README.md, Speed, has the figures).

The remedies are options of the same net (the plain ReLU net is the default; trainability_map uses the same
definitions): another activation ("leaky_relu" with slope 0.2 for z < 0, or "tanh"); residual=True, where every
16 -> 16 hidden layer adds its input, h <- h + act(W h + b); norm="layer", where each hidden layer's
pre-activation is normalised over its 16 units, (z - mean) / sqrt(var + 1e-3), without a learned gain or shift.
"""
import dataclasses
import functools
import math
import numbers

import keras
import numpy as np
import tensorflow as tf

WIDTH = 16                      # units per hidden layer, as in the seed
MAX_DEPTH = 20
MAX_STEPS = 1_000_000
MAX_BATCH = 4096
MEMORY_LIMIT = 1_000_000_000    # bytes a run's inputs and recordings may take (Binder gives 1-2 GB in all)
INITS = ("seed", "glorot", "he", "normal")
OPTIMIZERS = ("sgd", "adam")
PROBE_X = np.linspace(-1.0, 1.0, 41, dtype=np.float32)   # fixed inputs for recording activations
GRID = np.linspace(-1.0, 1.0, 101, dtype=np.float32)     # where mean_error() compares estimate and x
LEARNED_ERROR = 0.05            # mean |estimate - x| below this: the net learned y = x, the course's line
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults
ACTIVATIONS = ("relu", "leaky_relu", "tanh")     # of the hidden layers
NORMS = (None, "layer")
LEAKY_SLOPE = 0.2               # leaky_relu's slope for z < 0
NORM_EPSILON = 1e-3             # Keras' LayerNormalization default
PLAIN = ("relu", False, None)   # (activation, residual, norm) of the seed's net



class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. `.step` is the first bad step, `.result` the run so far."""

    def __init__(self, step, result):
        cfg = result.config
        super().__init__(
            f"training diverged at step {step}: the loss became {result.losses[step]} "
            f"(optimizer={cfg['optimizer']!r}, lr={cfg['lr']:g}, clip={cfg['clip']:g}). "
            "Try a smaller learning rate or a tighter clip.")
        self.step = step
        self.result = result


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """Everything recorded in one training run (numpy arrays, float32).

    Per-layer lists have one entry per weight layer: hidden 1 .. hidden `depth`, then output.
    Recordings are taken at `record_steps`, before that step's update:
      weights[i], grads[i]   (n_records, fan_in*fan_out) kernel values and the raw (unclipped)
                             gradient of that step's loss
      biases[i]              (n_records, fan_out)
      activations[i]         (n_records, len(probe_x)*16) outputs of hidden layer i+1 (after its
                             activation; with residual=True, its input plus that) on the fixed
                             inputs `probe_x`
      update_ratio           (n_records, n_layers) |applied update| / |kernel| (Frobenius norms)
      probe_estimates        (n_records, len(probe_x)) the estimate 2*output on `probe_x`
    """
    config: dict
    losses: np.ndarray
    record_steps: np.ndarray
    weights: list
    biases: list
    grads: list
    activations: list
    update_ratio: np.ndarray
    probe_x: np.ndarray
    probe_estimates: np.ndarray
    max_abs_grad: np.ndarray     # (n_layers,) largest raw gradient entry of any step, kernel or bias
    params: list                 # final [(kernel, bias), ...]
    diverged_at: object = None   # first step whose loss was not finite, or None

    @property
    def layer_names(self):
        depth = self.config["depth"]
        return [f"hidden {i + 1}" for i in range(depth)] + ["output"]

    def mean_error(self):
        """Mean |estimate - x| over 101 evenly spaced x in [-1, 1]: about 0.5 for a constant 0, 0 for y = x."""
        return float(np.mean(np.abs(self.predict(GRID) - GRID)))

    def learned(self):
        """Whether the net learned y = x: its mean error is below LEARNED_ERROR (0.05), the course's line."""
        return self.mean_error() < LEARNED_ERROR

    def predict(self, x):
        """Estimates 2 * output of the trained net for a 1-D array of inputs."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 1:
            raise ValueError(f"predict() takes a 1-D array of inputs, got shape {x.shape}")
        cfg = self.config
        return forward_numpy(self.params, x, cfg.get("activation", "relu"), cfg.get("residual", False),
                             cfg.get("norm"))


def forward_numpy(params, x, activation="relu", residual=False, norm=None):
    """The network's estimate 2 * output for 1-D inputs `x`, in numpy.

    The plain ReLU net is computed in numpy; a remedy (another activation, residual, norm) runs train_net's own
    forward pass, eagerly, so that there is one definition of each variant."""
    if (activation, residual, norm) != PLAIN:
        x = tf.constant(np.asarray(x, dtype=np.float32)[:, None])
        _, out = _forward(tf.constant(params_to_vector(params)), x, len(params) - 1, activation, residual, norm)
        return 2.0 * out.numpy()[:, 0]
    h = np.asarray(x, dtype=np.float32)[:, None]
    for kernel, bias in params[:-1]:
        h = np.maximum(h @ kernel + bias, 0.0)
    kernel, bias = params[-1]
    return 2.0 * (h @ kernel + bias)[:, 0]


# ----------------------------------------------------------------------------------------------
# Input checking

def is_whole_number(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_positive_number(value):
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and not math.isnan(value) and value > 0)


def check_depth(depth):
    """Raise ValueError unless `depth` is a whole number of hidden layers (True is not a depth)."""
    if not is_whole_number(depth) or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be a whole number of hidden layers from 1 to {MAX_DEPTH}, got {depth!r}")


def check_config(*, depth, init="seed", steps=10_000, lr=1e-3, optimizer="sgd", clip=4.5, seed=0,
                 sigma=1e-3, record_every=1, batch_size=1, bias=None, activation="relu", residual=False, norm=None):
    """Raise ValueError, naming the valid choices, for anything train_net cannot run.

    The one place where a run's settings are checked: train_net, the legacy loops, trainability_map and
    the explorer's panel all call it (the panel adds its narrower slider ranges on top).
    """
    check_depth(depth)
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid choices: {', '.join(map(repr, INITS))}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; valid choices: {', '.join(map(repr, OPTIMIZERS))}")
    if not is_whole_number(steps) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_STEPS:,}, got {steps!r}")
    if not _is_positive_number(lr) or math.isinf(lr):
        raise ValueError(f"lr (learning rate) must be a finite number > 0, got {lr!r}")
    if not _is_positive_number(clip):
        raise ValueError(f"clip must be a number > 0 (use float('inf') for no clipping), got {clip!r}")
    if not is_whole_number(seed) or not 0 <= seed < 2**31:
        raise ValueError(f"seed must be a whole number from 0 to 2**31 - 1, got {seed!r}")
    if not _is_positive_number(sigma) or math.isinf(sigma):
        raise ValueError(f"sigma (std of the 'normal' init) must be a finite number > 0, got {sigma!r}")
    if not is_whole_number(record_every) or not 1 <= record_every <= steps:
        raise ValueError(f"record_every must be a whole number from 1 to steps={steps}, got {record_every!r}")
    if not is_whole_number(batch_size) or not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be a whole number from 1 to {MAX_BATCH}, got {batch_size!r}")
    if bias is not None and not (isinstance(bias, numbers.Real) and not isinstance(bias, bool)
                                 and math.isfinite(bias)):
        raise ValueError(f"bias must be None (the init's own biases) or a finite number, got {bias!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid choices: {', '.join(map(repr, ACTIVATIONS))}")
    if not isinstance(residual, (bool, np.bool_)):      # as a bool is not a number, a number is not a bool
        raise ValueError(f"residual must be True or False, got {residual!r}")
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; valid choices: {', '.join(map(repr, NORMS))}")
    needed = run_bytes(depth, steps, batch_size, -(-steps // record_every))
    if needed > MEMORY_LIMIT:
        raise ValueError(
            f"this run would need about {needed / 1e9:.1f} GB for its inputs and recordings, over the course's "
            f"limit of {MEMORY_LIMIT / 1e9:.0f} GB (steps={steps:,}, batch_size={batch_size}, "
            f"record_every={record_every}): use fewer steps, a smaller batch or a larger record_every")


def run_bytes(depth, steps, batch_size, n_records):
    """About how many bytes a run's inputs, losses and recordings take (float32), before it allocates them."""
    n_params = sum((fan_in + 1) * fan_out for fan_in, fan_out in layer_shapes(depth))
    inputs = capacity(steps, batch_size) * (batch_size + 1)               # inputs and one loss per step
    snapshots = 5 * n_records * n_params                                  # weights, Adam's m and v, grads, updates
    probe = n_records * len(PROBE_X) * (WIDTH * depth + 1)                # activations and estimates on the probe
    recompute = 2 * n_records * batch_size * WIDTH * (depth + 1)          # the batched gradient of the recordings
    return 4 * (inputs + snapshots + probe + recompute)


# ----------------------------------------------------------------------------------------------
# Initial weights, from Keras' initializers

def layer_shapes(depth):
    """[(fan_in, fan_out), ...] of the weight layers of a net with `depth` hidden layers."""
    return [(1, WIDTH)] + [(WIDTH, WIDTH)] * (depth - 1) + [(WIDTH, 1)]


def initializers(init, sigma=1e-3, bias=None):
    """(kernel initializer factory, bias initializer factory); each factory takes a seed.

    "seed":   kernels and biases N(0, 1e-3), as in the original question
    "normal": kernels and biases N(0, sigma)
    "glorot": Glorot/Xavier uniform kernels, biases 0.1
    "he":     He normal kernels, biases 0.1
    A number `bias` replaces the init's biases by that constant.
    """
    constant = lambda value: lambda seed: keras.initializers.Constant(value)  # noqa: E731
    if init in ("seed", "normal"):
        std = 1e-3 if init == "seed" else sigma
        kernel = bias_init = functools.partial(keras.initializers.RandomNormal, mean=0.0, stddev=std)
    else:
        kernel = keras.initializers.GlorotUniform if init == "glorot" else keras.initializers.HeNormal
        bias_init = constant(0.1)
    return kernel, bias_init if bias is None else constant(bias)


def initial_params(depth, init="seed", sigma=1e-3, seed=0, bias=None):
    """The starting [(kernel, bias), ...] as numpy float32 arrays (cached: they never change)."""
    check_config(depth=depth, init=init, sigma=sigma, seed=seed, bias=bias, steps=1)   # no run: no memory check
    return _initial_params(depth, init, float(sigma), seed, None if bias is None else float(bias))


@functools.lru_cache(maxsize=256)
def _initial_params(depth, init, sigma, seed, bias):
    kernel_init, bias_init = initializers(init, sigma, bias)
    params = []
    for layer, (fan_in, fan_out) in enumerate(layer_shapes(depth)):
        # A seeded Keras initializer gives the same values on every call: one seed per tensor.
        kernel = kernel_init(seed=seed * 1000 + 2 * layer)((fan_in, fan_out))
        bias = bias_init(seed=seed * 1000 + 2 * layer + 1)((fan_out,))
        params.append((np.asarray(kernel, np.float32), np.asarray(bias, np.float32)))
    return params


# ----------------------------------------------------------------------------------------------
# The compiled training run

def draw_inputs(steps, batch_size, seed):
    """The inputs x ~ U(-1, 1) of every step, shape (steps, batch_size, 1); `seed` is a pair."""
    return tf.random.stateless_uniform([steps, batch_size, 1], seed=seed, minval=-1.0, maxval=1.0)


# XLA turns a seed that is an argument into a different random stream from the one TensorFlow's
# ordinary kernels produce; code that must see train_net's inputs draws them through this.
draw_inputs_like_train_net = tf.function(draw_inputs, jit_compile=True)


# The parameters of a run travel through the compiled loop as one flat vector: kernel 1, bias 1,
# kernel 2, bias 2, ... XLA then clips, updates and tracks all of them with a few fused kernels per
# step instead of a few per tensor. A step is so small that the number of kernels, not arithmetic,
# sets its time: at depth 8 the loop body went from 144 kernels to 43.

def flat_sizes(depth):
    """Lengths of kernel 1, bias 1, kernel 2, ... inside the flat parameter vector."""
    return [size for fan_in, fan_out in layer_shapes(depth) for size in (fan_in * fan_out, fan_out)]


def params_to_vector(params):
    """The flat parameter vector of [(kernel, bias), ...]."""
    return np.concatenate([np.ravel(p) for layer in params for p in layer]).astype(np.float32)


def vector_to_params(flat, depth):
    """[(kernel, bias), ...] from a flat vector, or from an array of them (leading axes are kept)."""
    flat = np.asarray(flat)
    parts = np.split(flat, np.cumsum(flat_sizes(depth))[:-1], axis=-1)
    lead = flat.shape[:-1]
    return [(parts[2 * i].reshape(lead + shape), parts[2 * i + 1])
            for i, shape in enumerate(layer_shapes(depth))]


def activate(z, activation):
    """The hidden layers' activation named `activation` (one of ACTIVATIONS), in TensorFlow."""
    if activation == "relu":
        return tf.nn.relu(z)
    return tf.nn.leaky_relu(z, alpha=LEAKY_SLOPE) if activation == "leaky_relu" else tf.tanh(z)


def normalize(z, axis):
    """Layer norm without gain or shift: z's units (along `axis`) to mean 0 and variance 1, for norm="layer"."""
    mean, var = tf.nn.moments(z, axes=[axis], keepdims=True)
    return (z - mean) * tf.math.rsqrt(var + NORM_EPSILON)


def _forward(flat, x, depth, activation="relu", residual=False, norm=None):
    """Hidden layers' outputs and the output, for inputs x of shape (batch, 1).

    With a stack of n parameter vectors, shape (n, P), and inputs (n, batch, 1): n nets at once.
    In the flat vector a layer's bias follows its kernel, so the two read as one (fan_in + 1, fan_out)
    matrix that multiplies [h, 1]: one fused kernel per layer instead of a product and a sum.
    activation, residual and norm (the module's docstring) are Python values: a compiled program holds one
    variant, and the plain ReLU net computes nothing for the others.
    """
    shapes = layer_shapes(depth)
    lead = flat.shape[:-1]
    ones = tf.ones_like(x[..., :1])
    activations, h = [], x
    parts = tf.split(flat, [(fan_in + 1) * fan_out for fan_in, fan_out in shapes], axis=-1)
    for i, (part, (fan_in, fan_out)) in enumerate(zip(parts, shapes)):
        z = tf.concat([h, ones], axis=-1) @ tf.reshape(part, lead + [fan_in + 1, fan_out])
        if i == depth:
            return activations, z
        if norm == "layer":
            z = normalize(z, axis=-1)
        a = activate(z, activation)
        h = h + a if residual and i > 0 else a          # the first layer (1 -> 16) has no input of its width
        activations.append(h)


def loss_and_grads(flat, x, depth, activation="relu", residual=False, norm=None):
    """The loss (x - 2 * output)^2, averaged over the batch, and its gradient for the flat vector.
    With n parameter vectors (n, P) and inputs (n, batch, 1): n losses and n gradients."""
    with tf.GradientTape() as tape:
        tape.watch(flat)
        _, out = _forward(flat, x, depth, activation, residual, norm)
        loss = tf.reduce_mean(tf.square(x - 2.0 * out), axis=[-2, -1])
    return loss, tape.gradient(loss, flat)


def _adam(grads, m, v, step, lr):
    """One Adam update, written as Keras 3's `keras.optimizers.Adam` computes it."""
    t = tf.cast(step + 1, tf.float32)
    alpha = lr * tf.sqrt(1.0 - ADAM_BETA_2 ** t) / (1.0 - ADAM_BETA_1 ** t)
    m = m + (grads - m) * (1.0 - ADAM_BETA_1)
    v = v + (tf.square(grads) - v) * (1.0 - ADAM_BETA_2)
    return alpha * m / (tf.sqrt(v) + ADAM_EPSILON), m, v


def capacity(steps, batch_size):
    """Compiled runs are sized for `capacity` steps and told the real number at run time: with one
    input per step, every run of up to 32,768 steps shares one compiled graph per depth."""
    return max(1 << (steps - 1).bit_length(), 2 ** 15 // batch_size)


@functools.lru_cache(maxsize=16)
def _inputs(max_steps, batch_size, seed):
    """The inputs of a run, drawn once per seed and kept: XLA's random numbers cost about 0.4 us
    each, more than the training steps that use them. The first `steps` of `max_steps` inputs are
    exactly a draw of `steps` (the generator is counter-based), so runs of any length agree."""
    return draw_inputs_like_train_net(max_steps, batch_size, tf.constant([seed, 0], tf.int32))


@functools.lru_cache(maxsize=64)
def compiled_trainer(depth, n_records, batch_size, max_steps, variant=PLAIN):
    """One XLA-compiled function per depth, number of recordings, batch size, capacity and variant of the net,
    (activation, residual, norm), which are the cache key.

    The weights, inputs, lr, clip, optimizer, steps and recording interval are tensors, so changing
    them re-uses the compiled graph instead of making a new one (each compiled graph keeps some
    tens of MB for as long as the kernel runs).
    """
    probe = tf.constant(PROBE_X[:, None])

    # autograph=False: the loops below are written as tf.while_loop directly, which traces
    # faster than letting autograph convert Python loops.
    @tf.function(jit_compile=True, autograph=False)
    def run(flat, xs, lr, clip, use_adam, steps, record_every):
        def update(grads, m, v, step):
            clipped = tf.clip_by_value(grads, -clip, clip)
            # Both updates are computed and one is selected, element-wise: XLA fuses that into the
            # step, where a tf.cond per step would cost more than the step itself.
            adam_update, m, v = _adam(clipped, m, v, step, lr)
            return tf.where(use_adam, adam_update, lr * clipped), m, v

        def step_body(step, flat, m, v, losses, max_abs_grad):
            loss, grads = loss_and_grads(flat, tf.gather(xs, step), depth, *variant)
            change, m, v = update(grads, m, v, step)
            # An element-wise running max fuses with the update; it is reduced at the end.
            max_abs_grad = tf.maximum(max_abs_grad, tf.abs(grads))
            return step + 1, flat - change, m, v, losses.write(step, loss), max_abs_grad

        def chunk(r, flat, m, v, losses, max_abs_grad, snapshots):
            # Keep the weights and Adam's state at the first step of each chunk; then train through it.
            start = r * record_every
            snapshots = tuple(ta.write(r, t) for ta, t in zip(snapshots, (flat, m, v)))
            _, flat, m, v, losses, max_abs_grad = tf.while_loop(
                lambda step, *_: step < tf.minimum(start + record_every, steps), step_body,
                (start, flat, m, v, losses, max_abs_grad))
            return r + 1, flat, m, v, losses, max_abs_grad, snapshots

        zeros = tf.zeros_like(flat)
        _, flat, _, _, losses, max_abs_grad, snapshots = tf.while_loop(
            lambda r, *_: r < n_records, chunk,
            (tf.constant(0), flat, zeros, zeros, tf.TensorArray(tf.float32, size=max_steps), zeros,
             tuple(tf.TensorArray(tf.float32, size=n_records) for _ in range(3))))
        weights, m, v = (ta.stack() for ta in snapshots)

        # The recordings, for all snapshots at once (cheaper than keeping them inside the loop): the
        # gradient and update of each chunk's first step, recomputed from its weights, Adam's state
        # and its input, and the hidden activations and estimates on the probe inputs.
        record_steps = tf.range(n_records) * record_every
        _, grads = loss_and_grads(weights, tf.gather(xs, record_steps), depth, *variant)
        updates, _, _ = update(grads, m, v, record_steps[:, None])
        probe_acts, probe_out = _forward(weights, tf.broadcast_to(probe, [n_records, len(PROBE_X), 1]), depth,
                                         *variant)
        return dict(losses=losses.stack(), max_abs_grad=max_abs_grad, params=flat, weights=weights,
                    grads=grads, updates=updates, activations=tf.stack(probe_acts, axis=1),
                    probe_estimates=2.0 * probe_out[:, :, 0])

    return run


def default_record_every(steps):
    """train_net's default interval between recordings: 100 recordings per run."""
    return max(1, steps // 100) if is_whole_number(steps) and steps >= 1 else 1


def _program(depth, start, steps, lr, optimizer, clip, seed, record_every, batch_size, variant):
    """train_net's compiled program and the arguments it is called with (one place: trace() uses it too)."""
    n_records = -(-steps // record_every)
    max_steps = capacity(steps, batch_size)
    run = compiled_trainer(depth, n_records, batch_size, max_steps, variant)
    args = (tf.constant(start), _inputs(max_steps, batch_size, seed), tf.constant(lr, tf.float32),
            tf.constant(clip, tf.float32), tf.constant(optimizer == "adam"), tf.constant(steps),
            tf.constant(record_every))
    return run, args


def trace(depth, steps=10_000):
    """Trace, without compiling or running, the program that train_net(depth=depth, steps=steps) runs (every
    init, seed, lr, clip and optimizer share it). The explorer traces its depths in a fixed order this way,
    so that XLA's persistent cache finds their programs (explorer.trace_all_depths)."""
    check_config(depth=depth, steps=steps)
    start = params_to_vector(initial_params(depth))
    run, args = _program(depth, start, steps, 1e-3, "sgd", 4.5, 0, default_record_every(steps), 1, PLAIN)
    run.get_concrete_function(*args)


def train_net(depth=1, init="seed", steps=10_000, lr=1e-3, optimizer="sgd", clip=4.5, seed=0,
              sigma=1e-3, bias=None, record_every=None, batch_size=1, logdir=None, activation="relu",
              residual=False, norm=None):
    """Train the seed's net to copy its input and return a TrainResult.

    depth         hidden ReLU layers of width 16 (1 = the seed's working net, 2 = its stuck one)
    init          "seed" (N(0, 1e-3) everywhere), "glorot" or "he" (bias 0.1), "normal" (N(0, sigma))
    bias          a number: start every bias at that constant instead of the init's own biases
    steps, lr     SGD/Adam steps, one x ~ U(-1, 1) each (or `batch_size` of them, loss averaged)
    optimizer     "sgd" or "adam"
    clip          every gradient entry is clipped to [-clip, clip] before the update
    seed          seeds the initial weights and the inputs: same seed, same run
    record_every  steps between recordings (default: 100 recordings per run)
    logdir        if given, also write TensorBoard histograms of weights and gradients there
    activation    of the hidden layers: "relu" (the seed's), "leaky_relu" (slope 0.2 for z < 0) or "tanh"
    residual      True: every 16 -> 16 hidden layer adds its input, h <- h + act(W h + b)
    norm          "layer": each hidden layer's pre-activation is normalised over its 16 units,
                  (z - mean) / sqrt(var + 1e-3), without a learned gain or shift (it works with one sample)
    The last three are the remedies of notebook 05, with trainability_map's definitions.

    Raises ValueError for a setting it cannot run, TrainingDiverged if the loss stops being finite.
    """
    if record_every is None:
        record_every = default_record_every(steps)
    check_config(depth=depth, init=init, steps=steps, lr=lr, optimizer=optimizer, clip=clip, seed=seed,
                 sigma=sigma, record_every=record_every, batch_size=batch_size, bias=bias,
                 activation=activation, residual=residual, norm=norm)
    bias = None if bias is None else float(bias)
    variant = (activation, bool(residual), norm)
    config = dict(depth=depth, init=init, steps=steps, lr=float(lr), optimizer=optimizer,
                  clip=float(clip), seed=seed, sigma=float(sigma), bias=bias,
                  record_every=record_every, batch_size=batch_size, activation=activation,
                  residual=bool(residual), norm=norm)

    start = params_to_vector(initial_params(depth, init, float(sigma), seed, bias))
    run, args = _program(depth, start, steps, lr, optimizer, clip, seed, record_every, batch_size, variant)
    n_records = -(-steps // record_every)
    out = {key: value.numpy() for key, value in run(*args).items()}

    # Per-layer views of the flat recordings.
    def kernels(flat):
        return [kernel.reshape(n_records, -1) for kernel, _ in vector_to_params(flat, depth)]

    weights = kernels(out["weights"])
    with np.errstate(over="ignore", invalid="ignore"):     # a diverged run's norms are inf or NaN: that is its record
        update_ratio = np.stack([np.linalg.norm(u, axis=1) / np.linalg.norm(w, axis=1)
                                 for u, w in zip(kernels(out["updates"]), weights)], axis=1)
    max_abs = vector_to_params(out["max_abs_grad"], depth)
    losses = out["losses"][:steps]
    bad = np.flatnonzero(~np.isfinite(losses))
    result = TrainResult(
        config=config, losses=losses,
        record_steps=np.arange(0, steps, record_every),
        weights=weights, biases=[bias for _, bias in vector_to_params(out["weights"], depth)],
        grads=kernels(out["grads"]),
        activations=[out["activations"][:, i].reshape(n_records, -1) for i in range(depth)],
        update_ratio=update_ratio,
        probe_x=PROBE_X.copy(), probe_estimates=out["probe_estimates"],
        max_abs_grad=np.array([max(k.max(), b.max()) for k, b in max_abs], dtype=np.float32),
        params=vector_to_params(out["params"], depth),
        diverged_at=int(bad[0]) if len(bad) else None)
    if logdir is not None:
        write_tensorboard(result, logdir)
    if result.diverged_at is not None:
        raise TrainingDiverged(result.diverged_at, result)
    return result


def write_tensorboard(result, logdir):
    """Write per-layer weight and gradient histograms over steps, and the loss, for TensorBoard."""
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        for r, step in enumerate(result.record_steps):
            for name, w, b, g in zip(result.layer_names, result.weights, result.biases, result.grads):
                tag = name.replace(" ", "_")
                tf.summary.histogram(f"{tag}/kernel", w[r], step=int(step))
                tf.summary.histogram(f"{tag}/bias", b[r], step=int(step))
                tf.summary.histogram(f"{tag}/kernel_grad", g[r], step=int(step))
        for step in range(0, len(result.losses), max(1, len(result.losses) // 1000)):
            tf.summary.scalar("loss", result.losses[step], step=step)
    writer.close()
