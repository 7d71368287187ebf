"""trainability_map(): many nets of the seed's task trained at once, one compiled XLA program for every depth.

Every cell of the map is the seed's net (1 -> depth x 16 ReLU -> 1, estimate 2 * output, one x ~ U(-1, 1) per
step, every gradient entry clipped to [-clip, clip]) started from N(0, sigma) kernels and biases:
exactly `train_net(depth=..., init="normal", sigma=..., seed=...)`, with the same initial weights and the same
inputs. The nets of one depth (all sigmas x seeds) travel together through one `tf.while_loop` over the steps,
so a step is a few batched products for all of them; inside a step the 16 -> 16 layers are a loop too, so one
small program (one layer of it written out) trains every depth of a map.

The remedies are options of the same program (the plain net is the default):
    activation  "relu" (the seed's), "leaky_relu" (slope 0.2 for x < 0) or "tanh"
    residual    True: every 16 -> 16 hidden layer adds its input, h <- h + act(W h + b)
    norm        "layer": each hidden layer's pre-activation is normalised over its 16 units, (z - mean) /
                sqrt(var + 1e-3), without a learned gain or shift, so it works with one sample per step
    optimizer   "adam" instead of "sgd" (Keras' defaults, as train_net)
"""
import concurrent.futures
import dataclasses
import functools
import math
import os

import numpy as np
import tensorflow as tf

from . import diagnosis
from .training import (GRID, MAX_DEPTH, MEMORY_LIMIT, WIDTH, _adam, _inputs, activate as _act, capacity,
                       check_config, check_depth, initial_params, layer_shapes, normalize, params_to_vector)

GLOROT_SIGMA = math.sqrt(2.0 / (WIDTH + WIDTH))   # Glorot's std for a 16 -> 16 layer: 0.25
HE_SIGMA = math.sqrt(2.0 / WIDTH)                 # He's std for a 16 -> 16 ReLU layer: 0.354
WORKERS = min(2, os.cpu_count() or 1)    # depths trained at the same time
COLOURS = {"learns": "#4daf4a", "stuck": "#9e9ecf", "exploded": "#ff7f00", "diverged": "#e41a1c"}


# ----------------------------------------------------------------------------------------------
# Input checking

def check_map_config(depths, sigmas, seeds, *, steps, lr, optimizer, clip, activation, residual, norm):
    """Raise ValueError, naming the valid choices, for a map that cannot run (train_net's rules, and ~1 GB)."""
    for name, values in (("depths", depths), ("sigmas", sigmas), ("seeds", seeds)):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) == 0:
            raise ValueError(f"{name} must be a non-empty list, got {values!r}")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"{name} must not repeat a value, got {list(values)!r}")
    for depth in depths:
        check_depth(depth)
    for sigma in sigmas:
        check_config(depth=1, sigma=sigma)
    for seed in seeds:
        check_config(depth=1, seed=seed)
    check_config(depth=max(depths), steps=steps, lr=lr, optimizer=optimizer, clip=clip, record_every=steps,
                 activation=activation, residual=residual, norm=norm)
    needed = map_bytes(len(depths), len(sigmas) * len(seeds), max(depths), steps)
    if needed > MEMORY_LIMIT:
        raise ValueError(f"this map would need about {needed / 1e9:.1f} GB for its losses and inputs, over the "
                         f"course's limit of {MEMORY_LIMIT / 1e9:.0f} GB: use fewer cells, seeds or steps")


def map_bytes(n_depths, nets_per_depth, max_depth, steps):
    """About how many bytes a map takes: the losses of every step of the depths in training (WORKERS at a time;
    float32 from the program, float64 twice in diagnosis.outcome), the inputs of one depth's program, and the
    parameters with Adam's state."""
    n_params = sum((fan_in + 1) * fan_out for fan_in, fan_out in layer_shapes(max_depth))
    losses = min(n_depths, WORKERS) * nets_per_depth * steps * 6
    program = nets_per_depth * (capacity(steps, 1) * 2 + 8 * n_params)
    return 4 * (losses + program)


# ----------------------------------------------------------------------------------------------
# The network with the remedies, one layer at a time

def _switches(activation="relu", residual=False, norm=None):
    """The variant of the net, fixed when a program is compiled: the plain ReLU net computes nothing it does not
    use (computing every variant and selecting one at run time made the plain map several times slower)."""
    return (activation, bool(residual), norm == "layer")


