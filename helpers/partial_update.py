"""Notebooks 06-07: move output 2 while holding output 1 -- the set-up, the methods, the measurements.

    make_data, make_net        the question's data (x in [0,1]^3) and nets ("small", "relu")
    loss_out2, masked_loss     the loss on output 2 alone, and the same written with a 0/1 mask
    run_method                 train one method, recording loss2 and output 1's drift each step
    partial_update_table       every method side by side (the contract the tests use)
    one_step_drift             one plain and one projected step from the same start: how far each moves output 1
    drift_vs_lr, rank_vs_n     why projection is first-order, and where its room runs out
    penalty_mechanism          why a too-large penalty survives: J's largest singular value and the sigmoid slope

The projection itself (Jacobian, formula, one projected step) lives in helpers/projection.py, the
figures in helpers/plots_steering.py and the exercise checkers in helpers/checks/steering.py.
Everything runs in float64 so that the small drifts we measure are not float32 rounding.
"""
import numbers

import keras
import numpy as np
import tensorflow as tf

from .projection import flatten_tensors, held_jacobian, project_out, projected_step, split_like  # noqa: F401

NETS = {"small": (3, 4, 2), "small6": (3, 6, 2), "relu": (3, 32, 32, 2)}   # layer widths, input to output
METHODS = ("naive", "masked_loss", "head_only", "masked_loss_head", "null_space", "penalty",
           "null_space_gn", "null_space_anchored")
DTYPE = "float64"
EPS = 0.0              # ridge in the projection's (J J^T + eps I)^-1; 0 = exact
N_HELDOUT = 256        # inputs never trained on, to see what happens away from the batch
N_ANCHORS = {"small": 8, "small6": 8, "relu": 32}   # extra inputs the anchored projection holds output 1 on;
                                       # small: 8 + 8 rows stay below the 21 parameters out1 uses
PENALTY_LAM = 0.5      # the penalty's weight in the table: the largest round value stable at lr 0.1
BLOW_UP = 1e3          # a run has diverged once its loss is non-finite or this many times its start


# ----------------------------------------------------------------------------- set-up
def make_data(n_samples=8, seed=0, n_anchors=8):
    """The question's data: x ~ U[0,1]^3, y1 = x1+x2+x3, y2 = x1^2+x2^2+x3^2 (+ noise in [0, 0.01)).

    Returns (x, y, x_heldout, x_anchor) as float64 tensors: the batch, its targets, N_HELDOUT
    inputs never trained on, and n_anchors more inputs. Each comes from its own random
    stream, so the held-out and anchor inputs do not change with n_samples.
    """
    for name, value, low in (("n_samples", n_samples, 1), ("n_anchors", n_anchors, 0)):
        if not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}; got {value!r}")
    rng = np.random.default_rng([seed, 0])
    x = rng.random((n_samples, 3))
    y = np.stack([x.sum(axis=1), (x ** 2).sum(axis=1)], axis=1) + 0.01 * rng.random((n_samples, 2))
    x_heldout = np.random.default_rng([seed, 1]).random((N_HELDOUT, 3))
    x_anchor = np.random.default_rng([seed, 2]).random((n_anchors, 3))
    return tuple(tf.constant(a, dtype=DTYPE) for a in (x, y, x_heldout, x_anchor))


def make_net(net="small", seed=0):
    """"small": 3 -> 4 sigmoid -> 2 linear ("small6": 6 sigmoid units); "relu": 3 -> 32 ReLU -> 32 ReLU -> 2 linear.

    Every weight and bias is drawn from N(0, 0.1) (standard deviation 0.1), as in the question.
    """
    if net not in NETS:
        raise ValueError(f"net must be one of {', '.join(repr(n) for n in NETS)}; got {net!r}")
    sizes = NETS[net]
    hidden = "relu" if net == "relu" else "sigmoid"
    layers = [keras.Input((sizes[0],), dtype=DTYPE)]
    layers += [keras.layers.Dense(width, activation=hidden, dtype=DTYPE) for width in sizes[1:-1]]
    layers += [keras.layers.Dense(sizes[-1], dtype=DTYPE)]
    model = keras.Sequential(layers)
    rng = np.random.default_rng([seed, 3])
    for fan_in, fan_out, layer in zip(sizes[:-1], sizes[1:], model.layers):
        layer.set_weights([rng.normal(0.0, 0.1, (fan_in, fan_out)), rng.normal(0.0, 0.1, fan_out)])
    return model


