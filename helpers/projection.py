"""Steer a gradient step: lower a loss while holding chosen outputs still (to first order).

The reusable part of notebooks 06-07, for any Keras model (or any function of some variables):

    held_jacobian(model, variables, x, hold)   J = d(held outputs on x) / d(all parameters)
    project_out(g, J, eps)                     g - J^T (J J^T + eps I)^-1 J g
    gauss_newton_correction(J, r, eps)         -J^T (J J^T + eps I)^-1 r
    projected_step(model, variables, x, loss_fn, hold=(0,), lr=0.1, eps=0.0,
                   anchors=None, gauss_newton=False)
                                               one SGD step whose first-order effect on the
                                               held outputs is zero

Parameters are handled as one flat vector (all variables, reshaped and concatenated in the
order given), so J has one column per scalar parameter and one row per (input, held output).
"""
import numbers

import numpy as np
import tensorflow as tf


def flatten_tensors(tensors):
    """Concatenate a list of tensors (e.g. gradients, one per variable) into one flat vector."""
    return tf.concat([tf.reshape(t, [-1]) for t in tensors], axis=0)


def split_like(vector, variables):
    """Split a flat vector back into pieces shaped like `variables` (inverse of flatten_tensors)."""
    pieces = tf.split(vector, [int(np.prod(v.shape)) for v in variables])
    return [tf.reshape(p, v.shape) for p, v in zip(pieces, variables)]


def held_jacobian(model, variables, x, hold=(0,)):
    """J: the Jacobian of the held outputs on the inputs `x` w.r.t. all `variables`.

    Shape (len(x) * len(hold), n_params): row i * len(hold) + k is d model(x)[i, hold[k]] / d params.
    A parameter the held outputs do not depend on gets a column of zeros.
    """
    with tf.GradientTape() as tape:
        held = tf.gather(model(x), list(hold), axis=1)                        # (n, h)
    per_variable = tape.jacobian(held, variables, unconnected_gradients="zero")  # (n, h, *v.shape)
    return tf.concat([tf.reshape(j, [-1, int(np.prod(v.shape))])
                      for j, v in zip(per_variable, variables)], axis=1)


def _spectrum(J, eps):
    """J = U diag(s) V^T, and the factors that (J J^T + eps I)^-1 becomes in that basis.

    Returns (u, s, v, inv) with inv = s / (s^2 + eps); with eps == 0 that is 1/s, and singular
    values at rounding level (below s_max * max(J.shape) * machine epsilon, the tolerance of
    numpy.linalg.matrix_rank) count as exactly zero: the pseudo-inverse.
    """
    s, u, v = tf.linalg.svd(J)
    tol = s[0] * tf.cast(tf.reduce_max(tf.shape(J)), J.dtype) * np.finfo(J.dtype.as_numpy_dtype).eps
    inv = tf.where(s > tol, s / (tf.square(s) + eps), tf.zeros_like(s))
    return u, s, v, inv


def project_out(g, J, eps=0.0):
    """Remove from `g` (flat, n_params) what would change the outputs J describes, to first order.

    Returns g - J^T (J J^T + eps I)^-1 J g, computed from the SVD of J (forming J J^T would
    square J's condition number). eps = 0 removes every direction J can see, so J @ result is
    zero up to rounding; eps > 0 removes a direction with singular value s only by the
    fraction s^2 / (s^2 + eps), i.e. hardly at all when s is below sqrt(eps).
    """
    _, s, v, inv = _spectrum(J, eps)
    return g - tf.linalg.matvec(v, s * inv * tf.linalg.matvec(v, g, transpose_a=True))


def gauss_newton_correction(J, residual, eps=0.0):
    """The smallest parameter change that cancels `residual` (the held outputs' drift) to first order.

    -J^T (J J^T + eps I)^-1 residual: the least-norm solution of J @ delta = -residual.
    """
    u, _, v, inv = _spectrum(J, eps)
    return -tf.linalg.matvec(v, inv * tf.linalg.matvec(u, residual, transpose_a=True))


def _input_width(model):
    """Number of input features a Keras model expects, or None if unknown (plain function)."""
    shape = getattr(model, "input_shape", None)
    return shape[-1] if isinstance(shape, tuple) and len(shape) == 2 else None