def _dense(h, w):
    """z[k, b, n] = sum_j [h, 1][j, b, n] w[j, k, n]: n nets' layers at once for a batch of b inputs.

    The nets are the LAST axis: every product and sum runs along contiguous memory across the nets (SIMD) and
    XLA fuses a layer into a loop or two. A layer's bias is the last row of w, as it follows the kernel in
    train_net's flat vector."""
    return tf.reduce_sum(tf.concat([h, tf.ones_like(h[:1])], axis=0)[:, None] * w, axis=0)


def _hidden(h, w, switches, first=False):
    """One hidden layer: act(norm(W h + b)), plus h itself for a residual 16 -> 16 layer."""
    activation, residual, norm = switches
    z = _dense(h, w)
    if norm:
        z = normalize(z, axis=0)                          # units are the first axis here
    a = _act(z, activation)
    return h + a if residual and not first else a


def _layers(depth, body, state):
    """Run state = body(i, *state) for i = 0 .. depth - 2, the 16 -> 16 layers, in one tf.while_loop (depth is
    a run-time tensor): the compiled program holds one layer however deep the net, and one program serves every
    depth. (With every layer written out, programs took 150-280 MB each to compile and kept 50-60 MB each.)"""
    return tf.while_loop(lambda i, *_: i < depth - 1, lambda i, *s: (i + 1,) + tuple(body(i, *s)),
                         (tf.constant(0),) + tuple(state))[1:]


def forward(params, x, depth, switches):
    """The output, shape (batch, n), of n nets of `depth` hidden layers for inputs x of shape (batch, n).
    params = (first (2, 16, 1, n), hidden (slots, 17, 16, 1, n), out (17, 1, 1, n)), from stacked_params:
    hidden layers depth .. slots of the stack are zeros that no turn of the loop reads."""
    first, hidden, out = params
    h = _hidden(x[None], first, switches, first=True)
    h, = _layers(depth, lambda i, h: (_hidden(h, hidden[i], switches),), (h,))
    return _dense(h, out)[0]


def stacked_params(depth, sigma, seed, slots):
    """train_net's initial weights for N(0, sigma), split as forward() reads them, for one net (no last axis):
    first (2, 16), the 16 -> 16 layers (slots, 17, 16) with zero layers after the first depth - 1, out (17, 1);
    a layer's bias is its last row."""
    vector = params_to_vector(initial_params(depth, "normal", sigma, seed))
    first, rest = vector[:2 * WIDTH], vector[2 * WIDTH:]
    hidden = np.zeros((slots, WIDTH + 1, WIDTH), np.float32)
    hidden[:depth - 1] = rest[:-(WIDTH + 1)].reshape(depth - 1, WIDTH + 1, WIDTH)
    return first.reshape(2, WIDTH), hidden, rest[-(WIDTH + 1):].reshape(WIDTH + 1, 1)


def _train_step(params, state, x, step, depth, lr, clip, adam, switches):
    """One step of n nets (x: (1, n)): forward through the layers, keeping each one's input; then backward, one
    layer at a time from the top, each layer's gradient taken by GradientTape on that layer alone, clipped
    entry by entry and applied (SGD or Adam). Returns (params, state, loss (n,)).

    The same step as train_net's: every gradient is that of the weights before the step (a layer's new weights
    go to a new stack, of zeros where no layer is; the gradient that flows to the layer below is taken with the
    old ones). Writing them into the old stack instead made XLA copy the whole stack twice per layer: 13x
    slower."""
    first, hidden, out = params
    slots = hidden.shape[0]
    adam_state = state if adam else ((None, None),) * 3

    def update(w, g, m, v):
        g = tf.clip_by_value(g, -clip, clip)
        if not adam:
            return w - lr * g, m, v
        change, m, v = _adam(g, m, v, step, lr)
        return w - change, m, v

    def stack(like):
        return tf.TensorArray(tf.float32, size=slots, element_shape=like.shape[1:])

    h1 = _hidden(x[None], first, switches, first=True)
    h, inputs = _layers(depth, lambda i, h, inputs: (_hidden(h, hidden[i], switches), inputs.write(i, h)),
                        (h1, stack(h1[None])))

    with tf.GradientTape() as tape:
        tape.watch([h, out])
        loss = tf.square(x - 2.0 * _dense(h, out)[0])[0]
    dh, d_out = tape.gradient(loss, [h, out])
    out, m_out, v_out = update(out, d_out, *adam_state[2])

    m_hidden, v_hidden = adam_state[1]

    def back(k, dh, new_w, new_m, new_v):
        i = depth - 2 - k                                 # from the top layer down
        w, h_in = hidden[i], inputs.read(i)
        with tf.GradientTape() as tape:
            tape.watch([h_in, w])
            h_out = _hidden(h_in, w, switches)
        dh_in, dw = tape.gradient(h_out, [h_in, w], output_gradients=dh)
        w, m_i, v_i = update(w, dw, *((m_hidden[i], v_hidden[i]) if adam else (None, None)))
        if adam:
            new_m, new_v = new_m.write(i, m_i), new_v.write(i, v_i)
        return dh_in, new_w.write(i, w), new_m, new_v

    moments = (stack(hidden), stack(hidden)) if adam else (tf.zeros(()), tf.zeros(()))
    dh, new_w, new_m, new_v = _layers(depth, back, (dh, stack(hidden)) + moments)
    hidden = new_w.stack()
    if adam:
        m_hidden, v_hidden = new_m.stack(), new_v.stack()

    with tf.GradientTape() as tape:
        tape.watch(first)
        h1 = _hidden(x[None], first, switches, first=True)
    first, m_first, v_first = update(first, tape.gradient(h1, first, output_gradients=dh), *adam_state[0])
    state = ((m_first, v_first), (m_hidden, v_hidden), (m_out, v_out)) if adam else state
    return (first, hidden, out), state, loss