def loss_out2(out, y):
    """Mean squared error of output 2 alone (the loss the question wants to lower)."""
    return tf.reduce_mean(tf.square(out[:, 1] - y[:, 1]))


def masked_loss(out, y, mask):
    """Mean squared error over the entries where mask == 1 (out, y and mask have one shape)."""
    if not out.shape == y.shape == mask.shape:
        raise ValueError(f"out, y and mask must have the same shape; got {tuple(out.shape)}, "
                         f"{tuple(y.shape)}, {tuple(mask.shape)}")
    return tf.reduce_sum(mask * tf.square(out - y)) / tf.reduce_sum(mask)


def head_mask(model):
    """0/1 per parameter: 1 only on output 2's own head, the last layer's column 1 and bias 1."""
    masks = [np.zeros(v.shape) for v in model.trainable_variables]
    masks[-2][:, 1] = 1.0
    masks[-1][1] = 1.0
    return [tf.constant(m, dtype=DTYPE) for m in masks]


# ----------------------------------------------------------------------------- training
def _make_step(method, model, x, y, lr, lam, x_anchor):
    """A compiled function taking one step of `method`; returns the loss it lowered."""
    variables = model.trainable_variables
    mask = tf.constant(np.tile([0.0, 1.0], (x.shape[0], 1)), dtype=DTYPE)     # hide output 1
    out1_start = tf.identity(model(x)[:, 0])
    masks = head_mask(model) if method == "head_only" else [tf.ones_like(v) for v in variables]
    trained = variables[-2:] if method == "masked_loss_head" else variables

    def sgd(loss_fn):
        with tf.GradientTape() as tape:
            loss = loss_fn(model(x))
        for v, g, m in zip(trained, tape.gradient(loss, trained), masks[-len(trained):]):
            v.assign_sub(lr * g * m)
        return loss

    def step():
        if method in ("naive", "head_only"):
            return sgd(lambda out: loss_out2(out, y))
        if method in ("masked_loss", "masked_loss_head"):
            return sgd(lambda out: masked_loss(out, y, mask))
        if method == "penalty":
            return sgd(lambda out: loss_out2(out, y) + lam * tf.reduce_sum(tf.square(out[:, 0] - out1_start)))
        return projected_step(model, variables, x, lambda out: loss_out2(out, y), hold=(0,), lr=lr,
                              eps=EPS, gauss_newton=method == "null_space_gn",
                              anchors=x_anchor if method == "null_space_anchored" else None)
    return tf.function(step, autograph=False)