def _check_inputs(model, variables, x, hold, lr, eps, anchors):
    """Validate before any tracing, with messages that name what is allowed; returns hold as a tuple."""
    if not variables or not all(hasattr(v, "assign_add") for v in variables):
        raise ValueError("variables must be a non-empty list of tf.Variable or keras.Variable "
                         "(e.g. model.trainable_variables)")
    if len(x.shape) != 2:
        raise ValueError(f"x must be 2-D (samples, features); got shape {tuple(x.shape)}")
    n_in = _input_width(model)
    if n_in is not None and x.shape[1] != n_in:
        raise ValueError(f"x has {x.shape[1]} features per sample but the model takes {n_in}")
    if anchors is not None and (len(anchors.shape) != 2 or anchors.shape[1] != x.shape[1]):
        raise ValueError(f"anchors must be 2-D with {x.shape[1]} features per sample like x; "
                         f"got shape {tuple(anchors.shape)}")
    if not (isinstance(lr, numbers.Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    if not (isinstance(eps, numbers.Real) and np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0 (0 = exact projection); got {eps!r}")
    out_shape = model(x[:1]).shape
    if len(out_shape) != 2:
        raise ValueError(f"the model must return 2-D outputs (samples, outputs); got shape {tuple(out_shape)}")
    n_out = out_shape[1]
    hold = tuple(np.atleast_1d(hold).tolist())
    if not hold or not all(isinstance(h, int) and 0 <= h < n_out for h in hold) or len(set(hold)) < len(hold):
        raise ValueError(f"hold must list distinct output indices from 0 to {n_out - 1} "
                         f"(the model has {n_out} outputs); got {hold}")
    return hold


def projected_step(model, variables, x, loss_fn, hold=(0,), lr=0.1, eps=0.0,
                   anchors=None, gauss_newton=False):
    """One SGD step on `loss_fn(model(x))` that leaves the outputs in `hold` unchanged to first order.

    model         a Keras model, or any callable mapping a batch (n, features) to outputs (n, k)
    variables     the variables to update, e.g. model.trainable_variables (all of them)
    x             the batch, shape (n, features), in the model's dtype
    loss_fn       callable: outputs (n, k) -> scalar loss (close over the targets)
    hold          output indices in 0..k-1 to hold still, e.g. (0,) for output 1
    lr            learning rate, > 0
    eps           ridge in (J J^T + eps I)^-1, finite and >= 0; 0 = exact (pseudo-inverse)
    anchors       optional extra inputs (m, features) on which the held outputs are held too
    gauss_newton  after the step, one Gauss-Newton step that pulls the held outputs on x (and
                  anchors) back to their values before the step, removing the second-order drift

    The update is -lr * (g - J^T (J J^T + eps I)^-1 J g), with g the loss gradient and J the
    held outputs' Jacobian on x (and anchors). Returns the loss before the step. Raises
    ValueError on bad input. Can be wrapped in tf.function (validation then runs when traced).
    """
    hold = _check_inputs(model, variables, x, hold, lr, eps, anchors)
    points = x if anchors is None else tf.concat([x, tf.cast(anchors, x.dtype)], axis=0)
    held_before = tf.gather(model(points), list(hold), axis=1)

    with tf.GradientTape() as tape:
        loss = loss_fn(model(x))
    if loss.shape.rank != 0:
        raise ValueError(f"loss_fn must return a scalar; got shape {tuple(loss.shape)}")
    g = flatten_tensors(tape.gradient(loss, variables, unconnected_gradients="zero"))
    J = held_jacobian(model, variables, points, hold)
    _apply(variables, -lr * project_out(g, J, eps))

    if gauss_newton:
        residual = tf.reshape(tf.gather(model(points), list(hold), axis=1) - held_before, [-1])
        J_after = held_jacobian(model, variables, points, hold)
        _apply(variables, gauss_newton_correction(J_after, residual, eps))
    return loss


def _apply(variables, flat_delta):
    for v, d in zip(variables, split_like(flat_delta, variables)):
        v.assign_add(d)