@functools.lru_cache(maxsize=64)
def compiled_map_trainer(slots, n_nets, max_steps, adam, switches=("relu", False, False)):
    """One XLA program that trains `n_nets` nets of any depth up to slots + 1; the depth, steps, lr and clip are
    run-time tensors; the optimizer and the variant of the net (switches) are fixed. So notebook 05 compiles
    six programs, one per map, and each keeps ~10-20 MB for as long as the kernel runs."""
    grid = tf.constant(np.repeat(GRID[:, None], n_nets, axis=1))

    @tf.function(jit_compile=True, autograph=False)
    def run(first, hidden, out, xs, lr, clip, steps, depth):
        params = (first, hidden, out)
        # Adam's moments have the shapes of the weights; SGD carries nothing.
        state = tuple((tf.zeros_like(p), tf.zeros_like(p)) for p in params) if adam else ()

        def step_body(step, params, state, losses):
            params, state, loss = _train_step(params, state, tf.gather(xs, step), step, depth, lr, clip, adam,
                                              switches)
            return step + 1, params, state, losses.write(step, loss)

        _, params, _, losses = tf.while_loop(
            lambda step, *_: step < steps, step_body,
            (tf.constant(0), params, state, tf.TensorArray(tf.float32, size=max_steps)))
        return losses.stack(), 2.0 * forward(params, grid, depth, switches)

    return run


# ----------------------------------------------------------------------------------------------
# The map

@dataclasses.dataclass(frozen=True)
class TrainabilityMap:
    """The outcome of every cell and seed. Arrays are indexed [depth, sigma, seed]."""
    depths: tuple
    sigmas: tuple
    seeds: tuple
    config: dict
    outcome: np.ndarray        # strings from diagnosis.OUTCOMES
    mean_error: np.ndarray     # mean |estimate - x| over 101 x in [-1, 1] after training (NaN if diverged)
    final_loss: np.ndarray     # mean loss of the last 1,000 steps (or of the last tenth of a shorter run)
    seconds: float             # wall-clock time of the whole map, compiling included

    def learned_fraction(self):
        """(depths, sigmas): the fraction of seeds that learned."""
        return np.mean(self.outcome == "learns", axis=-1)

    def counts(self):
        """{outcome: number of runs} over the whole map."""
        return {name: int(np.sum(self.outcome == name)) for name in diagnosis.OUTCOMES}

    def majority(self):
        """(depths, sigmas): the most common outcome of each cell (ties go to the earlier in OUTCOMES)."""
        counts = np.stack([np.sum(self.outcome == name, axis=-1) for name in diagnosis.OUTCOMES], axis=-1)
        return np.array(diagnosis.OUTCOMES)[np.argmax(counts, axis=-1)]

    def band(self, at_least=0.5):
        """(depths,): how many decades of sigma learned in at least `at_least` of the seeds (0 if none); the
        sigmas are assumed log-spaced evenly, and each cell counts for one grid step."""
        if len(self.sigmas) < 2:
            return np.zeros(len(self.depths))
        step = np.log10(self.sigmas[-1] / self.sigmas[0]) / (len(self.sigmas) - 1)
        return np.sum(self.learned_fraction() >= at_least, axis=-1) * step

    def plot(self, ax=None, title=None, theory=True, annotate=True):
        """The map: depth against log sigma, each cell coloured by its most common outcome, with the fraction
        of seeds that learned written in it; Glorot's and He's sigma and the chain-rule lines drawn on top."""
        return plot_map(self, ax=ax, title=title, theory=theory, annotate=annotate)