def run_method(method, net="small", n_samples=8, steps=200, lr=0.1, seed=0, lam=PENALTY_LAM, keep_model=False):
    """Train output 2 by `method` for `steps` SGD steps; record loss2 and output 1's drift.

    Returns a dict of arrays indexed by step 0..steps ("loss2", "drift_train", "drift_heldout"
    = max |out1(t) - out1(0)|, "mean_drift_train", "mean_drift_heldout") and "diverged_at":
    None, or the step whose loss was non-finite or BLOW_UP times its start (the arrays then
    stop there, so nothing non-finite is ever returned). With keep_model, also "model" (as trained)
    and "x" (the batch).
    """
    _check_run_args(net, steps, lr, seed)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not (isinstance(lam, numbers.Real) and np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam must be a finite number >= 0; got {lam!r}")
    x, y, x_heldout, x_anchor = make_data(n_samples, seed, N_ANCHORS[net])
    model = make_net(net, seed)
    step = _make_step(method, model, x, y, lr, lam, x_anchor)
    measure = tf.function(lambda: (model(x), model(x_heldout)[:, 0]), autograph=False)
    out, out1_heldout = measure()
    start = out[:, 0].numpy(), out1_heldout.numpy()
    record = {key: [] for key in ("loss2", "drift_train", "mean_drift_train",
                                  "drift_heldout", "mean_drift_heldout")}
    first_loss, diverged_at = None, None
    for t in range(steps + 1):
        out, out1_heldout = measure()
        if not np.all(np.isfinite(out.numpy())):
            diverged_at = t
            break
        d_train = np.abs(out[:, 0].numpy() - start[0])
        d_held = np.abs(out1_heldout.numpy() - start[1])
        for key, value in (("loss2", loss_out2(out, y)), ("drift_train", d_train.max()),
                           ("mean_drift_train", d_train.mean()), ("drift_heldout", d_held.max()),
                           ("mean_drift_heldout", d_held.mean())):
            record[key].append(float(value))
        if t == steps:
            break
        loss = float(step())
        first_loss = loss if first_loss is None else first_loss
        if not np.isfinite(loss) or loss > BLOW_UP * first_loss:
            diverged_at = t
            break
    history = {key: np.array(values) for key, values in record.items()}
    history["diverged_at"] = diverged_at
    if keep_model:
        history["model"], history["x"] = model, x
    return history


def _check_run_args(net, steps, lr, seed):
    if net not in NETS:
        raise ValueError(f"net must be one of {', '.join(repr(n) for n in NETS)}; got {net!r}")
    if not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1; got {steps!r}")
    if not (isinstance(lr, numbers.Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")


def partial_update_table(n_samples=8, steps=200, lr=0.1, seed=0, net="small", methods=METHODS):
    """Every method trained the same way; the final numbers side by side.

    Returns {method: {"loss2", "drift_train", "drift_heldout", "mean_drift_train",
    "mean_drift_heldout", "diverged_at", "history"}}: the final loss on output 2, the max
    (and mean) |out1 - out1 at the start| on the batch and on held-out inputs, and the whole
    run from run_method. Same arguments, same numbers.
    """
    _check_run_args(net, steps, lr, seed)
    table = {}
    for method in methods:
        history = run_method(method, net, n_samples, steps, lr, seed)
        table[method] = {key: float(history[key][-1]) for key in
                         ("loss2", "drift_train", "drift_heldout", "mean_drift_train", "mean_drift_heldout")}
        table[method]["diverged_at"] = history["diverged_at"]
        table[method]["history"] = history
    return table


def format_table(table):
    """The table as aligned text, numbers to 3 significant figures."""
    lines = [f"{'method':<20}{'loss2':>10}{'drift train':>13}{'(mean)':>10}"
             f"{'drift held-out':>16}{'(mean)':>10}"]
    for method, row in table.items():
        lines.append(f"{method:<20}{row['loss2']:>10.3g}{row['drift_train']:>13.3g}"
                     f"{row['mean_drift_train']:>10.3g}{row['drift_heldout']:>16.3g}"
                     f"{row['mean_drift_heldout']:>10.3g}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- measurements
def drift_vs_lr(lrs, net="small", n_samples=8, seed=0, eps=EPS):
    """One projected step from the same start at each learning rate; how far output 1 moves.

    eps is the projection's ridge: a huge eps removes nothing, which makes it a plain step.
    Returns {"lr", "drift" (max |delta out1| on the batch), "switched" (ReLU units on the batch
    that turned on or off; 0 for the sigmoid net), "slope" (of log drift against log lr)}.
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or len(lrs) < 2 or not np.all(lrs > 0):
        raise ValueError(f"lrs must be at least two learning rates > 0; got {lrs}")
    x, y, _, _ = make_data(n_samples, seed)
    model = make_net(net, seed)
    start = [v.numpy() for v in model.trainable_variables]
    out1_start, pattern_start = model(x)[:, 0], _relu_pattern(model, x)
    drift, switched = [], []
    for lr in lrs:
        model.set_weights(start)
        projected_step(model, model.trainable_variables, x, lambda out: loss_out2(out, y),
                       hold=(0,), lr=float(lr), eps=eps)
        drift.append(float(tf.reduce_max(tf.abs(model(x)[:, 0] - out1_start))))
        switched.append(int(np.sum(_relu_pattern(model, x) != pattern_start)))
    drift = np.array(drift)
    slope = float(np.polyfit(np.log(lrs), np.log(drift), 1)[0])
    return {"lr": lrs, "drift": drift, "switched": np.array(switched), "slope": slope}


def _relu_pattern(model, x):
    """Which ReLU units are on, for each input (empty for nets without ReLU)."""
    pattern, h = [], x
    for layer in model.layers:
        h = layer(h)
        if layer.activation is keras.activations.relu:
            pattern.append(h.numpy() > 0)
    return np.concatenate([p.ravel() for p in pattern]) if pattern else np.zeros(0, bool)


def rank_vs_n(ns, net="small", seed=0):
    """For each batch size n: the rank of output 1's Jacobian J, and what projection leaves.

    Returns {"n", "rank", "n_params" (all), "depends" (parameters with a non-zero column in J
    at the largest n: the ones output 1 depends on), "outside_head" (share of the projected
    gradient's norm outside output 2's own head; 0 means projection = head-only training)}.
    """
    ns = np.asarray(ns)
    if ns.ndim != 1 or len(ns) == 0 or not all(isinstance(n, numbers.Integral) and n >= 1 for n in ns.tolist()):
        raise ValueError(f"ns must be a list of whole numbers >= 1; got {ns}")
    model = make_net(net, seed)
    variables = model.trainable_variables
    in_head = flatten_tensors(head_mask(model)).numpy() > 0
    ranks, outside = [], []
    for n in ns.tolist():
        x, y, _, _ = make_data(n, seed)
        J = held_jacobian(model, variables, x, hold=(0,))
        with tf.GradientTape() as tape:
            loss = loss_out2(model(x), y)
        g = project_out(flatten_tensors(tape.gradient(loss, variables)), J, EPS).numpy()
        ranks.append(int(np.linalg.matrix_rank(J.numpy())))
        outside.append(float(np.linalg.norm(g[~in_head]) / np.linalg.norm(g)))
    return {"n": ns, "rank": np.array(ranks), "n_params": int(J.shape[1]),
            "depends": int(np.sum(np.any(J.numpy() != 0, axis=0))), "outside_head": np.array(outside)}


def one_step_drift(net="small", seed=0, lr=0.1, n_samples=8):
    """One plain and one projected SGD step on the loss on output 2, from the same start.

    Returns {"plain", "projected"}: max |delta out1| on the batch after each step, and
    {"out2_plain", "out2_projected"}: mean |delta out2| (how far the step moved what it trains), and
    "switched": ReLU units on the batch that the projected step turned on or off (0 for sigmoid nets).
    """
    _check_run_args(net, 1, lr, seed)
    x, y, _, _ = make_data(n_samples, seed)
    model = make_net(net, seed)
    variables = model.trainable_variables
    start, out_start, pattern = [v.numpy() for v in variables], model(x), _relu_pattern(model, x)
    result = {}
    for name, eps in (("plain", None), ("projected", EPS)):
        model.set_weights(start)
        if eps is None:
            with tf.GradientTape() as tape:
                loss = loss_out2(model(x), y)
            for v, g in zip(variables, tape.gradient(loss, variables)):
                v.assign_sub(lr * g)
        else:
            projected_step(model, variables, x, lambda out: loss_out2(out, y), hold=(0,), lr=lr, eps=eps)
        change = np.abs((model(x) - out_start).numpy())
        result[name], result[f"out2_{name}"] = float(change[:, 0].max()), float(change[:, 1].mean())
    result["switched"] = int(np.sum(_relu_pattern(model, x) != pattern))
    model.set_weights(start)
    return result


def penalty_mechanism(lam, seeds=range(10), steps=200, lr=0.1):
    """The penalty run with weight `lam` on the small sigmoid net, for each seed: what happened to J.

    Returns arrays over seeds: "diverged_at" (-1 if it did not), "sigma_start", "sigma_end" (the largest
    singular value of output 1's Jacobian on the batch; nan if diverged), "slope_start", "slope_end"
    (the hidden sigmoid units' mean slope h (1 - h) on the batch: 0.25 at h = 0.5, near 0 when saturated).
    """
    keys = ("diverged_at", "sigma_start", "sigma_end", "slope_start", "slope_end")
    found = {key: [] for key in keys}
    for seed in seeds:
        x, _, _, _ = make_data(8, seed)
        start = make_net("small", seed)
        run = run_method("penalty", net="small", steps=steps, lr=lr, seed=seed, lam=lam, keep_model=True)
        values = [_sigma_and_slope(start, x)]
        values.append(_sigma_and_slope(run["model"], x) if run["diverged_at"] is None else (np.nan, np.nan))
        found["diverged_at"].append(-1 if run["diverged_at"] is None else run["diverged_at"])
        found["sigma_start"].append(values[0][0])
        found["slope_start"].append(values[0][1])
        found["sigma_end"].append(values[1][0])
        found["slope_end"].append(values[1][1])
    return {key: np.array(value) for key, value in found.items()}


def _sigma_and_slope(model, x):
    J = held_jacobian(model, model.trainable_variables, x, hold=(0,)).numpy()
    h = model.layers[0](x).numpy()
    return float(np.linalg.svd(J, compute_uv=False)[0]), float(np.mean(h * (1 - h)))