def trainability_map(depths=tuple(range(1, 17)), sigmas=tuple(np.logspace(-3, 0.5, 16)), seeds=(0, 1, 2),
                     steps=10_000, lr=1e-3, optimizer="sgd", clip=4.5, activation="relu", residual=False,
                     norm=None):
    """Train every (depth, sigma, seed) net of the seed's task and say what happened to each.

    depths      hidden layers, each from 1 to 20
    sigmas      std of the N(0, sigma) initial kernels and biases (train_net's init="normal")
    seeds       each seeds the initial weights and the inputs, as in train_net
    steps, lr, optimizer, clip   as in train_net
    activation, residual, norm   the remedies (see the module's docstring); the defaults are the seed's net
    Returns a TrainabilityMap; raises ValueError for settings it cannot run.
    """
    import time

    check_map_config(depths, sigmas, seeds, steps=steps, lr=lr, optimizer=optimizer, clip=clip,
                     activation=activation, residual=residual, norm=norm)
    start_time = time.perf_counter()
    depths, sigmas, seeds = tuple(int(d) for d in depths), tuple(float(s) for s in sigmas), tuple(seeds)
    switches = _switches(activation, residual, norm)
    max_steps = capacity(steps, 1)
    # Every net of a depth sees its seed's inputs: net k = (sigma k // len(seeds), seed k % len(seeds)).
    per_seed = tf.concat([_inputs(max_steps, 1, seed) for seed in seeds], axis=2)     # (max_steps, 1, seeds)
    xs = tf.tile(per_seed, [1, 1, len(sigmas)])                                          # (max_steps, 1, n)
    n = len(sigmas) * len(seeds)
    slots = max(1, max(depths) - 1)      # room for the deepest net's 16 -> 16 layers, in one program
    tail = max(1, min(1000, steps // 10))
    outcomes = np.empty((len(depths), n), dtype=object)
    final_loss = np.empty((len(depths), n), np.float32)
    errors = np.empty((len(depths), n))

    def train_depth(i):
        depth = depths[i]
        nets = [stacked_params(depth, sigma, seed, slots) for sigma in sigmas for seed in seeds]
        # Each part with the nets as its last axis and a batch axis of 1 before them (forward's layout).
        first, hidden, out = (tf.constant(np.stack(part, axis=-1)[..., None, :]) for part in zip(*nets))
        run = compiled_map_trainer(slots, n, max_steps, optimizer == "adam", switches)
        loss, estimates = run(first, hidden, out, xs, tf.constant(lr, tf.float32), tf.constant(clip, tf.float32),
                              tf.constant(steps), tf.constant(depth))
        losses = loss.numpy()[:steps].T
        with np.errstate(invalid="ignore", over="ignore"):
            errors[i] = np.mean(np.abs(estimates.numpy() - GRID[:, None]), axis=0)
        # Judged per depth: the whole map's losses in float64 (diagnosis.outcome) would take ~200 MB at once.
        outcomes[i] = diagnosis.outcome(losses, errors[i])
        final_loss[i] = losses[:, -tail:].mean(-1)

    # One program, run once per depth; with two cores, two depths train at once (TensorFlow releases the GIL
    # while a compiled program runs). Deepest first, so the last to finish is a short one.
    order = sorted(range(len(depths)), key=lambda i: -depths[i])
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(train_depth, order))
    shape = (len(depths), len(sigmas), len(seeds))
    outcome = outcomes.astype(str).reshape(shape)
    config = dict(steps=steps, lr=float(lr), optimizer=optimizer, clip=float(clip), activation=activation,
                  residual=bool(residual), norm=norm)
    return TrainabilityMap(depths=depths, sigmas=sigmas, seeds=seeds, config=config, outcome=outcome,
                           mean_error=errors.reshape(shape), final_loss=final_loss.reshape(shape),
                           seconds=time.perf_counter() - start_time)


# ----------------------------------------------------------------------------------------------
# The chain rule's prediction (notebook 02's rule, for N(0, sigma) kernels and biases)

def predicted_first_grad(depth, sigma, width=WIDTH):
    """Predicted std of the first layer's kernel gradient at initialisation, for N(0, sigma) weights and biases.

    Forward, as theory.predict_grad_std: E[z^2] = fan_in sigma^2 E[a^2] + sigma^2, E[a^2] = E[z^2] / 2, from
    E[x^2] = 1/3. The output's error: dL/d(out) = -4 (x - 2 out), so E[delta_out^2] = 16 (1/3 + 4 E[out^2]).
    Backward: each ReLU layer multiplies E[delta^2] by fan_out sigma^2 / 2 (the last hidden layer's fan_out is
    the one output). The gradient of a first-layer kernel entry is x delta_1: std sqrt(E[x^2] E[delta_1^2]).
    Works element-wise on arrays of depth and sigma.
    """
    depth = np.asarray(depth, dtype=float)
    s2 = np.asarray(sigma, dtype=float) ** 2
    a_sq = (s2 / 3.0 + s2) / 2.0                         # after hidden layer 1
    a_sq = a_sq * (width * s2 / 2.0) ** (depth - 1) + _geometric(width * s2 / 2.0, depth - 1) * s2 / 2.0
    out_sq = width * s2 * a_sq + s2
    delta_sq = 16.0 * (1.0 / 3.0 + 4.0 * out_sq) * (s2 / 2.0) * (width * s2 / 2.0) ** (depth - 1)
    return np.sqrt(delta_sq / 3.0)


def _geometric(r, n):
    """1 + r + ... + r^(n-1), element-wise (n may be 0)."""
    r, n = np.broadcast_arrays(np.asarray(r, float), np.asarray(n, float))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(np.isclose(r, 1.0), n, (r ** n - 1.0) / np.where(np.isclose(r, 1.0), 2.0, r - 1.0))


def theory_lines(depths, steps=10_000, lr=1e-3, clip=4.5, sigmas=None):
    """For each depth: (sigma below which the prediction says the first layer cannot move by its own size in
    `steps` SGD steps, lr * steps * gradient < sigma; sigma above which its gradient exceeds the clip).
    NaN where no sigma in the range crosses."""
    if sigmas is None:
        sigmas = np.logspace(-4, 1, 2001)
    vanish, explode = [], []
    for depth in depths:
        g = predicted_first_grad(depth, sigmas)
        moves = lr * steps * g >= sigmas
        vanish.append(sigmas[np.argmax(moves)] if moves.any() and not moves[0] else np.nan)
        over = g > clip
        explode.append(sigmas[np.argmax(over)] if over.any() and not over[0] else np.nan)
    return np.array(vanish), np.array(explode)


# ----------------------------------------------------------------------------------------------
# The figure

def plot_map(tmap, ax=None, title=None, theory=True, annotate=True):
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 6.5))
    else:
        fig = ax.figure
    log_s = np.log10(tmap.sigmas)
    half = (log_s[1] - log_s[0]) / 2 if len(log_s) > 1 else 0.25
    x_edges = np.concatenate([log_s - half, [log_s[-1] + half]])
    y_edges = np.arange(len(tmap.depths) + 1) - 0.5
    codes = np.vectorize(diagnosis.OUTCOMES.index)(tmap.majority())
    ax.pcolormesh(x_edges, y_edges, codes, cmap=ListedColormap([COLOURS[o] for o in diagnosis.OUTCOMES]),
                  vmin=-0.5, vmax=len(diagnosis.OUTCOMES) - 0.5)
    n_seeds = len(tmap.seeds)
    if annotate:
        fontsize = 7 if len(tmap.sigmas) <= 20 else 5
        for i in range(len(tmap.depths)):
            for j in range(len(tmap.sigmas)):
                learned = int(np.sum(tmap.outcome[i, j] == "learns"))
                ax.text(log_s[j], i, f"{learned}/{n_seeds}", ha="center", va="center", fontsize=fontsize)
    handles = [Patch(color=COLOURS[o], label=o) for o in diagnosis.OUTCOMES]
    for value, name, style in ((GLOROT_SIGMA, "Glorot σ = 0.25", ":"), (HE_SIGMA, "He σ = 0.354", "--")):
        handles.append(ax.axvline(np.log10(value), color="black", linestyle=style, linewidth=1.2, label=name))
    if theory:
        cfg = tmap.config
        vanish, explode = theory_lines(tmap.depths, cfg["steps"], cfg["lr"], cfg["clip"])
        rows = np.arange(len(tmap.depths))
        handles += ax.plot(np.log10(vanish), rows, "b-o", markersize=3,
                           label="theory: first layer moves < its σ in the run")
        handles += ax.plot(np.log10(explode), rows, "r-o", markersize=3,
                           label=f"theory: first-layer gradient > clip {cfg['clip']:g}")
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    ax.set_yticks(range(len(tmap.depths)), [str(d) for d in tmap.depths])
    ax.set_xlabel("log10 σ of the N(0, σ) initial weights and biases")
    ax.set_ylabel("depth (hidden layers of 16)")
    if title is None:
        cfg = tmap.config
        title = (f"Trainability map: {cfg['optimizer'].upper()} lr {cfg['lr']:g}, {cfg['steps']:,} steps; "
                 f"cell text = seeds that learned")
    ax.set_title(title)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    return fig
